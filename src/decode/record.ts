// The record layer (RFC 8446 §5.1, RFC 5246 §6.2): split a direction's stream into records.
// Pure byte work; what a record's body means is decided later by the trace state machine.

import type { DecodeIssue, Field } from './types.js';
import { decodeWith, toHex } from './reader.js';
import { fmt } from './format.js';

export const RECORD_HEADER = 5;
/** TLSCiphertext may carry at most 2^14 + 2048 bytes (RFC 5246 §6.2.3); the cap lives in src/limits.ts. */
import { MAX_RECORD_LENGTH } from '../limits.js';
export { MAX_RECORD_LENGTH };
/** An unprotected (plaintext) record may carry at most 2^14 bytes (RFC 8446 §5.1). */
export const MAX_PLAINTEXT_LENGTH = 2 ** 14;

export interface RecordSlice {
  offset: number;
  contentType: number;
  legacyVersion: number;
  declaredLength: number;
  bodyOffset: number;
  bodyLength: number;
  /** Header fields (content type, version, length). */
  fields: Field[];
  issue?: DecodeIssue;
}

export interface SplitResult {
  records: RecordSlice[];
  /** Bytes after the last record that do not start a plausible record header. */
  garbage?: { offset: number; length: number; reason: string };
  /** Set when `maxRecords` records were split and bytes remain: where the next record starts. */
  stoppedAt?: number;
}

/**
 * Whether all of the record is there: its 5-byte header and as many body bytes as it declares. A
 * stream that ends inside a header gives a slice that declares 0 bytes and holds 0: not whole.
 */
export function isWholeRecord(r: RecordSlice): boolean {
  return r.bodyOffset - r.offset === RECORD_HEADER && r.bodyLength === r.declaredLength;
}

/** A later record header is believable if its version is 3.x with x ≤ 4 (SSL 3.0 … TLS 1.3). */
function plausibleVersion(b: Uint8Array, at: number): boolean {
  return (at + 1 >= b.length || b[at + 1] === 3) && (at + 2 >= b.length || b[at + 2] <= 4);
}

/**
 * Splits `bytes` into records from `start`. Stops after `maxRecords` (the record cap): a stream of
 * 5-byte empty records would otherwise become hundreds of thousands of slices before any cap is
 * looked at.
 */
export function splitRecords(bytes: Uint8Array, start = 0, maxRecords = Infinity): SplitResult {
  const records: RecordSlice[] = [];
  let at = start;
  while (at < bytes.length) {
    if (records.length >= maxRecords) return { records, stoppedAt: at };
    if (!plausibleVersion(bytes, at)) {
      const v = bytes[at + 1] * 256 + (bytes[at + 2] ?? 0);
      return {
        records,
        garbage: {
          offset: at,
          length: bytes.length - at,
          reason: `bytes at stream offset ${at} are not a TLS record header (version 0x${v.toString(16).padStart(4, '0')}); decoding of this direction stops here`,
        },
      };
    }
    const headerEnd = Math.min(bytes.length, at + RECORD_HEADER);
    let contentType = -1;
    let legacyVersion = 0;
    let declaredLength = 0;
    const header = decodeWith(bytes, at, headerEnd, (r) => {
      contentType = r.u8('content_type', 'Content type', fmt.contentType);
      legacyVersion = r.u16('legacy_version', 'Record version', fmt.version);
      declaredLength = r.u16('length', 'Record length');
    });
    const fields = header.fields;
    if (header.issue) {
      const used = at + header.consumed;
      if (used < headerEnd) {
        fields.push({ name: 'fragment', label: 'Truncated record header', offset: used, length: headerEnd - used, value: toHex(bytes.subarray(used, headerEnd)) });
      }
      records.push({
        offset: at,
        contentType,
        legacyVersion,
        declaredLength: 0,
        bodyOffset: headerEnd,
        bodyLength: 0,
        fields,
        issue: { kind: 'incomplete', offset: at, length: headerEnd - at, reason: `record header: 5 bytes needed, the capture ends after ${headerEnd - at}`, expected: '5 bytes', actual: `${headerEnd - at} bytes` },
      });
      return { records };
    }
    const bodyOffset = at + RECORD_HEADER;
    const bodyLength = Math.min(declaredLength, bytes.length - bodyOffset);
    const rec: RecordSlice = { offset: at, contentType, legacyVersion, declaredLength, bodyOffset, bodyLength, fields };
    if (declaredLength > MAX_RECORD_LENGTH) {
      const issue: DecodeIssue = {
        kind: 'malformed',
        offset: at + 3,
        length: 2,
        reason: `record length ${declaredLength} exceeds the maximum ${MAX_RECORD_LENGTH} (2^14 + 2048)`,
        expected: `<= ${MAX_RECORD_LENGTH}`,
        actual: String(declaredLength),
      };
      fields[2].issue = issue;
      rec.issue = issue;
    } else if (bodyLength < declaredLength) {
      rec.issue = {
        kind: 'incomplete',
        offset: bodyOffset,
        length: bodyLength,
        reason: `record body: ${declaredLength} bytes declared, the capture ends after ${bodyLength}`,
        expected: `${declaredLength} bytes`,
        actual: `${bodyLength} bytes`,
      };
    }
    records.push(rec);
    at = bodyOffset + bodyLength;
  }
  return { records };
}
