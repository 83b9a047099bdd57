// A short description of a served leaf certificate for the scan report: key type and size,
// signature algorithm, validity, names. Node's X509Certificate reads the key (RSA, EC, Ed25519
// alike); the signature algorithm OID is not exposed by Node 20, so it is read with the
// certificates module's DER helpers (node-forge's asn1 walker, never forge's pki, which cannot read
// EC keys). Full chain analysis is the certificates command's job.

import { X509Certificate } from 'node:crypto';
import { children, oid, parseDer } from '../analyse/certificates/der.js';
import { signatureAlgorithms } from '../analyse/certificates/oids.js';
import type { CertificateSeen } from './types.js';

const CURVE_NAMES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Certificate.signatureAlgorithm (RFC 5280 §4.1.1.2) as a name, or the OID when unknown; the DER
 * walk and the OID table are the certificates module's, so both commands name algorithms alike. */
export function signatureAlgorithmOf(der: Buffer): string | undefined {
  try {
    const [, algorithm] = children(parseDer(der), 'Certificate');
    const id = oid(children(algorithm, 'signatureAlgorithm')[0], 'signatureAlgorithm');
    return signatureAlgorithms[id]?.name ?? id;
  } catch {
    return undefined;
  }
}

export function summariseCertificate(chain: readonly Buffer[]): Omit<CertificateSeen, 'servedFor'> | undefined {
  if (chain.length === 0) return undefined;
  let x: X509Certificate;
  try {
    x = new X509Certificate(chain[0]);
  } catch {
    return undefined;
  }
  const pk = x.publicKey;
  const details = pk.asymmetricKeyDetails ?? {};
  const type = pk.asymmetricKeyType ?? 'unknown';
  let key: string;
  let keyBits: number | undefined;
  let keyType: string;
  if (type === 'rsa' || type === 'rsa-pss') {
    keyType = type === 'rsa' ? 'RSA' : 'RSA-PSS';
    keyBits = details.modulusLength;
    key = `${keyType} ${keyBits ?? '?'}`;
  } else if (type === 'ec') {
    keyType = 'EC';
    const curve = details.namedCurve ?? '?';
    keyBits = curve === 'prime256v1' ? 256 : curve === 'secp384r1' ? 384 : curve === 'secp521r1' ? 521 : undefined;
    key = `EC ${CURVE_NAMES[curve] ?? curve}`;
  } else if (type === 'dsa') {
    keyType = 'DSA';
    keyBits = details.modulusLength;
    key = `DSA ${keyBits ?? '?'}`;
  } else {
    keyType = type === 'ed25519' ? 'Ed25519' : type === 'ed448' ? 'Ed448' : type;
    key = keyType;
  }
  return {
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    key,
    keyType,
    keyBits,
    signatureAlgorithm: signatureAlgorithmOf(chain[0]),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    subjectAltName: x.subjectAltName,
    chainLength: chain.length,
  };
}
