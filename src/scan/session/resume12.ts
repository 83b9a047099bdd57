// The second connection of the TLS 1.2 resumption probes, written by tls-trace rather than made by
// Node: whether a TLS 1.2 server resumes is decided by its ServerHello, which echoes the session
// ID the client offered (RFC 5246 §7.4.1.3) — or, for a ticket, the fresh session ID sent beside
// it (RFC 5077 §3.4) — so a full handshake through OpenSSL is not needed to learn it. The hello
// offers the version, suite, extended_master_secret and encrypt_then_mac the first connection
// negotiated; the answer is read with the shared first-flight reader up to the server's
// ChangeCipherSpec and the protected record after it (abbreviated handshake) or ServerHelloDone
// (full one), never further. An abbreviated handshake is believed only when the server's Finished
// opens and verifies with the first connection's master secret (its key log): a server that echoes
// every session ID and sends a ChangeCipherSpec never had the session (OpenSSL would abort there).

import { Ext, Version } from '../../registry/index.js';
import { randomBytes } from 'node:crypto';
import type { ProbeEnd } from '../../capture/probe-connection.js';
import type { SessionHandshakeResult } from '../../capture/session-connection.js';
import { keyLogLine, KeyLogLabel, secretForFirstHello } from '../../decrypt/index.js';
import { helloOrWhyNot, type ExtensionSpec } from '../client-hello-builder.js';
import type { ScanContext } from '../context.js';
import { readFirstFlight } from '../first-flight.js';
import { makeHello } from '../hello.js';
import { exchange13, openConnection } from '../tls13-wire.js';
import { readSessionWire, type SessionWire } from './wire.js';
import type { ServerHello } from '../../decode/model.js';
import { clientRandomOfRecord } from '../../decode/index.js';

/** What the second connection offers. */
export interface Tls12Offer {
  suite: number;
  /** The session ID to resume; with `ticket`, a fresh one that the server echoes if it takes the ticket. */
  sessionId: Uint8Array;
  /** A ticket from the first connection's NewSessionTicket, sent in the session_ticket extension. */
  ticket?: Uint8Array;
  /** Offered again exactly when the first ServerHello had them: a session made with
   * extended_master_secret resumes only with it, one without only without it (RFC 7627 §5.3). */
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  /** The session's master secret (masterSecretOf the first connection), to check the server's Finished. */
  masterSecret?: Buffer;
}

export interface Tls12Answer {
  end: ProbeEnd;
  /** The session ID the hello offered, hex. */
  offeredSessionId: string;
  /** The server's side (our own hello is not decoded again). */
  wire: SessionWire;
  /** Why no connection was made: the hello could not be written (helloOrWhyNot). */
  unsendable?: string;
  /** After an abbreviated handshake: whether the server's Finished verified with the session's master secret, and why not. */
  serverFinished?: { ok: boolean; reason: string };
}

/**
 * The master secret of the first connection's handshake: its key-log line for the random of its
 * first ClientHello (a renegotiation's later handshake has another; its tickets travel encrypted,
 * so the ones the probes read in the clear are the first handshake's).
 */
export function masterSecretOf(first: Pick<SessionHandshakeResult, 'chunks' | 'keylog'>): Buffer | undefined {
  return secretForFirstHello(first, KeyLogLabel.masterSecret);
}

/** The offer that resumes what the first connection's ServerHello negotiated: its session ID, or `ticket` with a fresh ID. */
export function offerAfter(first: ServerHello, ticket?: Uint8Array, masterSecret?: Buffer): Tls12Offer {
  const has = (code: number): boolean => first.extensions.some((e) => e.type === code);
  return {
    suite: first.cipherSuite,
    sessionId: ticket ? randomBytes(32) : Buffer.from(first.sessionId, 'hex'),
    ...(ticket ? { ticket } : {}),
    extendedMasterSecret: has(Ext.extended_master_secret),
    encryptThenMac: has(Ext.encrypt_then_mac),
    ...(masterSecret ? { masterSecret } : {}),
  };
}

/** The ClientHello (records) for `offer`. */
export function resumptionHello(offer: Tls12Offer, sni: string | undefined): Uint8Array {
  const extra: ExtensionSpec[] = [
    ...(offer.extendedMasterSecret ? [{ type: 'extended_master_secret' as const }] : []),
    ...(offer.encryptThenMac ? [{ type: 'encrypt_then_mac' as const }] : []),
    ...(offer.ticket ? [{ type: 'session_ticket' as const, ticket: offer.ticket }] : []),
  ];
  return makeHello({ version: Version.TLS12, suites: [offer.suite], sni, sessionId: offer.sessionId, extra });
}

/** One hand-built connection offering `offer`; never rejects. */
export async function offerTls12Session(ctx: ScanContext, offer: Tls12Offer): Promise<Tls12Answer> {
  const hello = helloOrWhyNot(() => resumptionHello(offer, ctx.target.sni), offer.ticket ? `the server's ${offer.ticket.length}-byte ticket` : 'the session');
  if (typeof hello === 'string') return { end: 'connect-failed', offeredSessionId: Buffer.from(offer.sessionId).toString('hex'), wire: { tickets: [], undecrypted: false }, unsendable: hello };
  // One attempt, as for every session offer (tls13-wire's exchange serves TLS 1.2 hellos as well).
  const x = await exchange13(ctx, hello, () => (b) => readFirstFlight(b, { fullFlight: true }).complete, { retry: false });
  const wire = readSessionWire({ chunks: x.chunks, keylog: [] }, { decrypt: false });
  const answer: Tls12Answer = { end: x.end, offeredSessionId: Buffer.from(offer.sessionId).toString('hex'), wire };
  return wire.flight === 'abbreviated' ? { ...answer, serverFinished: serverFinished(hello, x.chunks, offer.masterSecret) } : answer;
}

/** RFC 5246 §7.4.9: the abbreviated handshake's server Finished, opened and checked by the shared decryption code with the session's master secret. */
function serverFinished(hello: Uint8Array, chunks: Parameters<typeof openConnection>[0], masterSecret: Buffer | undefined): { ok: boolean; reason: string } {
  if (!masterSecret) return { ok: false, reason: "the session's master secret was not in the first connection's key log" };
  // makeHello's hello is one record, so its random is always there.
  const random = clientRandomOfRecord(hello);
  if (random === undefined) return { ok: false, reason: 'our ClientHello has no random to name the session by' };
  const { decryption } = openConnection(chunks, [keyLogLine(KeyLogLabel.masterSecret, random, masterSecret.toString('hex'))]);
  const fact = decryption?.verifications.find((v) => v.check === 'server-finished');
  return fact ? { ok: fact.ok, reason: fact.reason } : { ok: false, reason: "no server Finished could be opened with the session's master secret" };
}
