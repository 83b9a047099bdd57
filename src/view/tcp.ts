// The packet view of a capture with packets (a pcap source, or a live trace with --packets): the
// TCP three-way handshake, the teardown and every segment with the TLS record bytes it carries.
// Built from the capture's packets and the decoded records only; live traces without --packets
// and `--save` replays have no packets and get no TCP view.

import type { Capture, CapturePacket, Direction, TcpSynOptions } from '../capture/types.js';
import type { TlsRecord } from '../decode/model.js';

/** The three-way handshake as captured; times are ms after the connection's first packet. */
export interface TcpHandshakeView {
  /** False when the client's SYN is not in the capture: the connection's start was not captured. */
  startCaptured: boolean;
  synMs?: number;
  synAckMs?: number;
  ackMs?: number;
  /** SYN → SYN-ACK: one network round trip as seen where the capture was taken. */
  roundTripMs?: number;
  /** The options each side set up the connection with (MSS, window scale, SACK, timestamps). */
  synOptions?: TcpSynOptions;
  synAckOptions?: TcpSynOptions;
}

/** The segment that acknowledged a FIN: the other side's first whose ack covers the FIN's sequence number. */
export interface TcpFinAck {
  timeMs: number;
  /** After the FIN's first transmission. */
  delayMs: number;
  /** Relative, as tshark's tcp.ack: the FIN's seq + its payload length + 1 (or beyond). */
  ack: number;
  /** tcpdump's letters: `[.]` a pure ACK, `[F.]` when the ACK rode on the other side's own FIN. */
  flags: string;
}

/** What came just before an RST in the capture: the previous segment of the connection. */
export interface TcpRstCause {
  direction: Direction;
  what: 'SYN' | 'SYN-ACK' | 'FIN' | 'RST' | 'data' | 'ACK';
  timeMs: number;
  /** Payload bytes of that segment, for `data` (and a FIN carried on data). */
  bytes?: number;
}

/** One closing packet: the first FIN of a direction, or an RST. */
export interface TcpCloseEvent {
  timeMs: number;
  direction: Direction;
  kind: 'FIN' | 'RST';
  /** Relative sequence number of the segment (tshark's tcp.seq). */
  seq?: number;
  /** A FIN carried on a data segment: the payload bytes it carried (0 or absent: a bare FIN). */
  dataBytes?: number;
  /** FIN: the acknowledging segment, absent when the capture holds none. */
  acked?: TcpFinAck;
  /** FIN: times the same FIN was sent again (its ACK was late or lost). */
  retransmissions?: number;
  /** RST: the segment before it, and the FINs already sent by then ("RST after FIN"). */
  after?: TcpRstCause;
  finsBefore?: Direction[];
}

export interface TcpTeardownView {
  /** `fin` when both sides sent a FIN, `half` one side only, `rst` a reset, `open` neither. */
  how: 'fin' | 'half' | 'rst' | 'open';
  events: TcpCloseEvent[];
  /** The side whose FIN or RST came first. */
  closedFirstBy?: Direction;
  /**
   * Both FINs sent before either side had seen the other's (neither FIN acknowledges the other):
   * a simultaneous close (RFC 9293 3.6), where "who closed first" is only the capture's view.
   */
  simultaneous?: boolean;
  /** A half-close in use: data the other side still sent after the first FIN (which closed one direction only). */
  dataAfterFirstFin?: { direction: Direction; bytes: number; segments: number; firstMs: number; lastMs: number };
  /** `open` or `half`: the connection's last packet in the file (the capture ended before the teardown did). */
  lastPacketMs?: number;
}

/** The part of one TLS record a segment carries: `record` is 1-based as in the text output. */
export interface RecordPiece {
  record: number;
  from: number;
  /** Inclusive. */
  to: number;
}

export type PacketMark = 'retransmission' | 'overlap' | 'out-of-order' | 'after gap' | 'duplicate ACK' | 'zero window';

export interface PacketRow {
  /** The frame's number in the capture file (tshark's frame.number), for packet sources. */
  frame?: number;
  timeMs: number;
  direction: Direction;
  /** tcpdump's flag letters: `[S]`, `[S.]`, `[.]`, `[P.]`, `[F.]`, `[R]`. */
  flags: string;
  seq: number;
  ack?: number;
  /** The window field as sent (not scaled: the scale factor is in the SYNs' options). */
  window: number;
  payloadLength: number;
  records: RecordPiece[];
  marks: PacketMark[];
}

export interface TcpView {
  handshake: TcpHandshakeView;
  teardown: TcpTeardownView;
  packets: PacketRow[];
  /** Segments the capture reader reassembled but did not list (its per-connection and total caps). */
  unlisted?: number;
}

const LETTERS: [string, string][] = [
  ['SYN', 'S'],
  ['FIN', 'F'],
  ['RST', 'R'],
  ['PSH', 'P'],
  ['URG', 'U'],
  ['ECE', 'E'],
  ['CWR', 'W'],
];

/** tcpdump's notation: a letter per flag, `.` for ACK, so a bare ACK reads `[.]`. */
export function flagLetters(p: CapturePacket): string {
  const letters = LETTERS.filter(([name]) => p.flags.includes(name as CapturePacket['flags'][number])).map(([, l]) => l);
  return `[${letters.join('')}${p.flags.includes('ACK') ? '.' : ''}]`;
}

/** The TCP view, for captures with packets: pcap sources, and live traces run with --packets. */
export function tcpView(capture: Capture, records: readonly TlsRecord[]): TcpView | undefined {
  if (!capture.packets) return undefined;
  const packets = capture.packets;
  // Where each missing stretch ends: the segment starting there is the first one after the gap.
  const gapEnds = new Set((capture.gaps ?? []).map((g) => `${g.direction}:${g.offset + g.length}`));
  const unlisted = capture.packetsOmitted ?? 0;
  return { handshake: handshakeOf(packets), teardown: teardownOf(packets), packets: packetRows(packets, records, gapEnds, decodedRuns(capture)), ...(unlisted > 0 ? { unlisted } : {}) };
}

function handshakeOf(packets: readonly CapturePacket[]): TcpHandshakeView {
  const syn = packets.find((p) => p.direction === 'client' && p.flags.includes('SYN') && !p.flags.includes('ACK'));
  const synAck = packets.find((p) => p.direction === 'server' && p.flags.includes('SYN') && p.flags.includes('ACK'));
  const ack = synAck ? packets.find((p) => p.direction === 'client' && p.timeMs >= synAck.timeMs && !p.flags.includes('SYN') && p.flags.includes('ACK')) : undefined;
  return {
    startCaptured: syn !== undefined,
    ...(syn ? { synMs: syn.timeMs } : {}),
    ...(synAck ? { synAckMs: synAck.timeMs } : {}),
    ...(ack ? { ackMs: ack.timeMs } : {}),
    ...(syn && synAck ? { roundTripMs: round(synAck.timeMs - syn.timeMs) } : {}),
    ...(syn?.options ? { synOptions: syn.options } : {}),
    ...(synAck?.options ? { synAckOptions: synAck.options } : {}),
  };
}

const other = (d: Direction): Direction => (d === 'client' ? 'server' : 'client');

function teardownOf(packets: readonly CapturePacket[]): TcpTeardownView {
  const events: TcpCloseEvent[] = [];
  const fins: Partial<Record<Direction, { event: TcpCloseEvent; end: number }>> = {};
  for (const [i, p] of packets.entries()) {
    const fin = p.flags.includes('FIN') ? fins[p.direction] : undefined;
    if (p.flags.includes('RST')) {
      events.push(rstEvent(p, packets[i - 1], fins));
    } else if (p.flags.includes('FIN') && !fin) {
      const event: TcpCloseEvent = { timeMs: p.timeMs, direction: p.direction, kind: 'FIN', seq: p.seq, ...(p.payloadLength > 0 ? { dataBytes: p.payloadLength } : {}) };
      // The FIN takes one sequence number after its payload: an ACK at or past this covers it.
      fins[p.direction] = { event, end: p.seq + p.payloadLength + 1 };
      events.push(event);
    } else if (fin && p.seq + p.payloadLength + 1 <= fin.end) {
      // A retransmitted FIN closes nothing new.
      fin.event.retransmissions = (fin.event.retransmissions ?? 0) + 1;
    }
    const acked = fins[other(p.direction)];
    if (acked && !acked.event.acked && p.flags.includes('ACK') && p.ack !== undefined && p.ack >= acked.end) {
      acked.event.acked = { timeMs: p.timeMs, delayMs: round(p.timeMs - acked.event.timeMs), ack: p.ack, flags: flagLetters(p) };
    }
  }
  const finCount = Object.keys(fins).length;
  const how = events.some((e) => e.kind === 'RST') ? 'rst' : finCount === 2 ? 'fin' : finCount === 1 ? 'half' : 'open';
  const last = packets.at(-1);
  return {
    how,
    events,
    ...(events[0] ? { closedFirstBy: events[0].direction } : {}),
    ...(simultaneousClose(packets, fins) ? { simultaneous: true } : {}),
    ...halfCloseData(packets, events[0]),
    ...((how === 'open' || how === 'half') && last ? { lastPacketMs: last.timeMs } : {}),
  };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * The other side's FIN event whose segment carried the ACK of `e` (an ACK riding on that FIN's
 * first send): the view shows it on that FIN, not as an ACK of its own. Undefined when the ACK came
 * on its own segment, or on a retransmitted FIN (which is no event, so it needs its own line or arrow).
 */
export function finCarryingAck(events: readonly TcpCloseEvent[], e: TcpCloseEvent): TcpCloseEvent | undefined {
  const acked = e.acked;
  if (!acked?.flags.includes('F')) return undefined;
  return events.find((o) => o.kind === 'FIN' && o.direction !== e.direction && o.timeMs === acked.timeMs);
}

function rstEvent(p: CapturePacket, prev: CapturePacket | undefined, fins: Partial<Record<Direction, unknown>>): TcpCloseEvent {
  const finsBefore = (['client', 'server'] as const).filter((d) => fins[d] !== undefined);
  return {
    timeMs: p.timeMs,
    direction: p.direction,
    kind: 'RST',
    seq: p.seq,
    ...(prev ? { after: rstCause(prev) } : {}),
    ...(finsBefore.length > 0 ? { finsBefore } : {}),
  };
}

function rstCause(p: CapturePacket): TcpRstCause {
  const has = (f: CapturePacket['flags'][number]): boolean => p.flags.includes(f);
  const what: TcpRstCause['what'] = has('RST') ? 'RST' : has('SYN') ? (has('ACK') ? 'SYN-ACK' : 'SYN') : has('FIN') ? 'FIN' : p.payloadLength > 0 ? 'data' : 'ACK';
  return { direction: p.direction, what, timeMs: p.timeMs, ...(p.payloadLength > 0 ? { bytes: p.payloadLength } : {}) };
}

/** Each side's first FIN went out before that side had seen the other's: neither FIN's ack covers the other FIN. */
function simultaneousClose(packets: readonly CapturePacket[], fins: Partial<Record<Direction, { event: TcpCloseEvent; end: number }>>): boolean {
  const { client, server } = fins;
  if (!client || !server) return false;
  const finOf = (d: Direction, seq: number | undefined): CapturePacket | undefined => packets.find((p) => p.direction === d && p.flags.includes('FIN') && p.seq === seq);
  const c = finOf('client', client.event.seq);
  const s = finOf('server', server.event.seq);
  const covers = (p: CapturePacket | undefined, end: number): boolean => p?.ack !== undefined && p.ack >= end;
  // Without both FINs' ack numbers (a segment without the ACK flag) nothing says they crossed.
  return c?.ack !== undefined && s?.ack !== undefined && !covers(c, server.end) && !covers(s, client.end);
}

/** The other side's new data after the first FIN: the half-close (RFC 9293 3.6) in use. */
function halfCloseData(packets: readonly CapturePacket[], first: TcpCloseEvent | undefined): Pick<TcpTeardownView, 'dataAfterFirstFin'> {
  if (!first || first.kind !== 'FIN') return {};
  const start = packets.findIndex((p) => p.direction === first.direction && p.flags.includes('FIN'));
  const sent = packets.slice(start + 1).filter((p) => p.direction !== first.direction && p.payloadLength > 0 && p.note !== 'retransmission');
  if (sent.length === 0) return {};
  const bytes = sent.reduce((n, p) => n + p.payloadLength, 0);
  return { dataAfterFirstFin: { direction: other(first.direction), bytes, segments: sent.length, firstMs: sent[0].timeMs, lastMs: sent[sent.length - 1].timeMs } };
}

function packetRows(packets: readonly CapturePacket[], records: readonly TlsRecord[], gapEnds: ReadonlySet<string>, runs: Record<Direction, DecodedRun[]>): PacketRow[] {
  const byDirection: Record<Direction, TlsRecord[]> = { client: [], server: [] };
  for (const r of records) byDirection[r.direction].push(r);
  const last: Partial<Record<Direction, CapturePacket>> = {};
  // The next sequence number each side has used up to, counting SYN and FIN as one each (as TCP does).
  const next: Partial<Record<Direction, number>> = {};
  // Where an empty segment (an ACK) already showed a direction's sequence jump: the data segment
  // at that sequence number later is not a second gap (tshark marks the first segment past it only).
  const jumpedTo: Partial<Record<Direction, number>> = {};
  return packets.map((p) => {
    const marks: PacketMark[] = [];
    const control = (p.flags.includes('SYN') ? 1 : 0) + (p.flags.includes('FIN') ? 1 : 0);
    const used = next[p.direction];
    const streamGap = p.note === 'after-gap' || (p.stream !== undefined && p.note !== 'retransmission' && gapEnds.has(`${p.direction}:${p.stream.offset}`));
    // An empty segment whose seq is past what its side had sent: the segments between were not captured.
    const emptyJump = p.payloadLength === 0 && used !== undefined && p.seq > used && !p.flags.includes('RST');
    if (emptyJump) jumpedTo[p.direction] = p.seq;
    // A segment held because bytes before it never came is after a gap, not merely out of order.
    // Reassembly notes data segments only; a SYN or FIN sent again is a retransmission too.
    const afterGap = emptyJump || (streamGap && jumpedTo[p.direction] !== p.seq);
    // Reassembly holds every segment behind missing bytes; on the wire only one that comes before
    // a segment already seen is out of order (the others merely wait behind the gap).
    const behindGap = p.note === 'out-of-order' && used !== undefined && p.seq >= used;
    if (afterGap) marks.push('after gap');
    else if (p.note && !behindGap) marks.push(p.note === 'after-gap' ? 'after gap' : p.note);
    if (p.payloadLength === 0 && control > 0 && used !== undefined && p.seq + control <= used) marks.push('retransmission');
    next[p.direction] = Math.max(used ?? 0, p.seq + p.payloadLength + control);
    if (isDuplicateAck(p, last[p.direction])) marks.push('duplicate ACK');
    if (p.window === 0 && !p.flags.includes('RST')) marks.push('zero window');
    last[p.direction] = p;
    return {
      ...(p.frame !== undefined ? { frame: p.frame } : {}),
      timeMs: p.timeMs,
      direction: p.direction,
      flags: flagLetters(p),
      seq: p.seq,
      ...(p.ack !== undefined ? { ack: p.ack } : {}),
      window: p.window,
      payloadLength: p.payloadLength,
      records: p.stream ? runs[p.direction].flatMap((r) => piecesInRun(byDirection[p.direction], r, p.stream!)) : [],
      marks,
    };
  });
}

/** A stretch of a direction's captured stream and where it lies in the decoded bytes (behind, after missing bytes). */
interface DecodedRun {
  streamOffset: number;
  at: number;
  length: number;
}

/** The decoder's positions of each direction's chunks: the capture's stream offsets less the bytes missing before them. */
function decodedRuns(capture: Capture): Record<Direction, DecodedRun[]> {
  const runs: Record<Direction, DecodedRun[]> = { client: [], server: [] };
  const used: Record<Direction, number> = { client: 0, server: 0 };
  for (const c of capture.chunks) {
    const list = runs[c.direction];
    const last = list.at(-1);
    if (last && last.streamOffset + last.length === c.offset) last.length += c.bytes.length;
    else list.push({ streamOffset: c.offset, at: used[c.direction], length: c.bytes.length });
    used[c.direction] += c.bytes.length;
  }
  return runs;
}

/** The record pieces of a packet's stream bytes that lie in one decoded run. */
function piecesInRun(records: readonly TlsRecord[], run: DecodedRun, bytes: { offset: number; length: number }): RecordPiece[] {
  const lo = Math.max(bytes.offset, run.streamOffset);
  const hi = Math.min(bytes.offset + bytes.length, run.streamOffset + run.length);
  return lo < hi ? piecesOf(records, run.at + (lo - run.streamOffset), hi - lo) : [];
}

/** As Wireshark counts one: an empty pure ACK repeating the previous segment's seq, ack and window. */
function isDuplicateAck(p: CapturePacket, prev: CapturePacket | undefined): boolean {
  if (!prev || p.payloadLength !== 0 || p.flags.some((f) => f === 'SYN' || f === 'FIN' || f === 'RST')) return false;
  if (prev.flags.some((f) => f === 'SYN' || f === 'FIN' || f === 'RST')) return false;
  return prev.ack !== undefined && p.ack === prev.ack && p.seq === prev.seq && p.window === prev.window;
}

/** The records of one direction (in stream order) that overlap stream bytes [offset, offset+length). */
function piecesOf(records: readonly TlsRecord[], offset: number, length: number): RecordPiece[] {
  const end = offset + length;
  let lo = 0;
  let hi = records.length;
  // The first record ending after `offset`, by binary search: a connection may hold thousands.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid].offset + records[mid].length <= offset) lo = mid + 1;
    else hi = mid;
  }
  const out: RecordPiece[] = [];
  for (let i = lo; i < records.length && records[i].offset < end; i++) {
    const r = records[i];
    out.push({ record: r.index + 1, from: Math.max(offset, r.offset) - r.offset, to: Math.min(end, r.offset + r.length) - 1 - r.offset });
  }
  return out;
}
