// TLS 1.3 key schedule pieces (RFC 8446 §7.1–7.3, §4.4.4). With a key log we start from the
// traffic secrets; `scheduleFromSharedSecret` runs the whole schedule and exists for the RFC 8448
// known-answer test, so every step of it is checked.

import { deriveSecret, digest, hashLength, hkdfExpandLabel, hkdfExtract, hmac, type HashName } from './hkdf.js';
import type { DirectionKeys } from './record-protection.js';

/** [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length); IV likewise with "iv", 12. */
export function trafficKeys(hash: HashName, secret: Uint8Array, keyLength: number, ivLength = 12): DirectionKeys {
  return {
    key: hkdfExpandLabel(hash, secret, 'key', new Uint8Array(0), keyLength),
    iv: hkdfExpandLabel(hash, secret, 'iv', new Uint8Array(0), ivLength),
  };
}

/** RFC 8446 §7.2: the next application traffic secret after a KeyUpdate. */
export function nextTrafficSecret(hash: HashName, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, secret, 'traffic upd', new Uint8Array(0), hashLength(hash));
}

export function finishedKey(hash: HashName, baseKey: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, baseKey, 'finished', new Uint8Array(0), hashLength(hash));
}

/** verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*)). */
export function verifyData13(hash: HashName, baseKey: Uint8Array, transcriptHash: Uint8Array): Buffer {
  return hmac(hash, finishedKey(hash, baseKey), transcriptHash);
}

export interface Tls13Schedule {
  early: Buffer;
  derivedEarly: Buffer;
  handshake: Buffer;
  clientHandshakeTraffic: Buffer;
  serverHandshakeTraffic: Buffer;
  derivedHandshake: Buffer;
  master: Buffer;
  clientApplicationTraffic: Buffer;
  serverApplicationTraffic: Buffer;
  exporter: Buffer;
}

/**
 * The full (EC)DHE schedule without a PSK. `helloHash` = Hash(ClientHello..ServerHello),
 * `serverFinishedHash` = Hash(ClientHello..server Finished).
 */
export function scheduleFromSharedSecret(
  hash: HashName,
  sharedSecret: Uint8Array,
  helloHash: Uint8Array,
  serverFinishedHash: Uint8Array,
): Tls13Schedule {
  const zeros = Buffer.alloc(hashLength(hash));
  const emptyHash = digest(hash, new Uint8Array(0));
  const early = hkdfExtract(hash, zeros, zeros);
  const derivedEarly = deriveSecret(hash, early, 'derived', emptyHash);
  const handshake = hkdfExtract(hash, derivedEarly, sharedSecret);
  const derivedHandshake = deriveSecret(hash, handshake, 'derived', emptyHash);
  const master = hkdfExtract(hash, derivedHandshake, zeros);
  return {
    early,
    derivedEarly,
    handshake,
    clientHandshakeTraffic: deriveSecret(hash, handshake, 'c hs traffic', helloHash),
    serverHandshakeTraffic: deriveSecret(hash, handshake, 's hs traffic', helloHash),
    derivedHandshake,
    master,
    clientApplicationTraffic: deriveSecret(hash, master, 'c ap traffic', serverFinishedHash),
    serverApplicationTraffic: deriveSecret(hash, master, 's ap traffic', serverFinishedHash),
    exporter: deriveSecret(hash, master, 'exp master', serverFinishedHash),
  };
}
