// A short description of a served leaf certificate for the scan report: key type and size,
// signature algorithm, validity, names. The key and signature words come from the certificates
// module's parser (parseCertificate: Node's X509Certificate for the key, its DER walk for the
// signature algorithm), so the scan and the chain table name them alike ("EC P-256",
// "sha256WithRSAEncryption"). Full chain analysis is the certificates command's job.

import { X509Certificate } from 'node:crypto';
import { displayNames, parseCertificate } from '../analyse/certificates/parse.js';
import type { ParsedCertificate } from '../analyse/certificates/types.js';
import type { CertificateSeen } from './types.js';

/** Node's asymmetricKeyType as the report writes it; other types are shown as Node names them. */
const KEY_TYPES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  dsa: 'DSA',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
};

interface KeyWords {
  key: string;
  keyType: string;
  keyBits?: number;
  signatureAlgorithm?: string;
}

/** Key and signature words from the certificates module's parse. */
function wordsOf(parsed: ParsedCertificate): KeyWords {
  const pk = parsed.info.publicKey;
  // EC sizes follow from the NIST curve name (P-256 → 256); other curves have no size here.
  const nist = pk.curve === undefined ? null : /^P-(\d+)$/.exec(pk.curve);
  return {
    key: pk.label,
    keyType: KEY_TYPES[pk.type] ?? pk.type,
    keyBits: pk.bits ?? (nist ? Number(nist[1]) : undefined),
    signatureAlgorithm: parsed.info.signatureAlgorithm.name,
  };
}

/** A certificate OpenSSL accepts but the DER walk does not: the key type and size Node reports
 * (so the weak-key finding still sees them), no signature algorithm. */
function fallbackWordsOf(x: X509Certificate): KeyWords {
  const type = x.publicKey.asymmetricKeyType ?? 'unknown';
  const keyType = KEY_TYPES[type] ?? type;
  const keyBits = x.publicKey.asymmetricKeyDetails?.modulusLength;
  return { key: keyBits === undefined ? keyType : `${keyType} ${keyBits}`, keyType, keyBits };
}

export function summariseCertificate(chain: readonly Buffer[]): Omit<CertificateSeen, 'servedFor'> | undefined {
  if (chain.length === 0) return undefined;
  let x: X509Certificate;
  let words: KeyWords;
  try {
    const parsed = parseCertificate(chain[0]);
    x = parsed.x509;
    words = wordsOf(parsed);
  } catch {
    try {
      x = new X509Certificate(chain[0]);
    } catch {
      return undefined;
    }
    words = fallbackWordsOf(x);
  }
  return {
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    // Not Node's subject: OpenSSL escapes it (`O=VeriSign\\, Inc.`) and the report escapes again.
    ...displayNames(chain[0], x),
    key: words.key,
    keyType: words.keyType,
    keyBits: words.keyBits,
    signatureAlgorithm: words.signatureAlgorithm,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    subjectAltName: x.subjectAltName,
    chainLength: chain.length,
  };
}
