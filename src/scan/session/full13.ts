// The first connection of the TLS 1.3 PSK probe, written by tls-trace instead of made by Node: the
// hand-built handshake of handshake13.ts read up to the server's Finished (CertificateVerify and
// Finished verified), then our own Finished (RFC 8446 §4.4.4), so the server sends its
// NewSessionTickets (§4.6.1), which are opened with the server's application traffic secret. Each
// ticket's PSK is derived here from the resumption master secret and the ticket's nonce, so the
// second connection (early-data.ts) offers it exactly as it offered one from OpenSSL's session.
//
// An x25519 share only, as the second connection's hello has: a server that wants another group
// asks for it here already (a HelloRetryRequest), and the probe then asks Node, as before. So does
// anything else this handshake does not do: a CertificateRequest, an alert, a flight that does
// not verify. Nothing here throws on what the server sends.

import type { Linger } from '../../capture/probe-connection.js';
import type { SessionHandshakeResult } from '../../capture/session-connection.js';
import { clientRandomOfRecord, decodeHandshakeMessages, isWholeRecord, splitRecords } from '../../decode/index.js';
import type { HandshakeMessage } from '../../decode/model.js';
import type { ByteSpace } from '../../decode/types.js';
import { deriveSecret, digest, hkdfExpandLabel, hashLength } from '../../decrypt/hkdf.js';
import { keyLogLine, KeyLogLabel } from '../../decrypt/keylog.js';
import { sealTls13Record, type DirectionKeys } from '../../decrypt/record-protection.js';
import { ServerFlight13 } from '../../decrypt/server-flight13.js';
import { scheduleFromSharedSecret, trafficKeys, verifyData13, type Tls13Schedule } from '../../decrypt/tls13.js';
import { Alert, alertDescriptions, ContentType, Group, HS, label, Version } from '../../registry/index.js';
import type { ScanContext } from '../context.js';
import { handshakeMessage } from '../client-hello-builder.js';
import { checkFlight, FlightWatch, helloFor, retryGroupOf, type ServerKeys } from '../handshake13.js';
import { unframe } from '../tls13-wire.js';
import { CLOSE_NOTIFY, CLOSE_WAIT_MS, exchangeHandBuilt, type Fallback } from './hand-built.js';
import type { ResumableSession } from './openssl-session.js';
import { ticketEarlyData } from './wire.js';

/** A hand-built connection's result with the sessions its tickets give, or why a Node handshake must make it. */
export type Full13Result = { done: SessionHandshakeResult & { resumables: ResumableSession[] } } | Fallback;

/** What the server's flight gave once verified: the schedule, and the transcript hash through its Finished. */
export interface Verified {
  keys: ServerKeys;
  schedule: Tls13Schedule;
  /** Hash(ClientHello..client Finished), for the resumption master secret. */
  clientFinishedHash: Buffer;
}

class Handshake13Full {
  readonly watch: FlightWatch;
  readonly sent: Uint8Array[];
  phase: 'flight' | 'tickets' | 'closing' = 'flight';
  fallback?: string;
  verified?: Verified;
  /** NewSessionTicket messages (header and body) as opened. */
  readonly tickets: Buffer[] = [];
  private opener?: ServerFlight13;
  private pending: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(
    private readonly hello: Uint8Array,
    private readonly waitMs: number,
  ) {
    this.watch = new FlightWatch(unframe(hello));
    this.sent = [hello];
  }

  readonly enough = (received: Buffer): boolean | Uint8Array | Linger => {
    if (this.phase === 'flight') return this.watch.enough(received) ? this.finish(received) : false;
    return this.readTickets(received);
  };

  /** The server's flight is in: verified, our CCS (middlebox compatibility, RFC 8446 §D.4) and Finished go out. */
  private finish(received: Buffer): true | Linger {
    const keys = this.watch.keys;
    if (!keys || this.watch.failure) return this.stop(this.watch.failure ?? 'the server did not answer with a TLS 1.3 ServerHello this handshake can use');
    const { plaintext, messages } = this.watch.opened(keys.suite);
    if (messages.some((m) => m.msgType === HS.certificate_request)) return this.stop('the server asked for a client certificate');
    const clientHello = unframe(this.hello);
    const leaf = leafOf(messages);
    const failed = leaf ? checkFlight(messages, clientHello, keys, leaf) : "no certificate in the server's flight";
    if (failed) return this.stop(failed);
    const hash = keys.suite.hash;
    const throughServerFinished = Buffer.concat([clientHello, keys.serverHello, plaintext]);
    const schedule = scheduleFromSharedSecret(hash, keys.shared, digest(hash, Buffer.concat([clientHello, keys.serverHello])), digest(hash, throughServerFinished));
    const finished = handshakeMessage(HS.finished, verifyData13(hash, schedule.clientHandshakeTraffic, digest(hash, throughServerFinished)));
    this.verified = { keys, schedule, clientFinishedHash: digest(hash, Buffer.concat([throughServerFinished, finished])) };
    this.opener = ServerFlight13.fromSecret(keys.suite, schedule.serverApplicationTraffic);
    this.at = this.watch.at;
    this.phase = 'tickets';
    const sealed = sealTls13Record(keys.suite, this.clientKeys(schedule.clientHandshakeTraffic), 0n, ContentType.handshake, finished);
    const write = Buffer.concat([Buffer.from([ContentType.change_cipher_spec, 3, 3, 0, 1, 1]), sealed]);
    this.sent.push(write);
    // Records that came after the Finished's in the same read are read now (a server does not send
    // tickets before our Finished, but bytes may wait there); the server then has waitMs for its tickets.
    const more = received.length > this.at ? this.readTickets(received) : false;
    if (more === true) return true;
    return more ? { write: Buffer.concat([write, more.write]), lingerMs: more.lingerMs } : { write, lingerMs: this.waitMs };
  }

  private clientKeys(secret: Buffer): DirectionKeys {
    const suite = this.verified!.keys.suite;
    return trafficKeys(suite.hash, secret, suite.keyLength, 12);
  }

  /**
   * NewSessionTickets under the server's application keys; once whole ones are in, our
   * close_notify, after which tickets the server sent before it read ours still count: reading
   * goes on to its close_notify, its hang-up or the linger's end (OpenSSL sends two tickets, often
   * in two reads). Before any ticket, an alert other than close_notify (or a record that does
   * not open) may be the server refusing our Finished, which its flight cannot prove it took: no
   * verdict from that, a Node handshake instead (`true` with the reason in `fallback`).
   */
  private readTickets(received: Buffer): boolean | Linger {
    const closing = this.phase === 'closing';
    const split = splitRecords(received, this.at);
    for (const rec of split.records) {
      if (!isWholeRecord(rec)) break;
      this.at = rec.bodyOffset + rec.bodyLength;
      if (rec.contentType !== ContentType.application_data || !this.opener) return closing || this.ended(`a record of type ${rec.contentType} after our Finished`);
      const opened = this.opener.open(received.subarray(rec.offset, rec.bodyOffset), received.subarray(rec.bodyOffset, this.at));
      if (!opened.ok) return closing || this.ended(`a record after our Finished did not open (${opened.reason})`);
      if (opened.contentType === ContentType.alert) {
        const p = opened.plaintext;
        if (closing) return true;
        if (p.length === 2 && p[1] === Alert.close_notify) return this.close();
        return this.ended(`the server answered our Finished with alert ${p.length >= 2 ? label(alertDescriptions, p[1], 1) : '(truncated)'}`);
      }
      if (opened.contentType !== ContentType.handshake || !opened.handshake) continue;
      const { bytes, messages } = opened.handshake;
      for (const m of messages) if (m.type === HS.new_session_ticket) this.tickets.push(Buffer.from(bytes.subarray(m.start, m.end)));
      this.pending = opened.handshake.rest;
    }
    return !closing && this.tickets.length > 0 && this.pending.length === 0 ? this.close() : false;
  }

  /** The connection cannot go on: with tickets in, they stand (our close_notify); without, a fallback. */
  private ended(why: string): true | Linger {
    return this.tickets.length > 0 ? this.close() : this.stop(why);
  }

  /** close_notify under our application keys: OpenSSL keeps a session only after a clean close. */
  private close(): Linger {
    this.phase = 'closing';
    const v = this.verified!;
    const write = sealTls13Record(v.keys.suite, this.clientKeys(v.schedule.clientApplicationTraffic), 0n, ContentType.alert, CLOSE_NOTIFY);
    this.sent.push(write);
    return { write, lingerMs: CLOSE_WAIT_MS };
  }

  private stop(why: string): true {
    this.fallback ??= why;
    return true;
  }
}

function leafOf(messages: readonly HandshakeMessage[]): Buffer | undefined {
  for (const m of messages) if (m.body?.type === 'certificate' && m.body.entries[0]) return Buffer.from(m.body.entries[0].der, 'hex');
  return undefined;
}

/** RFC 8446 §4.6.1: each ticket's PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
export function resumablesOf(v: Verified, tickets: readonly Buffer[], issuedAt: number): ResumableSession[] {
  const hash = v.keys.suite.hash;
  const resumption = deriveSecret(hash, v.schedule.master, 'res master', v.clientFinishedHash);
  const out: ResumableSession[] = [];
  for (const raw of tickets) {
    const space: ByteSpace = { id: 'server/ticket', direction: 'server', bytes: raw, segments: [], decrypted: true };
    const message = decodeHandshakeMessages(space, 0, raw.length, { version: Version.TLS13, cipherSuite: v.keys.suite.code })[0];
    const body = message?.body;
    // A ticket that did not decode cleanly (a length that lies) is not offered: its PSK would rest on a guess.
    if (message?.issue || body?.type !== 'new_session_ticket' || body.nonce === undefined || body.ticket.length === 0) continue;
    out.push({
      suite: v.keys.suite.code,
      psk: hkdfExpandLabel(hash, resumption, 'resumption', Buffer.from(body.nonce, 'hex'), hashLength(hash)),
      ticket: Buffer.from(body.ticket, 'hex'),
      ageAdd: body.ageAdd ?? 0,
      issuedAt,
      maxEarlyData: ticketEarlyData(body) ?? 0,
    });
  }
  return out;
}

/** The key-log lines of the connection, so the shared decryption code opens it as Node's key log would. */
function keyLogOf(hello: Uint8Array, s: Tls13Schedule): string[] {
  const random = clientRandomOfRecord(hello);
  if (random === undefined) return [];
  const lines: Array<[string, Buffer]> = [
    [KeyLogLabel.clientHandshake, s.clientHandshakeTraffic],
    [KeyLogLabel.serverHandshake, s.serverHandshakeTraffic],
    [KeyLogLabel.clientTraffic0, s.clientApplicationTraffic],
    [KeyLogLabel.serverTraffic0, s.serverApplicationTraffic],
  ];
  return lines.map(([label, secret]) => keyLogLine(label, random, secret.toString('hex')).trimEnd());
}

/**
 * One hand-built TLS 1.3 session connection under the scan's limit (counted as a probe), waiting
 * up to `waitMs` after our Finished for tickets. Never rejects; `fallback` when a Node handshake
 * must make the connection instead.
 */
export async function fullHandshake13(ctx: ScanContext, waitMs: number): Promise<Full13Result> {
  if (ctx.opts.clientCert) return { fallback: 'a client certificate was given', connections: 0 };
  // Already known: this server answers a hello without its group with a HelloRetryRequest.
  if (retryGroupOf(ctx) !== undefined) return { fallback: 'the server asked another probe for a group other than x25519', connections: 0 };
  const hello = helloFor(ctx, {}, [Group.x25519]);
  const r = await exchangeHandBuilt(ctx, hello, () => new Handshake13Full(hello, waitMs), (s) => s.verified !== undefined);
  if ('fallback' in r) return r;
  if ('failed' in r) return { done: { ...r.failed, resumables: [] } };
  const { state: s, chunks } = r;
  const verified = s.verified!;
  return {
    done: {
      ok: true,
      sessions: [],
      chunks,
      keylog: keyLogOf(hello, verified.schedule),
      resumables: resumablesOf(verified, s.tickets, Math.floor(Date.now() / 1000)),
    },
  };
}
