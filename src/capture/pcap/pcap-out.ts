// `--pcap OUT.pcapng`: one or more Captures as a pcapng file that Wireshark and tshark open
// decrypted with no options. Layout (draft-ietf-opsawg-pcapng): a Section Header Block, one
// Interface Description Block (Ethernet, nanosecond timestamps), a Decryption Secrets Block with
// the NSS key log BEFORE any packet (Wireshark reads secrets in its first pass only), then one
// Enhanced Packet Block per frame in time order.
//
// The frames are the connection's real TCP segments when the capture has them (Capture.packets:
// `read` of a tcpdump file, live `--packets`), rebuilt with their times, flags, relative seq/ack
// and windows; otherwise they are synthesized from the recorded chunks: a three-way handshake,
// data segments of at most one MSS at the times the bytes were recorded, and a FIN exchange.
// Pure: returns bytes; the CLI writes them (owner-only, the file holds secrets).

import type { Capture, CapturePacket, Direction, TcpFlagName, TcpSynOptions } from '../types.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, ipBytes, tcpFrame, type FrameEndpoint } from './frame-out.js';
import { StreamBytes } from './stream-bytes.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BLOCK_DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const LINKTYPE_ETHERNET = 1;
/** DSB secrets type "TLS Key Log" (NSS key log lines). */
const SECRETS_TLS_KEYLOG = 0x544c534b;
const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_TSRESOL = 9;
/** if_tsresol 9: timestamps count nanoseconds. */
const TSRESOL_NANOSECONDS = 9;

/** One MSS of payload: Ethernet's 1500-byte MTU less the IP and TCP headers. */
const MSS_IPV4 = 1460;
const MSS_IPV6 = 1440;
const WINDOW = 65535;
/** Most TCP payload one frame carries: IPv4's 16-bit total length less 20-byte IP and TCP headers. */
const MAX_IP_PAYLOAD = 65535 - 40;

interface TimedFrame {
  /** Nanoseconds since the Unix epoch. */
  timeNs: bigint;
  data: Uint8Array;
}

/** A TCP segment before it becomes a frame: absolute seq/ack, its time relative to the capture's start. */
interface Segment {
  timeMs: number;
  direction: Direction;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: Uint8Array;
  mss?: number;
  synOptions?: TcpSynOptions;
}

/** The pcapng bytes for `captures` (one connection each), under the name `application` in the SHB. */
export function capturesToPcapng(captures: readonly Capture[], application = 'tls-trace'): Uint8Array {
  // Connections interleave by time, but each keeps its own frame order even where its timestamps
  // go backwards (a capture file may have them so): frames sort by the latest time their
  // connection has reached, and the sort is stable.
  const frames: Array<TimedFrame & { key: bigint }> = [];
  captures.forEach((c, i) => {
    let key = -1n;
    for (const f of connectionFrames(c, i)) {
      key = f.timeNs > key ? f.timeNs : key;
      frames.push({ ...f, key });
    }
  });
  frames.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keylog = [...new Set(captures.flatMap((c) => c.keylog.map((l) => l.trim()).filter((l) => l !== '')))];
  const blocks: Uint8Array[] = [sectionHeader(application), interfaceDescription()];
  if (keylog.length > 0) blocks.push(decryptionSecrets(`${keylog.join('\n')}\n`));
  for (const f of frames) blocks.push(enhancedPacket(f));
  return Buffer.concat(blocks);
}

function connectionFrames(capture: Capture, index: number): TimedFrame[] {
  const ends = endpoints(capture, index);
  const segments = capture.packets && capture.packets.length > 0 ? packetSegments(capture, capture.packets, index) : synthesizedSegments(capture, index, ends.client.ip.length === 16 ? MSS_IPV6 : MSS_IPV4);
  const startNs = BigInt(Date.parse(capture.startedAt) || 0) * 1_000_000n;
  const ipId = { client: 1, server: 1 };
  return segments.map((s) => {
    const fromClient = s.direction === 'client';
    const data = tcpFrame(
      { from: fromClient ? ends.client : ends.server, to: fromClient ? ends.server : ends.client, seq: s.seq, ack: s.ack, flags: s.flags, window: s.window, payload: s.payload, ipId: ipId[s.direction]++, ...(s.mss !== undefined ? { mss: s.mss } : {}), ...(s.synOptions ? { synOptions: s.synOptions } : {}) },
      fromClient,
    );
    return { timeNs: startNs + BigInt(Math.max(0, Math.round(s.timeMs * 1e6))), data };
  });
}

/**
 * The real addresses and ports when the capture knows them; otherwise stand-ins of the server's
 * family: loopback for a loopback server, documentation addresses (RFC 5737, RFC 3849) for any
 * other, and a client port from the dynamic range.
 */
function endpoints(capture: Capture, index: number): { client: FrameEndpoint; server: FrameEndpoint } {
  const t = capture.target;
  const known = ipBytes(t.address ?? t.host);
  const v6 = known ? known.length === 16 : t.family === 6;
  const server = known ?? ipBytes(v6 ? '2001:db8::2' : '192.0.2.2');
  const loopback = known !== undefined && (v6 ? (t.address ?? t.host) === '::1' : known[0] === 127);
  const fallbackClient = loopback ? (v6 ? '::1' : '127.0.0.1') : v6 ? '2001:db8::1' : '192.0.2.1';
  const real = capture.client ? ipBytes(capture.client.address) : undefined;
  const client = real && real.length === server?.length ? real : ipBytes(fallbackClient);
  if (!server || !client) throw new Error('unreachable: stand-in addresses are IP literals');
  return { client: { ip: client, port: capture.client?.port ?? 49152 + (index % 16384) }, server: { ip: server, port: t.port } };
}

/** Initial sequence numbers: fixed per connection, so the same capture always writes the same file. */
function initialSequence(index: number): Record<Direction, number> {
  return { client: (0x10000000 + index * 0x01000000) >>> 0, server: (0x80000000 + index * 0x01000000) >>> 0 };
}

const other = (d: Direction): Direction => (d === 'client' ? 'server' : 'client');

/** Three-way handshake, the prologue and TLS bytes in MSS-sized segments at their times, FIN exchange. */
function synthesizedSegments(capture: Capture, index: number, mss: number): Segment[] {
  // Never connected (DNS failure, refused, timed out): no packet is made up.
  if (capture.timings.connectMs === undefined && capture.chunks.length === 0 && (capture.prologue ?? []).length === 0) return [];
  const isn = initialSequence(index);
  // A reduce, not Math.min(...): a capture may hold more chunks than a call has arguments.
  const firstData = [...capture.chunks, ...(capture.prologue ?? [])].reduce((t, c) => Math.min(t, c.timeMs), Infinity);
  // The socket starts TLS as soon as it connects: the SYN-ACK arrived just before the first byte
  // was sent, and the SYN one connect time (the round trip) before that.
  const synAckMs = Number.isFinite(firstData) ? firstData : (capture.timings.dnsMs ?? 0) + (capture.timings.connectMs ?? 0);
  const synMs = Math.max(0, synAckMs - (capture.timings.connectMs ?? 0));
  const next: Record<Direction, number> = { client: isn.client + 1, server: isn.server + 1 };
  const out: Segment[] = [
    { timeMs: synMs, direction: 'client', seq: isn.client, ack: 0, flags: TCP_SYN, window: WINDOW, payload: new Uint8Array(0), mss },
    { timeMs: synAckMs, direction: 'server', seq: isn.server, ack: next.client, flags: TCP_SYN | TCP_ACK, window: WINDOW, payload: new Uint8Array(0), mss },
    { timeMs: synAckMs, direction: 'client', seq: next.client, ack: next.server, flags: TCP_ACK, window: WINDOW, payload: new Uint8Array(0) },
  ];
  // Plaintext before TLS (STARTTLS) comes first in each direction's stream; TLS offsets follow it.
  const tlsBase: Record<Direction, number> = { client: next.client, server: next.server };
  const pieces = [...(capture.prologue ?? []).map((p) => ({ ...p, offset: undefined })), ...capture.chunks].sort((a, b) => a.timeMs - b.timeMs);
  for (const p of capture.prologue ?? []) tlsBase[p.direction] += p.bytes.length;
  let lastMs = synAckMs;
  for (const piece of pieces) {
    const d = piece.direction;
    let seq = piece.offset === undefined ? next[d] : (tlsBase[d] + piece.offset) >>> 0;
    lastMs = Math.max(lastMs, piece.timeMs);
    for (let i = 0; i < piece.bytes.length; i += mss) {
      const payload = piece.bytes.subarray(i, i + mss);
      const last = i + mss >= piece.bytes.length;
      out.push({ timeMs: piece.timeMs, direction: d, seq, ack: next[other(d)], flags: TCP_ACK | (last ? TCP_PSH : 0), window: WINDOW, payload });
      seq = (seq + payload.length) >>> 0;
    }
    next[d] = seq;
  }
  const fin = (d: Direction, flags: number): Segment => ({ timeMs: lastMs, direction: d, seq: next[d], ack: next[other(d)], flags, window: WINDOW, payload: new Uint8Array(0) });
  // A connection the server reset ends with its RST, not a FIN exchange.
  if (capture.error?.code === 'reset') {
    out.push(fin('server', TCP_RST | TCP_ACK));
    return out;
  }
  out.push(fin('client', TCP_FIN | TCP_ACK));
  next.client = (next.client + 1) >>> 0;
  out.push(fin('server', TCP_FIN | TCP_ACK));
  next.server = (next.server + 1) >>> 0;
  out.push(fin('client', TCP_ACK));
  return out;
}

const FLAG_BITS: Readonly<Record<TcpFlagName, number>> = { FIN: TCP_FIN, SYN: TCP_SYN, RST: TCP_RST, PSH: TCP_PSH, ACK: TCP_ACK, URG: TCP_URG, ECE: TCP_ECE, CWR: TCP_CWR };

/**
 * The capture's own segments. Their seq/ack are relative to each side's first sequence number, so
 * the absolute ones are made from fixed initial numbers; payload bytes come from the recorded
 * stream (zeros for bytes the capture did not keep, such as those past a gap).
 */
function packetSegments(capture: Capture, packets: readonly CapturePacket[], index: number): Segment[] {
  const isn = initialSequence(index);
  const bytes = { client: new StreamBytes(capture, 'client', packets), server: new StreamBytes(capture, 'server', packets) };
  const out: Segment[] = [];
  for (const p of packets) {
    const flags = p.flags.reduce((n, f) => n | FLAG_BITS[f], 0);
    const ack = p.ack !== undefined && flags & TCP_ACK ? (isn[other(p.direction)] + p.ack) >>> 0 : 0;
    const payload = bytes[p.direction].payloadOf(p);
    const seq = (isn[p.direction] + p.seq) >>> 0;
    // A segment merged by the capturing host's offload (GRO) can exceed what one IP datagram's
    // 16-bit length holds: it is written as consecutive segments instead.
    for (let at = 0; at === 0 || at < payload.length; at += MAX_IP_PAYLOAD) {
      const last = at + MAX_IP_PAYLOAD >= payload.length;
      out.push({ timeMs: p.timeMs, direction: p.direction, seq: (seq + at) >>> 0, ack, flags: last ? flags : flags & ~TCP_FIN, window: p.window, payload: payload.subarray(at, at + MAX_IP_PAYLOAD), ...(p.options ? { synOptions: p.options } : {}) });
    }
  }
  return out;
}

// ---- pcapng blocks (little-endian) --------------------------------------------------------------

function padded(n: number): number {
  return (n + 3) & ~3;
}

/** A block: type, total length, body (padded to 32 bits), total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + padded(body.length);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  out.set(body, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** Options list: code, length, value padded to 32 bits, ending with opt_endofopt. */
function options(list: ReadonlyArray<[number, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [code, value] of list) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value, Buffer.alloc(padded(value.length) - value.length));
  }
  parts.push(Buffer.from([OPT_ENDOFOPT, 0, 0, 0]));
  return Buffer.concat(parts);
}

function sectionHeader(application: string): Uint8Array {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  fixed.writeUInt16LE(1, 4); // major version
  fixed.writeUInt16LE(0, 6); // minor version
  fixed.writeBigInt64LE(-1n, 8); // section length: not given
  return block(BLOCK_SHB, Buffer.concat([fixed, options([[OPT_SHB_USERAPPL, Buffer.from(application, 'utf8')]])]));
}

function interfaceDescription(): Uint8Array {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  fixed.writeUInt32LE(0, 4); // snaplen: no limit
  return block(BLOCK_IDB, Buffer.concat([fixed, options([[OPT_IF_TSRESOL, Uint8Array.of(TSRESOL_NANOSECONDS)]])]));
}

function decryptionSecrets(keylog: string): Uint8Array {
  const data = Buffer.from(keylog, 'utf8');
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(SECRETS_TLS_KEYLOG, 0);
  fixed.writeUInt32LE(data.length, 4);
  return block(BLOCK_DSB, Buffer.concat([fixed, data]));
}

function enhancedPacket(f: TimedFrame): Uint8Array {
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0); // interface 0
  fixed.writeUInt32LE(Number(f.timeNs >> 32n), 4);
  fixed.writeUInt32LE(Number(f.timeNs & 0xffffffffn), 8);
  fixed.writeUInt32LE(f.data.length, 12);
  fixed.writeUInt32LE(f.data.length, 16);
  return block(BLOCK_EPB, Buffer.concat([fixed, f.data]));
}
