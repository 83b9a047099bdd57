// Whether a TLS 1.3 server accepts 0-RTT: a hand-built ClientHello resuming a ticket from the PSK
// probe with the early_data extension (RFC 8446 §4.2.10, §4.2.11), its binder computed from the
// resumption PSK OpenSSL kept in the session. No early data is sent: the server decides on the
// ClientHello and says so in EncryptedExtensions, which is opened with the handshake secret this
// module derives (an x25519 share of its own) and read by the shared decryption code. One
// connection, read up to the first encrypted record; it never completes the handshake.

import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exchangeFirstFlight } from '../../capture/probe-connection.js';
import type { CaptureChunk } from '../../capture/types.js';
import { splitRecords } from '../../decode/index.js';
import { deriveSecret, digest, hashLength, hkdfExtract, hmac, type HashName } from '../../decrypt/hkdf.js';
import { keyLogLine, KeyLogLabel } from '../../decrypt/index.js';
import { finishedKey } from '../../decrypt/tls13.js';
import { Group, Version } from '../../registry/index.js';
import { signatureSchemeCandidates } from '../candidates.js';
import { buildClientHelloMessage, frameRecords, type ExtensionSpec } from '../client-hello-builder.js';
import type { ScanContext } from '../context.js';
import { readFirstFlight } from '../first-flight.js';
import type { ResumableSession } from './openssl-session.js';
import { acceptsEarlyData, readSessionWire, selectedPsk, serverKeyShare } from './wire.js';

/** RFC 8410 SubjectPublicKeyInfo prefix of an X25519 key: the raw 32 bytes follow. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface EarlyDataAnswer {
  accepted: boolean | null;
  evidence: string;
}

const hashOf = (suite: number): HashName => (suite === 0x1302 ? 'sha384' : 'sha256');

/** The ClientHello message with its binder in place (RFC 8446 §4.2.11.2), and our x25519 key. */
function earlyDataHello(s: ResumableSession, sni: string | undefined, nowMs: number): { message: Uint8Array; privateKey: KeyObject } {
  const hash = hashOf(s.suite);
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
  const extensions: ExtensionSpec[] = [
    ...(sni ? [{ type: 'server_name' as const, host: sni }] : []),
    { type: 'supported_versions', versions: [Version.TLS13] },
    { type: 'supported_groups', groups: [Group.x25519] },
    { type: 'signature_algorithms', schemes: signatureSchemeCandidates() },
    { type: 'key_share', shares: [{ group: Group.x25519, keyExchange: raw }] },
    { type: 'psk_key_exchange_modes', modes: [1] },
    { type: 'early_data' },
    { type: 'pre_shared_key', identities: [{ identity: s.ticket, obfuscatedAge: (Math.max(0, nowMs - s.issuedAt * 1000) + s.ageAdd) % 2 ** 32 }], binderLength: hashLength(hash) },
  ];
  const message = buildClientHelloMessage({ version: Version.TLS12, sessionId: new Uint8Array(32).fill(0x5a), cipherSuites: [s.suite], extensions });
  const binderAt = message.length - hashLength(hash);
  // The truncated hello ends before the binders list (its 2-byte length and the 1-byte binder length).
  const truncated = message.subarray(0, binderAt - 3);
  const binderKey = deriveSecret(hash, earlySecret(s), 'res binder', digest(hash, new Uint8Array(0)));
  message.set(hmac(hash, finishedKey(hash, binderKey), digest(hash, truncated)), binderAt);
  return { message, privateKey };
}

function earlySecret(s: ResumableSession): Buffer {
  return hkdfExtract(hashOf(s.suite), Buffer.alloc(hashLength(hashOf(s.suite))), s.psk);
}

/** Enough once the server sent an alert, a HelloRetryRequest, or its ServerHello and one whole encrypted record. */
function enough(received: Buffer): boolean {
  const f = readFirstFlight(received);
  if (f.alert || f.notTls || f.problem || f.serverHello?.helloRetryRequest) return true;
  return Boolean(f.serverHello) && splitRecords(received).records.some((r) => r.contentType === 23 && r.bodyLength === r.declaredLength);
}

/** The handshake secrets of this connection as key-log lines, so the shared code can open EncryptedExtensions. */
function keyLogFor(s: ResumableSession, clientHello: Uint8Array, serverHello: Buffer, shared: Buffer): string[] {
  const hash = hashOf(s.suite);
  const derived = deriveSecret(hash, earlySecret(s), 'derived', digest(hash, new Uint8Array(0)));
  const handshake = hkdfExtract(hash, derived, shared);
  const helloHash = digest(hash, Buffer.concat([clientHello, serverHello]));
  const random = Buffer.from(clientHello.subarray(6, 38)).toString('hex');
  return [
    keyLogLine(KeyLogLabel.clientHandshake, random, deriveSecret(hash, handshake, 'c hs traffic', helloHash).toString('hex')),
    keyLogLine(KeyLogLabel.serverHandshake, random, deriveSecret(hash, handshake, 's hs traffic', helloHash).toString('hex')),
  ];
}

/** One connection offering `s` with early_data; never rejects. */
export async function probeEarlyDataAcceptance(ctx: ScanContext, s: ResumableSession): Promise<EarlyDataAnswer> {
  const { message, privateKey } = earlyDataHello(s, ctx.target.sni, Date.now());
  const hello = frameRecords(message);
  let server: Uint8Array = new Uint8Array(0);
  const r = await ctx.prober.limit(() => {
    ctx.prober.stats.probes++;
    return exchangeFirstFlight(ctx.endpoint, hello, { timeoutMs: ctx.opts.timeoutMs, enough: (b) => {
      server = b;
      return enough(b);
    } });
  });
  const chunks: CaptureChunk[] = [
    { direction: 'client', timeMs: 0, offset: 0, bytes: hello },
    { direction: 'server', timeMs: 0, offset: 0, bytes: server },
  ];
  const plain = readSessionWire({ chunks, keylog: [] });
  const sh = plain.serverHello;
  if (!sh) return { accepted: null, evidence: `ClientHello with early_data and the ticket: no ServerHello (connection ${r.end})` };
  if (sh.helloRetryRequest) return { accepted: false, evidence: 'ClientHello with early_data and the ticket: the server answered with a HelloRetryRequest, which rejects early data' };
  if (selectedPsk(sh) === undefined) return { accepted: false, evidence: 'ClientHello with early_data and the ticket: the ServerHello did not accept the PSK, so no early data' };
  const share = serverKeyShare(sh);
  if (!share || share.group !== Group.x25519 || !plain.serverHelloRaw) return { accepted: null, evidence: 'not tested: the ServerHello carried no x25519 key share' };
  const shared = diffieHellman({ privateKey, publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, share.keyExchange]), format: 'der', type: 'spki' }) });
  const opened = readSessionWire({ chunks, keylog: keyLogFor(s, message, plain.serverHelloRaw, shared) });
  if (!opened.encryptedExtensions) return { accepted: null, evidence: 'not tested: the EncryptedExtensions could not be opened' };
  const accepted = acceptsEarlyData(opened.encryptedExtensions);
  return {
    accepted,
    evidence: `ClientHello with early_data and the ticket (no early data sent): the server accepted the PSK and its EncryptedExtensions ${accepted ? 'carry early_data — 0-RTT accepted' : 'carry no early_data — 0-RTT rejected'}`,
  };
}
