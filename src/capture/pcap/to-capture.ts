// One reassembled TCP connection as a Capture: the TLS part of each direction as chunks (with
// packet times and stream offsets), the key log lines for its ClientHello, its packets and gaps.
// Plaintext before TLS (prologue.ts) becomes the Capture's prologue. Connections that are not TLS
// are returned with the reason they were skipped.

import { MAX_PROLOGUE_SEARCH_BYTES } from '../../limits.js';
import type { Capture, CaptureChunk, CaptureGap, CapturePacket, CapturePrologue, CaptureTruncation, Direction } from '../types.js';
import { clientTlsAfterPlaintext, noPayloadReason, notTlsReason, serverTlsAfterPlaintext } from './prologue.js';
import type { Endpoint, TcpConnection } from './connections.js';
import type { KeylogIndex } from './keylog-index.js';
import { clientRandom, findRecordBoundary, isRecordHeader, leadingBytes, RESYNC_WINDOW, startsClientHello, startsServerHello, startsTls } from './tls-start.js';

export type FoundConnection =
  | { number: number; client: Endpoint; server: Endpoint; startedAt: string; tls: true; capture: Capture }
  | { number: number; client: Endpoint; server: Endpoint; startedAt: string; tls: false; reason: string };

/** Bytes looked at to decide whether a stream is TLS. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The TLS part of a direction: chunks from stream offset `from` on, re-based so the TLS start is
 * offset 0. After each gap the bytes up to the next record boundary (the rest of a record the gap
 * cut) are left out, so decoding resumes at a record; when no boundary is found in the bytes
 * before the next gap, that stretch is left out whole.
 */
function tlsChunks(chunks: readonly CaptureChunk[], from: number, gaps: readonly CaptureGap[], direction: Direction): readonly CaptureChunk[] {
  if (from === 0 && gaps.length === 0 && asTheyAre(chunks, direction)) return chunks;
  const out: CaptureChunk[] = [];
  const stretches = keptStretches(from, gaps);
  for (const [i, s] of stretches.entries()) {
    let lo = s.start;
    if (i > 0) {
      const boundary = findRecordBoundary(bytesBetween(chunks, s.start, s.end));
      if (boundary === undefined) continue;
      lo += boundary;
    }
    for (const c of chunks) {
      const end = c.offset + c.bytes.length;
      if (end <= lo || c.offset >= s.end) continue;
      const a = Math.max(lo, c.offset) - c.offset;
      const b = Math.min(end, s.end) - c.offset;
      // Bytes held behind a hole become readable when the hole fills: a time never before the
      // previous chunk's, so sorting both directions by time keeps each one in stream order.
      const timeMs = Math.max(c.timeMs, out.at(-1)?.timeMs ?? -Infinity);
      const frame = Math.max(c.frame ?? 0, out.at(-1)?.frame ?? 0);
      // The usual case (TLS from byte 0, the whole chunk kept, time unchanged): the chunk as it is,
      // not a copy of its object and a new view.
      if (from === 0 && a === 0 && b === c.bytes.length && timeMs === c.timeMs && frame === (c.frame ?? 0) && c.direction === direction) out.push(c);
      else out.push({ direction, timeMs, offset: c.offset + a - from, bytes: c.bytes.subarray(a, b), frame });
    }
  }
  return out;
}

/**
 * Whether a stream's chunks are already what tlsChunks makes of them when TLS starts at byte 0 and
 * nothing is missing (the usual case): this direction's, in wire order. Then they are used as
 * they are, without a new list.
 */
function asTheyAre(chunks: readonly CaptureChunk[], direction: Direction): boolean {
  for (let i = 0; i < chunks.length; i++) if (chunks[i].direction !== direction || (i > 0 && byWireOrder(chunks[i], chunks[i - 1]) < 0)) return false;
  return true;
}

/** The stretches of a stream between its gaps, from `from` on. */
function keptStretches(from: number, gaps: readonly CaptureGap[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = from;
  for (const g of gaps) {
    if (g.offset + g.length <= from) continue;
    if (g.offset > start) out.push({ start, end: g.offset });
    start = Math.max(start, g.offset + g.length);
  }
  out.push({ start, end: Infinity });
  return out;
}

/** Stream bytes [start, end) as one buffer, at most RESYNC_WINDOW of them (the boundary search's reach). */
function bytesBetween(chunks: readonly CaptureChunk[], start: number, end: number): Buffer {
  const stop = Math.min(end, start + RESYNC_WINDOW);
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    const cEnd = c.offset + c.bytes.length;
    if (cEnd <= start || c.offset >= stop) continue;
    parts.push(c.bytes.subarray(Math.max(start, c.offset) - c.offset, Math.min(stop, cEnd) - c.offset));
  }
  return Buffer.concat(parts);
}

type Heads = Record<Direction, Buffer>;

/**
 * Where TLS starts in each direction: 0 when a stream opens with TLS; after a plaintext prologue
 * (STARTTLS, PROXY header, HTTP CONNECT: `prologue` set) at the client's ClientHello and the
 * server's first TLS record (Infinity when the server's bytes are all plaintext); for a stream
 * joined mid-connection, its first record boundary.
 */
function tlsStarts(heads: Heads, joined: Record<Direction, boolean>): { client?: number; server?: number; prologue: boolean } {
  const at = (d: Direction): number | undefined => {
    const head = heads[d];
    if (head.length === 0) return undefined;
    if (startsTls(head)) return 0;
    return joined[d] ? findRecordBoundary(head) : undefined;
  };
  const hello = heads.client.length > 0 && !startsTls(heads.client) ? clientTlsAfterPlaintext(heads.client) : undefined;
  if (hello === undefined) return { client: at('client'), server: at('server'), prologue: false };
  const server = heads.server.length === 0 ? undefined : startsTls(heads.server) ? 0 : (serverTlsAfterPlaintext(heads.server) ?? Infinity);
  return { client: hello, server, prologue: true };
}

/** The plaintext before TLS, one entry per captured chunk (packet), both directions in time order. */
function prologueOf(streams: Record<Direction, TcpConnection['streams']['client']>, start: { client?: number; server?: number }): CapturePrologue[] {
  const out: (CapturePrologue & { frame?: number })[] = [];
  for (const d of ['client', 'server'] as const) {
    // Bounded like the search: a server that never reached TLS keeps at most this much as prologue.
    const stop = Math.min(start[d] ?? 0, MAX_PROLOGUE_SEARCH_BYTES);
    for (const c of streams[d].chunks) {
      if (c.offset >= stop) break;
      out.push({ direction: d, timeMs: c.timeMs, frame: c.frame, bytes: c.bytes.subarray(0, Math.min(c.bytes.length, stop - c.offset)) });
    }
  }
  return out.sort(byWireOrder).map(({ direction, timeMs, bytes }) => ({ direction, timeMs, bytes }));
}

/**
 * The frame's position in the file, then time: one connection's frames are in the file in the order
 * they were captured (as tshark lists them), also when the clock stepped back or is coarse enough
 * that timestamps tie; sorting by time put a stepped server flight before the client's Finished.
 */
function byWireOrder(a: { timeMs: number; frame?: number }, b: { timeMs: number; frame?: number }): number {
  return (a.frame ?? 0) - (b.frame ?? 0) || a.timeMs - b.timeMs;
}

/** Why a connection is not TLS, in words for the skipped list. */
function skipReason(conn: TcpConnection, heads: Heads): string {
  if (conn.notTlsReason !== undefined) return conn.notTlsReason;
  if (heads.client.length === 0 && heads.server.length === 0) {
    return noPayloadReason({ syn: conn.syn !== undefined, synAck: conn.synAck !== undefined, rst: conn.rstSeen === true, fin: conn.streams.client.finSeen || conn.streams.server.finSeen });
  }
  return notTlsReason(heads.client, heads.server, Math.min(heads.client.length, MAX_PROLOGUE_SEARCH_BYTES));
}

/**
 * Without a captured SYN the first sender may be the server: the ClientHello (at the start or
 * after a STARTTLS dialogue the server opened) or the ServerHello (the capture began after the
 * ClientHello, or holds the server side only) says who is who. With no hello in view (joined
 * later still), a system port (< 1024) on one side only is the server's, as clients send from
 * ephemeral ports; else the first sender stays the client.
 */
function serverSpokeFirst(conn: TcpConnection, heads: Heads): boolean {
  if (conn.syn !== undefined || conn.synAck !== undefined || startsClientHello(heads.client)) return false;
  if (startsClientHello(heads.server)) return true;
  if (startsServerHello(heads.client) || startsServerHello(heads.server)) return !startsServerHello(heads.server);
  if (clientTlsAfterPlaintext(heads.client) !== undefined) return false;
  if (clientTlsAfterPlaintext(heads.server) !== undefined) return true;
  return isSystemPort(conn.client.port) && !isSystemPort(conn.server.port);
}

/** IANA's system ports (RFC 6335 §6): assigned to services, never picked as a client's ephemeral port. */
const isSystemPort = (port: number): boolean => port < 1024;

/** Bytes enough for every look at a stream that opens with a TLS record (the ClientHello's random ends at 43). */
const RECORD_START_BYTES = 64;

/**
 * The leading bytes of each stream the checks below read: the first RECORD_START_BYTES when each
 * stream is empty or opens with a TLS record and nothing asks whether the server spoke first (a
 * SYN was captured, or the client opens with a ClientHello); else SNIFF_BYTES, for the searches
 * through plaintext. Either gives the same answers; the short one spares copying 64 KiB a side.
 */
function streamHeads(conn: TcpConnection): Heads {
  const { client, server } = conn.streams;
  const short = { client: leadingBytes(client.chunks, RECORD_START_BYTES), server: leadingBytes(server.chunks, RECORD_START_BYTES) };
  const opensTls = (b: Buffer): boolean => b.length === 0 || isRecordHeader(b);
  const sideKnown = conn.syn !== undefined || conn.synAck !== undefined || startsClientHello(short.client);
  if (opensTls(short.client) && opensTls(short.server) && sideKnown) return short;
  return { client: leadingBytes(client.chunks, SNIFF_BYTES), server: leadingBytes(server.chunks, SNIFF_BYTES) };
}

export function connectionCapture(conn: TcpConnection, keylog: KeylogIndex): FoundConnection {
  let { client, server } = conn;
  let streams = conn.streams;
  let heads = streamHeads(conn);
  if (serverSpokeFirst(conn, heads)) {
    [client, server] = [server, client];
    streams = { client: streams.server, server: streams.client };
    heads = { client: heads.server, server: heads.client };
    for (const p of conn.packets) p.direction = p.direction === 'client' ? 'server' : 'client';
  }
  const base = { number: conn.number, client, server, startedAt: new Date(conn.firstTimeMs).toISOString() };
  const { prologue: hasPrologue, ...start } = tlsStarts(heads, { client: !streams.client.synSeen, server: !streams.server.synSeen });
  if (conn.notTls === true || (start.client === undefined && start.server === undefined)) return { ...base, tls: false, reason: skipReason(conn, heads) };
  const prologue = hasPrologue ? prologueOf(streams, start) : [];
  const direction = (d: Direction): readonly CaptureChunk[] => {
    const s = streams[d];
    return tlsChunks(s.chunks, start[d] ?? 0, s.gaps, d);
  };
  // Both directions' chunks in wire order (packet time, then the frame's position in the file when
  // timestamps tie, as they do with a clock coarser than the packets), so the steps follow the wire.
  const chunks = byTime(direction('client'), direction('server'));
  // Without key log lines there is nothing to look up: no hex of the client random per connection.
  const random = keylog.empty ? undefined : clientRandom(heads.client.subarray(start.client ?? 0));
  const lines = random ? keylog.linesFor(random) : [];
  const truncated: CaptureTruncation[] = !streams.client.capped && !streams.server.capped ? [] : (['client', 'server'] as const).filter((d) => streams[d].capped).map((d) => ({ direction: d, recordedBytes: chunks.filter((c) => c.direction === d).reduce((n, c) => n + c.bytes.length, 0) }));
  // Gap offsets in the same space as the chunks': from where TLS starts in that direction.
  const gaps = streams.client.gaps.length + streams.server.gaps.length === 0 ? [] : (['client', 'server'] as const).flatMap((d) => streams[d].gaps.filter((g) => g.offset >= (start[d] ?? 0)).map((g) => ({ direction: d, offset: g.offset - (start[d] ?? 0), length: g.length })));
  rebasePackets(conn.packets, start);
  const connectMs = conn.syn !== undefined && conn.handshakeAck !== undefined ? conn.handshakeAck - conn.syn : undefined;
  const totalMs = Math.round((conn.lastTimeMs - conn.firstTimeMs) * 1000) / 1000;
  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: server.addr, port: server.port, address: server.addr, family: server.addr.includes(':') ? 6 : 4 },
    client: { address: client.addr, port: client.port },
    startedAt: base.startedAt,
    timings: connectMs !== undefined ? { connectMs, totalMs } : { totalMs },
    options: {},
    chunks,
    keylog: lines,
    source: 'pcap',
  };
  // The optional keys set one by one in the order the JSON lists them, not spread from throw-away
  // objects (a capture per connection, tens of thousands in a large file).
  // A connection whose packets were not listed (its consumer shows none) has no packet list at all.
  if (conn.listPackets) capture.packets = conn.packets;
  if (conn.packetsOmitted > 0) capture.packetsOmitted = conn.packetsOmitted;
  if (prologue.length > 0) capture.prologue = prologue;
  if (gaps.length > 0) capture.gaps = gaps;
  if (truncated.length > 0) capture.truncated = truncated;
  return { number: base.number, client, server, startedAt: base.startedAt, tls: true, capture };
}

/**
 * Two directions' chunks, each already in wire order, merged into one in wire order (frame
 * position, then time; byWireOrder).
 */
function byTime(client: readonly CaptureChunk[], server: readonly CaptureChunk[]): CaptureChunk[] {
  const out: CaptureChunk[] = [];
  let i = 0;
  let j = 0;
  while (i < client.length && j < server.length) out.push(byWireOrder(server[j], client[i]) < 0 ? server[j++] : client[i++]);
  while (i < client.length) out.push(client[i++]);
  while (j < server.length) out.push(server[j++]);
  return out;
}

/**
 * Packet stream offsets in the chunks' space (from where TLS starts), so the packet view can name
 * the records they carry; a segment that carried only prologue bytes carries no TLS bytes.
 */
function rebasePackets(packets: CapturePacket[], start: { client?: number; server?: number }): void {
  for (const p of packets) {
    const from = start[p.direction] ?? 0;
    if (!p.stream || from === 0) continue;
    if (p.stream.offset + p.stream.length <= from) delete p.stream;
    else p.stream = { offset: p.stream.offset - from, length: p.stream.length };
  }
}
