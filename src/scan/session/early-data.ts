// The second connection of the TLS 1.3 PSK probe, which is also the 0-RTT probe: a hand-built
// ClientHello resuming a ticket from the first connection (RFC 8446 §4.2.11), its binder computed
// from the resumption PSK OpenSSL kept in the session, with the early_data extension (§4.2.10)
// when the tickets allow early data. The ServerHello's pre_shared_key says whether the ticket was
// taken; EncryptedExtensions — opened with the handshake secret this module derives from that PSK
// and an x25519 share, by the shared decryption code — confirm it (they open only if the
// server really used the PSK) and say whether 0-RTT was accepted. The x25519 share is the scan's own
// (key-shares.ts) and the secrets come from tls13-wire.ts, which the TLS 1.3 handshake probe uses too. No early data is sent. One
// connection, read up to the first encrypted record; it never completes the handshake.

import { isWholeRecord, splitRecords } from '../../decode/index.js';
import { deriveSecret, digest, hashLength, hmac, type HashName } from '../../decrypt/hkdf.js';
import { isSupported, suiteCrypto } from '../../decrypt/suites.js';
import { finishedKey } from '../../decrypt/tls13.js';
import { Group, Version } from '../../registry/index.js';
import { signatureSchemeCandidates } from '../candidates.js';
import { buildClientHelloMessage, frameRecords, helloOrWhyNot, type ExtensionSpec } from '../client-hello-builder.js';
import type { ScanContext } from '../context.js';
import { readFirstFlight } from '../first-flight.js';
import { keyShareFor } from '../key-shares.js';
import { earlySecret, exchange13, handshakeKeyLog, handshakeSecrets, serverKeyShare, sharedSecretOf, type Exchanged } from '../tls13-wire.js';
import type { ResumableSession } from './openssl-session.js';
import { acceptsEarlyData, readSessionWire, selectedPsk, type SessionWire } from './wire.js';

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

/**
 * The session's TLS 1.3 hash (binder and key schedule) from the shared suite table; a sentence
 * saying why not when the suite is not a TLS 1.3 one tls-trace can open: without its hash neither
 * the binder nor the keys can be made, so the ticket is left to a Node handshake.
 */
function hashOf(suite: number): { hash: HashName } | { why: string } {
  const crypto = suiteCrypto(suite, Version.TLS13);
  if (!isSupported(crypto)) return { why: `not tested: ${crypto.unsupported}` };
  return crypto.tls13 ? { hash: crypto.hash } : { why: `not tested: ${crypto.name} is not a TLS 1.3 suite` };
}

/** The ClientHello message with its binder in place (RFC 8446 §4.2.11.2); undefined without an x25519 share. */
function earlyDataHello(s: ResumableSession, hash: HashName, sni: string | undefined, nowMs: number, offerEarlyData: boolean): Uint8Array | undefined {
  const raw = keyShareFor(Group.x25519);
  if (!raw) return undefined;
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
  const binderKey = deriveSecret(hash, earlySecret(hash, s.psk), 'res binder', digest(hash, new Uint8Array(0)));
  message.set(hmac(hash, finishedKey(hash, binderKey), digest(hash, truncated)), binderAt);
  return message;
}

/** Enough once the server sent an alert, a HelloRetryRequest, or its ServerHello and one whole encrypted record. */
function enough(received: Buffer): boolean {
  const f = readFirstFlight(received);
  if (f.alert || f.notTls || f.problem || f.serverHello?.helloRetryRequest) return true;
  return Boolean(f.serverHello) && splitRecords(received).records.some((r) => r.contentType === 23 && isWholeRecord(r));
}

const PSK_OFFER = 'offered the last ticket';
const PSK_NONE = `${PSK_OFFER}: the ServerHello had no pre_shared_key (full handshake)`;
const ED_HELLO = 'ClientHello with early_data and the ticket';

/** The offered ticket's verdicts from what the server answered. */
function answerTo(s: ResumableSession, hash: HashName, message: Uint8Array, x: Exchanged, plain: SessionWire): TicketAnswer {
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
  const shared = sharedSecretOf(sh);
  if (!shared) return { psk: { resumed: null, evidence: `${taken}, but its x25519 key share could not be used` }, earlyData: { accepted: null, evidence: 'not tested: the ServerHello\'s x25519 key share could not be used' } };
  const opened = readSessionWire({ chunks: x.chunks, keylog: handshakeKeyLog(message, handshakeSecrets(hash, earlySecret(hash, s.psk), message, plain.serverHelloRaw, shared)) });
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

/** No connection made, for `why`: a Node handshake offers the ticket instead (`retry`). */
function leftToNode(why: string, offerEarlyData: boolean): TicketAnswer {
  return { retry: true, psk: { resumed: null, evidence: why }, ...(offerEarlyData ? { earlyData: { accepted: null, evidence: why } } : {}) };
}

/** One connection offering `s` (with early_data when `offerEarlyData`); never rejects. */
export async function offerTicket(ctx: ScanContext, s: ResumableSession, offerEarlyData: boolean): Promise<TicketAnswer> {
  const suite = hashOf(s.suite);
  if ('why' in suite) return leftToNode(suite.why, offerEarlyData);
  const { hash } = suite;
  const message = helloOrWhyNot(() => earlyDataHello(s, hash, ctx.target.sni, Date.now(), offerEarlyData), `the server's ${s.ticket.length}-byte ticket`);
  if (typeof message === 'string') return { psk: { resumed: null, evidence: message }, ...(offerEarlyData ? { earlyData: { accepted: null, evidence: message } } : {}) };
  if (!message) return leftToNode('not tested: this Node cannot make an x25519 key share', offerEarlyData);
  // One attempt: a retried hello would offer the same ticket again, which a server with
  // anti-replay refuses, and the answer would be wrong.
  const x = await exchange13(ctx, frameRecords(message), () => enough, { retry: false });
  const a = answerTo(s, hash, message, x, readSessionWire({ chunks: x.chunks, keylog: [] }, { decrypt: false }));
  return offerEarlyData ? a : { psk: a.psk, ...(a.retry ? { retry: true } : {}) };
}
