// A TLS 1.3 handshake the scan writes itself, for the facts TLS 1.3 encrypts: a ClientHello with
// key shares whose private halves we keep (key-shares.ts), read up to the server's Finished (or an
// alert, a HelloRetryRequest, the deadline or the byte cap), then opened with the handshake secret
// we derive and read by the shared decoder and decryption code, which also checks the
// CertificateVerify signature with the leaf's key and the server's Finished. It never sends a
// Finished of its own. One connection, ≈ 1 ms of CPU, where a Node handshake costs several.
//
// A HelloRetryRequest for a group we can make a share for is answered by a second connection
// whose hello carries that share (and later hellos of the scan send it at once); for any other
// group the outcome is `hello-retry`, and the caller asks Node instead.

import type { HandshakeBody, HandshakeMessage, Message, ServerHello } from '../decode/model.js';
import { selectedVersion } from '../decode/context.js';
import { decodeStream, splitRecords } from '../decode/index.js';
import { trafficKeys } from '../decrypt/tls13.js';
import { openTls13Record } from '../decrypt/record-protection.js';
import { isSupported, suiteCrypto, type SuiteCrypto } from '../decrypt/suites.js';
import type { DirectionKeys } from '../decrypt/record-protection.js';
import { Ext, Group, Version } from '../registry/index.js';
import { signatureSchemeCandidates, suiteCandidates } from './candidates.js';
import type { ExtensionSpec } from './client-hello-builder.js';
import type { ScanContext } from './context.js';
import { readFirstFlight, type FlightSummary, type ServerHelloSummary } from './first-flight.js';
import { makeHello } from './hello.js';
import { canMakeKeyShare } from './key-shares.js';
import type { ProbePriority } from './probe.js';
import { earlySecret, exchange13, handshakeKeyLog, handshakeSecrets, openConnection, sharedSecretOf, unframe, type Exchanged } from './tls13-wire.js';

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

/** TLS 1.3 suites the shared decryption code can open (a server picking another cannot be read). */
let openable: number[] | undefined;
function openableSuites(): number[] {
  openable ??= suiteCandidates(Version.TLS13).filter((c) => isSupported(suiteCrypto(c, Version.TLS13)));
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

function helloFor(ctx: ScanContext, req: Handshake13Request, shares: readonly number[]): Uint8Array {
  const extra: ExtensionSpec[] = [{ type: 'status_request' }, { type: 'raw', code: Ext.signed_certificate_timestamp, data: new Uint8Array(0) }];
  if (req.alpn) extra.push({ type: 'alpn', protocols: req.alpn });
  const sni = req.sni === null ? undefined : (req.sni ?? ctx.target.sni);
  return makeHello({ version: Version.TLS13, suites: openableSuites(), shares, sigs: req.sigs ?? signatureSchemeCandidates(), sni, extra });
}

async function once(ctx: ScanContext, req: Handshake13Request, shares: readonly number[]): Promise<Handshake13> {
  const hello = helloFor(ctx, req, shares);
  const message = unframe(hello);
  let watch: FlightWatch | undefined;
  const x = await exchange13(ctx, hello, () => (watch = new FlightWatch(message)).enough, req.priority);
  return readHandshake(message, x, watch?.keys);
}

/** Keys for the server's handshake records, once its ServerHello has been read. */
interface ServerKeys {
  suite: SuiteCrypto;
  keys: DirectionKeys;
  keylog: string[];
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

/** The TLS 1.3 ServerHello in `received` (not a HelloRetryRequest), decoded by the shared decoder; undefined while there is none. */
function serverHelloIn(received: Buffer): (HandshakeMessage & { body: ServerHello }) | undefined {
  for (const m of decodeStream('server', helloRecord(received)).messages) {
    if (m.kind === 'handshake' && m.body?.type === 'server_hello' && !m.issue) return m as HandshakeMessage & { body: ServerHello };
  }
  return undefined;
}

/** The keys the ServerHello `hello` leads to; 'stop' when it cannot lead to any (a HelloRetryRequest, another version, a suite or share we cannot use). */
function keysFrom(message: Uint8Array, hello: HandshakeMessage & { body: ServerHello }): ServerKeys | 'stop' {
  if (hello.body.helloRetryRequest || selectedVersion(hello.body).version !== Version.TLS13) return 'stop';
  const suite = suiteCrypto(hello.body.cipherSuite, Version.TLS13);
  const shared = sharedSecretOf(hello.body);
  if (!isSupported(suite) || !suite.tls13 || !shared) return 'stop';
  const secrets = handshakeSecrets(suite.hash, earlySecret(suite.hash), message, Buffer.from(hello.raw, 'hex'), shared);
  return { suite, keys: trafficKeys(suite.hash, secrets.server, suite.keyLength), keylog: handshakeKeyLog(message, secrets) };
}

/**
 * When to stop reading: at an alert, a HelloRetryRequest or anything that is not a TLS 1.3
 * ServerHello; after it, once the server's protected records hold its Finished (opened here one
 * record at a time, only to find where the flight ends) or one does not open. Keeps the keys it
 * derived, so the reading afterwards does not derive them again.
 */
class FlightWatch {
  keys: ServerKeys | undefined;
  private at = 0;
  private seq = 0n;
  private pending = Buffer.alloc(0);

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
    if (split.garbage) return true;
    for (const rec of split.records) {
      if (rec.bodyLength < rec.declaredLength) return false;
      this.at = rec.bodyOffset + rec.bodyLength;
      if (rec.contentType === 21) return true;
      if (rec.contentType !== 23) continue; // the ServerHello's own record, a compatibility CCS
      const opened = openTls13Record(keys.suite, keys.keys, this.seq++, received.subarray(rec.offset, rec.offset + 5), received.subarray(rec.bodyOffset, this.at));
      if (!opened.ok || opened.contentType !== 22) return true;
      this.pending = Buffer.concat([this.pending, opened.plaintext]);
      while (this.pending.length >= 4) {
        const length = this.pending.readUIntBE(1, 3);
        if (this.pending.length < 4 + length) break;
        if (this.pending[0] === 20) return true; // Finished: the server's flight is complete
        this.pending = this.pending.subarray(4 + length);
      }
    }
    return false;
  }
}

type Body<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

function serverBody<T extends HandshakeBody['type']>(messages: readonly Message[], type: T): Body<T> | undefined {
  for (const m of messages) if (m.direction === 'server' && m.kind === 'handshake' && m.body?.type === type) return m.body as Body<T>;
  return undefined;
}

/** What the connection showed, read from the recorded bytes by the shared decoder and decryption. */
function readHandshake(message: Uint8Array, x: Exchanged, derived: ServerKeys | undefined): Handshake13 {
  const base = { connections: x.attempts };
  const f = readFirstFlight(helloRecord(x.server));
  const sh = f.serverHello;
  if (!sh) {
    const why = f.alert ? `alert ${f.alert.description}` : f.problem ? f.problem : `no ServerHello (connection ${x.end})`;
    return { ...base, outcome: f.alert || x.end === 'closed' || x.end === 'reset' ? 'refused' : 'not-determined', detail: why, ...(f.alert ? { alert: f.alert } : {}) };
  }
  if (sh.helloRetryRequest) return { ...base, outcome: 'hello-retry', detail: 'HelloRetryRequest', serverHello: sh };
  if (sh.version !== Version.TLS13) return { ...base, outcome: 'refused', detail: 'the server answered with a version below TLS 1.3', serverHello: sh };
  const hello = derived ? undefined : serverHelloIn(x.server);
  const keys = derived ?? (hello ? keysFrom(message, hello) : 'stop');
  if (keys === 'stop') return { ...base, outcome: 'not-determined', detail: 'the ServerHello names a suite or key share this probe cannot use', serverHello: sh };
  const { trace, decryption } = openConnection(x.chunks, keys.keylog);
  const broken = decryption?.records.find((r) => r.direction === 'server' && !r.ok);
  if (broken) return { ...base, outcome: 'not-determined', detail: `a protected record of the server did not open (${broken.error ?? 'no reason given'})`, serverHello: sh };
  return { ...base, ...flightFacts(trace.messages, decryption?.verifications ?? [], x), serverHello: sh };
}

/** EncryptedExtensions, Certificate, CertificateVerify and Finished as read, and the checks of the last two. */
function flightFacts(messages: readonly Message[], checks: ReadonlyArray<{ check: string; ok: boolean; reason: string }>, x: Exchanged): Omit<Handshake13, 'connections' | 'serverHello'> {
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
  const alert = messages.find((m) => m.direction === 'server' && m.kind === 'alert');
  if (alert?.kind === 'alert') return { ...facts, outcome: 'refused', detail: `alert ${alert.description} after the ServerHello`, alert: { level: alert.level, description: alert.description } };
  if (!finished || !cv) return { ...facts, outcome: 'not-determined', detail: `the server's flight ended before its ${cv ? 'Finished' : 'CertificateVerify'} (connection ${x.end})` };
  const failed = checks.find((c) => (c.check === 'server-certificate-verify' || c.check === 'server-finished') && !c.ok);
  if (failed) return { ...facts, outcome: 'not-determined', detail: failed.reason };
  return { ...facts, outcome: 'complete', detail: 'the server sent its flight up to Finished; CertificateVerify and Finished verified' };
}
