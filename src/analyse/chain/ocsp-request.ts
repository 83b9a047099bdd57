// Building an OCSPRequest (RFC 6960 §4.1) for one certificate: a CertID of SHA-1 hashes of the
// issuer's Name and key with the serial, and a nonce extension (RFC 8954) so a replayed response
// is caught. Hand-written because it is a handful of fixed TLVs; the tests have `openssl ocsp
// -reqin` read it back.

import { createHash } from 'node:crypto';
import type { ParsedCertificate } from '../certificates/types.js';

const SHA1_OID = '1.3.14.3.2.26';
export const OCSP_NONCE_OID = '1.3.6.1.5.5.7.48.1.2';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function oidDer(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const septets: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) septets.unshift((v & 0x7f) | 0x80);
    out.push(...septets);
  }
  return tlv(0x06, Buffer.from(out));
}

/** The serial's INTEGER contents from its shown hex (a leading 00 where the top bit is set). */
function serialDer(hex: string): Buffer {
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** The nonce extension's extnValue contents: an OCTET STRING holding the nonce. */
export function nonceExtnValue(nonce: Buffer): Buffer {
  return tlv(0x04, nonce);
}

export function buildOcspRequest(cert: ParsedCertificate, issuer: ParsedCertificate, nonce: Buffer): Buffer {
  const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
  const certId = tlv(
    0x30,
    tlv(0x30, oidDer(SHA1_OID), Buffer.from([0x05, 0x00])),
    tlv(0x04, sha1(issuer.subjectDer)),
    tlv(0x04, sha1(issuer.subjectPublicKeyBits)),
    serialDer(cert.info.serial),
  );
  const nonceExt = tlv(0x30, oidDer(OCSP_NONCE_OID), tlv(0x04, nonceExtnValue(nonce)));
  const tbs = tlv(0x30, tlv(0x30, tlv(0x30, certId)), tlv(0xa2, tlv(0x30, nonceExt)));
  return tlv(0x30, tbs);
}
