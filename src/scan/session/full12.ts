// The first connection of the TLS 1.2 session probes (and the renegotiation probe), written by
// tls-trace instead of made by Node: a full ECDHE handshake with an AEAD suite, from our
// ClientHello to the server's Finished, verified. A server that issues a session ID or a ticket
// does so on this connection exactly as for any client; what the probes read from it (the
// ServerHello, the NewSessionTicket) is the server's own bytes, and the master secret the second
// connection checks the server's Finished with is ours. Renegotiation: an encrypted ClientHello
// on the established connection (RFC 5746 §3.5, with our verify_data); the server's answer is a
// ServerHello (it goes into the new handshake) or an alert or a hang-up (it does not).
//
// Anything this handshake does not do — a suite that is not ECDHE with AES-GCM or ChaCha20, a
// client certificate (given, or required by the server), an alert, a Finished that does not verify — makes the probe
// fall back to a Node handshake (`fallback`), so no server gets a verdict from a path that could
// not follow it. Nothing here throws on what the server sends.

import type { Linger } from '../../capture/probe-connection.js';
import type { SessionHandshakeResult, RenegotiationOutcome } from '../../capture/session-connection.js';
import { clientRandomOfRecord, decodeStream } from '../../decode/index.js';
import type { HandshakeMessage } from '../../decode/model.js';
import { isWholeRecord, splitRecords } from '../../decode/record.js';
import { keyLogLine, KeyLogLabel } from '../../decrypt/keylog.js';
import { digest } from '../../decrypt/hkdf.js';
import { keyBlock12, prf12, verifyData12 } from '../../decrypt/prf.js';
import { openTls12Record, sealTls12Record, type DirectionKeys } from '../../decrypt/record-protection.js';
import { isSupported, suiteCrypto, type SuiteCrypto } from '../../decrypt/suites.js';
import { alertDescriptions, cipherSuites, ContentType, describe, Ext, Group, HS, label, Version } from '../../registry/index.js';
import type { ScanContext } from '../context.js';
import { makeHello, type HelloParams } from '../hello.js';
import { handshakeMessage } from '../client-hello-builder.js';
import { record } from '../probes/follow-up.js';
import { canMakeKeyShare, keyShareFor, sharedSecretWith } from '../key-shares.js';
import { unframe } from '../tls13-wire.js';
import { CLOSE_NOTIFY, CLOSE_WAIT_MS, exchangeHandBuilt, type Fallback } from './hand-built.js';

/** ECDHE with an AEAD bulk cipher: what this handshake can finish (OpenSSL's default order). */
const SUITES = [0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc02b, 0xc02f];
const GROUPS = [Group.x25519, Group.secp256r1, Group.secp384r1, Group.secp521r1];

export interface Full12Request {
  /** Offer an empty session_ticket extension (the ticket probe); without it, resumption can only be by session ID. */
  ticket: boolean;
  /** After the handshake, ask for a new one on the same connection. */
  renegotiate: boolean;
}

/** A hand-built connection's result, or why a Node handshake must make it instead. */
export type Full12Result = { done: SessionHandshakeResult & { resumable: boolean } } | Fallback;

interface Keys {
  suite: SuiteCrypto;
  master: Buffer;
  client: DirectionKeys;
  server: DirectionKeys;
}

/** The handshake's state as the server's bytes arrive; one per connection attempt. */
class Handshake12 {
  readonly sent: Uint8Array[];
  step: 'flight' | 'finished' | 'renegotiation' | 'closing' = 'flight';
  fallback?: string;
  renegotiation?: RenegotiationOutcome;
  verified = false;
  private transcript: Buffer[];
  private keys?: Keys;
  private clientVerify?: Buffer;
  /** Our messages before ChangeCipherSpec: [an empty Certificate] and the ClientKeyExchange. */
  private clientFlight = Buffer.alloc(0);
  /** Where the server's bytes after its first flight start, and the records read since. */
  private at = 0;
  private serverSeq = 0n;
  private clientSeq = 0n;

  constructor(
    private readonly hello: Uint8Array,
    private readonly renegotiate: boolean,
    /** The hello's parameters; a renegotiation's hello repeats them (extended_master_secret must, RFC 7627 §5.3). */
    private readonly params: HelloParams,
  ) {
    this.sent = [hello];
    this.transcript = [unframe(hello)];
  }

  readonly enough = (received: Buffer): boolean | Uint8Array | Linger => {
    if (this.step === 'flight') return this.onFlight(received);
    if (this.step === 'finished') return this.onFinished(received);
    if (this.step === 'renegotiation') return this.onRenegotiation(received);
    return true;
  };

  private send(bytes: Uint8Array): Uint8Array {
    this.sent.push(bytes);
    return bytes;
  }

  /** The server's first flight, through ServerHelloDone; then our ClientKeyExchange, ChangeCipherSpec and Finished. */
  private onFlight(received: Buffer): boolean | Uint8Array {
    const trace = decodeStream('server', received, {}, { itemise: false });
    const flight: HandshakeMessage[] = [];
    for (const m of trace.messages) {
      if (m.kind === 'alert') return this.stop('fallback', `the server answered our hello with alert ${label(alertDescriptions, m.description, 1)}`);
      if (m.kind !== 'handshake') return this.stop('fallback', `the server sent a ${m.kind} record in its first flight`);
      if (m.issue?.kind === 'incomplete') return false;
      if (!m.body || m.issue) return this.stop('fallback', `the server's first flight did not decode (${m.issue?.reason ?? 'no body'})`);
      // RFC 5246 §7.4.1.1: a HelloRequest is in no handshake hash (a client negotiating ignores it).
      if (m.msgType !== HS.hello_request) flight.push(m);
      if (m.msgType === HS.server_hello_done) return this.respond(flight, received.length);
    }
    return trace.notTls ? this.stop('fallback', 'the server did not answer with TLS records') : false;
  }

  private respond(flight: HandshakeMessage[], end: number): boolean | Uint8Array {
    const why = this.keysFrom(flight);
    if (why) return this.stop('fallback', why);
    const keys = this.keys!;
    this.clientVerify = verifyData12(keys.suite.hash, keys.master, 'client', this.transcriptHash());
    const finished = handshakeMessage(HS.finished, this.clientVerify);
    this.transcript.push(finished);
    this.at = end;
    this.step = 'finished';
    return this.send(Buffer.concat([record(ContentType.handshake, Version.TLS12, this.clientFlight), record(ContentType.change_cipher_spec, Version.TLS12, [1]), this.seal(ContentType.handshake, finished)]));
  }

  /** The session's keys from the ServerHello and ServerKeyExchange; a reason when this handshake cannot go on. */
  private keysFrom(flight: HandshakeMessage[]): string | undefined {
    const body = <T extends string>(t: T): Extract<NonNullable<HandshakeMessage['body']>, { type: T }> | undefined =>
      flight.find((m) => m.body?.type === t)?.body as Extract<NonNullable<HandshakeMessage['body']>, { type: T }> | undefined;
    const sh = body('server_hello');
    const ske = body('server_key_exchange');
    if (!sh || sh.legacyVersion !== Version.TLS12 || sh.helloRetryRequest) return 'the server did not answer with a TLS 1.2 ServerHello';
    const suite = suiteCrypto(sh.cipherSuite, Version.TLS12);
    if (!SUITES.includes(sh.cipherSuite) || !isSupported(suite)) return `the server chose ${label(cipherSuites, sh.cipherSuite)}, which this handshake does not offer`;
    if (ske?.form !== 'ecdhe' || ske.namedGroup === undefined || !ske.publicKey || !canMakeKeyShare(ske.namedGroup)) return 'the ServerKeyExchange does not name a group this handshake can use';
    const premaster = sharedSecretWith(ske.namedGroup, Buffer.from(ske.publicKey, 'hex'));
    if (!premaster) return "the server's ECDHE public value is not valid for its group";
    for (const m of flight) this.transcript.push(Buffer.from(m.raw, 'hex'));
    // RFC 5246 §7.4.6: asked for a certificate, a client without one sends an empty list (as Node
    // does without --client-cert); a server that requires one then refuses, and Node is asked.
    const certificate = flight.some((m) => m.msgType === HS.certificate_request) ? [handshakeMessage(HS.certificate, Buffer.alloc(3))] : [];
    // RFC 8422 §5.7: our public value for the server's group, the same key pair as our TLS 1.3 shares.
    const share = keyShareFor(ske.namedGroup)!;
    this.clientFlight = Buffer.concat([...certificate, handshakeMessage(HS.client_key_exchange, Buffer.concat([Buffer.from([share.length]), share]))]);
    this.transcript.push(this.clientFlight);
    const clientRandom = Buffer.from(clientRandomOfRecord(this.hello) ?? '', 'hex');
    const serverRandom = Buffer.from(sh.random, 'hex');
    // RFC 7627 §4: with extended_master_secret the master secret covers the transcript through the ClientKeyExchange.
    const ems = sh.extensions.some((e) => e.type === Ext.extended_master_secret);
    const master = ems
      ? prf12(suite.hash, premaster, 'extended master secret', this.transcriptHash(suite), 48)
      : prf12(suite.hash, premaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
    const kb = keyBlock12(suite.hash, master, serverRandom, clientRandom, { macKeyLength: 0, keyLength: suite.keyLength, fixedIvLength: suite.fixedIvLength });
    this.keys = { suite, master, client: { key: kb.clientKey, iv: kb.clientIv }, server: { key: kb.serverKey, iv: kb.serverIv } };
    return undefined;
  }

  private transcriptHash(suite: SuiteCrypto = this.keys!.suite): Buffer {
    return digest(suite.hash, Buffer.concat(this.transcript));
  }

  /** The session's master secret as hex, for the key-log line the resumption probes read. */
  masterHex(): string {
    return this.keys!.master.toString('hex');
  }

  private seal(contentType: number, plaintext: Uint8Array): Buffer {
    return sealTls12Record(this.keys!.suite, this.keys!.client, this.clientSeq++, contentType, plaintext);
  }

  /** [NewSessionTicket] ChangeCipherSpec Finished from the server (RFC 5246 §7.3, RFC 5077 §3.3). */
  private onFinished(received: Buffer): boolean | Uint8Array | Linger {
    const split = splitRecords(received, this.at);
    if (split.garbage) return this.stop('fallback', split.garbage.reason);
    let changed = false;
    let pending = Buffer.alloc(0);
    for (const rec of split.records) {
      if (!isWholeRecord(rec)) return false;
      const body = received.subarray(rec.bodyOffset, rec.bodyOffset + rec.bodyLength);
      if (rec.contentType === ContentType.change_cipher_spec) {
        changed = true;
        continue;
      }
      if (!changed && rec.contentType === ContentType.alert) return this.stop('fallback', `the server answered our Finished with alert ${body.length >= 2 ? label(alertDescriptions, body[1], 1) : '(truncated)'}`);
      if (!changed && rec.contentType === ContentType.handshake) {
        pending = Buffer.concat([pending, body]);
        continue;
      }
      if (!changed || rec.contentType !== ContentType.handshake) return this.stop('fallback', `record of type ${rec.contentType} where the server's Finished belongs`);
      const why = this.checkServerFinished(pending, received.subarray(rec.offset, rec.offset + 5), body);
      if (why) return this.stop('fallback', why);
      this.at = rec.bodyOffset + rec.bodyLength;
      return this.afterHandshake();
    }
    return false;
  }

  /** The NewSessionTicket (if any) joins the transcript; the server's Finished must open and verify. */
  private checkServerFinished(tickets: Buffer, header: Uint8Array, body: Uint8Array): string | undefined {
    for (let at = 0; at < tickets.length; ) {
      const length = at + 4 <= tickets.length ? tickets.readUIntBE(at + 1, 3) : Infinity;
      if (tickets[at] !== HS.new_session_ticket || at + 4 + length > tickets.length) return 'a handshake message other than a whole NewSessionTicket before the server\'s ChangeCipherSpec';
      at += 4 + length;
    }
    if (tickets.length > 0) this.transcript.push(tickets);
    const opened = openTls12Record(this.keys!.suite, this.keys!.server, this.serverSeq++, header, body, { encryptThenMac: false });
    if (!opened.ok) return `the server's Finished did not open (${opened.reason})`;
    const expected = handshakeMessage(HS.finished, verifyData12(this.keys!.suite.hash, this.keys!.master, 'server', this.transcriptHash()));
    if (!opened.plaintext.equals(expected)) return "the server's Finished did not verify";
    this.verified = true;
    return undefined;
  }

  /** Renegotiation's hello, or close_notify (OpenSSL keeps a session in its cache only after a clean close). */
  private afterHandshake(): Uint8Array | Linger {
    if (this.renegotiate) {
      this.step = 'renegotiation';
      const again = unframe(makeHello({ ...this.params, renegotiatedConnection: this.clientVerify }));
      return this.send(this.seal(ContentType.handshake, again));
    }
    this.step = 'closing';
    return { write: this.send(this.seal(ContentType.alert, CLOSE_NOTIFY)), lingerMs: CLOSE_WAIT_MS };
  }

  /**
   * The first protected record after the server's Finished that is not application data answers
   * our renegotiation hello. Application data is skipped: a server that speaks first (IMAPS,
   * POP3S, SMTPS greet the moment the handshake ends) sends it before it reads our hello. So is a
   * HelloRequest (RFC 5246 §7.4.1.1: a client already negotiating may ignore it).
   */
  private onRenegotiation(received: Buffer): boolean {
    const split = splitRecords(received, this.at);
    for (const rec of split.records) {
      if (!isWholeRecord(rec)) return false;
      const opened = openTls12Record(this.keys!.suite, this.keys!.server, this.serverSeq++, received.subarray(rec.offset, rec.offset + 5), received.subarray(rec.bodyOffset, rec.bodyOffset + rec.bodyLength), { encryptThenMac: false });
      this.at = rec.bodyOffset + rec.bodyLength;
      if (!opened.ok) return this.answer('refused', `the server's answer did not open (${opened.reason})`);
      const p = opened.plaintext;
      if (opened.contentType === ContentType.application_data || (opened.contentType === ContentType.handshake && isHelloRequest(p))) continue;
      if (opened.contentType === ContentType.alert && p.length >= 2) return this.answer('refused', `${describe(alertDescriptions, p[1], 1).name.replace(/_/g, ' ')} (alert ${p[1]})`);
      if (opened.contentType === ContentType.handshake && p[0] === HS.server_hello) return this.answer('completed', 'the server answered the new ClientHello with a ServerHello: it went into the second handshake');
      return this.answer('refused', `the server answered with a record of type ${opened.contentType}`);
    }
    return split.garbage ? this.answer('refused', 'the server sent bytes that are not TLS records') : false;
  }

  private answer(outcome: RenegotiationOutcome['outcome'], detail?: string): true {
    this.renegotiation = { outcome, ...(detail ? { detail } : {}) };
    return true;
  }

  private stop(kind: 'fallback', why: string): true {
    this.fallback ??= why;
    return true;
  }
}

/** A record holding HelloRequest messages only (type 0, empty body; RFC 5246 §7.4.1.1). */
function isHelloRequest(p: Uint8Array): boolean {
  if (p.length === 0 || p.length % 4 !== 0) return false;
  for (let i = 0; i < p.length; i += 4) if (p[i] !== HS.hello_request || p[i + 1] !== 0 || p[i + 2] !== 0 || p[i + 3] !== 0) return false;
  return true;
}



/**
 * One hand-built TLS 1.2 session connection under the scan's limit (counted as a probe). Never
 * rejects. `fallback` when the server needs what this handshake does not do, or when it ended in
 * a way a Node handshake might not (an alert, a Finished that did not verify).
 */
export async function fullHandshake12(ctx: ScanContext, req: Full12Request): Promise<Full12Result> {
  if (ctx.opts.clientCert) return { fallback: 'a client certificate was given', connections: 0 };
  const extra = [{ type: 'extended_master_secret' as const }, ...(req.ticket ? [{ type: 'session_ticket' as const }] : [])];
  const params: HelloParams = { version: Version.TLS12, suites: SUITES, groups: GROUPS.filter(canMakeKeyShare), sni: ctx.target.sni, extra };
  const hello = makeHello(params);
  const r = await exchangeHandBuilt(ctx, hello, () => new Handshake12(hello, req.renegotiate, params), (s) => s.verified);
  if ('fallback' in r) return r;
  if ('failed' in r) return { done: { ...r.failed, resumable: false } };
  const { state: s, x, chunks } = r;
  const random = clientRandomOfRecord(hello) ?? '';
  const renegotiation = req.renegotiate ? (s.renegotiation ?? { outcome: x.end === 'timeout' ? 'no-answer' : 'refused', ...(x.end === 'timeout' ? {} : { detail: 'the server closed the connection' }) }) : undefined;
  return {
    done: {
      ok: true,
      sessions: [],
      chunks,
      keylog: [keyLogLine(KeyLogLabel.masterSecret, random, s.masterHex()).trimEnd()],
      resumable: true,
      ...(renegotiation ? { renegotiation } : {}),
    },
  };
}

