// The ladder diagram's model: one arrow per flight (client → server or back) with its messages'
// short names, the bytes of the records that carried them and the time it started, plus the TCP
// handshake and teardown (packet sources) and the plaintext prologue (STARTTLS, CONNECT) as their
// own arrows. Built from the flights and steps the analysis already made; the report draws it.

import type { Direction } from '../capture/types.js';
import type { TraceAnalysis, Step } from '../analyse/types.js';
import type { DecodedTrace, Message } from '../decode/model.js';
import { alertDescriptions, describe } from '../registry/index.js';
import { LADDER_MAX_NAMES_PER_ARROW } from '../limits.js';
import type { PrologueView } from './prologue.js';
import { finCarryingAck, type TcpView } from './tcp.js';

/** Which part of the connection an arrow belongs to; round trips are counted within each. */
export type LadderPhase = 'tcp' | 'prologue' | 'tls';

export interface LadderArrow {
  phase: LadderPhase;
  direction: Direction;
  /** When the arrow's first message (or packet) was seen, ms since the capture started. */
  timeMs: number;
  /**
   * Short names in wire order, braces around what travelled encrypted (`{Certificate}`); a run of
   * the same name is one entry with `×n`.
   */
  names: string[];
  /** Bytes on the wire: the flight's TLS records, header included; a prologue turn's bytes; 0 for a bare TCP packet. */
  bytes: number;
  /** The analysis's flight number, for TLS arrows. */
  flight?: number;
  /** Set on the arrow that completes a round trip (the first answer after the other side spoke): its number within the phase. */
  roundTrip?: number;
}

export interface LadderView {
  arrows: LadderArrow[];
  /**
   * Round trips the TLS handshake took: the round trip in which the last Finished arrived (1 for
   * a full TLS 1.3 handshake, 2 for a full TLS 1.2 one); absent when no Finished is readable.
   */
  handshakeRoundTrips?: number;
}

export interface LadderSources {
  decoded: DecodedTrace;
  analysis: TraceAnalysis;
  tcp?: TcpView;
  prologue?: PrologueView;
}

/** The whole ladder: TCP open, prologue turns, TLS flights, TCP close, with round trips marked per phase. */
export function ladderView({ decoded, analysis, tcp, prologue }: LadderSources): LadderView {
  const arrows: LadderArrow[] = [];
  if (tcp) arrows.push(...tcpOpenArrows(tcp));
  for (const s of prologue?.steps ?? []) arrows.push({ phase: 'prologue', direction: s.direction, timeMs: s.timeMs, names: [s.title], bytes: s.length });
  for (const f of analysis.flights) {
    const steps = f.steps.map((n) => analysis.steps[n - 1]).filter((s): s is Step => s !== undefined);
    arrows.push({ phase: 'tls', direction: f.direction, timeMs: f.startMs, names: flightNames(steps, decoded), bytes: flightBytes(steps, decoded), flight: f.index });
  }
  if (tcp) arrows.push(...tcpCloseArrows(tcp));
  markRoundTrips(arrows);
  const finished = arrows.filter((a) => a.phase === 'tls' && a.names.some((n) => n.includes('Finished')));
  const handshakeRoundTrips = finished.reduce((n, a) => Math.max(n, a.roundTrip ?? 0), 0);
  return { arrows, ...(handshakeRoundTrips > 0 ? { handshakeRoundTrips } : {}) };
}

function tcpOpenArrows(tcp: TcpView): LadderArrow[] {
  const h = tcp.handshake;
  const out: LadderArrow[] = [];
  const add = (direction: Direction, timeMs: number | undefined, name: string): void => {
    if (timeMs !== undefined) out.push({ phase: 'tcp', direction, timeMs, names: [name], bytes: 0 });
  };
  add('client', h.synMs, 'SYN');
  add('server', h.synAckMs, 'SYN-ACK');
  add('client', h.ackMs, 'ACK');
  return out;
}

/** The first FIN/RST packets and the bare ACKs of the FINs, in wire order (an ACK riding on a FIN is that FIN's arrow). */
function tcpCloseArrows(tcp: TcpView): LadderArrow[] {
  const out: LadderArrow[] = [];
  const events = tcp.teardown.events.slice(0, 4);
  for (const e of events) {
    out.push({ phase: 'tcp', direction: e.direction, timeMs: e.timeMs, names: [e.kind], bytes: 0 });
    if (e.acked && !finCarryingAck(events, e)) out.push({ phase: 'tcp', direction: e.direction === 'client' ? 'server' : 'client', timeMs: e.acked.timeMs, names: ['ACK'], bytes: 0 });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/**
 * A round trip is one side speaking and the other answering: the first arrow of each phase opens
 * one, and each later change of direction from the opening side to the answering side closes it.
 */
function markRoundTrips(arrows: LadderArrow[]): void {
  let prev: LadderArrow | undefined;
  let opener: Direction | undefined;
  let count = 0;
  // Counted afresh in each run of one phase: the TCP teardown is not the handshake's third round trip.
  for (const a of arrows) {
    if (!prev || prev.phase !== a.phase) {
      opener = a.direction;
      count = 0;
    } else if (a.direction !== prev.direction && prev.direction === opener) a.roundTrip = ++count;
    prev = a;
  }
}

/** The flight's bytes on the wire: each record counted once, though several messages may share one. */
function flightBytes(steps: readonly Step[], decoded: DecodedTrace): number {
  const seen = new Set<number>();
  let bytes = 0;
  for (const s of steps) {
    if (s.records.length === 0) bytes += s.messageLength;
    for (const r of s.records) {
      if (seen.has(r)) continue;
      seen.add(r);
      bytes += decoded.records[r]?.length ?? 0;
    }
  }
  return bytes;
}

/** Short names in wire order, runs folded (`{ApplicationData} ×40`), at most the per-arrow cap. */
function flightNames(steps: readonly Step[], decoded: DecodedTrace): string[] {
  const runs: Array<{ name: string; n: number }> = [];
  for (const s of steps) {
    const name = shortName(s, decoded);
    const last = runs.at(-1);
    if (last && last.name === name) last.n += 1;
    else runs.push({ name, n: 1 });
  }
  const names = runs.slice(0, LADDER_MAX_NAMES_PER_ARROW).map((r) => (r.n > 1 ? `${r.name} ×${r.n}` : r.name));
  const left = runs.slice(LADDER_MAX_NAMES_PER_ARROW).reduce((n, r) => n + r.n, 0);
  if (left > 0) names.push(`+${left} more`);
  return names;
}

/** `ClientHello`, `{Finished}`, `Alert(handshake_failure)`, `{Finished?}` for a likely Finished not decrypted. */
function shortName(s: Step, decoded: DecodedTrace): string {
  const m: Message | undefined = decoded.messages[s.message];
  const encrypted = s.decrypted || s.records.some((r) => decoded.records[r]?.encrypted === true);
  let name: string;
  if (m?.kind === 'alert') {
    const d = describe(alertDescriptions, m.description, 1);
    name = `Alert(${d.known ? d.name : d.hex})`;
  } else if (s.kind === 'encrypted') {
    name = guessName(s);
  } else if (s.kind === 'application_data') {
    name = 'ApplicationData';
  } else if (s.kind === 'opaque') {
    name = 'not TLS';
  } else {
    name = s.name;
  }
  return encrypted && s.kind !== 'opaque' ? `{${name}}` : name;
}

/** An undecrypted record's name: the decoder's guess when it names one message, with `?`. */
function guessName(s: Step): string {
  switch (s.guess?.kind) {
    case 'finished':
      return 'Finished?';
    case 'application-data':
      return 'ApplicationData?';
    case 'alert':
      return 'Alert?';
    case 'flight-message':
      return s.guess.message ? `${s.guess.message}?` : 'encrypted';
    default:
      return 'encrypted';
  }
}
