// Handshake signature checks with the leaf certificate's public key (Node's X509Certificate and
// crypto.verify): TLS 1.3 CertificateVerify (RFC 8446 §4.4.3) and the TLS 1.0–1.2
// ServerKeyExchange signature (RFC 5246 §7.4.3, RFC 4492 §5.4).

import { constants, createHash, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import { publicKeyOf } from './x509-cache.js';
import { label, signatureSchemes } from '../registry/index.js';

type Digest = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const DIGEST_LENGTH: Record<Digest, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

interface SchemeParams {
  kind: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'eddsa';
  /** Digest for crypto.verify; null for EdDSA (the algorithm hashes itself). */
  digest: Digest | null;
  /** Key type X509Certificate reports for this scheme. */
  keyTypes: string[];
}

/** How each registry signature algorithm (`sig`) is checked, and the leaf key types that make it. */
const ALGORITHMS = new Map<string, Pick<SchemeParams, 'kind' | 'keyTypes'>>([
  ['rsa_pkcs1', { kind: 'rsa-pkcs1', keyTypes: ['rsa'] }],
  ['rsa_pss_rsae', { kind: 'rsa-pss', keyTypes: ['rsa'] }],
  ['rsa_pss_pss', { kind: 'rsa-pss', keyTypes: ['rsa-pss'] }],
  ['ecdsa', { kind: 'ecdsa', keyTypes: ['ec'] }],
]);

/**
 * rsa_pkcs1_sha256/384/512_legacy (draft-ietf-tls-tls13-pkcs1): TLS 1.3-only client-auth code
 * points whose rules this module does not apply, so they are reported as not verified.
 */
const NOT_VERIFIED = new Set([0x0420, 0x0520, 0x0620]);

function isDigest(hash: string | undefined): hash is Digest {
  return hash !== undefined && Object.hasOwn(DIGEST_LENGTH, hash);
}

/** How to check `scheme`, read from its registry entry; undefined when this module cannot. */
function schemeParams(scheme: number): SchemeParams | undefined {
  const entry = signatureSchemes.get(scheme);
  if (!entry || NOT_VERIFIED.has(scheme)) return undefined;
  // EdDSA hashes itself; Node names the key type after the scheme (ed25519, ed448).
  if (entry.sig === 'eddsa') return { kind: 'eddsa', digest: null, keyTypes: [entry.name] };
  const algorithm = ALGORITHMS.get(entry.sig);
  return algorithm && isDigest(entry.hash) ? { ...algorithm, digest: entry.hash } : undefined;
}

export interface SignatureOutcome {
  ok: boolean;
  /** Plain sentence: what was checked and, on failure, why it failed. */
  reason: string;
}

/**
 * The leaf's public key, shared with the chain analysis through x509-cache.ts: a scan verifies the
 * same leaf's signatures on connection after connection, check parses the leaf it just verified.
 */
function leafKey(leafDer: Uint8Array): KeyObject | string {
  try {
    return publicKeyOf(leafDer);
  } catch (e) {
    return `the leaf certificate could not be read (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Verifies `signature` over `data` with `scheme` (a TLS SignatureScheme code point). */
export function verifyWithScheme(leafDer: Uint8Array, scheme: number, data: Uint8Array, signature: Uint8Array): SignatureOutcome {
  const name = label(signatureSchemes, scheme);
  const params = schemeParams(scheme);
  if (!params) return { ok: false, reason: `signature scheme ${name} is not supported for verification` };
  const key = leafKey(leafDer);
  if (typeof key === 'string') return { ok: false, reason: key };
  const keyType = key.asymmetricKeyType ?? 'unknown';
  if (!params.keyTypes.includes(keyType)) {
    return { ok: false, reason: `signature scheme ${name} does not match the leaf certificate's ${keyType} key` };
  }
  let ok: boolean;
  try {
    if (params.kind === 'rsa-pss') {
      ok = verify(params.digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LENGTH[params.digest!] }, signature);
    } else if (params.kind === 'rsa-pkcs1') {
      ok = verify(params.digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    } else if (params.kind === 'ecdsa') {
      ok = verify(params.digest, data, { key, dsaEncoding: 'der' }, signature);
    } else {
      ok = verify(null, data, key, signature);
    }
  } catch (e) {
    return { ok: false, reason: `${name} signature could not be checked (${e instanceof Error ? e.message : String(e)})` };
  }
  return ok
    ? { ok: true, reason: `${name} signature verified with the leaf certificate's ${keyType} key` }
    : { ok: false, reason: `${name} signature does not verify with the leaf certificate's ${keyType} key` };
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from(`TLS 1.3, ${side} CertificateVerify`, 'latin1'),
    Buffer.from([0]),
    transcriptHash,
  ]);
}

export function verifyCertificateVerify13(
  leafDer: Uint8Array,
  side: 'server' | 'client',
  scheme: number,
  signature: Uint8Array,
  transcriptHash: Uint8Array,
): SignatureOutcome {
  const params = schemeParams(scheme);
  if (params && (params.kind === 'rsa-pkcs1' || params.digest === 'sha1')) {
    // RFC 8446 §4.4.3: PKCS#1 v1.5 and SHA-1 schemes are not allowed in CertificateVerify.
    const checked = verifyWithScheme(leafDer, scheme, certificateVerifyContent(side, transcriptHash), signature);
    return { ok: false, reason: `${label(signatureSchemes, scheme)} is not allowed in a TLS 1.3 CertificateVerify${checked.ok ? ' (the signature itself verifies)' : ''}` };
  }
  return verifyWithScheme(leafDer, scheme, certificateVerifyContent(side, transcriptHash), signature);
}

/**
 * ServerKeyExchange: the signature covers client_random + server_random + params. TLS 1.2 names
 * the scheme; TLS 1.0/1.1 use MD5+SHA-1 without DigestInfo for RSA and SHA-1 for ECDSA.
 */
export function verifyServerKeyExchange(
  leafDer: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Uint8Array,
  signature: Uint8Array,
  scheme: number | undefined,
): SignatureOutcome {
  const data = Buffer.concat([clientRandom, serverRandom, params]);
  if (scheme !== undefined) return verifyWithScheme(leafDer, scheme, data, signature);
  return verifyLegacySignature(leafDer, data, signature);
}

/**
 * A TLS 1.0/1.1 digitally-signed value (ServerKeyExchange, client CertificateVerify): RSA signs
 * MD5(data) ‖ SHA-1(data) with PKCS#1 v1.5 padding and no DigestInfo; ECDSA signs SHA-1(data).
 */
export function verifyLegacySignature(leafDer: Uint8Array, data: Uint8Array, signature: Uint8Array): SignatureOutcome {
  const key = leafKey(leafDer);
  if (typeof key === 'string') return { ok: false, reason: key };
  try {
    if (key.asymmetricKeyType === 'rsa') {
      const expected = Buffer.concat([createHash('md5').update(data).digest(), createHash('sha1').update(data).digest()]);
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      return recovered.equals(expected)
        ? { ok: true, reason: 'RSA MD5+SHA-1 signature (TLS 1.0/1.1) verified with the leaf certificate key' }
        : { ok: false, reason: 'RSA MD5+SHA-1 signature (TLS 1.0/1.1) does not match the signed data' };
    }
    if (key.asymmetricKeyType === 'ec') {
      const ok = verify('sha1', data, { key, dsaEncoding: 'der' }, signature);
      return ok
        ? { ok: true, reason: 'ECDSA SHA-1 signature (TLS 1.0/1.1) verified with the leaf certificate key' }
        : { ok: false, reason: 'ECDSA SHA-1 signature (TLS 1.0/1.1) does not verify with the leaf certificate key' };
    }
  } catch (e) {
    return { ok: false, reason: `signature could not be checked (${e instanceof Error ? e.message : String(e)})` };
  }
  return { ok: false, reason: `a ${key.asymmetricKeyType ?? 'unknown'} leaf key cannot make a TLS 1.0/1.1 signature` };
}
