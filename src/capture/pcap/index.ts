// `tls-trace read FILE`: a tcpdump/Wireshark capture (pcap or pcapng, gzip or not) becomes one
// Capture per TLS connection found in it, so the ordinary pipeline decodes, decrypts and analyses
// each exactly as it does a live trace. The file is streamed; memory follows the caps in
// src/limits.ts, not the file's size. Damage stops reading with one note; what came before stays.

import { UsageError } from '../../errors.js';
import { MAX_CAPTURE_KEYLOG_BYTES, MAX_CAPTURE_KEYLOG_LINES, MAX_TCP_CONNECTIONS, MAX_TCP_OUT_OF_ORDER_BYTES, MAX_TCP_OUT_OF_ORDER_SEGMENTS } from '../../limits.js';
import { ByteReader, CompressedInputError, openCaptureBytes, TruncatedInput, type CaptureBytes } from './byte-reader.js';
import { ConnectionTable } from './connections.js';
import { CaptureFormatError, sniffFormat, type CaptureFormat, type CaptureSink } from './file-format.js';
import { readPcap } from './pcap-file.js';
import { readPcapng } from './pcapng-file.js';
import { KeylogIndex } from './keylog-index.js';
import { decodeFrame, IpDefragmenter } from './layers.js';
import { connectionCapture, type FoundConnection } from './to-capture.js';

export type { FoundConnection } from './to-capture.js';
export { CompressedInputError, NotRegularFile, openCaptureSource, type CaptureBytes } from './byte-reader.js';
export { sniffFormat } from './file-format.js';

export interface CaptureFileContents {
  format: CaptureFormat;
  gzip: boolean;
  frames: number;
  connections: FoundConnection[];
  /** Sentences about damage, caps and skipped frames, for stderr. */
  notes: string[];
}

/** Whether FILE starts like a pcap/pcapng capture (gzip or not); for choosing between read paths. */
export async function isPacketCapture(path: string): Promise<boolean> {
  const { reader, close } = await openCaptureBytes(path);
  try {
    return sniffFormat(await reader.peek(4)) !== undefined;
  } catch {
    return false;
  } finally {
    await close();
  }
}

/**
 * Reads FILE; `keylog` adds NSS key log lines (from --keylog) to those in the file's DSBs. With
 * `onConnection`, each connection is handed over as soon as it is over (closed and quiet, or at the
 * end of the file) and `connections` stays empty, so a caller that keeps only a summary per
 * connection holds only the open ones in memory. Key log lines from a DSB apply to the connections
 * that end after it (pcapng writers put DSBs before the packets they decrypt). `listPackets`, asked
 * with a connection's number when it opens, says whether its capture gets a packet list (without
 * it every one does): a caller that will show no packet of a connection spares reading them in.
 */
export async function readPacketCapture(path: string, keylog: readonly string[] = [], onConnection?: (c: FoundConnection) => void, listPackets?: (number: number) => boolean): Promise<CaptureFileContents> {
  return readCaptureBytes(path, await openCaptureBytes(path), keylog, onConnection, listPackets);
}

/** readPacketCapture on bytes already opened (a file, or stdin through openCaptureSource); `path` names them in messages. */
export async function readCaptureBytes(path: string, bytes: CaptureBytes, keylog: readonly string[] = [], onConnection?: (c: FoundConnection) => void, listPackets?: (number: number) => boolean): Promise<CaptureFileContents> {
  const { reader, gzip, gzipTruncated, close } = bytes;
  try {
    const head = await reader.peek(4).catch((e: unknown) => {
      // The gzip data is broken before any capture byte came out: nothing to show, so a usage error.
      if (e instanceof CompressedInputError) throw new UsageError(`${path} is not a readable capture: ${e.message}`);
      throw e;
    });
    if (head.length === 0) throw new UsageError(`${path} is empty: not a capture`);
    const format = sniffFormat(head);
    if (!format) throw new UsageError(`${path} is not a pcap or pcapng capture (it starts with ${head.toString('hex')})`);
    const contents = await readConnections(reader, format, keylog, onConnection, listPackets);
    // A cut .gz whose last whole frame ended exactly where decompression stopped: say so all the same.
    if (gzipTruncated.at !== undefined && !contents.notes.some((n) => n.startsWith('the capture is truncated'))) {
      contents.notes.push(`the capture is truncated: the gzip data ends early, after ${gzipTruncated.at} decompressed bytes; the ${contents.frames} frame(s) before it were read`);
    }
    return { ...contents, gzip };
  } finally {
    await close();
  }
}

/**
 * The connections in capture bytes already in memory (what tcpdump or dumpcap wrote to stdout for
 * a live `--packets` trace); undefined when the bytes are not a pcap or pcapng capture.
 */
export async function readPacketBytes(data: Buffer): Promise<CaptureFileContents | undefined> {
  const format = sniffFormat(data.subarray(0, 4));
  if (!format) return undefined;
  const reader = new ByteReader((async function* (): AsyncGenerator<Buffer> {
    yield data;
  })());
  return { ...(await readConnections(reader, format, [])), gzip: false };
}

async function readConnections(reader: ByteReader, format: CaptureFormat, keylog: readonly string[], onConnection?: (c: FoundConnection) => void, listPackets?: (number: number) => boolean): Promise<Omit<CaptureFileContents, 'gzip'>> {
  const secrets = new KeylogIndex();
  secrets.add(keylog);
  const connections: FoundConnection[] = [];
  const table = new ConnectionTable((conn) => {
    const found = connectionCapture(conn, secrets);
    if (onConnection) onConnection(found);
    else connections.push(found);
  }, listPackets);
  const notes: string[] = [];
  const frames = await readFrames(reader, format, table, secrets, notes);
  finishTable(table, notes);
  if (table.untracked > 0) notes.push(`${table.untracked} segment(s) of connections past tls-trace's limit of ${MAX_TCP_CONNECTIONS} connections per file were not read`);
  const omitted = table.packetsOmitted;
  if (omitted > 0) notes.push(`${omitted} TCP segment(s) were reassembled but not listed: past tls-trace's packet-list limits`);
  if (secrets.dropped > 0) notes.push(`${secrets.dropped} key log line(s) past tls-trace's limit of ${MAX_CAPTURE_KEYLOG_LINES} lines or ${MAX_CAPTURE_KEYLOG_BYTES} bytes of secrets per capture were not used`);
  if (table.heldLimitHits > 0) notes.push(`${table.heldLimitHits} time(s) out-of-order TCP data reached tls-trace's limit of ${MAX_TCP_OUT_OF_ORDER_SEGMENTS} segments or ${MAX_TCP_OUT_OF_ORDER_BYTES} bytes held per direction: the bytes still missing were recorded as a gap`);
  if (table.budget.exhausted) notes.push(`stream bytes past tls-trace's ${table.budget.limit}-byte total were not kept`);
  connections.sort((a, b) => a.number - b.number);
  return { format, frames, connections, notes };
}

/**
 * Hands on the connections still open. Reassembly and key matching run here for most connections;
 * a failure in them is a note like any other damage, so what was read before still shows.
 */
function finishTable(table: ConnectionTable, notes: string[]): void {
  try {
    table.finish();
  } catch (e) {
    notes.push(`the connections still open at the end of the capture could not all be reassembled: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function readFrames(reader: ByteReader, format: CaptureFormat, table: ConnectionTable, secrets: KeylogIndex, notes: string[]): Promise<number> {
  const defrag = new IpDefragmenter();
  // Keyed by the fixed reason text: a count and the first frame's details, however many frames are bad.
  const badFrames = new Map<string, { count: number; example?: string }>();
  let frames = 0;
  const sink: CaptureSink = {
    frame(linkType: number, data: Buffer, timeMs: number): void {
      frames++;
      const r = decodeFrame(linkType, data, defrag);
      if (r.kind === 'tcp') table.add(r.segment, timeMs, frames);
      else if (r.kind === 'bad') {
        const seen = badFrames.get(r.reason);
        if (seen) seen.count++;
        else badFrames.set(r.reason, { count: 1, ...(r.example !== undefined ? { example: `frame ${frames}: ${r.example}` } : {}) });
      }
    },
    record(): void {
      frames++;
    },
    secrets: (keylog: string[]): void => secrets.add(keylog),
  };
  try {
    await (format === 'pcap' ? readPcap(reader, sink) : readPcapng(reader, sink));
  } catch (e) {
    if (e instanceof TruncatedInput) notes.push(`the capture is truncated: ${e.message}; the ${frames} frame(s) before it were read`);
    else if (e instanceof CaptureFormatError || e instanceof CompressedInputError) notes.push(`the capture is damaged: ${e.message}; the ${frames} frame(s) before it were read`);
    else throw e;
  }
  for (const [reason, b] of badFrames) notes.push(`${b.count} frame(s) skipped: ${reason}${b.example !== undefined ? ` (the first, ${b.example})` : ''}`);
  if (defrag.dropped > 0) notes.push(`${defrag.dropped} fragmented IP datagram(s) were never completed`);
  return frames;
}
