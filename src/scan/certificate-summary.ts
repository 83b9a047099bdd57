// A short description of a served leaf certificate for the scan report: the certificate summary
// every JSON output shares (names, serial, validity, key, fingerprint, SANs) plus the signature
// algorithm. Key and signature come from the certificates module's parser (parseCertificate:
// Node's X509Certificate for the key, its DER walk for the rest), so the scan and the chain table
// name them alike ("EC P-256", "sha256WithRSAEncryption"). Full chain analysis is the check's job.

import { X509Certificate } from 'node:crypto';
import { displayNames, parseCertificate } from '../analyse/certificates/parse.js';
import type { CertificateInfo, PublicKeyInfo } from '../analyse/certificates/types.js';
import type { CertificateSeen } from './types.js';

/** Node's asymmetricKeyType as labels write it; other types are shown as Node names them. */
const KEY_LABELS: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  dsa: 'DSA',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
};

/** Node's subjectAltName prefixes (`DNS:a, IP Address:1.2.3.4`) by the parser's list names. */
const NODE_SAN_PREFIXES: ReadonlyArray<[string, keyof CertificateInfo['san']]> = [
  ['DNS:', 'dns'],
  ['IP Address:', 'ip'],
  ['email:', 'email'],
  ['URI:', 'uri'],
];

/** A certificate OpenSSL accepts but the DER walk does not: the key Node reports (so the
 * weak-key finding still sees it), Node's SAN string split by type, no signature algorithm. */
function fallbackSummary(x: X509Certificate): Pick<CertificateSeen, 'publicKey' | 'san' | 'serial'> {
  const type = x.publicKey.asymmetricKeyType ?? 'unknown';
  const bits = x.publicKey.asymmetricKeyDetails?.modulusLength;
  const label = KEY_LABELS[type] ?? type;
  const publicKey: PublicKeyInfo = { type, ...(bits === undefined ? {} : { bits }), label: bits === undefined ? label : `${label} ${bits}` };
  const san: CertificateInfo['san'] = { dns: [], ip: [], email: [], uri: [] };
  // Node quotes an entry holding a comma, so a plain split can only cut such an entry; those
  // pieces lack a known prefix and are left out rather than misfiled.
  for (const entry of (x.subjectAltName ?? '').split(', ')) {
    const hit = NODE_SAN_PREFIXES.find(([prefix]) => entry.startsWith(prefix));
    if (hit) san[hit[1]].push(entry.slice(hit[0].length));
  }
  return { publicKey, san, serial: x.serialNumber.toLowerCase() };
}

export function summariseCertificate(chain: readonly Buffer[]): Omit<CertificateSeen, 'servedFor'> | undefined {
  if (chain.length === 0) return undefined;
  let x: X509Certificate;
  let read: Pick<CertificateSeen, 'publicKey' | 'san' | 'serial' | 'signatureAlgorithm'>;
  try {
    const parsed = parseCertificate(chain[0]);
    x = parsed.x509;
    const { publicKey, san, serial, signatureAlgorithm } = parsed.info;
    read = { publicKey, san, serial, signatureAlgorithm };
  } catch {
    try {
      x = new X509Certificate(chain[0]);
    } catch {
      return undefined;
    }
    read = fallbackSummary(x);
  }
  return {
    fingerprint256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    // Not Node's subject: OpenSSL escapes it (`O=VeriSign\\, Inc.`) and the report escapes again.
    ...displayNames(chain[0], x),
    ...read,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    chainLength: chain.length,
  };
}
