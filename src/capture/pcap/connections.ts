// TCP connections of a capture file, keyed by their 4-tuple, each with two reassembled streams and
// its packet list. Which side is the client: the sender of a SYN without ACK; without a captured
// SYN, the side whose stream starts with a ClientHello (decided in `tls-start.ts`); else the
// first sender. A connection seen again after both FINs or an RST with a new SYN starts a new entry.

import { MAX_TCP_CONNECTIONS, MAX_TCP_PACKETS_PER_CONNECTION, MAX_TCP_TOTAL_BYTES, MAX_TCP_TOTAL_PACKETS } from '../../limits.js';
import type { CapturePacket, Direction, TcpFlagName } from '../types.js';
import type { TcpSegment } from './layers.js';
import { TcpStream, type ByteBudget } from './tcp-stream.js';
import { leadingBytes, startsTls } from './tls-start.js';

export interface Endpoint {
  addr: string;
  port: number;
}

export interface TcpConnection {
  /** 1-based, in order of first packet. */
  number: number;
  client: Endpoint;
  server: Endpoint;
  firstTimeMs: number;
  lastTimeMs: number;
  streams: Record<Direction, TcpStream>;
  /** Emptied when the connection is found not to be TLS. */
  packets: CapturePacket[];
  /** Segments past MAX_TCP_PACKETS_PER_CONNECTION, counted only. */
  packetsOmitted: number;
  /** Times of the three-way handshake (ms after the first packet), when captured. */
  syn?: number;
  synAck?: number;
  handshakeAck?: number;
  closed: boolean;
  /** Set once both stream starts were seen and neither is TLS: bytes are no longer kept. */
  notTls?: boolean;
}

const FLAG_NAMES: [number, TcpFlagName][] = [
  [0x02, 'SYN'],
  [0x10, 'ACK'],
  [0x08, 'PSH'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
];

export function flagNames(flags: number): TcpFlagName[] {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

function key(a: Endpoint, b: Endpoint): string {
  const x = `${a.addr}|${a.port}`;
  const y = `${b.addr}|${b.port}`;
  return x < y ? `${x}>${y}` : `${y}>${x}`;
}

export class ConnectionTable {
  private readonly live = new Map<string, TcpConnection>();
  readonly all: TcpConnection[] = [];
  /** Segments not read because MAX_TCP_CONNECTIONS connections were already tracked. */
  untracked = 0;
  readonly budget: ByteBudget = { used: 0, limit: MAX_TCP_TOTAL_BYTES, exhausted: false };
  /** Segments listed over all connections (MAX_TCP_TOTAL_PACKETS). */
  readonly listed = { count: 0 };

  add(seg: TcpSegment, timeMs: number): void {
    const src = { addr: seg.srcAddr, port: seg.srcPort };
    const dst = { addr: seg.dstAddr, port: seg.dstPort };
    const k = key(src, dst);
    const syn = (seg.flags & 0x02) !== 0;
    const ackFlag = (seg.flags & 0x10) !== 0;
    let conn = this.live.get(k);
    // A fresh SYN on a closed 4-tuple is a new connection (port reuse).
    if (conn && conn.closed && syn && !ackFlag) conn = undefined;
    if (!conn) {
      if (this.all.length >= MAX_TCP_CONNECTIONS) {
        this.untracked++;
        return;
      }
      // A SYN-ACK's sender is the server; any other first packet's sender is taken as the client.
      const senderIsServer = syn && ackFlag;
      conn = {
        number: this.all.length + 1,
        client: senderIsServer ? dst : src,
        server: senderIsServer ? src : dst,
        firstTimeMs: timeMs,
        lastTimeMs: timeMs,
        streams: { client: new TcpStream('client', this.budget), server: new TcpStream('server', this.budget) },
        packets: [],
        packetsOmitted: 0,
        closed: false,
      };
      this.live.set(k, conn);
      this.all.push(conn);
    }
    record(conn, seg, timeMs, this.listed);
    if (conn.notTls === undefined && decideEarly(conn)) {
      this.listed.count -= conn.packets.length;
      conn.packets = [];
    }
  }

  finish(): void {
    for (const c of this.all) {
      c.streams.client.finish();
      c.streams.server.finish();
    }
  }
}

function record(conn: TcpConnection, seg: TcpSegment, timeMs: number, listed: { count: number }): void {
  const direction: Direction = seg.srcAddr === conn.client.addr && seg.srcPort === conn.client.port ? 'client' : 'server';
  const stream = conn.streams[direction];
  const other = conn.streams[direction === 'client' ? 'server' : 'client'];
  const syn = (seg.flags & 0x02) !== 0;
  const ackFlag = (seg.flags & 0x10) !== 0;
  conn.lastTimeMs = Math.max(conn.lastTimeMs, timeMs);
  // Microseconds: an absolute epoch time in milliseconds keeps about 0.25 µs of precision in a double.
  const at = Math.round((timeMs - conn.firstTimeMs) * 1000) / 1000;
  if (syn && !ackFlag && conn.syn === undefined) conn.syn = at;
  if (syn && ackFlag && conn.synAck === undefined) conn.synAck = at;
  if (!syn && ackFlag && conn.synAck !== undefined && conn.handshakeAck === undefined && direction === 'client') conn.handshakeAck = at;
  if ((seg.flags & 0x04) !== 0 || ((seg.flags & 0x01) !== 0 && other.finSeen)) conn.closed = true;
  if ((seg.flags & 0x01) !== 0) stream.finSeen = true;
  const rel = at;
  const placed = stream.add(seg.seq, syn, seg.payload, rel);
  if (conn.notTls === true) return;
  if (conn.packets.length >= MAX_TCP_PACKETS_PER_CONNECTION || listed.count >= MAX_TCP_TOTAL_PACKETS) {
    conn.packetsOmitted++;
    return;
  }
  listed.count++;
  const seqRel = stream.isn === undefined ? 0 : (seg.seq - stream.isn) >>> 0;
  const ackRel = ackFlag && other.isn !== undefined ? (seg.ack - other.isn) >>> 0 : undefined;
  conn.packets.push({
    timeMs: rel,
    direction,
    flags: flagNames(seg.flags),
    seq: seqRel,
    ...(ackRel !== undefined ? { ack: ackRel } : {}),
    window: seg.window,
    payloadLength: seg.payload.length,
    ...placed,
  });
}

/**
 * Frees the bytes of a connection that is plainly not TLS as soon as that is known, so a capture
 * full of other traffic costs no stream memory: both streams' starts were captured (SYN seen) and
 * neither opens with a TLS record. Connections joined mid-stream are decided at the end instead.
 */
function decideEarly(conn: TcpConnection): boolean {
  const { client, server } = conn.streams;
  if (!client.synSeen || !server.synSeen || client.kept < 5 || server.kept < 5) return false;
  if (startsTls(leadingBytes(client.chunks, 5)) || startsTls(leadingBytes(server.chunks, 5))) {
    conn.notTls = false;
    return false;
  }
  conn.notTls = true;
  client.release();
  server.release();
  return true;
}
