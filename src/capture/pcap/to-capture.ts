// One reassembled TCP connection as a Capture: the TLS part of each direction as chunks (with
// packet times and stream offsets), the key log lines for its ClientHello, its packets and gaps.
// Connections that are not TLS are returned with the reason they were skipped.

import type { Capture, CaptureChunk, CaptureGap, CaptureTruncation, Direction } from '../types.js';
import type { Endpoint, TcpConnection } from './connections.js';
import type { KeylogIndex } from './keylog-index.js';
import { clientRandom, findRecordBoundary, leadingBytes, startsClientHello, startsServerHello, startsTls } from './tls-start.js';

export type FoundConnection =
  | { number: number; client: Endpoint; server: Endpoint; startedAt: string; tls: true; capture: Capture }
  | { number: number; client: Endpoint; server: Endpoint; startedAt: string; tls: false; reason: string };

/** Bytes looked at to decide whether a stream is TLS: enough for a record boundary search in a stream joined mid-way. */
const SNIFF_BYTES = 64 * 1024;
/** A stream whose start was captured (SYN seen) is told by its first record header and hello random. */
const HEAD_BYTES = 64;

/** The leading bytes this stream's TLS start is decided from (copied: 64 KiB a direction only when the search may need them). */
function head(s: TcpConnection['streams']['client']): Buffer {
  return leadingBytes(s.chunks, s.synSeen ? HEAD_BYTES : SNIFF_BYTES);
}

/** Chunks from stream offset `from` on, re-based so the TLS start is offset 0; stops at the first gap. */
function tlsChunks(chunks: readonly CaptureChunk[], from: number, gaps: readonly CaptureGap[], direction: Direction): CaptureChunk[] {
  const stop = gaps[0]?.offset ?? Infinity;
  const out: CaptureChunk[] = [];
  for (const c of chunks) {
    const end = c.offset + c.bytes.length;
    if (end <= from || c.offset >= stop) continue;
    const lo = Math.max(from, c.offset) - c.offset;
    const hi = Math.min(end, stop) - c.offset;
    // The usual case (TLS from byte 0, no gap): the chunk as it is, not a copy of its object and a new view.
    if (from === 0 && lo === 0 && hi === c.bytes.length && c.direction === direction) out.push(c);
    else out.push({ direction, timeMs: c.timeMs, offset: c.offset + lo - from, bytes: c.bytes.subarray(lo, hi) });
  }
  return out;
}

/** Where TLS starts in a stream: 0 when it opens with TLS, a record boundary when joined mid-stream. */
function tlsStart(head: Buffer, joinedMidStream: boolean): number | undefined {
  if (head.length === 0) return undefined;
  if (startsTls(head)) return 0;
  return joinedMidStream ? findRecordBoundary(head) : undefined;
}

export function connectionCapture(conn: TcpConnection, keylog: KeylogIndex): FoundConnection {
  let { client, server } = conn;
  let streams = conn.streams;
  let heads = { client: head(streams.client), server: head(streams.server) };
  // Without a captured SYN the first sender may be the server: the ClientHello (or, in a capture of
  // the server side only, the ServerHello) says who is who.
  const serverSpokeFirst = startsClientHello(heads.server) || (startsServerHello(heads.client) && heads.server.length === 0);
  if (conn.syn === undefined && conn.synAck === undefined && !startsClientHello(heads.client) && serverSpokeFirst) {
    [client, server] = [server, client];
    streams = { client: streams.server, server: streams.client };
    heads = { client: heads.server, server: heads.client };
    for (const p of conn.packets) p.direction = p.direction === 'client' ? 'server' : 'client';
  }
  const base = { number: conn.number, client, server, startedAt: new Date(conn.firstTimeMs).toISOString() };
  const start = {
    client: tlsStart(heads.client, !streams.client.synSeen),
    server: tlsStart(heads.server, !streams.server.synSeen),
  };
  if (conn.notTls === true || (start.client === undefined && start.server === undefined)) {
    // A connection decided early (src/capture/pcap/connections.ts) has released its bytes: it had payload.
    const empty = conn.notTls !== true && heads.client.length === 0 && heads.server.length === 0;
    const reason = empty ? 'no payload' : 'not TLS: neither stream starts with a TLS record (STARTTLS is not read yet)';
    return { ...base, tls: false, reason };
  }
  const direction = (d: Direction): CaptureChunk[] => {
    const s = streams[d];
    return tlsChunks(s.chunks, start[d] ?? 0, s.gaps, d);
  };
  // Both directions' chunks in packet-time order, so the steps follow the wire (a stable sort keeps each direction's order).
  const chunks = [...direction('client'), ...direction('server')].sort((a, b) => a.timeMs - b.timeMs);
  const random = clientRandom(heads.client.subarray(start.client ?? 0));
  const lines = random ? keylog.linesFor(random) : [];
  const truncated: CaptureTruncation[] = (['client', 'server'] as const).filter((d) => streams[d].capped).map((d) => ({ direction: d, recordedBytes: chunks.filter((c) => c.direction === d).reduce((n, c) => n + c.bytes.length, 0) }));
  // Gap offsets in the same space as the chunks': from where TLS starts in that direction.
  const gaps = (['client', 'server'] as const).flatMap((d) => streams[d].gaps.map((g) => ({ direction: d, offset: g.offset - (start[d] ?? 0), length: g.length })));
  // Packet stream offsets in the same space too, so the packet view can name the records they carry.
  for (const p of conn.packets) if (p.stream && start[p.direction]) p.stream = { offset: p.stream.offset - (start[p.direction] ?? 0), length: p.stream.length };
  const connectMs = conn.syn !== undefined && conn.handshakeAck !== undefined ? conn.handshakeAck - conn.syn : undefined;
  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: server.addr, port: server.port, address: server.addr, family: server.addr.includes(':') ? 6 : 4 },
    startedAt: base.startedAt,
    timings: { ...(connectMs !== undefined ? { connectMs } : {}), totalMs: Math.round((conn.lastTimeMs - conn.firstTimeMs) * 1000) / 1000 },
    options: {},
    chunks,
    keylog: lines,
    source: 'pcap',
    packets: conn.packets,
    ...(conn.packetsOmitted > 0 ? { packetsOmitted: conn.packetsOmitted } : {}),
    ...(gaps.length > 0 ? { gaps } : {}),
    ...(truncated.length > 0 ? { truncated } : {}),
  };
  return { ...base, tls: true, capture };
}
