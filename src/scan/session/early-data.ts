// The second connection of the TLS 1.3 PSK probe, which is also the 0-RTT probe: a hand-built
// ClientHello resuming a ticket from the first connection (RFC 8446 §4.2.11), its binder computed
// from the resumption PSK OpenSSL kept in the session, with the early_data extension (§4.2.10)
// when the tickets allow early data. The ServerHello's pre_shared_key says whether the ticket was
// taken; EncryptedExtensions — opened with the handshake secret this module derives from that PSK
// and an x25519 share of its own, by the shared decryption code — confirm it (they open only if the
// server really used the PSK) and say whether 0-RTT was accepted. No early data is sent. One
// connection, read up to the first encrypted record; it never completes the handshake.

import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
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
import { handBuiltExchange, type HandBuiltExchange } from './exchange.js';
import { acceptsEarlyData, readSessionWire, selectedPsk, serverKeyShare, type SessionWire } from './wire.js';

/** RFC 8410 SubjectPublicKeyInfo prefix of an X25519 key: the raw 32 bytes follow. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface EarlyDataAnswer {
  accepted: boolean | null;
  evidence: string;
}

/** What the connection offering a ticket says, one evidence line per question. */
export interface TicketAnswer {
  /** The ticket was taken: pre_shared_key in the ServerHello and EncryptedExtensions that open with its keys. */
  psk: { resumed: boolean | null; evidence: string };
  /** Present when early_data was offered. */
  earlyData?: EarlyDataAnswer;
  /** The server asked for another key share (HelloRetryRequest) or answered without a ServerHello:
   * whether it takes the ticket is left to a full handshake. */
  retry?: boolean;
}

const hashOf = (suite: number): HashName => (suite === 0x1302 ? 'sha384' : 'sha256');

/** The ClientHello message with its binder in place (RFC 8446 §4.2.11.2), and our x25519 key. */
function earlyDataHello(s: ResumableSession, sni: string | undefined, nowMs: number, offerEarlyData: boolean): { message: Uint8Array; privateKey: KeyObject } {
  const hash = hashOf(s.suite);
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
  const extensions: ExtensionSpec[] = [
    ...(sni ? [{ type: 'server_name' as const, host: sni }] : []),
    { type: 'supported_versions', versions: [Version.TLS13] },
    // The elliptic groups Node's OpenSSL offers: a server without x25519 then asks for its own
    // share (HelloRetryRequest, left to a Node handshake) rather than failing the hello.
    { type: 'supported_groups', groups: [Group.x25519, Group.secp256r1, Group.x448, Group.secp521r1, Group.secp384r1] },
    { type: 'signature_algorithms', schemes: signatureSchemeCandidates() },
    { type: 'key_share', shares: [{ group: Group.x25519, keyExchange: raw }] },
    { type: 'psk_key_exchange_modes', modes: [1] },
    ...(offerEarlyData ? [{ type: 'early_data' as const }] : []),
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

const PSK_OFFER = 'offered the last ticket';
const PSK_NONE = `${PSK_OFFER}: the ServerHello had no pre_shared_key (full handshake)`;
const ED_HELLO = 'ClientHello with early_data and the ticket';

/** The offered ticket's verdicts from what the server answered. */
function answerTo(s: ResumableSession, message: Uint8Array, x: HandBuiltExchange, plain: SessionWire, privateKey: KeyObject): TicketAnswer {
  const sh = plain.serverHello;
  if (!sh) return { retry: x.end === 'answered' || x.end === 'closed', psk: { resumed: null, evidence: `${PSK_OFFER}: no ServerHello (connection ${x.end})` }, earlyData: { accepted: null, evidence: `${ED_HELLO}: no ServerHello (connection ${x.end})` } };
  if (sh.helloRetryRequest) return { retry: true, psk: { resumed: null, evidence: `${PSK_OFFER}: the server answered with a HelloRetryRequest` }, earlyData: { accepted: false, evidence: `${ED_HELLO}: the server answered with a HelloRetryRequest, which rejects early data` } };
  const selected = selectedPsk(sh);
  if (selected === undefined) {
    return { psk: { resumed: false, evidence: PSK_NONE }, earlyData: { accepted: false, evidence: `${ED_HELLO}: the ServerHello did not accept the PSK, so no early data` } };
  }
  const taken = `${PSK_OFFER}: the ServerHello's pre_shared_key selected identity ${selected}`;
  const share = serverKeyShare(sh);
  if (!share || share.group !== Group.x25519 || !plain.serverHelloRaw) {
    return { psk: { resumed: null, evidence: `${taken}, but it carried no x25519 key share to check it with` }, earlyData: { accepted: null, evidence: 'not tested: the ServerHello carried no x25519 key share' } };
  }
  const shared = diffieHellman({ privateKey, publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, share.keyExchange]), format: 'der', type: 'spki' }) });
  const opened = readSessionWire({ chunks: x.chunks, keylog: keyLogFor(s, message, plain.serverHelloRaw, shared) });
  if (!opened.encryptedExtensions) {
    // Node's OpenSSL would have failed this handshake: a pre_shared_key the keys do not follow is not a resumption.
    return { psk: { resumed: null, evidence: `${taken}, but its EncryptedExtensions did not open with keys from the ticket's PSK` }, earlyData: { accepted: null, evidence: 'not tested: the EncryptedExtensions could not be opened' } };
  }
  const accepted = acceptsEarlyData(opened.encryptedExtensions);
  return {
    psk: { resumed: true, evidence: taken },
    earlyData: { accepted, evidence: `${ED_HELLO} (no early data sent): the server accepted the PSK and its EncryptedExtensions ${accepted ? 'carry early_data — 0-RTT accepted' : 'carry no early_data — 0-RTT rejected'}` },
  };
}

/** One connection offering `s` (with early_data when `offerEarlyData`); never rejects. */
export async function offerTicket(ctx: ScanContext, s: ResumableSession, offerEarlyData: boolean): Promise<TicketAnswer> {
  const { message, privateKey } = earlyDataHello(s, ctx.target.sni, Date.now(), offerEarlyData);
  const x = await handBuiltExchange(ctx, frameRecords(message), enough);
  const a = answerTo(s, message, x, readSessionWire({ chunks: x.chunks, keylog: [] }, { decrypt: false }), privateKey);
  return offerEarlyData ? a : { psk: a.psk, ...(a.retry ? { retry: true } : {}) };
}
