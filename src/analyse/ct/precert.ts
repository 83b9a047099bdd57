// The precertificate TBSCertificate an embedded SCT was signed over (RFC 6962 §3.2): the final
// certificate's TBSCertificate with the SCT list extension taken out, lengths re-encoded. This
// works on the DER bytes directly (a tag-length-value walk with every length bounds-checked)
// rather than parsing and re-serialising the whole certificate, so every other byte stays exactly
// as the CA signed it.
//
// Precertificate signing certificates (RFC 6962 §3.1) need nothing extra here: the CA rewrites
// the precertificate's issuer and authority key identifier to the final issuer's before logging,
// so the final certificate's own TBS (minus the SCT list) is what the log signed, and the
// issuer_key_hash is over the final issuer's key.

import { DerError } from '../certificates/der.js';

/** One DER element inside `buf`: where its header starts, where its contents start and end. */
interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function readTlv(buf: Uint8Array, at: number, limit: number, what: string): Tlv {
  if (at + 2 > limit) throw new DerError(`${what}: truncated header`);
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tags are not used in certificates`);
  let len = buf[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError(`${what}: unsupported length form`);
    if (p + n > limit) throw new DerError(`${what}: truncated length`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > limit) throw new DerError(`${what}: length ${len} runs past its container`);
  return { tag, start: at, contentStart: p, end: p + len };
}

function childrenOf(buf: Uint8Array, parent: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const c = readTlv(buf, at, parent.end, what);
    out.push(c);
    at = c.end;
  }
  return out;
}

/** A DER length in its shortest form (DER requires it). */
function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function wrap(tag: number, contents: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

const OID_TAG = 0x06;
const EXTENSIONS_TAG = 0xa3; // [3] EXPLICIT Extensions in TBSCertificate

/** The DER of an OID's dotted string (enough for the fixed OIDs compared here). */
function oidDer(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const enc: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    out.push(...enc);
  }
  return Buffer.from(out);
}

export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

interface TbsParts {
  cert: Buffer;
  tbs: Tlv;
  /** The [3] wrapper, the Extensions SEQUENCE inside it, and each Extension. */
  extWrapper?: Tlv;
  extensions: Tlv[];
}

function tbsParts(certDer: Uint8Array): TbsParts {
  const cert = Buffer.from(certDer);
  const top = readTlv(cert, 0, cert.length, 'Certificate');
  if (top.end !== cert.length) throw new DerError('Certificate: trailing bytes');
  const tbs = childrenOf(cert, top, 'Certificate')[0];
  if (!tbs || tbs.tag !== 0x30) throw new DerError('TBSCertificate: not a SEQUENCE');
  const extWrapper = childrenOf(cert, tbs, 'TBSCertificate').find((c) => c.tag === EXTENSIONS_TAG);
  if (!extWrapper) return { cert, tbs, extensions: [] };
  const seq = childrenOf(cert, extWrapper, 'extensions')[0];
  if (!seq || seq.tag !== 0x30) throw new DerError('Extensions: not a SEQUENCE');
  return { cert, tbs, extWrapper, extensions: childrenOf(cert, seq, 'Extensions') };
}

/** Whether `ext` (an Extension SEQUENCE) has the OID `der`. */
function hasOid(cert: Buffer, ext: Tlv, der: Buffer): boolean {
  const id = childrenOf(cert, ext, 'Extension')[0];
  return id !== undefined && id.tag === OID_TAG && cert.subarray(id.contentStart, id.end).equals(der);
}

/** The extnValue contents (the OCTET STRING's bytes) of the extension `oid`, if present. */
export function extensionValue(certDer: Uint8Array, oid: string): Buffer | undefined {
  const p = tbsParts(certDer);
  const der = oidDer(oid);
  const ext = p.extensions.find((e) => hasOid(p.cert, e, der));
  if (!ext) return undefined;
  const parts = childrenOf(p.cert, ext, 'Extension');
  const value = parts[parts.length - 1];
  if (value.tag !== 0x04) throw new DerError('extnValue: not an OCTET STRING');
  return p.cert.subarray(value.contentStart, value.end);
}

/**
 * The TBSCertificate with the SCT list extension removed. When it was the only extension the
 * [3] field goes too (an empty Extensions SEQUENCE is not valid DER), as CT logs do.
 */
export function precertTbs(certDer: Uint8Array): Buffer {
  const p = tbsParts(certDer);
  const { cert, tbs, extWrapper } = p;
  const der = oidDer(SCT_LIST_OID);
  const kept = p.extensions.filter((e) => !hasOid(cert, e, der));
  if (!extWrapper || kept.length === p.extensions.length) return cert.subarray(tbs.start, tbs.end);
  const fields = childrenOf(cert, tbs, 'TBSCertificate').map((c) => {
    if (c !== undefined && c.start !== extWrapper.start) return cert.subarray(c.start, c.end);
    if (kept.length === 0) return Buffer.alloc(0);
    return wrap(EXTENSIONS_TAG, wrap(0x30, Buffer.concat(kept.map((e) => cert.subarray(e.start, e.end)))));
  });
  return wrap(0x30, Buffer.concat(fields));
}

/** The SubjectPublicKeyInfo DER of a certificate, exactly as encoded in it (issuer_key_hash is over these bytes). */
export function spkiDer(certDer: Uint8Array): Buffer {
  const { cert, tbs } = tbsParts(certDer);
  const fields = childrenOf(cert, tbs, 'TBSCertificate');
  // version [0] is optional: SPKI is the sixth field after it (serial, signature, issuer, validity, subject).
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  if (!spki || spki.tag !== 0x30) throw new DerError('subjectPublicKeyInfo: not found');
  return cert.subarray(spki.start, spki.end);
}

/**
 * The contents of a DER OCTET STRING that must span `der`. RFC 6962 §3.3 puts the TLS-encoded SCT
 * list in an OCTET STRING inside the extension's extnValue (in the certificate and in OCSP).
 */
export function octetStringContents(der: Uint8Array, what: string): Buffer {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const t = readTlv(buf, 0, buf.length, what);
  if (t.tag !== 0x04) throw new DerError(`${what}: not an OCTET STRING`);
  if (t.end !== buf.length) throw new DerError(`${what}: trailing bytes after the OCTET STRING`);
  return buf.subarray(t.contentStart, t.end);
}
