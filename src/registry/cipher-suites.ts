// TLS cipher suites (IANA "TLS Cipher Suites", tls-parameters-4). The table itself is generated
// into cipher-suites.data.ts by scripts/registry/gen-cipher-suites.ts; this module holds its type
// and the questions other modules ask of it.
import { cipherSuiteData } from './cipher-suites.data.js';
import { makeRegistry, type RegistryEntry } from './lookup.js';

/**
 * One cipher suite. Every column uses one fixed vocabulary, derived from the IANA name, so that
 * callers can compare strings:
 *
 * - `kx` — key exchange: `ECDHE`, `DHE` (ephemeral: forward secret), `ECDH`, `DH` (static, or
 *   anonymous when `auth` is `anon`), `RSA` (key transport), `PSK`, `DHE_PSK`, `ECDHE_PSK`,
 *   `RSA_PSK`, `SRP`, `KRB5`, `ECCPWD`, `GOST`, `CECPQ1`, `NULL`; `any` for TLS 1.3 suites (the
 *   group is negotiated separately).
 * - `auth` — server authentication: `RSA`, `DSS`, `ECDSA`, `anon` (none), `PSK`, `SRP`, `KRB5`,
 *   `ECCPWD`, `GOST`, `NULL`; `any` for TLS 1.3 (certificate decides).
 * - `enc` — bulk cipher as `<CIPHER>_<KEYBITS>_<MODE>`: `AES_128_GCM`, `AES_256_CBC`,
 *   `AES_128_CCM_8`, `CHACHA20_POLY1305`, `CAMELLIA_128_CBC`, `ARIA_256_GCM`, `SEED_CBC`,
 *   `IDEA_CBC`, `3DES_EDE_CBC`, `DES_CBC`, `DES40_CBC`, `RC2_40_CBC`, `RC4_40`, `RC4_128`,
 *   `SM4_GCM`, `AEGIS_256`, `ASCON_AEAD128`, `KUZNYECHIK_CTR`, `MAGMA_MGM_L`, `28147_CNT`, `NULL`.
 *   IANA's irregular spellings (`DES_CBC_40`, `RC2_CBC_40`) are normalised.
 * - `mac` — record MAC: `AEAD` for AEAD ciphers, otherwise the HMAC hash `SHA` (SHA-1), `SHA256`,
 *   `SHA384`, `MD5`, GOST `OMAC`/`IMIT`/`GOSTR3411`, or `NULL`. TLS_SHA256_SHA256 and
 *   TLS_SHA384_SHA384 (RFC 9150) are integrity-only: `enc` `NULL`, `mac` the HMAC hash.
 * - `prf` — hash of the TLS 1.2 PRF / TLS 1.3 HKDF: `SHA256`, `SHA384`, `SHA512`, `SM3`,
 *   `ASCONHASH256`, `STREEBOG256`, `GOSTR3411`, `NULL`. (TLS 1.0/1.1 always use MD5+SHA-1.)
 * - `bits` — cipher strength in bits as OpenSSL counts it: 0 for NULL, 40/56 for export and DES,
 *   112 for 3DES, otherwise the key size.
 */
export interface CipherSuiteInfo extends RegistryEntry {
  /** OpenSSL's name, where OpenSSL has (or had) one. */
  openssl?: string;
  kx: string;
  auth: string;
  enc: string;
  mac: string;
  prf: string;
  bits: number;
  /** TLS 1.3 suites (kx/auth are `any`): 0x1301–0x1307, SM4, Ascon, GOST MGM, 0xC0B4/0xC0B5. */
  tls13?: boolean;
  /** Signalling values (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV), not real suites. */
  scsv?: boolean;
  /** Export-grade (40/56-bit, 512/1024-bit key exchange) suites. */
  export?: boolean;
  /** Not in IANA's registry but sent by deployed software (pre-standard ChaCha20, EXPORT1024 …). */
  unofficial?: boolean;
}

export const cipherSuites = makeRegistry<CipherSuiteInfo>(cipherSuiteData);

/** The suite's table entry, or undefined for GREASE and unknown code points. */
export function suiteInfo(code: number): CipherSuiteInfo | undefined {
  return cipherSuites.get(code);
}

/**
 * True when a suite's key exchange is ephemeral and authenticated, so recorded traffic stays
 * safe if the server's long-term key leaks later: ECDHE, DHE (incl. their PSK forms) and every
 * TLS 1.3 suite (TLS 1.3 without (EC)DHE only happens with psk_ke resumption, which the
 * negotiation — not the suite — decides). Anonymous DH is excluded: unauthenticated.
 */
export function isForwardSecret(code: number): boolean {
  const s = cipherSuites.get(code);
  if (!s || s.scsv) return false;
  if (s.tls13) return true;
  return ['ECDHE', 'DHE', 'ECDHE_PSK', 'DHE_PSK', 'CECPQ1'].includes(s.kx);
}

/** Cipher-suite code points that code switches on. */
export const Suite = {
  TLS_NULL_WITH_NULL_NULL: 0x0000,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600,
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
} as const;
