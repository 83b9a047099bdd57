// Certificates built byte by byte (node-forge asn1 + Node's crypto.sign), for names openssl's
// config syntax cannot write: IA5String SANs with bytes >= 0x80, a CN in any string type, IP SANs
// of odd lengths. Keys are EC P-256 so a table of them builds in milliseconds.

import { type KeyObject, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type forge from 'node-forge';
import asn1Module from 'node-forge/lib/asn1.js';

const asn1 = asn1Module as typeof forge.asn1;
type Asn1 = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
const CTX = asn1.Class.CONTEXT_SPECIFIC;

/** ASN.1 universal string tags a CN may use. */
export const StringTag = { utf8: 12, printable: 19, ia5: 22, bmp: 30 } as const;

export interface CraftOptions {
  /** Subject CN: raw content bytes and the string type they are tagged with. */
  cn?: { tag: number; bytes: Buffer };
  /** dNSName SAN entries, raw IA5String content bytes. */
  dns?: Buffer[];
  /** iPAddress SAN entries, raw octets. */
  ip?: Buffer[];
  /** Signs the certificate; absent: self-signed. */
  issuer?: CraftedCert;
  ca?: boolean;
}

export interface CraftedCert {
  pem: string;
  der: Buffer;
  key: KeyObject;
  /** The subject Name, so certificates it issues can name it as their issuer. */
  subject: Asn1;
}

const bin = (b: Buffer): string => b.toString('binary');
const seq = (items: Asn1[]): Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const oid = (dotted: string): Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(dotted).getBytes());
const derOf = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');

function name(cn: CraftOptions['cn']): Asn1 {
  const rdns = [asn1.create(U, T.SET, true, [seq([oid('2.5.4.10'), asn1.create(U, T.UTF8, false, 'tls-trace crafted')])])];
  if (cn) rdns.push(asn1.create(U, T.SET, true, [seq([oid('2.5.4.3'), asn1.create(U, cn.tag, false, bin(cn.bytes))])]));
  return seq(rdns);
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(U, T.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(U, T.OCTETSTRING, false, bin(derOf(value))));
  return seq(parts);
}

function extensions(o: CraftOptions): Asn1[] {
  const out: Asn1[] = [];
  const general = [
    ...(o.dns ?? []).map((b) => asn1.create(CTX, 2, false, bin(b))),
    ...(o.ip ?? []).map((b) => asn1.create(CTX, 7, false, bin(b))),
  ];
  if (general.length) out.push(extension('2.5.29.17', false, seq(general)));
  if (o.ca) {
    out.push(extension('2.5.29.19', true, seq([asn1.create(U, T.BOOLEAN, false, '\xff')])));
    out.push(extension('2.5.29.15', true, asn1.create(U, T.BITSTRING, false, '\x01\x06'))); // keyCertSign, cRLSign
  }
  return out;
}

/** One certificate valid from yesterday for 30 days, ECDSA P-256 with SHA-256. */
export function craftCertificate(o: CraftOptions = {}): CraftedCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sigAlg = seq([oid('1.2.840.10045.4.3.2')]);
  const subject = name(o.cn);
  const day = 86_400_000;
  const exts = extensions(o);
  const tbs = seq([
    asn1.create(CTX, 0, true, [asn1.create(U, T.INTEGER, false, '\x02')]),
    asn1.create(U, T.INTEGER, false, bin(Buffer.concat([Buffer.from([0x01]), randomBytes(8)]))),
    sigAlg,
    o.issuer ? o.issuer.subject : subject,
    seq([asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(new Date(Date.now() - day))), asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(new Date(Date.now() + 30 * day)))]),
    subject,
    asn1.fromDer(bin(publicKey.export({ type: 'spki', format: 'der' }))),
    ...(exts.length ? [asn1.create(CTX, 3, true, [seq(exts)])] : []),
  ]);
  const signature = sign('sha256', derOf(tbs), o.issuer?.key ?? privateKey);
  const der = derOf(seq([tbs, sigAlg, asn1.create(U, T.BITSTRING, false, `\x00${bin(signature)}`)]));
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return { pem, der, key: privateKey, subject };
}

/** IA5String content bytes of a name written with `\xNN` escapes meaning single bytes. */
export const ia5 = (latin1: string): Buffer => Buffer.from(latin1, 'latin1');
