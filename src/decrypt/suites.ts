// What decryption needs to know about a cipher suite, derived from the registry entry (IANA name,
// bulk cipher, MAC) so the suite table stays in one place.

import { cipherSuites, label } from '../registry/index.js';
import type { HashName } from './hkdf.js';

export type BulkCipher = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-cbc' | 'aes-256-cbc';

export interface SuiteCrypto {
  code: number;
  name: string;
  tls13: boolean;
  cipher: BulkCipher;
  aead: boolean;
  keyLength: number;
  /**
   * IV bytes from the key schedule: 12 for TLS 1.3 and TLS 1.2 ChaCha20-Poly1305, the 4-byte salt
   * for TLS 1.2 AES-GCM, 0 for CBC (TLS 1.1+ sends the IV with each record).
   */
  fixedIvLength: number;
  /** Per-record explicit nonce/IV bytes at the start of the record body (8 for 1.2 GCM, 16 for CBC). */
  explicitIvLength: number;
  /** HKDF hash (1.3) or PRF hash (1.2). */
  hash: HashName;
  /** CBC suites: the HMAC hash and its key/output length. */
  macHash?: 'sha1' | 'sha256' | 'sha384';
  macLength: number;
}

const BULK: Record<string, { cipher: BulkCipher; keyLength: number; aead: boolean }> = {
  AES_128_GCM: { cipher: 'aes-128-gcm', keyLength: 16, aead: true },
  AES_256_GCM: { cipher: 'aes-256-gcm', keyLength: 32, aead: true },
  CHACHA20_POLY1305: { cipher: 'chacha20-poly1305', keyLength: 32, aead: true },
  AES_128_CBC: { cipher: 'aes-128-cbc', keyLength: 16, aead: false },
  AES_256_CBC: { cipher: 'aes-256-cbc', keyLength: 32, aead: false },
};

const MAC: Record<string, { macHash: 'sha1' | 'sha256' | 'sha384'; macLength: number }> = {
  SHA: { macHash: 'sha1', macLength: 20 },
  SHA1: { macHash: 'sha1', macLength: 20 },
  SHA256: { macHash: 'sha256', macLength: 32 },
  SHA384: { macHash: 'sha384', macLength: 48 },
};

/** The suite's decryption parameters, or a sentence saying why this tool cannot decrypt it. */
export function suiteCrypto(code: number): SuiteCrypto | { unsupported: string } {
  const entry = cipherSuites.get(code);
  if (!entry) return { unsupported: `cipher suite ${label(cipherSuites, code)} is not in the registry` };
  const bulk = BULK[entry.enc];
  if (!bulk) return { unsupported: `decrypting ${entry.name} (${entry.enc}) is not supported` };
  // The registry's `prf` column: TLS 1.2 PRF hash or TLS 1.3 HKDF hash.
  const hash: HashName | undefined = entry.prf === 'SHA384' ? 'sha384' : entry.prf === 'SHA256' ? 'sha256' : undefined;
  if (!hash) return { unsupported: `decrypting ${entry.name} (PRF ${entry.prf}) is not supported` };
  const tls13 = entry.tls13 === true;
  if (bulk.aead) {
    const gcm12 = !tls13 && bulk.cipher !== 'chacha20-poly1305';
    return {
      code,
      name: entry.name,
      tls13,
      cipher: bulk.cipher,
      aead: true,
      keyLength: bulk.keyLength,
      fixedIvLength: gcm12 ? 4 : 12,
      explicitIvLength: gcm12 ? 8 : 0,
      hash,
      macLength: 0,
    };
  }
  const mac = MAC[entry.mac];
  if (tls13 || !mac) return { unsupported: `decrypting ${entry.name} (MAC ${entry.mac}) is not supported` };
  return {
    code,
    name: entry.name,
    tls13: false,
    cipher: bulk.cipher,
    aead: false,
    keyLength: bulk.keyLength,
    fixedIvLength: 0,
    explicitIvLength: 16,
    hash,
    ...mac,
  };
}

export function isSupported(s: SuiteCrypto | { unsupported: string }): s is SuiteCrypto {
  return !('unsupported' in s);
}
