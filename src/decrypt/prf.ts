// The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label + seed) with the suite's PRF hash, and the
// pieces built from it — the key block (§6.3) and Finished verify_data (§7.4.9).

import { hmac, type HashName } from './hkdf.js';

/** P_hash(secret, seed): A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed) … */
export function pHash(hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
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

export function prf12(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  return pHash(hash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** Per-direction keys cut from the key block, in the RFC 5246 §6.3 order. */
export interface KeyBlock12 {
  clientMacKey: Buffer;
  serverMacKey: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  /** Fixed IV part: 4-byte salt for AES-GCM, 12-byte IV for ChaCha20-Poly1305, unused for CBC (explicit IVs). */
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

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function verifyData12(hash: HashName, masterSecret: Uint8Array, sender: 'client' | 'server', handshakeHash: Uint8Array): Buffer {
  return prf12(hash, masterSecret, `${sender} finished`, handshakeHash, 12);
}
