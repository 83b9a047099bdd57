// HKDF (RFC 5869) and the TLS 1.3 labelled forms (RFC 8446 §7.1). Node's `hkdfSync` always runs
// extract and expand together, but the TLS 1.3 schedule expands secrets that are already
// pseudo-random keys, so both halves are built here from HMAC.

import { createHash, createHmac } from 'node:crypto';

/**
 * Hashes the TLS key schedules use (HKDF in 1.3, the PRF and Finished in 1.2). `md5-sha1` names
 * TLS 1.0/1.1's PRF (P_MD5 ⊕ P_SHA1) and their Finished hash (MD5 ‖ SHA-1, which is what Node's
 * `md5-sha1` digest gives); it is never an HKDF hash.
 */
export type HashName = 'sha256' | 'sha384' | 'md5-sha1';

export function hashLength(hash: HashName): number {
  return hash === 'sha384' ? 48 : hash === 'md5-sha1' ? 36 : 32;
}

export function digest(hash: HashName, data: Uint8Array): Buffer {
  return createHash(hash).update(data).digest();
}

export function hmac(hash: string, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes. */
export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Buffer {
  const s = salt.length === 0 ? Buffer.alloc(hashLength(hash)) : salt;
  return hmac(hash, s, ikm);
}

/** HKDF-Expand(PRK, info, L): T(i) = HMAC(PRK, T(i-1) | info | i), concatenated and cut to L. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (length > 255 * hashLength(hash)) throw new RangeError(`HKDF-Expand length ${length} too large`);
  const blocks: Buffer[] = [];
  let previous: Buffer = Buffer.alloc(0);
  let total = 0;
  for (let i = 1; total < length; i++) {
    previous = hmac(hash, prk, previous, info, Uint8Array.of(i));
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The HkdfLabel structure: uint16 length, opaque label<7..255> ("tls13 " + label), opaque context<0..255>. */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  return Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([context.length]),
    context,
  ]);
}

export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  return hkdfExpand(hash, secret, hkdfLabel(label, context, length), length);
}

/** Derive-Secret(Secret, Label, Messages), taking the transcript hash already computed. */
export function deriveSecret(hash: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}
