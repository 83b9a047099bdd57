// What decryption needs to know about a cipher suite, derived from the registry entry (IANA name,
// bulk cipher, MAC) and the negotiated version, so the suite table stays in one place. TLS 1.0
// and 1.1 use the MD5 ⊕ SHA-1 PRF whatever the suite; TLS 1.0 chains CBC IVs across records,
// TLS 1.1 and 1.2 send one per record (RFC 2246 §6.2.3.2, RFC 4346 §6.2.3.2). AES-CCM suites
// (RFC 6655, RFC 7251, RFC 8446) build nonces as GCM does; their *_CCM_8 forms send an 8-byte tag.

import { getCiphers } from 'node:crypto';
import { cipherSuites, label, protocolVersions } from '../registry/index.js';
import type { HashName } from './hkdf.js';

export type BulkCipher =
  | 'aes-128-gcm'
  | 'aes-256-gcm'
  | 'aes-128-ccm'
  | 'aes-256-ccm'
  | 'chacha20-poly1305'
  | 'aes-128-cbc'
  | 'aes-256-cbc'
  | 'des-ede3-cbc'
  | 'camellia-128-cbc'
  | 'camellia-256-cbc'
  | 'aria-128-cbc'
  | 'aria-256-cbc'
  | 'seed-cbc'
  | 'idea-cbc'
  | 'des-cbc'
  | 'rc4';

export interface SuiteCrypto {
  code: number;
  name: string;
  tls13: boolean;
  cipher: BulkCipher;
  aead: boolean;
  /** RC4: one key stream per direction that runs across records (no IV, no padding). */
  stream: boolean;
  keyLength: number;
  /** CBC block size (16 for AES/Camellia/ARIA/SEED, 8 for 3DES/DES/IDEA); 0 for AEAD and stream ciphers. */
  blockSize: number;
  /**
   * IV bytes from the key block / key schedule: 12 for TLS 1.3 and TLS 1.2 ChaCha20-Poly1305, the
   * 4-byte salt for TLS 1.2 AES-GCM and AES-CCM, the first CBC IV in TLS 1.0 (later ones are chained), 0 for
   * CBC in TLS 1.1+ (the IV travels with each record) and for stream ciphers.
   */
  fixedIvLength: number;
  /** Per-record explicit nonce/IV bytes at the start of the record body (8 for 1.2 GCM/CCM, a block for CBC in 1.1+). */
  explicitIvLength: number;
  /** AEAD authentication tag bytes at the end of the record body: 16, or 8 for the *_CCM_8 suites; 0 otherwise. */
  tagLength: number;
  /** HKDF hash (1.3), PRF hash (1.2), or md5-sha1 for the TLS 1.0/1.1 PRF and Finished hash. */
  hash: HashName;
  /** CBC and stream suites: the HMAC hash and its key/output length. */
  macHash?: 'md5' | 'sha1' | 'sha256' | 'sha384';
  macLength: number;
}

interface Bulk {
  cipher: BulkCipher;
  keyLength: number;
  aead: boolean;
  blockSize: number;
  /** AEAD tag bytes (RFC 6655 §3: CCM_8 truncates it to 8). */
  tagLength?: number;
}

const BULK: Record<string, Bulk> = {
  AES_128_GCM: { cipher: 'aes-128-gcm', keyLength: 16, aead: true, blockSize: 0 },
  AES_256_GCM: { cipher: 'aes-256-gcm', keyLength: 32, aead: true, blockSize: 0 },
  AES_128_CCM: { cipher: 'aes-128-ccm', keyLength: 16, aead: true, blockSize: 0 },
  AES_256_CCM: { cipher: 'aes-256-ccm', keyLength: 32, aead: true, blockSize: 0 },
  AES_128_CCM_8: { cipher: 'aes-128-ccm', keyLength: 16, aead: true, blockSize: 0, tagLength: 8 },
  AES_256_CCM_8: { cipher: 'aes-256-ccm', keyLength: 32, aead: true, blockSize: 0, tagLength: 8 },
  CHACHA20_POLY1305: { cipher: 'chacha20-poly1305', keyLength: 32, aead: true, blockSize: 0 },
  AES_128_CBC: { cipher: 'aes-128-cbc', keyLength: 16, aead: false, blockSize: 16 },
  AES_256_CBC: { cipher: 'aes-256-cbc', keyLength: 32, aead: false, blockSize: 16 },
  '3DES_EDE_CBC': { cipher: 'des-ede3-cbc', keyLength: 24, aead: false, blockSize: 8 },
  CAMELLIA_128_CBC: { cipher: 'camellia-128-cbc', keyLength: 16, aead: false, blockSize: 16 },
  CAMELLIA_256_CBC: { cipher: 'camellia-256-cbc', keyLength: 32, aead: false, blockSize: 16 },
  ARIA_128_CBC: { cipher: 'aria-128-cbc', keyLength: 16, aead: false, blockSize: 16 },
  ARIA_256_CBC: { cipher: 'aria-256-cbc', keyLength: 32, aead: false, blockSize: 16 },
  SEED_CBC: { cipher: 'seed-cbc', keyLength: 16, aead: false, blockSize: 16 },
  IDEA_CBC: { cipher: 'idea-cbc', keyLength: 16, aead: false, blockSize: 8 },
  DES_CBC: { cipher: 'des-cbc', keyLength: 8, aead: false, blockSize: 8 },
  RC4_128: { cipher: 'rc4', keyLength: 16, aead: false, blockSize: 0 },
};

const MAC: Record<string, { macHash: NonNullable<SuiteCrypto['macHash']>; macLength: number }> = {
  MD5: { macHash: 'md5', macLength: 16 },
  SHA: { macHash: 'sha1', macLength: 20 },
  SHA1: { macHash: 'sha1', macLength: 20 },
  SHA256: { macHash: 'sha256', macLength: 32 },
  SHA384: { macHash: 'sha384', macLength: 48 },
};

const TLS11 = 0x0302;
const TLS12 = 0x0303;
const TLS13 = 0x0304;

/** Ciphers this Node's OpenSSL offers; RC4, DES, SEED and IDEA live in its legacy provider. */
let available: Set<string> | undefined;
function nodeHasCipher(name: string): boolean {
  available ??= new Set(getCiphers());
  return available.has(name);
}

/**
 * Answers already worked out, by (suite, version): they never change within a process, and working
 * one out (registry look-up, Node's cipher list) takes longer than opening a record — check asks
 * once per target, the scan's hand-built handshakes once per connection. Frozen, since every
 * caller shares them; bounded, though a run meets a handful of suites.
 */
const known = new Map<number, Readonly<SuiteCrypto> | { readonly unsupported: string }>();
const MAX_SUITES_KEPT = 256;

/**
 * The suite's decryption parameters under `version` (the negotiated protocol version; TLS 1.2
 * rules when absent), or a sentence saying why this tool cannot decrypt it.
 */
export function suiteCrypto(code: number, version: number = TLS12): SuiteCrypto | { unsupported: string } {
  const key = code * 0x10000 + version;
  let answer = known.get(key);
  if (!answer) {
    answer = Object.freeze(workOutSuite(code, version));
    if (known.size >= MAX_SUITES_KEPT) known.clear();
    known.set(key, answer);
  }
  return answer;
}

function workOutSuite(code: number, version: number): SuiteCrypto | { unsupported: string } {
  const entry = cipherSuites.get(code);
  if (!entry) return { unsupported: `cipher suite ${label(cipherSuites, code)} is not in the registry` };
  const bulk = BULK[entry.enc];
  if (!bulk) return { unsupported: `decrypting ${entry.name} (${entry.enc}) is not supported` };
  if (!nodeHasCipher(bulk.cipher)) {
    return { unsupported: `${entry.name} needs the ${bulk.cipher} cipher, which is not available in this Node (its OpenSSL keeps it in the legacy provider: run with NODE_OPTIONS=--openssl-legacy-provider)` };
  }
  const tls13 = entry.tls13 === true;
  const legacy = !tls13 && version < TLS12;
  // The registry's `prf` column: TLS 1.2 PRF hash or TLS 1.3 HKDF hash; TLS 1.0/1.1 have one PRF.
  const hash: HashName | undefined = legacy ? 'md5-sha1' : entry.prf === 'SHA384' ? 'sha384' : entry.prf === 'SHA256' ? 'sha256' : undefined;
  if (!hash) return { unsupported: `decrypting ${entry.name} (PRF ${entry.prf}) is not supported` };
  const base = { code, name: entry.name, tls13, cipher: bulk.cipher, keyLength: bulk.keyLength, blockSize: bulk.blockSize, hash };
  if (bulk.aead) {
    if (legacy) return { unsupported: `${entry.name} is an AEAD suite, which ${label(protocolVersions, version)} cannot use` };
    // TLS 1.2 GCM and CCM: 4-byte salt + 8-byte explicit nonce (RFC 5288 §3, RFC 6655 §3).
    const salted12 = !tls13 && bulk.cipher !== 'chacha20-poly1305';
    const tagLength = bulk.tagLength ?? 16;
    return { ...base, aead: true, stream: false, fixedIvLength: salted12 ? 4 : 12, explicitIvLength: salted12 ? 8 : 0, tagLength, macLength: 0 };
  }
  const mac = MAC[entry.mac];
  if (tls13 || !mac) return { unsupported: `decrypting ${entry.name} (MAC ${entry.mac}) is not supported` };
  if (legacy && mac.macHash !== 'md5' && mac.macHash !== 'sha1') {
    return { unsupported: `${entry.name} (HMAC-${entry.mac}) is a TLS 1.2 suite, which ${label(protocolVersions, version)} cannot use` };
  }
  const stream = bulk.blockSize === 0;
  // TLS 1.0 CBC: the first IV comes from the key block, each next one is the previous record's
  // last ciphertext block. TLS 1.1+: each record starts with its own IV.
  const chained = !stream && version < TLS11;
  return {
    ...base,
    aead: false,
    stream,
    fixedIvLength: chained ? bulk.blockSize : 0,
    explicitIvLength: stream || chained ? 0 : bulk.blockSize,
    tagLength: 0,
    ...mac,
  };
}

export function isSupported(s: SuiteCrypto | { unsupported: string }): s is SuiteCrypto {
  return !('unsupported' in s);
}

/** The suite's TLS 1.3 parameters when it is a TLS 1.3 suite this tool can open, else undefined. */
export function tls13SuiteCrypto(code: number): SuiteCrypto | undefined {
  const suite = suiteCrypto(code, TLS13);
  return isSupported(suite) && suite.tls13 ? suite : undefined;
}
