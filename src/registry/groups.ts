// TLS Supported Groups (IANA tls-parameters-8), formerly "EC Named Curves".
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface GroupInfo extends RegistryEntry {
  /**
   * `ecdhe` (elliptic-curve Diffie-Hellman, incl. GOST and SM2 curves), `ffdhe` (RFC 7919 finite
   * field), `hybrid-pq` (classical ECDH combined with ML-KEM/Kyber), `pq` (ML-KEM alone), `other`
   * (the arbitrary_explicit_* markers, which name no group).
   */
  family: 'ecdhe' | 'ffdhe' | 'hybrid-pq' | 'pq' | 'other';
  /**
   * Size in bytes of the client's key_share (TLS 1.3) or of the ECDHE point / DH public value
   * (TLS 1.2) where the group fixes it: uncompressed X9.62 point for NIST/brainpool/SEC curves,
   * raw u-coordinate for x25519/x448, p's size for ffdhe, the ML-KEM encapsulation key (plus the
   * ECDH share) for post-quantum groups.
   */
  keyShareLength?: number;
  /** Size of the server's key_share where it differs from the client's (ML-KEM ciphertext). */
  serverShareLength?: number;
  /** Security strength in bits (NIST SP 800-57 terms), for weak-group findings. */
  bits?: number;
  /** IANA marks it deprecated ("D") or obsolete; only legacy software sends it. */
  deprecated?: boolean;
}

/** Uncompressed point size for a curve over a field of `fieldBits` bits. */
const pt = (fieldBits: number): number => 2 * Math.ceil(fieldBits / 8) + 1;

export const namedGroups = makeRegistry<GroupInfo>([
  { code: 1, name: 'sect163k1', family: 'ecdhe', keyShareLength: pt(163), bits: 80, deprecated: true },
  { code: 2, name: 'sect163r1', family: 'ecdhe', keyShareLength: pt(163), bits: 80, deprecated: true },
  { code: 3, name: 'sect163r2', family: 'ecdhe', keyShareLength: pt(163), bits: 80, deprecated: true },
  { code: 4, name: 'sect193r1', family: 'ecdhe', keyShareLength: pt(193), bits: 96, deprecated: true },
  { code: 5, name: 'sect193r2', family: 'ecdhe', keyShareLength: pt(193), bits: 96, deprecated: true },
  { code: 6, name: 'sect233k1', family: 'ecdhe', keyShareLength: pt(233), bits: 112, deprecated: true },
  { code: 7, name: 'sect233r1', family: 'ecdhe', keyShareLength: pt(233), bits: 112, deprecated: true },
  { code: 8, name: 'sect239k1', family: 'ecdhe', keyShareLength: pt(239), bits: 112, deprecated: true },
  { code: 9, name: 'sect283k1', family: 'ecdhe', keyShareLength: pt(283), bits: 128 },
  { code: 10, name: 'sect283r1', family: 'ecdhe', keyShareLength: pt(283), bits: 128 },
  { code: 11, name: 'sect409k1', family: 'ecdhe', keyShareLength: pt(409), bits: 192 },
  { code: 12, name: 'sect409r1', family: 'ecdhe', keyShareLength: pt(409), bits: 192 },
  { code: 13, name: 'sect571k1', family: 'ecdhe', keyShareLength: pt(571), bits: 256 },
  { code: 14, name: 'sect571r1', family: 'ecdhe', keyShareLength: pt(571), bits: 256 },
  { code: 15, name: 'secp160k1', family: 'ecdhe', keyShareLength: pt(160), bits: 80, deprecated: true },
  { code: 16, name: 'secp160r1', family: 'ecdhe', keyShareLength: pt(160), bits: 80, deprecated: true },
  { code: 17, name: 'secp160r2', family: 'ecdhe', keyShareLength: pt(160), bits: 80, deprecated: true },
  { code: 18, name: 'secp192k1', family: 'ecdhe', keyShareLength: pt(192), bits: 96, deprecated: true },
  { code: 19, name: 'secp192r1', family: 'ecdhe', keyShareLength: pt(192), bits: 96, deprecated: true },
  { code: 20, name: 'secp224k1', family: 'ecdhe', keyShareLength: pt(224), bits: 112, deprecated: true },
  { code: 21, name: 'secp224r1', family: 'ecdhe', keyShareLength: pt(224), bits: 112, deprecated: true },
  { code: 22, name: 'secp256k1', family: 'ecdhe', keyShareLength: pt(256), bits: 128 },
  { code: 23, name: 'secp256r1', family: 'ecdhe', keyShareLength: pt(256), bits: 128 },
  { code: 24, name: 'secp384r1', family: 'ecdhe', keyShareLength: pt(384), bits: 192 },
  { code: 25, name: 'secp521r1', family: 'ecdhe', keyShareLength: pt(521), bits: 256 },
  { code: 26, name: 'brainpoolP256r1', family: 'ecdhe', keyShareLength: pt(256), bits: 128 },
  { code: 27, name: 'brainpoolP384r1', family: 'ecdhe', keyShareLength: pt(384), bits: 192 },
  { code: 28, name: 'brainpoolP512r1', family: 'ecdhe', keyShareLength: pt(512), bits: 256 },
  { code: 29, name: 'x25519', family: 'ecdhe', keyShareLength: 32, bits: 128 },
  { code: 30, name: 'x448', family: 'ecdhe', keyShareLength: 56, bits: 224 },
  { code: 31, name: 'brainpoolP256r1tls13', family: 'ecdhe', keyShareLength: pt(256), bits: 128 },
  { code: 32, name: 'brainpoolP384r1tls13', family: 'ecdhe', keyShareLength: pt(384), bits: 192 },
  { code: 33, name: 'brainpoolP512r1tls13', family: 'ecdhe', keyShareLength: pt(512), bits: 256 },
  // GOST R 34.10-2012 curves (RFC 9189): the share is x||y, little-endian, no format byte.
  { code: 34, name: 'GC256A', family: 'ecdhe', keyShareLength: 64, bits: 128 },
  { code: 35, name: 'GC256B', family: 'ecdhe', keyShareLength: 64, bits: 128 },
  { code: 36, name: 'GC256C', family: 'ecdhe', keyShareLength: 64, bits: 128 },
  { code: 37, name: 'GC256D', family: 'ecdhe', keyShareLength: 64, bits: 128 },
  { code: 38, name: 'GC512A', family: 'ecdhe', keyShareLength: 128, bits: 256 },
  { code: 39, name: 'GC512B', family: 'ecdhe', keyShareLength: 128, bits: 256 },
  { code: 40, name: 'GC512C', family: 'ecdhe', keyShareLength: 128, bits: 256 },
  { code: 41, name: 'curveSM2', family: 'ecdhe', keyShareLength: pt(256), bits: 128 },
  { code: 256, name: 'ffdhe2048', family: 'ffdhe', keyShareLength: 256, bits: 103 },
  { code: 257, name: 'ffdhe3072', family: 'ffdhe', keyShareLength: 384, bits: 125 },
  { code: 258, name: 'ffdhe4096', family: 'ffdhe', keyShareLength: 512, bits: 150 },
  { code: 259, name: 'ffdhe6144', family: 'ffdhe', keyShareLength: 768, bits: 175 },
  { code: 260, name: 'ffdhe8192', family: 'ffdhe', keyShareLength: 1024, bits: 192 },
  // ML-KEM (FIPS 203): client sends the encapsulation key, server the ciphertext.
  { code: 0x0200, name: 'MLKEM512', family: 'pq', keyShareLength: 800, serverShareLength: 768, bits: 128 },
  { code: 0x0201, name: 'MLKEM768', family: 'pq', keyShareLength: 1184, serverShareLength: 1088, bits: 192 },
  { code: 0x0202, name: 'MLKEM1024', family: 'pq', keyShareLength: 1568, serverShareLength: 1568, bits: 256 },
  // Hybrids (draft-ietf-tls-ecdhe-mlkem): the two shares concatenated.
  { code: 0x11e9, name: 'SecP256r1MLKEM512', family: 'hybrid-pq', keyShareLength: 65 + 800, serverShareLength: 65 + 768, bits: 128 },
  { code: 0x11ea, name: 'MLKEM512X25519', family: 'hybrid-pq', keyShareLength: 800 + 32, serverShareLength: 768 + 32, bits: 128 },
  { code: 0x11eb, name: 'SecP256r1MLKEM768', family: 'hybrid-pq', keyShareLength: 65 + 1184, serverShareLength: 65 + 1088, bits: 192 },
  { code: 0x11ec, name: 'X25519MLKEM768', family: 'hybrid-pq', keyShareLength: 1184 + 32, serverShareLength: 1088 + 32, bits: 192 },
  { code: 0x11ed, name: 'SecP384r1MLKEM1024', family: 'hybrid-pq', keyShareLength: 97 + 1568, serverShareLength: 97 + 1568, bits: 256 },
  { code: 0x11ee, name: 'curveSM2MLKEM768', family: 'hybrid-pq', keyShareLength: 65 + 1184, serverShareLength: 65 + 1088, bits: 192 },
  // Pre-standard Kyber hybrids, obsoleted by the ML-KEM ones but still sent by older browsers.
  { code: 0x6399, name: 'X25519Kyber768Draft00', family: 'hybrid-pq', keyShareLength: 32 + 1184, serverShareLength: 32 + 1088, bits: 192, deprecated: true },
  { code: 0x639a, name: 'SecP256r1Kyber768Draft00', family: 'hybrid-pq', keyShareLength: 65 + 1184, serverShareLength: 65 + 1088, bits: 192, deprecated: true },
  // RFC 8422 markers for explicit curve parameters in the ServerKeyExchange (deprecated).
  { code: 0xff01, name: 'arbitrary_explicit_prime_curves', family: 'other', deprecated: true },
  { code: 0xff02, name: 'arbitrary_explicit_char2_curves', family: 'other', deprecated: true },
]);

/** Group code points by name, for code that switches on them. */
export const Group = {
  secp256r1: 23,
  secp384r1: 24,
  secp521r1: 25,
  brainpoolP256r1: 26,
  brainpoolP384r1: 27,
  brainpoolP512r1: 28,
  x25519: 29,
  x448: 30,
  brainpoolP256r1tls13: 31,
  brainpoolP384r1tls13: 32,
  brainpoolP512r1tls13: 33,
  curveSM2: 41,
  ffdhe2048: 256,
  ffdhe3072: 257,
  ffdhe4096: 258,
  ffdhe6144: 259,
  ffdhe8192: 260,
  MLKEM512: 0x0200,
  MLKEM768: 0x0201,
  MLKEM1024: 0x0202,
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
  X25519Kyber768Draft00: 0x6399,
} as const;

export function groupInfo(code: number): GroupInfo | undefined {
  return namedGroups.get(code);
}
