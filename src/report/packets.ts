// The packet view in text: the TCP block before Flight 1 (three-way handshake, round trip), the
// one after the last flight (FIN/RST, who closed first), and `read --packets`' segment list.
// Reads src/view/tcp.ts only; a capture without packets gets no lines at all.

import type { Direction, TcpSynOptions } from '../capture/types.js';
import { TEXT_MAX_PACKET_LINES } from '../limits.js';
import type { Palette } from './palette.js';
import { finCarryingAck, type PacketRow, type TcpCloseEvent, type TcpRstCause, type TcpTeardownView, type TcpView } from '../view/tcp.js';

function arrow(d: Direction, p: Palette): string {
  return d === 'client' ? p.client('→') : p.server('←');
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`;
}

/** Option kinds tls-trace names when a SYN carries them without decoding them (IANA TCP option kinds). */
const OTHER_OPTION: Record<number, string> = { 19: 'MD5 signature', 28: 'user timeout', 29: 'TCP-AO', 30: 'MPTCP', 34: 'TCP Fast Open' };

/** A SYN's options as tshark names them: `MSS 1460 · window scale 7 (×128) · SACK permitted · timestamps`. */
export function synOptionWords(o: TcpSynOptions): string {
  const words: string[] = [];
  if (o.mss !== undefined) words.push(`MSS ${o.mss}`);
  // RFC 7323 2.3: a shift above 14 is used as 14.
  if (o.windowScale !== undefined) words.push(`window scale ${o.windowScale} (×${2 ** Math.min(o.windowScale, 14)})`);
  if (o.sackPermitted) words.push('SACK permitted');
  if (o.timestamps) words.push('timestamps');
  for (const k of o.otherKinds ?? []) words.push(OTHER_OPTION[k] ?? `option ${k}`);
  if (o.malformed) words.push('options malformed after these');
  return words.length > 0 ? words.join(' · ') : 'no options';
}

/** The three-way handshake lines, printed before Flight 1. */
export function tcpOpenLines(tcp: TcpView, p: Palette): string[] {
  const h = tcp.handshake;
  const out = [p.heading('TCP · three-way handshake')];
  // On a line of their own, under the segment's name: a SYN-ACK line with them would pass 100 columns.
  const options = (o: TcpSynOptions | undefined): string => (o ? `\n${' '.repeat(18)}${p.dim(synOptionWords(o))}` : '');
  if (!h.startCaptured) out.push(p.dim('  connection start not captured: no SYN from the client in the file'));
  if (h.synMs !== undefined) out.push(`  ${ms(h.synMs).padStart(12)}  ${arrow('client', p)} SYN${options(h.synOptions)}`);
  if (h.synAckMs !== undefined) {
    const rtt = h.roundTripMs !== undefined ? `  network round trip ${ms(h.roundTripMs)} (SYN → SYN-ACK)` : '';
    out.push(`  ${ms(h.synAckMs).padStart(12)}  ${arrow('server', p)} SYN-ACK${rtt}${options(h.synAckOptions)}`);
  }
  if (h.ackMs !== undefined) out.push(`  ${ms(h.ackMs).padStart(12)}  ${arrow('client', p)} ACK  connection open`);
  return out;
}

const SIDE: Record<Direction, string> = { client: 'client', server: 'server' };

const RST_CAUSE: Record<TcpRstCause['what'], string> = { SYN: 'SYN', 'SYN-ACK': 'SYN-ACK', FIN: 'FIN', RST: 'RST', data: 'data', ACK: 'ACK' };

function rstWords(e: TcpCloseEvent): string {
  const parts = [`RST: the ${SIDE[e.direction]} reset the connection`];
  if (e.after) {
    const bytes = e.after.bytes !== undefined ? `${e.after.bytes} B, ` : '';
    const whose = e.after.direction === e.direction ? 'its own' : `the ${SIDE[e.after.direction]}'s`;
    parts.push(`after ${whose} ${RST_CAUSE[e.after.what]} (${bytes}${ms(round(e.timeMs - e.after.timeMs))} earlier)`);
  }
  // "RST after FIN": a side that already said it was done sending, or whose peer had.
  if (e.finsBefore) parts.push(`${e.finsBefore.map((d) => `the ${SIDE[d]}'s`).join(' and ')} FIN already sent`);
  return parts.join(' · ');
}

/** `acking`: the other side's FIN this FIN's segment acknowledged, when the ACK rode on it. */
function finWords(e: TcpCloseEvent, acking: TcpCloseEvent | undefined): string {
  const parts = [`FIN: the ${SIDE[e.direction]} is done sending`];
  if (e.dataBytes) parts.push(`on its last data segment (${e.dataBytes} B)`);
  if (acking?.acked) parts.push(`with the ACK of the ${SIDE[acking.direction]}'s FIN, ${ms(acking.acked.delayMs)} after it`);
  if (e.retransmissions) parts.push(`sent ${e.retransmissions + 1} times (retransmitted)`);
  if (!e.acked) parts.push('no ACK of it in the file');
  return parts.join(' · ');
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** One teardown line with its time, for merging into wire order. */
interface TimedLine {
  timeMs: number;
  text: string;
}

function closeLines(t: TcpTeardownView, p: Palette): TimedLine[] {
  const at = (timeMs: number, d: Direction, what: string): TimedLine => ({ timeMs, text: `  ${ms(timeMs).padStart(12)}  ${arrow(d, p)} ${what}` });
  const out: TimedLine[] = [];
  // A flood of RSTs must not flood the text: the first few say who closed and how.
  const events = t.events.slice(0, 10);
  for (const e of events) {
    // The ACK of the other side's FIN carried on this FIN is said on this FIN's line.
    const acking = e.kind === 'FIN' ? events.find((o) => finCarryingAck(events, o) === e) : undefined;
    out.push(at(e.timeMs, e.direction, e.kind === 'RST' ? rstWords(e) : finWords(e, acking)));
    if (e.acked && !finCarryingAck(events, e)) {
      const on = e.acked.flags === '[.]' ? '' : ` (on a ${e.acked.flags} segment)`;
      out.push(at(e.acked.timeMs, e.direction === 'client' ? 'server' : 'client', `ACK of the ${SIDE[e.direction]}'s FIN${on}, ${ms(e.acked.delayMs)} after it`));
    }
  }
  const d = t.dataAfterFirstFin;
  if (d) {
    const segs = d.segments === 1 ? '1 segment' : `${d.segments} segments until ${ms(d.lastMs)}`;
    const closer = d.direction === 'client' ? 'server' : 'client';
    out.push(at(d.firstMs, d.direction, `half-close: the ${SIDE[d.direction]} still sent ${d.bytes} B after the ${closer}'s FIN, in ${segs}`));
  }
  // Stable: an ACK carried on the other side's FIN stays after the FIN it acknowledges.
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** The teardown lines, printed after the last flight: FINs, their ACKs and RSTs in wire order. */
export function tcpCloseLines(tcp: TcpView, p: Palette): string[] {
  const t = tcp.teardown;
  const first = t.closedFirstBy ? (t.simultaneous ? ' · simultaneous close (each FIN sent before the other arrived)' : ` · the ${t.closedFirstBy} closed first`) : '';
  const how = { fin: 'FIN each way', half: 'FIN one way only', rst: 'reset', open: 'not captured' }[t.how];
  const out = [p.heading(`TCP · teardown · ${how}${first}`)];
  const last = t.lastPacketMs !== undefined ? ` (its last packet at ${ms(t.lastPacketMs)})` : '';
  if (t.how === 'open') out.push(p.dim(`  no FIN or RST in the file: the connection was still open when the capture ended${last}`));
  out.push(...closeLines(t, p).map((l) => l.text));
  if (t.events.length > 10) out.push(p.dim(`  … ${t.events.length - 10} more FIN/RST segments (--packets lists them)`));
  if (t.how === 'half') {
    const open = t.closedFirstBy === 'client' ? 'server' : 'client';
    out.push(p.dim(`  no FIN from the ${open} in the file: the capture ended before it closed its side${last}`));
  }
  return out;
}

function recordWords(row: PacketRow): string {
  return row.records.map((r) => `record #${r.record} bytes ${r.from}–${r.to}`).join(', ');
}

/** One segment: time, arrow, flags, relative seq/ack, window, payload length, records, frame number, marks. */
export function packetLine(row: PacketRow, p: Palette): string {
  const ack = row.ack !== undefined ? ` ack ${row.ack}` : '';
  const parts = [`${ms(row.timeMs).padStart(12)}  ${arrow(row.direction, p)} ${row.flags.padEnd(6)} seq ${row.seq}${ack} win ${row.window} len ${row.payloadLength}`];
  if (row.records.length > 0) parts.push(recordWords(row));
  // The file's frame number, as Wireshark shows it: to find the segment there.
  if (row.frame !== undefined) parts.push(`frame ${row.frame}`);
  const marks = row.marks.length > 0 ? `  ${p.bad(row.marks.map((m) => `[${m}]`).join(' '))}` : '';
  return `  ${parts.join(' · ')}${marks}`;
}

/** `--packets`: every segment of the connection, at most TEXT_MAX_PACKET_LINES of them. */
export function renderPacketList(tcp: TcpView, p: Palette, max: number = TEXT_MAX_PACKET_LINES): string[] {
  const listed = tcp.packets.length;
  // Segments the reader did not keep (its own caps) count as not shown too.
  const n = listed + (tcp.unlisted ?? 0);
  const out = [p.heading(`Packets · ${n} TCP segment${n === 1 ? '' : 's'} (seq/ack relative to each side's first sequence number)`)];
  for (const row of tcp.packets.slice(0, max)) out.push(packetLine(row, p));
  const shown = Math.min(listed, max);
  const why = listed > max ? `tls-trace shows at most ${max}` : "past tls-trace's packet-list caps, see Reliability in the README";
  if (n > shown) out.push(p.dim(`  … ${n - shown} more segments not shown (${why})`));
  return out;
}
