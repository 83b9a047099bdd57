// TCP connections of a capture file, keyed by their 4-tuple, each with two reassembled streams and
// its packet list. Which side is the client: the sender of a SYN without ACK; without a captured
// SYN, the side whose stream starts with a ClientHello (decided in `tls-start.ts`); else the
// first sender. A connection seen again after both FINs or an RST with a new SYN starts a new entry.

import { MAX_PROLOGUE_SEARCH_BYTES, MAX_TCP_CONNECTIONS, MAX_TCP_PACKETS_PER_CONNECTION, MAX_TCP_TOTAL_BYTES, MAX_TCP_TOTAL_PACKETS } from '../../limits.js';
import { clientTlsAfterPlaintext, notTlsReason, plainProtocol } from './prologue.js';
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
  /** Emptied when the connection is found not to be TLS; stays empty when `listPackets` is false. */
  packets: CapturePacket[];
  /** Whether its segments are listed: the reader's consumer said at its first packet whether it may show them. */
  listPackets: boolean;
  /** Segments past MAX_TCP_PACKETS_PER_CONNECTION, counted only. */
  packetsOmitted: number;
  /** Times of the three-way handshake (ms after the first packet), when captured. */
  syn?: number;
  synAck?: number;
  handshakeAck?: number;
  closed: boolean;
  /** Set once both stream starts were seen and neither is TLS: bytes are no longer kept. */
  notTls?: boolean;
  /** Why, when `notTls` was decided while reading (the bytes are gone by the end). */
  notTlsReason?: string;
  /** Both stream starts were seen and neither opens with TLS: TLS may still follow a prologue. */
  sniffed?: boolean;
  /** An RST was seen (for the reason a connection without payload was skipped). */
  rstSeen?: boolean;
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

/** Names per flags byte, made once: every listed segment would otherwise build its own array. */
const FLAG_NAMES_BY_BYTE: readonly TcpFlagName[][] = Array.from({ length: 256 }, (_, flags) => FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name));

/** The flags' names; the array is shared between segments with the same flags: do not change it. */
export function flagNames(flags: number): TcpFlagName[] {
  return FLAG_NAMES_BY_BYTE[flags & 0xff];
}

/** A connection's 4-tuple in an order that is the same from either side. */
interface TupleKey {
  a: string;
  b: string;
  /** a's port × 65536 + b's port. */
  ports: number;
}

/** Whether the segment's source comes first in its connection's key. */
function sourceFirst(seg: TcpSegment): boolean {
  return seg.srcAddr < seg.dstAddr || (seg.srcAddr === seg.dstAddr && seg.srcPort < seg.dstPort);
}

function keyOf(seg: TcpSegment): TupleKey {
  return sourceFirst(seg) ? { a: seg.srcAddr, b: seg.dstAddr, ports: seg.srcPort * 65536 + seg.dstPort } : { a: seg.dstAddr, b: seg.srcAddr, ports: seg.dstPort * 65536 + seg.srcPort };
}

/**
 * Open connections by 4-tuple, in maps by address, address and ports: the lookup made for every
 * packet reads the segment's fields and builds no key (a key string per packet, made, flattened
 * and hashed, was a visible share of reading a large capture). Emptied inner maps are removed.
 */
class TupleMap {
  private readonly byAddr = new Map<string, Map<string, Map<number, TcpConnection>>>();

  find(seg: TcpSegment): TcpConnection | undefined {
    return sourceFirst(seg) ? this.byAddr.get(seg.srcAddr)?.get(seg.dstAddr)?.get(seg.srcPort * 65536 + seg.dstPort) : this.byAddr.get(seg.dstAddr)?.get(seg.srcAddr)?.get(seg.dstPort * 65536 + seg.srcPort);
  }

  get(k: TupleKey): TcpConnection | undefined {
    return this.byAddr.get(k.a)?.get(k.b)?.get(k.ports);
  }

  set(k: TupleKey, conn: TcpConnection): void {
    let byB = this.byAddr.get(k.a);
    if (!byB) this.byAddr.set(k.a, (byB = new Map()));
    let byPorts = byB.get(k.b);
    if (!byPorts) byB.set(k.b, (byPorts = new Map()));
    byPorts.set(k.ports, conn);
  }

  delete(k: TupleKey): void {
    const byB = this.byAddr.get(k.a);
    const byPorts = byB?.get(k.b);
    if (!byB || !byPorts) return;
    byPorts.delete(k.ports);
    if (byPorts.size > 0) return;
    byB.delete(k.b);
    if (byB.size === 0) this.byAddr.delete(k.a);
  }

  /** Every open connection with its key. */
  *entries(): Generator<[TupleKey, TcpConnection]> {
    for (const [a, byB] of this.byAddr) for (const [b, byPorts] of byB) for (const [ports, conn] of byPorts) yield [{ a, b, ports }, conn];
  }
}

/**
 * A closed connection (both FINs or an RST) is handed on once this much capture time has passed
 * without a packet of its own, so the last ACKs still find it; then its memory is the consumer's.
 */
const CLOSED_LINGER_MS = 2000;

export class ConnectionTable {
  private readonly live = new TupleMap();
  /** Closed connections in order of closing, with their keys, waiting to be handed on. */
  private closing: { key: TupleKey; conn: TcpConnection }[] = [];
  /** Connections created so far (numbers are 1-based in order of first packet). */
  created = 0;
  /** Segments not read because MAX_TCP_CONNECTIONS connections were already tracked. */
  untracked = 0;
  /** Segments reassembled but not listed (packet-list caps), over every connection. */
  packetsOmitted = 0;
  /** Times a stream hit tls-trace's out-of-order limits and declared missing bytes a gap early. */
  heldLimitHits = 0;
  readonly budget: ByteBudget = { used: 0, limit: MAX_TCP_TOTAL_BYTES, exhausted: false };
  /** Segments listed over the open connections (MAX_TCP_TOTAL_PACKETS). */
  readonly listed = { count: 0 };
  /** TCP segments read so far: each one's position orders chunks whose timestamps tie (when no frame number is given). */
  private segments = 0;

  /**
   * `done` receives each connection once it is over, so only open connections are held here.
   * `listPackets` says, as a connection opens, whether its packet list may be shown: a table of
   * many connections shows none, and a packet object per segment held until the connection ends
   * was a large part of reading one (allocation and garbage collection).
   */
  constructor(
    private readonly done: (conn: TcpConnection) => void,
    private readonly listPackets: (number: number) => boolean = () => true,
  ) {}

  /**
   * One TCP segment, read from the file's frame number `frame` (1-based, counting every frame of
   * the file, TLS or not, as tshark numbers them): it orders chunks whose timestamps tie.
   */
  add(seg: TcpSegment, timeMs: number, frame?: number): void {
    const syn = (seg.flags & 0x02) !== 0;
    const ackFlag = (seg.flags & 0x10) !== 0;
    let conn = this.live.find(seg);
    // A fresh SYN on a closed 4-tuple is a new connection (port reuse); so is one whose sequence
    // number is not its side's ISN, as tshark decides: the old connection's teardown may be missing
    // from the file, and its stream would otherwise take the new handshake after a bogus gap.
    if (conn && syn && !ackFlag && (conn.closed || isNewSyn(conn, seg))) {
      this.emit(keyOf(seg), conn);
      conn = undefined;
    }
    if (!conn) {
      // A bare ACK/FIN/RST of a connection already handed on (or joined at its very end) starts nothing.
      if (!syn && seg.payload.length === 0) return;
      if (this.created >= MAX_TCP_CONNECTIONS) {
        this.untracked++;
        return;
      }
      conn = this.open({ addr: seg.srcAddr, port: seg.srcPort }, { addr: seg.dstAddr, port: seg.dstPort }, syn && ackFlag, timeMs);
      this.live.set(keyOf(seg), conn);
      this.sweep(timeMs);
    }
    const wasClosed = conn.closed;
    record(conn, seg, timeMs, this.listed, frame ?? ++this.segments);
    if (conn.closed && !wasClosed) this.closing.push({ key: keyOf(seg), conn });
    if (conn.notTls === undefined && decideEarly(conn)) {
      this.listed.count -= conn.packets.length;
      conn.packets = [];
    }
  }

  private open(src: Endpoint, dst: Endpoint, senderIsServer: boolean, timeMs: number): TcpConnection {
    // A SYN-ACK's sender is the server; any other first packet's sender is taken as the client.
    this.created++;
    return {
      number: this.created,
      client: senderIsServer ? dst : src,
      server: senderIsServer ? src : dst,
      firstTimeMs: timeMs,
      lastTimeMs: timeMs,
      streams: { client: new TcpStream('client', this.budget), server: new TcpStream('server', this.budget) },
      packets: [],
      listPackets: this.listPackets(this.created),
      packetsOmitted: 0,
      closed: false,
    };
  }

  /** Hands on closed connections that have been quiet for CLOSED_LINGER_MS (checked as connections open). */
  private sweep(now: number): void {
    while (this.closing.length > 0 && now - this.closing[0].conn.lastTimeMs > CLOSED_LINGER_MS) {
      const { key: k, conn } = this.closing.shift() as { key: TupleKey; conn: TcpConnection };
      if (this.live.get(k) === conn) this.emit(k, conn);
    }
  }

  private emit(k: TupleKey, conn: TcpConnection): void {
    if (this.live.get(k) !== conn) return;
    this.live.delete(k);
    conn.streams.client.finish();
    conn.streams.server.finish();
    // From here the bytes and packets are the consumer's to keep or drop.
    this.budget.used -= conn.streams.client.kept + conn.streams.server.kept;
    this.listed.count -= conn.packets.length;
    this.packetsOmitted += conn.packetsOmitted;
    this.heldLimitHits += conn.streams.client.heldLimitHits + conn.streams.server.heldLimitHits;
    this.done(conn);
  }

  /** At the end of the file: every connection still open is handed on, in order of first packet. */
  finish(): void {
    const rest = [...this.live.entries()].sort((a, b) => a[1].number - b[1].number);
    for (const [k, c] of rest) this.emit(k, c);
  }
}

/**
 * A SYN whose sequence number differs from the ISN its sender already has in `conn` (from its
 * SYN, or taken from its first segment when the capture joined mid-connection): a SYN
 * retransmission repeats the ISN, a new connection on the same 4-tuple picks another.
 */
function isNewSyn(conn: TcpConnection, seg: TcpSegment): boolean {
  const stream = seg.srcAddr === conn.client.addr && seg.srcPort === conn.client.port ? conn.streams.client : conn.streams.server;
  return stream.isn !== undefined && stream.isn !== seg.seq;
}

function record(conn: TcpConnection, seg: TcpSegment, timeMs: number, listed: { count: number }, frame: number): void {
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
  if ((seg.flags & 0x04) !== 0) conn.rstSeen = true;
  if ((seg.flags & 0x04) !== 0 || ((seg.flags & 0x01) !== 0 && other.finSeen)) conn.closed = true;
  if ((seg.flags & 0x01) !== 0) stream.finSeen = true;
  const rel = at;
  if (conn.notTls === true || !conn.listPackets) {
    stream.place(seg.seq, syn, seg.payload, rel, frame);
    return;
  }
  const placed = stream.add(seg.seq, syn, seg.payload, rel, frame);
  if (conn.packets.length >= MAX_TCP_PACKETS_PER_CONNECTION || listed.count >= MAX_TCP_TOTAL_PACKETS) {
    conn.packetsOmitted++;
    return;
  }
  listed.count++;
  const seqRel = stream.isn === undefined ? 0 : (seg.seq - stream.isn) >>> 0;
  const ackRel = ackFlag && other.isn !== undefined ? (seg.ack - other.isn) >>> 0 : undefined;
  // Built key by key in the order the spreads gave, without the spreads' throw-away objects.
  const flags = flagNames(seg.flags);
  const packet: CapturePacket =
    ackRel !== undefined
      ? { frame, timeMs: rel, direction, flags, seq: seqRel, ack: ackRel, window: seg.window, payloadLength: seg.payload.length }
      : { frame, timeMs: rel, direction, flags, seq: seqRel, window: seg.window, payloadLength: seg.payload.length };
  if (placed.stream !== undefined) packet.stream = placed.stream;
  if (placed.note !== undefined) packet.note = placed.note;
  if (seg.options !== undefined) packet.options = seg.options;
  conn.packets.push(packet);
}

/**
 * Frees the bytes of a connection that is plainly not TLS as soon as that is known, so a capture
 * full of other traffic costs little stream memory: both streams' starts were captured (SYN seen),
 * neither opens with a TLS record, and either the client's first line is a plaintext protocol that
 * never turns into TLS (HTTP, SSH) or MAX_PROLOGUE_SEARCH_BYTES of one side passed without a
 * ClientHello from the client (a STARTTLS dialogue or PROXY header is far shorter). Connections
 * joined mid-stream, and shorter ones, are decided at the end instead.
 */
function decideEarly(conn: TcpConnection): boolean {
  const { client, server } = conn.streams;
  if (!conn.sniffed) {
    if (!client.synSeen || !server.synSeen || client.kept < 5 || server.kept < 5) return false;
    if (startsTls(leadingBytes(client.chunks, 5)) || startsTls(leadingBytes(server.chunks, 5))) {
      conn.notTls = false;
      return false;
    }
    conn.sniffed = true;
    const plain = plainProtocol(leadingBytes(client.chunks, 64));
    if (plain) return release(conn, plain);
  }
  if (client.kept < MAX_PROLOGUE_SEARCH_BYTES && server.kept < MAX_PROLOGUE_SEARCH_BYTES) return false;
  const head = leadingBytes(client.chunks, MAX_PROLOGUE_SEARCH_BYTES);
  if (clientTlsAfterPlaintext(head) !== undefined) {
    conn.notTls = false;
    return false;
  }
  return release(conn, notTlsReason(head, leadingBytes(server.chunks, 64), head.length));
}

function release(conn: TcpConnection, reason: string): true {
  conn.notTls = true;
  conn.notTlsReason = reason;
  conn.streams.client.release();
  conn.streams.server.release();
  return true;
}
