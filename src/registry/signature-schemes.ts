// TLS SignatureScheme (IANA tls-signaturescheme), plus the TLS 1.2 SignatureAndHashAlgorithm
// pairs (RFC 5246 §7.4.1.4.1) that share the same 16-bit space: hash byte × signature byte.
// IANA lists those pairs only as "reserved for backward compatibility", yet TLS 1.2 peers still
// send them (0x0202 dsa_sha1, 0x0301 rsa_pkcs1_sha224 …), so the table names them, marked legacy.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface SignatureSchemeInfo extends RegistryEntry {
  /** Signature algorithm: rsa_pkcs1, rsa_pss_rsae, rsa_pss_pss, dsa, ecdsa, eddsa, sm2, gost, ibc, mldsa, slhdsa. */
  sig: string;
  /** Digest: md5, sha1, sha224, sha256, sha384, sha512, sm3, streebog256, streebog512; absent when intrinsic (EdDSA, ML-DSA, SLH-DSA). */
  hash?: string;
  /** A TLS 1.2 hash/signature pair that IANA's SignatureScheme registry does not name. */
  legacy?: boolean;
}

type S = SignatureSchemeInfo;
const s = (code: number, name: string, sig: string, hash?: string, legacy?: boolean): S => ({
  code,
  name,
  sig,
  ...(hash ? { hash } : {}),
  ...(legacy ? { legacy: true } : {}),
});

export const signatureSchemes = makeRegistry<SignatureSchemeInfo>([
  s(0x0101, 'rsa_pkcs1_md5', 'rsa_pkcs1', 'md5', true),
  s(0x0102, 'dsa_md5', 'dsa', 'md5', true),
  s(0x0103, 'ecdsa_md5', 'ecdsa', 'md5', true),
  s(0x0201, 'rsa_pkcs1_sha1', 'rsa_pkcs1', 'sha1'),
  s(0x0202, 'dsa_sha1', 'dsa', 'sha1', true),
  s(0x0203, 'ecdsa_sha1', 'ecdsa', 'sha1'),
  s(0x0301, 'rsa_pkcs1_sha224', 'rsa_pkcs1', 'sha224', true),
  s(0x0302, 'dsa_sha224', 'dsa', 'sha224', true),
  s(0x0303, 'ecdsa_sha224', 'ecdsa', 'sha224', true),
  s(0x0401, 'rsa_pkcs1_sha256', 'rsa_pkcs1', 'sha256'),
  s(0x0402, 'dsa_sha256', 'dsa', 'sha256', true),
  s(0x0403, 'ecdsa_secp256r1_sha256', 'ecdsa', 'sha256'),
  s(0x0420, 'rsa_pkcs1_sha256_legacy', 'rsa_pkcs1', 'sha256'),
  s(0x0501, 'rsa_pkcs1_sha384', 'rsa_pkcs1', 'sha384'),
  s(0x0502, 'dsa_sha384', 'dsa', 'sha384', true),
  s(0x0503, 'ecdsa_secp384r1_sha384', 'ecdsa', 'sha384'),
  s(0x0520, 'rsa_pkcs1_sha384_legacy', 'rsa_pkcs1', 'sha384'),
  s(0x0601, 'rsa_pkcs1_sha512', 'rsa_pkcs1', 'sha512'),
  s(0x0602, 'dsa_sha512', 'dsa', 'sha512', true),
  s(0x0603, 'ecdsa_secp521r1_sha512', 'ecdsa', 'sha512'),
  s(0x0620, 'rsa_pkcs1_sha512_legacy', 'rsa_pkcs1', 'sha512'),
  s(0x0704, 'eccsi_sha256', 'ibc', 'sha256'),
  s(0x0705, 'iso_ibs1', 'ibc'),
  s(0x0706, 'iso_ibs2', 'ibc'),
  s(0x0707, 'iso_chinese_ibs', 'ibc'),
  s(0x0708, 'sm2sig_sm3', 'sm2', 'sm3'),
  s(0x0709, 'gostr34102012_256a', 'gost', 'streebog256'),
  s(0x070a, 'gostr34102012_256b', 'gost', 'streebog256'),
  s(0x070b, 'gostr34102012_256c', 'gost', 'streebog256'),
  s(0x070c, 'gostr34102012_256d', 'gost', 'streebog256'),
  s(0x070d, 'gostr34102012_512a', 'gost', 'streebog512'),
  s(0x070e, 'gostr34102012_512b', 'gost', 'streebog512'),
  s(0x070f, 'gostr34102012_512c', 'gost', 'streebog512'),
  s(0x0804, 'rsa_pss_rsae_sha256', 'rsa_pss_rsae', 'sha256'),
  s(0x0805, 'rsa_pss_rsae_sha384', 'rsa_pss_rsae', 'sha384'),
  s(0x0806, 'rsa_pss_rsae_sha512', 'rsa_pss_rsae', 'sha512'),
  s(0x0807, 'ed25519', 'eddsa'),
  s(0x0808, 'ed448', 'eddsa'),
  s(0x0809, 'rsa_pss_pss_sha256', 'rsa_pss_pss', 'sha256'),
  s(0x080a, 'rsa_pss_pss_sha384', 'rsa_pss_pss', 'sha384'),
  s(0x080b, 'rsa_pss_pss_sha512', 'rsa_pss_pss', 'sha512'),
  s(0x081a, 'ecdsa_brainpoolP256r1tls13_sha256', 'ecdsa', 'sha256'),
  s(0x081b, 'ecdsa_brainpoolP384r1tls13_sha384', 'ecdsa', 'sha384'),
  s(0x081c, 'ecdsa_brainpoolP512r1tls13_sha512', 'ecdsa', 'sha512'),
  // RFC 9189 TLS 1.2 GOST pairs: hash byte 0x08 ("intrinsic"), signature 64 / 65.
  s(0x0840, 'gostr34102012_256', 'gost', 'streebog256', true),
  s(0x0841, 'gostr34102012_512', 'gost', 'streebog512', true),
  s(0x0904, 'mldsa44', 'mldsa'),
  s(0x0905, 'mldsa65', 'mldsa'),
  s(0x0906, 'mldsa87', 'mldsa'),
  s(0x0911, 'slhdsa_sha2_128s', 'slhdsa'),
  s(0x0912, 'slhdsa_sha2_128f', 'slhdsa'),
  s(0x0913, 'slhdsa_sha2_192s', 'slhdsa'),
  s(0x0914, 'slhdsa_sha2_192f', 'slhdsa'),
  s(0x0915, 'slhdsa_sha2_256s', 'slhdsa'),
  s(0x0916, 'slhdsa_sha2_256f', 'slhdsa'),
  s(0x0917, 'slhdsa_shake_128s', 'slhdsa'),
  s(0x0918, 'slhdsa_shake_128f', 'slhdsa'),
  s(0x0919, 'slhdsa_shake_192s', 'slhdsa'),
  s(0x091a, 'slhdsa_shake_192f', 'slhdsa'),
  s(0x091b, 'slhdsa_shake_256s', 'slhdsa'),
  s(0x091c, 'slhdsa_shake_256f', 'slhdsa'),
]);

/** Signature-scheme code points by name, for code that switches on them. */
export const Sig = {
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
  rsa_pkcs1_sha256: 0x0401,
  ecdsa_secp256r1_sha256: 0x0403,
  rsa_pkcs1_sha384: 0x0501,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  mldsa44: 0x0904,
  mldsa65: 0x0905,
  mldsa87: 0x0906,
} as const;

/** TLS 1.2 HashAlgorithm (IANA tls-parameters-18), the high byte of a legacy pair. */
export const hashAlgorithms = makeRegistry<RegistryEntry>([
  { code: 0, name: 'none' },
  { code: 1, name: 'md5' },
  { code: 2, name: 'sha1' },
  { code: 3, name: 'sha224' },
  { code: 4, name: 'sha256' },
  { code: 5, name: 'sha384' },
  { code: 6, name: 'sha512' },
  { code: 8, name: 'Intrinsic' },
]);

/** TLS 1.2 SignatureAlgorithm (IANA tls-parameters-16), the low byte of a legacy pair. */
export const signatureAlgorithms = makeRegistry<RegistryEntry>([
  { code: 0, name: 'anonymous' },
  { code: 1, name: 'rsa' },
  { code: 2, name: 'dsa' },
  { code: 3, name: 'ecdsa' },
  { code: 7, name: 'ed25519' },
  { code: 8, name: 'ed448' },
  { code: 64, name: 'gostr34102012_256' },
  { code: 65, name: 'gostr34102012_512' },
]);

export function signatureSchemeInfo(code: number): SignatureSchemeInfo | undefined {
  return signatureSchemes.get(code);
}
