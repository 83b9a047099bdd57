// A TLS 1.3 handshake the scan writes itself, for the facts TLS 1.3 encrypts: a ClientHello with
// key shares whose private halves we keep (key-shares.ts), read up to the server's Finished (or an
// alert, a HelloRetryRequest, the deadline or the byte cap). The protected records are opened as
// they arrive with the handshake secret we derive (tls13-wire.ts) by the flight opener check shares
// (src/decrypt/server-flight13.ts), the messages in them read by the shared decoder, and the
// CertificateVerify signature (with the leaf's key) and the server's Finished checked by the
// shared checks of src/decrypt. It never sends a Finished of its own. The records are opened once,
// while reading: decoding the whole connection again through decryptAndMerge (our own ClientHello
// included) cost twice what the rest of the probe did, which made it dearer than the Node
// handshake it replaces.
//
// A HelloRetryRequest for a group we can make a share for is answered by a second connection
// whose hello carries that share (and later hellos of the scan send it at once); for any other
// group the outcome is `hello-retry`, and the caller asks Node instead.

import { selectedVersion } from '../decode/context.js';
import { decodeHandshakeMessages } from '../decode/handshake.js';
import { decodeStream, isWholeRecord, splitRecords } from '../decode/index.js';
import type { HandshakeBody, HandshakeMessage, ServerHello } from '../decode/model.js';
import type { ByteSpace } from '../decode/types.js';
import { digest } from '../decrypt/hkdf.js';
import { ServerFlight13 } from '../decrypt/server-flight13.js';
import { verifyCertificateVerify13 } from '../decrypt/signatures.js';
import { tls13SuiteCrypto, type SuiteCrypto } from '../decrypt/suites.js';
import { verifyData13 } from '../decrypt/tls13.js';
import { ContentType, Ext, Group, Version } from '../registry/index.js';
import { signatureSchemeCandidates, suiteCandidates } from './candidates.js';
import type { ExtensionSpec } from './client-hello-builder.js';
import type { ScanContext } from './context.js';
import { readFirstFlight, type FlightSummary, type ServerHelloSummary } from './first-flight.js';
import { makeHello } from './hello.js';
import { canMakeKeyShare } from './key-shares.js';
import type { ProbePriority } from './probe.js';
import { earlySecret, exchange13, handshakeSecrets, sharedSecretOf, unframe, type Exchanged } from './tls13-wire.js';

export interface Handshake13Request {
  /** signature_algorithms; default every assigned scheme. */
  sigs?: readonly number[];
  alpn?: readonly string[];
  /** Overrides the scan's SNI; null sends none. */
  sni?: string | null;
  priority?: ProbePriority;
}

/**
 * - `complete`: the flight up to the server's Finished was read and opened, its CertificateVerify
 *   signature verified with the leaf's key and its Finished with our secret.
 * - `refused`: an alert or a hang-up instead of a TLS 1.3 ServerHello (what a failed Node handshake is).
 * - `hello-retry`: the server wants a group we cannot make a share for.
 * - `not-determined`: anything else (silence, a record that does not open, a signature that does not verify).
 */
export type Handshake13Outcome = 'complete' | 'refused' | 'hello-retry' | 'not-determined';

export interface Handshake13 {
  outcome: Handshake13Outcome;
  /** One sentence: what happened (for notes and evidence). */
  detail: string;
  serverHello?: ServerHelloSummary;
  alert?: FlightSummary['alert'];
  /** From EncryptedExtensions. */
  alpn?: string;
  /** DER, leaf first. */
  chain?: Buffer[];
  /** The leaf's CertificateEntry carried an OCSP response (RFC 8446 §4.4.2.1). */
  ocspStapled?: boolean;
  /** SCTs in the leaf's CertificateEntry. */
  sctCount?: number;
  /** The CertificateVerify's scheme. */
  signatureScheme?: number;
  /** Connections made (2 after a HelloRetryRequest answered with the group it asked for). */
  connections: number;
}

/** x25519 and secp256r1: what a typical client sends; replaced per scan by a HelloRetryRequest's group. */
const TYPICAL_SHARES: readonly number[] = [Group.x25519, Group.secp256r1];
const sharesFor = new WeakMap<ScanContext, readonly number[]>();

/** The group a HelloRetryRequest of this scan's server asked for instead of x25519 and secp256r1, if one did. */
export function retryGroupOf(ctx: ScanContext): number | undefined {
  return sharesFor.get(ctx)?.[0];
}

/** TLS 1.3 suites the shared decryption code can open (a server picking another cannot be read). */
let openable: number[] | undefined;
function openableSuites(): number[] {
  openable ??= suiteCandidates(Version.TLS13).filter((c) => tls13SuiteCrypto(c) !== undefined);
  return openable;
}

/** One hand-built TLS 1.3 handshake (two connections after an answerable HelloRetryRequest); never rejects. */
export async function handshake13(ctx: ScanContext, req: Handshake13Request = {}): Promise<Handshake13> {
  const shares = sharesFor.get(ctx) ?? TYPICAL_SHARES;
  const first = await once(ctx, req, shares);
  const asked = first.serverHello?.selectedGroup;
  if (first.outcome !== 'hello-retry' || asked === undefined || shares.includes(asked) || !canMakeKeyShare(asked)) return first;
  sharesFor.set(ctx, [asked]);
  const second = await once(ctx, req, [asked]);
  return { ...second, connections: first.connections + second.connections };
}

export function helloFor(ctx: ScanContext, req: Handshake13Request, shares: readonly number[]): Uint8Array {
  const extra: ExtensionSpec[] = [{ type: 'status_request' }, { type: 'raw', code: Ext.signed_certificate_timestamp, data: new Uint8Array(0) }];
  if (req.alpn) extra.push({ type: 'alpn', protocols: req.alpn });
  const sni = req.sni === null ? undefined : (req.sni ?? ctx.target.sni);
  return makeHello({ version: Version.TLS13, suites: openableSuites(), shares, sigs: req.sigs ?? signatureSchemeCandidates(), sni, extra });
}

async function once(ctx: ScanContext, req: Handshake13Request, shares: readonly number[]): Promise<Handshake13> {
  const hello = helloFor(ctx, req, shares);
  const message = unframe(hello);
  let watch: FlightWatch | undefined;
  const x = await exchange13(ctx, hello, () => (watch = new FlightWatch(message)).enough, { priority: req.priority });
  return readHandshake(message, x, watch);
}

/** Keys for the server's handshake records, once its ServerHello has been read. */
export interface ServerKeys {
  suite: SuiteCrypto;
  /** The (EC)DHE shared secret, from which the rest of the key schedule follows (a full handshake, session/full13.ts). */
  shared: Buffer;
  /** Opens the server's protected records in order (the opener check uses too). */
  flight: ServerFlight13;
  /** server_handshake_traffic_secret, the Finished's base key. */
  secret: Buffer;
  serverHello: Buffer;
}

/**
 * The server's first record when it is complete: where the ServerHello (or an alert) is. Reading
 * only it spares decoding the protected flight behind it again on each look at the hello; a
 * ServerHello split over records (rare) is read from all the bytes.
 */
function helloRecord(received: Buffer): Buffer {
  const first = splitRecords(received, 0, 1).records[0];
  const end = first ? first.bodyOffset + first.bodyLength : 0;
  return first && first.bodyLength === first.declaredLength && first.contentType === 22 && first.bodyLength >= 4 && received.readUIntBE(first.bodyOffset + 1, 3) + 4 <= first.bodyLength ? received.subarray(0, end) : received;
}

/** The ServerHello (or HelloRetryRequest) in `received`, decoded by the shared decoder; undefined while there is none. */
function serverHelloIn(received: Buffer): (HandshakeMessage & { body: ServerHello }) | undefined {
  for (const m of decodeStream('server', helloRecord(received)).messages) {
    if (m.kind === 'handshake' && m.body?.type === 'server_hello' && !m.issue) return m as HandshakeMessage & { body: ServerHello };
  }
  return undefined;
}

/** The keys the ServerHello `hello` leads to; 'stop' when it cannot lead to any (a HelloRetryRequest, another version, a suite or share we cannot use). */
function keysFrom(message: Uint8Array, hello: HandshakeMessage & { body: ServerHello }): ServerKeys | 'stop' {
  if (hello.body.helloRetryRequest || selectedVersion(hello.body).version !== Version.TLS13) return 'stop';
  const suite = tls13SuiteCrypto(hello.body.cipherSuite);
  const shared = sharedSecretOf(hello.body);
  if (!suite || !shared) return 'stop';
  const serverHello = Buffer.from(hello.raw, 'hex');
  const secrets = handshakeSecrets(suite.hash, earlySecret(suite.hash), message, serverHello, shared);
  const flight = ServerFlight13.fromSecret(suite, secrets.server);
  return flight ? { suite, shared, flight, secret: secrets.server, serverHello } : 'stop';
}

/**
 * Reads the server's flight as it arrives. Stops at an alert, a HelloRetryRequest or anything
 * that is not a TLS 1.3 ServerHello; after it, opens the protected records one at a time (the
 * shared flight opener) and stops once they hold the server's Finished, an alert, or one does
 * not open. What it opened is what is read afterwards: the records are opened once.
 */
export class FlightWatch {
  keys: ServerKeys | undefined;
  /** The server's handshake messages after the ServerHello, as opened. */
  readonly plaintext: Buffer[] = [];
  /** Why reading stopped early: a record that did not open, or an alert after the ServerHello. */
  failure?: string;
  alert?: { level: number; description: number };
  /** Where the server's bytes not yet read start (after its Finished's record once the flight is complete). */
  at = 0;

  constructor(private readonly message: Uint8Array) {}

  readonly enough = (received: Buffer): boolean => {
    if (!this.keys) {
      // One decoding per read until the ServerHello is in; what ends the flight before it (an
      // alert, bytes that are not TLS) is judged as for every probe.
      const hello = serverHelloIn(received);
      if (!hello) return readFirstFlight(received).complete;
      const k = keysFrom(this.message, hello);
      if (k === 'stop') return true;
      this.keys = k;
    }
    return this.flightEnds(received, this.keys);
  };

  private flightEnds(received: Buffer, keys: ServerKeys): boolean {
    const split = splitRecords(received, this.at);
    if (split.garbage) return this.stop(split.garbage.reason);
    for (const rec of split.records) {
      // Not all here yet (its body, or its header: a read can end inside one).
      if (!isWholeRecord(rec)) return false;
      this.at = rec.bodyOffset + rec.bodyLength;
      const body = received.subarray(rec.bodyOffset, this.at);
      if (rec.contentType === ContentType.alert) return this.alerted(body);
      if (rec.contentType !== ContentType.application_data) continue; // the ServerHello's own record, a compatibility CCS
      const opened = keys.flight.open(received.subarray(rec.offset, rec.bodyOffset), body);
      if (!opened.ok) return this.stop(`a protected record of the server did not open (${opened.reason})`);
      if (opened.contentType === ContentType.alert) return this.alerted(opened.plaintext);
      if (opened.contentType !== ContentType.handshake) return this.stop(`a protected record of content type ${opened.contentType} before the server's Finished`);
      this.plaintext.push(opened.plaintext);
      if (opened.finished) return true; // the server's flight is complete
    }
    return false;
  }

  /** What the records opened held, as one plaintext and the messages the shared decoder reads in it. */
  opened(suite: SuiteCrypto): { plaintext: Buffer; messages: HandshakeMessage[] } {
    const plaintext = Buffer.concat(this.plaintext);
    const space: ByteSpace = { id: 'server/plain#0', direction: 'server', bytes: plaintext, segments: [], decrypted: true };
    return { plaintext, messages: decodeHandshakeMessages(space, 0, plaintext.length, { version: Version.TLS13, cipherSuite: suite.code }) };
  }

  private stop(why: string): true {
    this.failure ??= why;
    return true;
  }

  private alerted(body: Uint8Array): true {
    if (body.length >= 2) this.alert = { level: body[0], description: body[1] };
    return this.stop(`alert ${body.length >= 2 ? body[1] : '(truncated)'} after the ServerHello`);
  }
}

type Body<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

function serverBody<T extends HandshakeBody['type']>(messages: readonly HandshakeMessage[], type: T): Body<T> | undefined {
  for (const m of messages) if (m.body?.type === type) return m.body as Body<T>;
  return undefined;
}

/** What the connection showed: the ServerHello from the plaintext, the rest from what `watch` opened. */
function readHandshake(message: Uint8Array, x: Exchanged, watch: FlightWatch | undefined): Handshake13 {
  const base = { connections: x.attempts };
  const f = readFirstFlight(helloRecord(x.server));
  const sh = f.serverHello;
  if (!sh) {
    const why = f.alert ? `alert ${f.alert.description}` : f.problem ? f.problem : `no ServerHello (connection ${x.end})`;
    return { ...base, outcome: f.alert || x.end === 'closed' || x.end === 'reset' ? 'refused' : 'not-determined', detail: why, ...(f.alert ? { alert: f.alert } : {}) };
  }
  if (sh.helloRetryRequest) return { ...base, outcome: 'hello-retry', detail: 'HelloRetryRequest', serverHello: sh };
  if (sh.version !== Version.TLS13) return { ...base, outcome: 'refused', detail: 'the server answered with a version below TLS 1.3', serverHello: sh };
  const keys = watch?.keys;
  if (!watch || !keys) return { ...base, outcome: 'not-determined', detail: 'the ServerHello names a suite or key share this probe cannot use', serverHello: sh };
  if (watch.alert) return { ...base, outcome: 'refused', detail: watch.failure ?? 'alert', alert: watch.alert, serverHello: sh };
  if (watch.failure) return { ...base, outcome: 'not-determined', detail: watch.failure, serverHello: sh };
  const { messages } = watch.opened(keys.suite);
  return { ...base, ...flightFacts(messages, message, keys, x), serverHello: sh };
}

/** EncryptedExtensions, Certificate, CertificateVerify and Finished as decoded, and the checks of the last two. */
function flightFacts(messages: readonly HandshakeMessage[], clientHello: Uint8Array, keys: ServerKeys, x: Exchanged): Omit<Handshake13, 'connections' | 'serverHello'> {
  const ee = serverBody(messages, 'encrypted_extensions');
  const certificate = serverBody(messages, 'certificate');
  const cv = serverBody(messages, 'certificate_verify');
  const finished = serverBody(messages, 'finished');
  const leafExtensions = certificate?.entries[0]?.extensions ?? [];
  const facts = {
    alpn: ee?.extensions.flatMap((e) => (e.info?.kind === 'alpn' ? e.info.protocols : []))[0],
    chain: certificate?.entries.map((e) => Buffer.from(e.der, 'hex')),
    ocspStapled: leafExtensions.some((e) => e.info?.kind === 'status_request' && Boolean(e.info.ocspResponse)),
    sctCount: leafExtensions.reduce((n, e) => n + (e.info?.kind === 'signed_certificate_timestamp' ? (e.info.count ?? 0) : 0), 0),
    signatureScheme: cv?.signatureScheme,
  };
  if (!finished || !cv || !facts.chain?.length) return { ...facts, outcome: 'not-determined', detail: `the server's flight ended before its ${!facts.chain?.length ? 'Certificate' : cv ? 'Finished' : 'CertificateVerify'} (connection ${x.end})` };
  const failed = checkFlight(messages, clientHello, keys, facts.chain[0]);
  if (failed) return { ...facts, outcome: 'not-determined', detail: failed };
  return { ...facts, outcome: 'complete', detail: 'the server sent its flight up to Finished; CertificateVerify and Finished verified' };
}

/**
 * RFC 8446 §4.4.3 and §4.4.4 with the shared checks (decrypt/signatures.ts, decrypt/tls13.ts): the
 * CertificateVerify signature over the transcript up to the Certificate, with the leaf's key, and
 * the Finished over the transcript up to the CertificateVerify. Undefined when both hold, else why not.
 * The order (Certificate, CertificateVerify, Finished) is required: the server makes its own
 * Finished, so only a signature verified before it proves the scheme; one after it is never looked at.
 */
export function checkFlight(messages: readonly HandshakeMessage[], clientHello: Uint8Array, keys: ServerKeys, leaf: Buffer): string | undefined {
  const hash = keys.suite.hash;
  const transcript: Uint8Array[] = [clientHello, keys.serverHello];
  let certified = false;
  let signed = false;
  for (const m of messages) {
    const body = m.body;
    if (body?.type === 'certificate') certified = true;
    else if (body?.type === 'certificate_verify') {
      if (!certified) return "the server's CertificateVerify came before its Certificate";
      const checked = verifyCertificateVerify13(leaf, 'server', body.signatureScheme ?? -1, Buffer.from(body.signature, 'hex'), digest(hash, Buffer.concat(transcript)));
      if (!checked.ok) return checked.reason;
      signed = true;
    } else if (body?.type === 'finished') {
      if (!signed) return "the server's Finished came before its CertificateVerify";
      const expected = verifyData13(hash, keys.secret, digest(hash, Buffer.concat(transcript)));
      return expected.equals(Buffer.from(body.verifyData, 'hex')) ? undefined : "the server's Finished does not match the transcript";
    }
    transcript.push(Buffer.from(m.raw, 'hex'));
  }
  return "no server Finished";
}
