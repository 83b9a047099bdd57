// The packet view in text: the TCP block before Flight 1 (three-way handshake, round trip), the
// one after the last flight (FIN/RST, who closed first), and `read --packets`' segment list.
// Reads src/view/tcp.ts only; a capture without packets gets no lines at all.

import type { Direction } from '../capture/types.js';
import { TEXT_MAX_PACKET_LINES } from '../limits.js';
import type { Palette } from './palette.js';
import type { PacketRow, TcpCloseEvent, TcpView } from '../view/tcp.js';

function arrow(d: Direction, p: Palette): string {
  return d === 'client' ? p.client('→') : p.server('←');
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`;
}

/** The three-way handshake lines, printed before Flight 1. */
export function tcpOpenLines(tcp: TcpView, p: Palette): string[] {
  const h = tcp.handshake;
  const out = [p.heading('TCP · three-way handshake')];
  if (!h.startCaptured) out.push(p.dim('  connection start not captured: no SYN from the client in the file'));
  if (h.synMs !== undefined) out.push(`  ${ms(h.synMs).padStart(12)}  ${arrow('client', p)} SYN`);
  if (h.synAckMs !== undefined) {
    const rtt = h.roundTripMs !== undefined ? `  network round trip ${ms(h.roundTripMs)} (SYN → SYN-ACK)` : '';
    out.push(`  ${ms(h.synAckMs).padStart(12)}  ${arrow('server', p)} SYN-ACK${rtt}`);
  }
  if (h.ackMs !== undefined) out.push(`  ${ms(h.ackMs).padStart(12)}  ${arrow('client', p)} ACK  connection open`);
  return out;
}

const SIDE: Record<Direction, string> = { client: 'client', server: 'server' };

function closeLine(e: TcpCloseEvent, p: Palette): string {
  const what = e.kind === 'RST' ? `RST: the ${SIDE[e.direction]} reset the connection` : `FIN: the ${SIDE[e.direction]} is done sending`;
  return `  ${ms(e.timeMs).padStart(12)}  ${arrow(e.direction, p)} ${what}`;
}

/** The teardown lines, printed after the last flight. */
export function tcpCloseLines(tcp: TcpView, p: Palette): string[] {
  const t = tcp.teardown;
  const first = t.closedFirstBy ? ` · the ${t.closedFirstBy} closed first` : '';
  const how = { fin: 'FIN each way', half: 'FIN one way only', rst: 'reset', open: 'not captured' }[t.how];
  const out = [p.heading(`TCP · teardown · ${how}${first}`)];
  if (t.how === 'open') out.push(p.dim('  no FIN or RST in the file: the connection was still open when the capture ended'));
  // A flood of RSTs must not flood the text: the first few say who closed and how.
  for (const e of t.events.slice(0, 10)) out.push(closeLine(e, p));
  if (t.events.length > 10) out.push(p.dim(`  … ${t.events.length - 10} more FIN/RST segments (--packets lists them)`));
  return out;
}

function recordWords(row: PacketRow): string {
  return row.records.map((r) => `record #${r.record} bytes ${r.from}–${r.to}`).join(', ');
}

/** One segment: time, arrow, flags, relative seq/ack, window, payload length, records, marks. */
export function packetLine(row: PacketRow, p: Palette): string {
  const ack = row.ack !== undefined ? ` ack ${row.ack}` : '';
  const parts = [`${ms(row.timeMs).padStart(12)}  ${arrow(row.direction, p)} ${row.flags.padEnd(6)} seq ${row.seq}${ack} win ${row.window} len ${row.payloadLength}`];
  if (row.records.length > 0) parts.push(recordWords(row));
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
