// parseCertificate: DER in, CertificateInfo out. Node's X509Certificate supplies the key, the
// fingerprint and signature checks; the DER walk supplies what Node does not expose (signature
// algorithm, key usage bits, EKU OIDs, basic constraints, AIA, key identifiers, SCT count, exact
// validity). A malformed extension becomes a `parseIssues` entry, never a lost certificate.

import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import {
  type Asn1,
  DerError,
  Tag,
  bitStringBytes,
  binaryToBuffer,
  children,
  expectUniversal,
  hexOf,
  integerHex,
  isContext,
  isUniversal,
  oid,
  parseDer,
  primitive,
  smallInteger,
  time,
  toDer,
} from './der.js';
import { AccessMethod, ExtOid, curveNames, ekuNames, hashAlgorithms, keyUsageBits, signatureAlgorithms, type KeyUsageName } from './oids.js';
import type { CertificateInfo, ParsedCertificate, PublicKeyInfo } from './types.js';
import { x509Of } from '../../decrypt/x509-cache.js';
import { formatIp } from './ip-text.js';

const attributeNames: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/**
 * Text of an ASCII-only string type (IA5String, PrintableString, VisibleString). A byte >= 0x80
 * has no meaning there, so it becomes U+FFFD rather than the latin1 character it would spell
 * (0xAA as `ª`, which UTS #46 then maps to `a`): the name stays visibly broken and never matches.
 */
export function asciiText(raw: string): { text: string; ascii: boolean } {
  const ascii = !/[\u0080-\uffff]/.test(raw);
  return { text: ascii ? raw : raw.replace(/[\u0080-\uffff]/g, '\ufffd'), ascii };
}

const ASCII_STRING_TYPES: ReadonlySet<number> = new Set([19, 22, 26]); // Printable, IA5, Visible

/** Text of a directory string as written (UTF8, BMP, the ASCII types; Teletex as latin1). */
export function stringValue(node: Asn1): string {
  const raw = typeof node.value === 'string' ? node.value : '';
  if (node.type === 12) return binaryToBuffer(raw).toString('utf8'); // UTF8String
  if (node.type === 30) return binaryToBuffer(raw).swap16().toString('utf16le'); // BMPString (UCS-2 BE)
  if (ASCII_STRING_TYPES.has(node.type)) return asciiText(raw).text;
  return raw; // TeletexString: read as latin1, as OpenSSL prints it
}

/**
 * One attribute value for display: as it is (`O=VeriSign, Inc.`), since the report escapes control
 * characters once at output and a backslash escape here would be doubled there. Only a value that
 * could be misread as more attributes (`, CN=` or `+CN=` inside it), that starts or ends with a
 * space, or holds a double quote is shown in double quotes, inner quotes doubled:
 * `O="Evil, CN=bank.example"`.
 */
export function displayRdnValue(v: string): string {
  return /[,+]\s*[\w.-]+=|^\s|\s$|"/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Name as `O=…, CN=…` in the order written, and its CN values (unescaped). */
export function nameToString(name: Asn1): { text: string; cn: string[] } {
  const parts: string[] = [];
  const cn: string[] = [];
  for (const rdn of children(name, 'Name')) {
    const atvs = children(rdn, 'RDN').map((atv) => {
      const [typeNode, valueNode] = children(atv, 'AttributeTypeAndValue');
      const type = oid(typeNode, 'attribute type');
      const value = valueNode ? stringValue(valueNode) : '';
      if (type === '2.5.4.3') cn.push(value);
      return `${attributeNames[type] ?? type}=${displayRdnValue(value)}`;
    });
    parts.push(atvs.join('+'));
  }
  return { text: parts.join(', '), cn };
}

/**
 * Subject and issuer of a DER certificate for display (same form as CertificateInfo), without the
 * rest of parseCertificate. Node's X509Certificate.subject is not used for display: it applies
 * OpenSSL's own escaping (`O=VeriSign\\, Inc.`, `\\1B`), which the report's escape would double.
 */
export function certificateNames(der: Uint8Array | string): { subject: string; issuer: string; subjectCN: string[]; issuerCN: string[] } {
  const t = tbsParts(typeof der === 'string' ? Buffer.from(der, 'hex') : Buffer.from(der));
  const subject = nameToString(t.subject);
  const issuer = nameToString(t.issuer);
  return { subject: subject.text, issuer: issuer.text, subjectCN: subject.cn, issuerCN: issuer.cn };
}

// formatIp lives in its own module (name-constraint text uses it too); importers keep this path.
export { formatIp } from './ip-text.js';

const GENERAL_NAME_KINDS: Readonly<Record<number, 'email' | 'dns' | 'uri'>> = { 1: 'email', 2: 'dns', 6: 'uri' };
const GENERAL_NAME_LABELS = { email: 'rfc822Name', dns: 'dNSName', uri: 'uniformResourceIdentifier' } as const;

function parseSan(value: Asn1, info: CertificateInfo): void {
  for (const gn of children(value, 'GeneralNames')) {
    if (gn.tagClass !== 0x80) continue;
    const raw = typeof gn.value === 'string' ? gn.value : '';
    const kind = GENERAL_NAME_KINDS[gn.type];
    if (kind) {
      // IA5String: kept as read, except that non-ASCII bytes are a malformed name (a finding).
      const { text, ascii } = asciiText(raw);
      info.san[kind].push(text);
      if (!ascii) info.parseIssues.push(`subjectAltName ${GENERAL_NAME_LABELS[kind]} "${text}" is not ASCII (bytes ${hexOf(raw)})${kind === 'dns' ? '; it never matches a host name' : ''}`);
    } else if (gn.type === 7) {
      const bytes = binaryToBuffer(raw);
      info.san.ip.push(formatIp(bytes));
      if (bytes.length !== 4 && bytes.length !== 16) info.parseIssues.push(`subjectAltName iPAddress of ${bytes.length} bytes (4 or 16 expected); it never matches an address`);
    } // directoryName, otherName…: not used for TLS server identity
  }
}

function parseKeyUsage(value: Asn1): KeyUsageName[] {
  const bits = bitStringBytes(value, 'KeyUsage');
  const out: KeyUsageName[] = [];
  keyUsageBits.forEach((name, i) => {
    const byte = bits[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) out.push(name);
  });
  return out;
}

function parseBasicConstraints(value: Asn1): { ca: boolean; pathLen?: number } {
  const items = children(expectUniversal(value, Tag.SEQUENCE, 'BasicConstraints'), 'BasicConstraints');
  let i = 0;
  let ca = false;
  if (isUniversal(items[i], Tag.BOOLEAN)) {
    ca = primitive(items[i], 'cA') !== '\x00';
    i++;
  }
  const out: { ca: boolean; pathLen?: number } = { ca };
  if (isUniversal(items[i], Tag.INTEGER)) out.pathLen = smallInteger(items[i], 'pathLenConstraint');
  return out;
}

function parseAia(value: Asn1, info: CertificateInfo): void {
  for (const ad of children(value, 'AuthorityInfoAccess')) {
    const [method, location] = children(ad, 'AccessDescription');
    const m = oid(method, 'accessMethod');
    if (!isContext(location, 6)) continue; // only URIs are fetchable
    const uri = primitive(location, 'accessLocation');
    if (m === AccessMethod.ocsp) info.aia.ocsp.push(uri);
    else if (m === AccessMethod.caIssuers) info.aia.caIssuers.push(uri);
  }
}

/** CRLDistributionPoints: the URIs of each point's fullName (the only fetchable form). */
function parseCrlDp(value: Asn1): string[] {
  const uris: string[] = [];
  for (const point of children(value, 'CRLDistributionPoints')) {
    const dpName = children(point, 'DistributionPoint').find((n) => isContext(n, 0));
    const fullName = dpName ? children(dpName, 'distributionPoint').find((n) => isContext(n, 0)) : undefined;
    for (const gn of fullName ? children(fullName, 'fullName') : []) if (isContext(gn, 6)) uris.push(primitive(gn, 'URI'));
  }
  return uris;
}

/** TLS Feature: true when it lists status_request (5), i.e. OCSP Must-Staple. */
function parseMustStaple(value: Asn1): boolean {
  return children(value, 'Features').some((n) => smallInteger(n, 'TLSFeature') === 5);
}

function parseAki(value: Asn1): string | undefined {
  const keyId = children(value, 'AuthorityKeyIdentifier').find((n) => isContext(n, 0));
  return keyId ? hexOf(primitive(keyId, 'keyIdentifier')) : undefined;
}

/** SignedCertificateTimestampList (RFC 6962 §3.3) inside an OCTET STRING: count the entries. */
function countScts(value: Asn1): number {
  const list = binaryToBuffer(primitive(expectUniversal(value, Tag.OCTETSTRING, 'SCT list'), 'SCT list'));
  if (list.length < 2) throw new DerError('SCT list: too short');
  const total = list.readUInt16BE(0);
  if (total !== list.length - 2) throw new DerError('SCT list: length does not match');
  let count = 0;
  for (let at = 2; at < list.length; ) {
    if (at + 2 > list.length) throw new DerError('SCT list: truncated entry');
    at += 2 + list.readUInt16BE(at);
    if (at > list.length) throw new DerError('SCT list: entry overruns the list');
    count++;
  }
  return count;
}

function applyExtension(extnId: string, valueDer: Buffer, info: CertificateInfo): void {
  const value = parseDer(valueDer);
  switch (extnId) {
    case ExtOid.subjectAltName: parseSan(value, info); break;
    case ExtOid.keyUsage: info.keyUsage = parseKeyUsage(value); break;
    case ExtOid.extendedKeyUsage:
      info.extendedKeyUsage = children(value, 'ExtKeyUsage').map((n) => {
        const o = oid(n, 'KeyPurposeId');
        return ekuNames[o] ?? o;
      });
      break;
    case ExtOid.basicConstraints: info.basicConstraints = parseBasicConstraints(value); break;
    case ExtOid.authorityInfoAccess: parseAia(value, info); break;
    case ExtOid.subjectKeyIdentifier: info.subjectKeyId = hexOf(primitive(expectUniversal(value, Tag.OCTETSTRING, 'SKI'), 'SKI')); break;
    case ExtOid.authorityKeyIdentifier: info.authorityKeyId = parseAki(value); break;
    case ExtOid.sctList: info.sctCount = countScts(value); break;
    case ExtOid.crlDistributionPoints: info.crlDistributionPoints = parseCrlDp(value); break;
    case ExtOid.tlsFeature: info.mustStaple = parseMustStaple(value); break;
    default: break;
  }
}

/**
 * The one describer of a certificate's public key (`RSA 2048`, `EC P-256`, `Ed25519`): the chain
 * table, the trace's Certificate step and the scan all name keys through it.
 */
export function describeKey(key: KeyObject): PublicKeyInfo {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
    case 'dsa': {
      const bits = details.modulusLength;
      return { type, bits, label: `${type === 'dsa' ? 'DSA' : type === 'rsa' ? 'RSA' : 'RSA-PSS'} ${bits ?? '?'}` };
    }
    case 'ec': {
      const curve = details.namedCurve ? (curveNames[details.namedCurve] ?? details.namedCurve) : undefined;
      return { type, curve, label: `EC ${curve ?? '?'}` };
    }
    case 'ed25519': return { type, label: 'Ed25519' };
    case 'ed448': return { type, label: 'Ed448' };
    default: return { type, label: type };
  }
}

function signatureAlgorithm(algId: Asn1): { oid: string; name: string; hash?: string } {
  const [algOid, params] = children(algId, 'AlgorithmIdentifier');
  const o = oid(algOid, 'signature algorithm');
  const known = signatureAlgorithms[o];
  if (!known) return { oid: o, name: o };
  let hash: string | undefined = known.hash;
  if (known.key === 'rsa-pss') {
    // RSASSA-PSS-params [0] hashAlgorithm; absent means SHA-1 (RFC 4055).
    hash = 'sha1';
    const h = params && Array.isArray(params.value) ? params.value.find((n) => isContext(n, 0)) : undefined;
    if (h) {
      const inner = children(h, 'hashAlgorithm')[0];
      const hashOid = inner ? oid(children(inner, 'AlgorithmIdentifier')[0], 'hash') : '';
      hash = hashAlgorithms[hashOid] ?? hashOid;
    }
  }
  return hash ? { oid: o, name: known.name, hash } : { oid: o, name: known.name };
}

/**
 * Subject and issuer for display: ours (certificateNames) when the DER walk reads the names, else
 * Node's lines joined with ", " (a certificate OpenSSL accepts but the walk does not; Node's
 * escapes then remain, which beats no name).
 */
export function displayNames(der: Uint8Array, x509: X509Certificate): { subject: string; issuer: string } {
  try {
    const { subject, issuer } = certificateNames(der);
    return { subject, issuer };
  } catch {
    const oneLine = (dn: string): string => dn.split('\n').filter(Boolean).join(', ');
    return { subject: oneLine(x509.subject), issuer: oneLine(x509.issuer) };
  }
}

interface TbsParts {
  version: number;
  serial: string;
  issuer: Asn1;
  validity: Asn1[];
  subject: Asn1;
  spki: Asn1[];
  extensionsNode?: Asn1;
  sigAlg: Asn1;
}

/** The TBSCertificate's parts. Throws DerError if the outer structure is not a certificate. */
function tbsParts(bytes: Buffer): TbsParts {
  const root = parseDer(bytes);
  const [tbs, sigAlg] = children(expectUniversal(root, Tag.SEQUENCE, 'Certificate'), 'Certificate');
  if (!tbs || !sigAlg) throw new DerError('Certificate: missing parts');
  const t = children(tbs, 'TBSCertificate');
  let i = 0;
  let version = 1;
  if (isContext(t[0], 0)) {
    version = smallInteger(children(t[0], 'version')[0], 'version') + 1;
    i++;
  }
  const serial = integerHex(t[i++], 'serialNumber');
  i++; // inner signature AlgorithmIdentifier (must equal the outer one; Node's verify covers it)
  const issuer = expectUniversal(t[i++], Tag.SEQUENCE, 'issuer');
  const validity = children(expectUniversal(t[i++], Tag.SEQUENCE, 'validity'), 'validity');
  const subject = expectUniversal(t[i++], Tag.SEQUENCE, 'subject');
  const spki = children(expectUniversal(t[i++], Tag.SEQUENCE, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo');
  const extensionsNode = t.slice(i).find((n) => isContext(n, 3));
  return { version, serial, issuer, validity, subject, spki, sigAlg, ...(extensionsNode ? { extensionsNode } : {}) };
}

/** Parses one DER certificate. Throws DerError if the outer structure is not a certificate. */
export function parseCertificate(der: Uint8Array | string): ParsedCertificate {
  const bytes = typeof der === 'string' ? Buffer.from(der, 'hex') : Buffer.from(der);
  const { version, serial, issuer: issuerNode, validity, subject: subjectNode, spki, extensionsNode, sigAlg } = tbsParts(bytes);

  let x509: X509Certificate;
  try {
    x509 = x509Of(bytes);
  } catch (e) {
    throw new DerError(`certificate not accepted by OpenSSL: ${e instanceof Error ? e.message : String(e)}`);
  }
  const issuerDer = toDer(issuerNode);
  const subjectDer = toDer(subjectNode);
  const subject = nameToString(subjectNode);
  const issuer = nameToString(issuerNode);
  const info: CertificateInfo = {
    version,
    subject: subject.text,
    issuer: issuer.text,
    subjectCN: subject.cn,
    issuerCN: issuer.cn,
    serial,
    notBefore: time(validity[0], 'notBefore').toISOString(),
    notAfter: time(validity[1], 'notAfter').toISOString(),
    san: { dns: [], ip: [], email: [], uri: [] },
    publicKey: describeKey(x509.publicKey),
    signatureAlgorithm: signatureAlgorithm(sigAlg),
    aia: { ocsp: [], caIssuers: [] },
    fingerprint256: createHash('sha256').update(bytes).digest('hex'),
    selfIssued: issuerDer.equals(subjectDer),
    selfSigned: false,
    parseIssues: [],
  };
  const rawExtensions: ParsedCertificate['rawExtensions'] = {};
  if (extensionsNode) {
    for (const ext of children(children(extensionsNode, 'extensions')[0] ?? extensionsNode, 'Extensions')) {
      let extnId = '?';
      try {
        const parts = children(ext, 'Extension');
        extnId = oid(parts[0], 'extnID');
        const valueNode = parts[parts.length - 1];
        const value = binaryToBuffer(primitive(expectUniversal(valueNode, Tag.OCTETSTRING, 'extnValue'), 'extnValue'));
        if (extnId === ExtOid.subjectAltName) rawExtensions.subjectAltName = value;
        // Kept before it is parsed: a name-constraints extension that does not parse must still fail the chain.
        if (extnId === ExtOid.nameConstraints) rawExtensions.nameConstraints = { critical: isUniversal(parts[1], Tag.BOOLEAN) && primitive(parts[1], 'critical') !== '\x00', der: value };
        applyExtension(extnId, value, info);
      } catch (e) {
        info.parseIssues.push(`extension ${extnId}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (info.selfIssued) {
    try {
      info.selfSigned = x509.verify(x509.publicKey);
    } catch {
      info.selfSigned = false;
    }
  }
  const subjectPublicKeyBits = bitStringBytes(spki[1], 'subjectPublicKey');
  return { info, der: bytes, issuerDer, subjectDer, subjectPublicKeyBits, x509, rawExtensions };
}

/** Splits PEM text into DER buffers (CERTIFICATE blocks only). */
export function pemToDer(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  // Node's base64 decoder skips the line breaks and spaces itself (documented for Buffer.from), so
  // no copy without them is made: for Node's ~150 roots that copy was most of this function's time.
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1], 'base64'));
  return out;
}
