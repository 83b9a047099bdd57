// Whether a TLS 1.3 server accepts 0-RTT: a hand-built ClientHello resuming a ticket from the PSK
// probe with the early_data extension (RFC 8446 §4.2.10, §4.2.11), its binder computed from the
// resumption PSK OpenSSL kept in the session. No early data is sent: the server decides on the
// ClientHello and says so in EncryptedExtensions, which is opened with the handshake secret this
// module derives (the scan's own x25519 share, key-shares.ts) and read by the shared decryption
// code (tls13-wire.ts, which the TLS 1.3 handshake probe uses too). One connection, read up to the
// first encrypted record; it never completes the handshake.

import { splitRecords } from '../../decode/index.js';
import { deriveSecret, digest, hashLength, hmac, type HashName } from '../../decrypt/hkdf.js';
import { finishedKey } from '../../decrypt/tls13.js';
import { Group, Version } from '../../registry/index.js';
import { signatureSchemeCandidates } from '../candidates.js';
import { buildClientHelloMessage, frameRecords, type ExtensionSpec } from '../client-hello-builder.js';
import type { ScanContext } from '../context.js';
import { readFirstFlight } from '../first-flight.js';
import { keyShareFor } from '../key-shares.js';
import { earlySecret, exchange13, handshakeKeyLog, handshakeSecrets, serverKeyShare, sharedSecretOf } from '../tls13-wire.js';
import type { ResumableSession } from './openssl-session.js';
import { acceptsEarlyData, readSessionWire, selectedPsk } from './wire.js';

export interface EarlyDataAnswer {
  accepted: boolean | null;
  evidence: string;
}

const hashOf = (suite: number): HashName => (suite === 0x1302 ? 'sha384' : 'sha256');

/** The ClientHello message with its binder in place (RFC 8446 §4.2.11.2); undefined without an x25519 share. */
function earlyDataHello(s: ResumableSession, sni: string | undefined, nowMs: number): Uint8Array | undefined {
  const hash = hashOf(s.suite);
  const raw = keyShareFor(Group.x25519);
  if (!raw) return undefined;
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
  const binderKey = deriveSecret(hash, earlySecret(hash, s.psk), 'res binder', digest(hash, new Uint8Array(0)));
  message.set(hmac(hash, finishedKey(hash, binderKey), digest(hash, truncated)), binderAt);
  return message;
}

/** Enough once the server sent an alert, a HelloRetryRequest, or its ServerHello and one whole encrypted record. */
function enough(received: Buffer): boolean {
  const f = readFirstFlight(received);
  if (f.alert || f.notTls || f.problem || f.serverHello?.helloRetryRequest) return true;
  return Boolean(f.serverHello) && splitRecords(received).records.some((r) => r.contentType === 23 && r.bodyLength === r.declaredLength);
}

/** One connection offering `s` with early_data; never rejects. */
export async function probeEarlyDataAcceptance(ctx: ScanContext, s: ResumableSession): Promise<EarlyDataAnswer> {
  const message = earlyDataHello(s, ctx.target.sni, Date.now());
  if (!message) return { accepted: null, evidence: 'not tested: this Node cannot make an x25519 key share' };
  // One attempt, as before: a retried hello would offer the same ticket again, which a server with
  // anti-replay refuses, and the answer would be wrong.
  const { chunks, end } = await exchange13(ctx, frameRecords(message), () => enough, { retry: false });
  const plain = readSessionWire({ chunks, keylog: [] });
  const sh = plain.serverHello;
  if (!sh) return { accepted: null, evidence: `ClientHello with early_data and the ticket: no ServerHello (connection ${end})` };
  if (sh.helloRetryRequest) return { accepted: false, evidence: 'ClientHello with early_data and the ticket: the server answered with a HelloRetryRequest, which rejects early data' };
  if (selectedPsk(sh) === undefined) return { accepted: false, evidence: 'ClientHello with early_data and the ticket: the ServerHello did not accept the PSK, so no early data' };
  const shared = serverKeyShare(sh)?.group === Group.x25519 ? sharedSecretOf(sh) : undefined;
  if (!shared || !plain.serverHelloRaw) return { accepted: null, evidence: 'not tested: the ServerHello carried no x25519 key share' };
  const secrets = handshakeSecrets(hashOf(s.suite), earlySecret(hashOf(s.suite), s.psk), message, plain.serverHelloRaw, shared);
  const opened = readSessionWire({ chunks, keylog: handshakeKeyLog(message, secrets) });
  if (!opened.encryptedExtensions) return { accepted: null, evidence: 'not tested: the EncryptedExtensions could not be opened' };
  const accepted = acceptsEarlyData(opened.encryptedExtensions);
  return {
    accepted,
    evidence: `ClientHello with early_data and the ticket (no early data sent): the server accepted the PSK and its EncryptedExtensions ${accepted ? 'carry early_data — 0-RTT accepted' : 'carry no early_data — 0-RTT rejected'}`,
  };
}
