// SignedCertificateTimestampList (RFC 6962 §3.3): the one decoder for SCTs wherever they travel:
// the TLS signed_certificate_timestamp extension (ServerHello, TLS 1.3 CertificateEntry), the
// certificate's SCT list extension and the OCSP response's SCT extension (both an OCTET STRING
// holding this same TLS encoding). It reads through the bounds-checked ByteReader, so every SCT
// keeps its offset, and a broken SCT becomes an entry with an issue, never an exception.

import type { DecodeIssue, Field } from './types.js';
import { decodeWith, toHex, type ByteReader } from './reader.js';

/** One SCT as sent; byte strings are hex so the model serialises to JSON unchanged. */
export interface DecodedSct {
  /** Offset and length of the SerializedSCT body in its byte space (without its 2-byte length). */
  offset: number;
  length: number;
  /** 0 is v1, the only version RFC 6962 defines; other versions keep only `raw`. */
  version: number;
  /** SHA-256 of the log's SubjectPublicKeyInfo (32 bytes, hex). */
  logId?: string;
  /** Milliseconds since the epoch, as the log wrote it. */
  timestamp?: number;
  /** CtExtensions (hex; empty for almost every log). */
  extensions?: string;
  /** DigitallySigned: TLS HashAlgorithm (4 sha256) and SignatureAlgorithm (1 rsa, 3 ecdsa). */
  hashAlgorithm?: number;
  signatureAlgorithm?: number;
  signature?: string;
  /** The whole SerializedSCT (hex), for re-checking or showing unknown versions. */
  raw: string;
  /** Why this SCT could not be read completely. */
  issue?: DecodeIssue;
}

/** An SCT list and where reading it stopped, if it did. */
export interface DecodedSctList {
  scts: DecodedSct[];
  fields: Field[];
  issue?: DecodeIssue;
}

/** Milliseconds as ISO time; a value past what a Date holds (year 275760) is said, not thrown. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms (out of range)` : d.toISOString();
}

/** The body of one SerializedSCT (RFC 6962 §3.2 SignedCertificateTimestamp). */
function sctBody(s: ByteReader, into: DecodedSct): void {
  into.version = s.u8('version', 'Version', (v) => (v === 0 ? 'v1 (0)' : `unknown (${v})`));
  if (into.version !== 0) {
    // Only v1's layout is known; a later version is kept whole rather than misread.
    if (!s.done) s.rest('unknown', 'SCT body (unknown version)');
    return;
  }
  into.logId = toHex(s.bytesField(32, 'log_id', 'Log ID'));
  const ts = s.bytesField(8, 'timestamp', 'Timestamp', (b) => isoTime(Number(Buffer.from(b).readBigUInt64BE())));
  into.timestamp = Number(Buffer.from(ts).readBigUInt64BE());
  into.extensions = s.vector(2, 'extensions', 'CT extensions', {}, (e) => (e.done ? '' : toHex(e.rest('data', 'Extension data')))) ?? '';
  into.hashAlgorithm = s.u8('hash_algorithm', 'Hash algorithm', (v) => (v === 4 ? 'sha256 (4)' : `other (${v})`));
  into.signatureAlgorithm = s.u8('signature_algorithm', 'Signature algorithm', (v) => (v === 1 ? 'rsa (1)' : v === 3 ? 'ecdsa (3)' : `other (${v})`));
  into.signature = s.vector(2, 'signature', 'Signature', { min: 1 }, (v) => toHex(v.rest('value', 'Signature bytes'))) ?? '';
}

/** Reads `SignedCertificateTimestampList` (`SerializedSCT sct_list<1..2^16-1>`) at the cursor. */
export function readSctList(r: ByteReader): DecodedSct[] {
  const scts: DecodedSct[] = [];
  r.vector(2, 'sct_list', 'SCT list', { min: 1 }, (v) =>
    v.each(() => {
      const at = v.offset;
      const sct: DecodedSct = { offset: at + 2, length: 0, version: -1, raw: '' };
      v.vector(2, 'sct', 'Serialized SCT', { min: 1 }, (s) => sctBody(s, sct));
      const field = v.lastField!; // the vector's field, built even past the field budget
      sct.length = Math.max(0, field.offset + field.length - sct.offset);
      sct.raw = toHex(v.bytes.subarray(sct.offset, sct.offset + sct.length));
      if (field.issue) sct.issue = field.issue;
      scts.push(sct);
    }),
  );
  return scts;
}

/**
 * An SCT list held in its own bytes (a certificate or OCSP extension's OCTET STRING contents):
 * offsets are relative to `bytes`. Trailing bytes after the list are an issue too.
 */
export function decodeSctList(bytes: Uint8Array): DecodedSctList {
  const out = decodeWith(bytes, 0, bytes.length, (r) => {
    const scts = readSctList(r);
    if (!r.done) r.fail(`${r.remaining} bytes after the SCT list`, r.offset, r.remaining);
    return scts;
  });
  const listIssue = out.fields.find((f) => f.issue)?.issue;
  const issue = out.issue ?? listIssue;
  return { scts: out.value ?? [], fields: out.fields, ...(issue ? { issue } : {}) };
}
