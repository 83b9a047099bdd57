// The TLS PRFs and the pieces built from them — the key block and Finished verify_data. TLS 1.2
// (RFC 5246 §5): P_hash(secret, label + seed) with the suite's PRF hash. TLS 1.0/1.1 (RFC 2246
// §5, RFC 4346 §5), named by the hash `md5-sha1`: P_MD5 over the secret's first half XOR P_SHA1
// over its second half (the halves share the middle byte when the length is odd).

import { hmac, type HashName } from './hkdf.js';

/** P_hash(secret, seed): A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed) … */
export function pHash(hash: HashName | 'md5' | 'sha1', secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let a: Buffer = Buffer.from(seed);
  let total = 0;
  while (total < length) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, a, seed);
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** PRF(secret, label, seed) for the version the hash names (`md5-sha1`: TLS 1.0/1.1). */
export function prf12(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelled = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  if (hash !== 'md5-sha1') return pHash(hash, secret, labelled, length);
  const half = Math.ceil(secret.length / 2);
  const md5 = pHash('md5', secret.subarray(0, half), labelled, length);
  const sha1 = pHash('sha1', secret.subarray(secret.length - half), labelled, length);
  for (let i = 0; i < length; i++) md5[i] ^= sha1[i];
  return md5;
}

/** Per-direction keys cut from the key block, in the RFC 5246 §6.3 order. */
export interface KeyBlock12 {
  clientMacKey: Buffer;
  serverMacKey: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  /** Fixed IV part: 4-byte salt for AES-GCM, 12-byte IV for ChaCha20-Poly1305, the first CBC IV in TLS 1.0; empty for CBC in 1.1+ (explicit IVs). */
  clientIv: Buffer;
  serverIv: Buffer;
}

export function keyBlock12(
  hash: HashName,
  masterSecret: Uint8Array,
  serverRandom: Uint8Array,
  clientRandom: Uint8Array,
  sizes: { macKeyLength: number; keyLength: number; fixedIvLength: number },
): KeyBlock12 {
  const { macKeyLength: m, keyLength: k, fixedIvLength: v } = sizes;
  const block = prf12(hash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (m + k + v));
  let at = 0;
  const take = (n: number): Buffer => {
    const part = block.subarray(at, at + n);
    at += n;
    return part;
  };
  return {
    clientMacKey: take(m),
    serverMacKey: take(m),
    clientKey: take(k),
    serverKey: take(k),
    clientIv: take(v),
    serverIv: take(v),
  };
}

/**
 * verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]; in TLS
 * 1.0/1.1 Hash is MD5 ‖ SHA-1 (the `md5-sha1` transcript hash).
 */
export function verifyData12(hash: HashName, masterSecret: Uint8Array, sender: 'client' | 'server', handshakeHash: Uint8Array): Buffer {
  return prf12(hash, masterSecret, `${sender} finished`, handshakeHash, 12);
}
