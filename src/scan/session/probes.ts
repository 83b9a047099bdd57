// The session probes: client-initiated renegotiation (TLS 1.2), resumption by session ID and by
// session ticket (TLS 1.2) and by PSK (TLS 1.3), and what the server's TLS 1.3 tickets say about
// 0-RTT, under the scan's connection limit. The first connection of each probe (and the
// renegotiation) is a full handshake tls-trace writes itself (full12.ts, full13.ts; a Node
// handshake when the server needs more), and gets a session. The second, which offers it, is a
// ClientHello tls-trace writes itself (resume12.ts, early-data.ts): the server decides on that
// hello, and its first flight says what it decided, for a fraction of a Node handshake's CPU.
// Verdicts come from the server's bytes (the ServerHello echoing the offered session ID and the
// abbreviated handshake after it, its pre_shared_key extension confirmed by EncryptedExtensions
// that open with the ticket's keys, the NewSessionTicket).

import { sessionHandshake, type SessionHandshakeOptions, type SessionHandshakeResult } from '../../capture/session-connection.js';
import type { ScanContext } from '../context.js';
import type { VersionsFound } from '../versions.js';
import { Version } from '../../registry/index.js';
import { SCAN_SESSION_RECORD_BYTES } from '../../limits.js';
import type { EarlyDataProbe, RenegotiationProbe, ResumptionProbe, SessionScan } from './types.js';
import { readSessionWire, selectedPsk, ticketEarlyData, type SessionWire } from './wire.js';
import { offerTicket, type TicketAnswer } from './early-data.js';
import { resumableSession, type ResumableSession } from './openssl-session.js';
import { masterSecretOf, offerAfter, offerTls12Session, type Tls12Answer, type Tls12Offer } from './resume12.js';
import { fullHandshake12 } from './full12.js';
import { fullHandshake13 } from './full13.js';

/**
 * A recorded session connection and what the server sent on it. `resumable`: the handshake
 * completed with a session the server may resume (OpenSSL handed Node one; a hand-built
 * handshake's server Finished verified). `extraConnections`: 1 when a hand-built try made a connection before a Node one.
 */
type SessionConnection = SessionHandshakeResult & { wire: SessionWire; resumable: boolean; extraConnections: number; resumables?: ResumableSession[] };

type Connect = (o: Omit<SessionHandshakeOptions, 'version' | 'timeoutMs'>) => Promise<SessionConnection>;

/**
 * One session connection in `version`, counted as a Node handshake and drawn from the scan's
 * connection limit; `extraConnections` made before it by a hand-built try.
 */
function connector(ctx: ScanContext, version: SessionHandshakeOptions['version']): (o: Parameters<Connect>[0], extraConnections?: number) => Promise<SessionConnection> {
  const cert = ctx.opts.clientCert ? { clientCert: ctx.opts.clientCert } : {};
  return (o, extraConnections = 0) =>
    ctx.prober.limit(async () => {
      ctx.nodeHandshakes++;
      const r = await sessionHandshake(ctx.endpoint, { version, timeoutMs: ctx.opts.timeoutMs, servername: ctx.target.sni, ...cert, ...o });
      return withWire({ ...r, resumable: r.sessions.length > 0 }, version === 'TLSv1.3', extraConnections);
    });
}

/**
 * `r` with what the server sent on it, read when a probe first asks (the renegotiation probe
 * never does). TLS 1.2 probes read only what precedes ChangeCipherSpec; only TLS 1.3 tickets need
 * the key log (`decrypt`).
 */
function withWire<T extends SessionHandshakeResult>(r: T, decrypt: boolean, extraConnections = 0): T & { wire: SessionWire; extraConnections: number } {
  let wire: SessionWire | undefined;
  return {
    ...r,
    extraConnections,
    get wire(): SessionWire {
      return (wire ??= readSessionWire(r, { decrypt }));
    },
  };
}

/**
 * TLS 1.2 session connections: a handshake tls-trace writes itself (full12.ts), and a Node
 * handshake when the server needs what that one does not do (the hand-built try then counts as
 * one more connection).
 */
function connector12(ctx: ScanContext): Connect {
  const node = connector(ctx, 'TLSv1.2');
  return async (o) => {
    const r = await fullHandshake12(ctx, { ticket: !o.noTicket, renegotiate: Boolean(o.renegotiate) });
    // Spreading a connection would read its wire at once (a getter): the count goes in as an argument.
    if ('fallback' in r) return node(o, r.connections);
    return withWire(r.done, false);
  };
}

/**
 * The TLS 1.3 PSK probe's first connection: a handshake tls-trace writes itself (full13.ts), whose
 * tickets come with their PSKs; a Node handshake when the server needs more (one connection more).
 */
function connector13(ctx: ScanContext): Connect {
  const node = connector(ctx, 'TLSv1.3');
  return async (o) => {
    if (o.session) return node(o);
    const r = await fullHandshake13(ctx, o.ticketWaitMs ?? 0);
    if ('fallback' in r) return node(o, r.connections);
    return withWire({ ...r.done, resumable: r.done.resumables.length > 0 }, true);
  };
}

const notTested = (why: string, connections = 0): ResumptionProbe => ({ issued: null, resumed: null, evidence: [why], connections });

const short = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 16)}…` : hex);

/** Why nothing can be concluded from a recording cut at tls-trace's limit (never "the server sent none"). */
const CUT = `not tested: the server sent more than tls-trace records for one session probe (${SCAN_SESSION_RECORD_BYTES / 1024} KiB) before what the probe needed`;

/** A second connection's answer when its ServerHello could not be read. */
function unreadable(second: SessionHandshakeResult & { wire: SessionWire }): string | undefined {
  if (second.wire.serverHello) return undefined;
  return second.truncated ? CUT : 'no ServerHello could be read from the second connection';
}

/** What a failed first connection says, for the evidence. */
const failed = (r: SessionHandshakeResult): string => `the handshake failed: ${r.error ?? 'no reason given'}`;

/** `r`: a TLS 1.2 connection made with `renegotiate: true`. */
export function probeRenegotiation(r: SessionConnection, timeoutMs: number): RenegotiationProbe {
  const evidence = ['TLS 1.2 handshake, then a new ClientHello on the established connection (client-initiated renegotiation)'];
  if (!r.ok) return { clientInitiated: null, evidence: [failed(r)], connections: 1 + r.extraConnections };
  const o = r.renegotiation ?? { outcome: 'no-answer' };
  if (o.outcome === 'completed') evidence.push(o.detail ?? 'the server completed the second handshake');
  else if (o.outcome === 'refused') evidence.push(`the server refused: ${o.detail ?? 'no reason given'}`);
  else evidence.push(`no answer within ${timeoutMs} ms`);
  const clientInitiated = o.outcome === 'completed' ? 'accepted' : o.outcome === 'refused' ? 'refused' : null;
  return { clientInitiated, evidence, connections: 1 + r.extraConnections };
}

/** A line when OpenSSL's own verdict on a Node second connection differs from the wire's. */
function crossCheck(wire: boolean, r: SessionHandshakeResult): string[] {
  return r.reused === undefined || r.reused === wire ? [] : [`note: OpenSSL reported the session ${r.reused ? 'resumed' : 'not resumed'}`];
}

/** A hand-built TLS 1.2 second connection (see resume12.ts). */
type Resume12 = (offer: Tls12Offer) => Promise<Tls12Answer>;

/** Why a hand-built second connection's answer cannot be read, or undefined when its ServerHello is there. */
function unanswered(second: Tls12Answer): string | undefined {
  if (second.unsendable) return second.unsendable;
  if (second.wire.serverHello) return undefined;
  return second.end === 'too-big' ? CUT : `no ServerHello could be read from the second connection (connection ${second.end})`;
}

/**
 * Whether the second connection resumed: its ServerHello echoes the non-empty session ID we offered
 * (RFC 5246 §7.4.1.3, RFC 5077 §3.4) and the server goes on with the abbreviated handshake (its
 * ChangeCipherSpec next) with a Finished that verifies with the session's master secret. An echo
 * followed by a Certificate is not believed: `false`, with a line saying so; an echo followed by
 * nothing readable, or by a Finished that does not verify, is `null`.
 */
function resumedBy(second: Tls12Answer): { resumed: boolean | null; line?: string } {
  const { wire: w, end, offeredSessionId: offered } = second;
  const echoed = offered !== '' && w.serverHello?.sessionId === offered;
  if (!echoed) return { resumed: false };
  if (w.flight === 'abbreviated') {
    // The server's word is not proof: only its Finished, made from the session's master secret, is.
    if (second.serverFinished?.ok) return { resumed: true };
    return { resumed: null, line: `the ServerHello echoed our session ID and a ChangeCipherSpec followed, but the server's Finished did not verify with the session's master secret (${second.serverFinished?.reason ?? 'not read'})` };
  }
  if (w.flight === 'full') return { resumed: false, line: 'the ServerHello echoed our session ID, but the server went on with a full handshake (Certificate or ServerHelloDone, not ChangeCipherSpec): not resumed' };
  return { resumed: null, line: `the ServerHello echoed our session ID, but neither ChangeCipherSpec nor a full handshake followed (connection ${end})` };
}

export async function probeSessionId(connect: Connect, resume: Resume12): Promise<ResumptionProbe> {
  const first = await connect({ noTicket: true });
  const extra = first.extraConnections;
  if (!first.ok) return notTested(failed(first), 1 + extra);
  const sh = first.wire.serverHello;
  const id = sh?.sessionId ?? '';
  const issued = id !== '' && first.resumable;
  if (!sh && first.truncated) return notTested(CUT, 1 + extra);
  if (!sh || !issued) return { issued: false, resumed: false, evidence: ['full handshake offering no ticket: the ServerHello carried an empty session ID'], connections: 1 + extra };
  const second = await resume(offerAfter(sh, undefined, masterSecretOf(first)));
  const evidence = [`full handshake offering no ticket: session ID ${short(id)} (${id.length / 2} bytes)`];
  const cannot = unanswered(second);
  if (cannot) return { issued, resumed: null, evidence: [...evidence, cannot], connections: 2 + extra };
  const { resumed, line } = resumedBy(second);
  evidence.push(line ? `offered it again: ${line}` : resumed ? 'offered it again: the ServerHello echoed it (abbreviated handshake)' : `offered it again: the server answered with ${second.wire.serverHello?.sessionId ? 'a new session ID' : 'no session ID'} (full handshake)`);
  return { issued, resumed, length: id.length / 2, evidence, connections: 2 + extra };
}

/**
 * `first`: a TLS 1.2 connection whose handshake offered an empty session_ticket extension — the
 * renegotiation probe's, whose first handshake is exactly that (a ticket travels before
 * ChangeCipherSpec, RFC 5077 §3.3, so what came after it does not matter). That connection counts
 * there; this probe's own is the second.
 */
export async function probeTicket12(first: SessionConnection, resume: Resume12): Promise<ResumptionProbe> {
  if (!first.ok) return notTested(failed(first));
  const ticket = first.wire.tickets[0];
  const sh = first.wire.serverHello;
  if (!ticket && first.truncated) return notTested(CUT);
  if (!ticket || !sh || !first.resumable) {
    return { issued: false, resumed: false, evidence: ['full handshake offering an empty session_ticket extension: no NewSessionTicket'], connections: 0 };
  }
  const base = { issued: true, ticketLifetime: ticket.lifetime, length: ticket.ticket.length / 2 };
  const evidence = [`full handshake: NewSessionTicket of ${base.length} bytes, lifetime hint ${ticket.lifetime} s`];
  // The ticket goes with a fresh session ID that no server cache holds: an echo means the ticket was accepted.
  const second = await resume(offerAfter(sh, Buffer.from(first.wire.tickets[first.wire.tickets.length - 1].ticket, 'hex'), masterSecretOf(first)));
  const cannot = unanswered(second);
  if (cannot) return { ...base, resumed: null, evidence: [...evidence, cannot], connections: 1 };
  const { resumed, line } = resumedBy(second);
  const renewed = second.wire.tickets.length > 0 ? '; the server sent a new ticket' : '';
  evidence.push(line ? `offered the ticket: ${line}` : resumed ? `offered the ticket: the ServerHello echoed our session ID (abbreviated handshake)${renewed}` : 'offered the ticket: the server ignored it (full handshake)');
  return { ...base, resumed, evidence, connections: 1 };
}

/** A hand-built TLS 1.3 second connection offering a ticket (see early-data.ts). */
type OfferTicket = (s: ResumableSession, offerEarlyData: boolean) => Promise<TicketAnswer>;

type Tls13Probes = { psk: ResumptionProbe; earlyData: EarlyDataProbe };

/**
 * TLS 1.3: tickets come after the handshake; the first connection waits up to `waitMs` for them.
 * The second connection offers the last ticket in a hello tls-trace writes (with early_data when
 * the tickets allow it), which answers both the PSK and the 0-RTT question; when the session's PSK
 * cannot be read or the server wants another key share, a Node handshake offers it instead.
 */
export async function probePsk(connect: Connect, waitMs: number, offer?: OfferTicket): Promise<Tls13Probes> {
  const first = await connect({ ticketWaitMs: waitMs });
  const one = 1 + first.extraConnections;
  const untested = (why: string, connections: number): Tls13Probes => ({
    psk: notTested(why, connections),
    earlyData: { maxEarlyDataSize: null, accepted: null, evidence: [why], connections: 0 },
  });
  if (!first.ok) return untested(failed(first), one);
  const tickets = first.wire.tickets;
  if (tickets.length === 0) {
    if (first.truncated) return untested(CUT, one);
    if (first.resumable && first.wire.undecrypted) return untested('the server sent a ticket, but tls-trace could not decrypt it to read it', one);
    const none = `no NewSessionTicket within ${waitMs} ms of the handshake`;
    return { psk: { issued: false, resumed: false, evidence: [none], connections: one }, earlyData: { maxEarlyDataSize: null, accepted: null, evidence: [none], connections: 0 } };
  }
  const advertised = earlyDataOf(tickets.map(ticketEarlyData));
  const t = tickets[0];
  const base = { issued: true, ticketLifetime: t.lifetime, length: t.ticket.length / 2 };
  const evidence = [`full handshake: ${tickets.length} NewSessionTicket(s), the first ${base.length} bytes with lifetime ${t.lifetime} s`];
  const last = first.sessions[first.sessions.length - 1];
  // A hand-built first connection gives the sessions itself (full13.ts); a Node one, OpenSSL's DER.
  const session = first.resumables ? first.resumables[first.resumables.length - 1] : offer && last ? resumableSession(last) : undefined;
  const answer = offer && session ? await offer(session, Boolean(advertised.maxEarlyDataSize)) : undefined;
  const earlyData = acceptanceOf(advertised, answer, Boolean(offer));
  if (answer && !answer.retry) return { psk: { ...base, resumed: answer.psk.resumed, evidence: [...evidence, answer.psk.evidence], connections: 2 + first.extraConnections }, earlyData };
  const connections = (answer ? 3 : 2) + first.extraConnections;
  if (answer) evidence.push(answer.psk.evidence);
  // Node can offer only a session OpenSSL made (the first connection's, when Node made it).
  if (!last) return { psk: { ...base, resumed: null, evidence: [...evidence, 'not tested further: a Node handshake can offer only a session of its own'], connections: connections - 1 }, earlyData };
  // After a hand-built try, an unused ticket if there is one: a server with anti-replay takes each once.
  const other = answer && first.sessions.length > 1;
  const second = await connect({ session: other ? first.sessions[0] : last });
  const cannot = second.ok ? unreadable(second) : failed(second);
  if (cannot) return { psk: { ...base, resumed: null, evidence: [...evidence, cannot], connections }, earlyData };
  const selected = second.wire.serverHello ? selectedPsk(second.wire.serverHello) : undefined;
  const resumed = selected !== undefined;
  const offered = other ? 'offered the first ticket in a Node handshake' : 'offered the last ticket';
  evidence.push(resumed ? `${offered}: the ServerHello's pre_shared_key selected identity ${selected}` : `${offered}: the ServerHello had no pre_shared_key (full handshake)`);
  return { psk: { ...base, resumed, evidence: [...evidence, ...crossCheck(resumed, second)], connections }, earlyData };
}

function earlyDataOf(sizes: Array<number | undefined>): EarlyDataProbe {
  const max = Math.max(0, ...sizes.map((s) => s ?? 0));
  const seen = max > 0 ? `the server's NewSessionTicket carries early_data with max_early_data_size ${max}` : 'the server\'s NewSessionTickets carry no early_data extension';
  return { maxEarlyDataSize: max, accepted: null, evidence: [seen], connections: 0 };
}

/** When the tickets allow early data, what the PSK probe's second connection said about it (it asked; no connection of its own). */
function acceptanceOf(advertised: EarlyDataProbe, answer: TicketAnswer | undefined, canAsk: boolean): EarlyDataProbe {
  if (!advertised.maxEarlyDataSize || !canAsk) return advertised;
  if (!answer?.earlyData) return { ...advertised, evidence: [...advertised.evidence, "acceptance not tested: the PSK of the ticket could not be read from OpenSSL's session"] };
  return { ...advertised, accepted: answer.earlyData.accepted, evidence: [...advertised.evidence, answer.earlyData.evidence] };
}

/** Every session probe the server's versions allow, run concurrently under the scan's limit. */
export async function scanSession(ctx: ScanContext, found: VersionsFound): Promise<SessionScan> {
  const has12 = found.supported.includes(Version.TLS12);
  const c12 = connector12(ctx);
  const r12: Resume12 = (offer) => offerTls12Session(ctx, offer);
  const no12 = 'not tested: the server does not offer TLS 1.2';
  const waitMs = Math.min(1000, ctx.opts.timeoutMs);
  // One Node handshake serves the renegotiation probe and the ticket probe's first connection.
  const reneg = has12 ? c12({ renegotiate: true }) : undefined;
  const [renegotiation, sessionId, sessionTicket, tls13] = await Promise.all([
    reneg ? reneg.then((r) => probeRenegotiation(r, ctx.opts.timeoutMs)) : Promise.resolve<RenegotiationProbe>({ clientInitiated: null, evidence: [no12], connections: 0 }),
    has12 ? probeSessionId(c12, r12) : Promise.resolve(notTested(no12)),
    reneg ? reneg.then((r) => probeTicket12(r, r12)) : Promise.resolve(notTested(no12)),
    found.has13
      ? probePsk(connector13(ctx), waitMs, (s, earlyData) => offerTicket(ctx, s, earlyData))
      : Promise.resolve({ psk: notTested('not tested: the server does not offer TLS 1.3'), earlyData: { maxEarlyDataSize: null, accepted: null, evidence: ['not tested: the server does not offer TLS 1.3'], connections: 0 } }),
  ]);
  const connections = renegotiation.connections + sessionId.connections + sessionTicket.connections + tls13.psk.connections + tls13.earlyData.connections;
  return { renegotiation, sessionId, sessionTicket, psk: tls13.psk, earlyData: tls13.earlyData, connections };
}
