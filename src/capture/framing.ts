// Where the recording of a direction may end without cutting a TLS record in two. When the capture
// cap stops recording in the middle of a record, the decoder would report the last record as
// incomplete (and decryption as failed) although the peer sent it whole: the cut is tls-trace's.
// Trimming the recording back to the last complete record keeps the trace about what was sent.

import type { CaptureChunk, CaptureTruncation, Direction } from './types.js';

/** Length of the longest prefix of `bytes` made of whole TLS records; all of it if not TLS framing. */
export function completeRecordsLength(bytes: Uint8Array): number {
  let at = 0;
  while (at + 5 <= bytes.length) {
    const type = bytes[at];
    if (type < 20 || type > 24 || bytes[at + 1] !== 3) return bytes.length; // not TLS: leave it whole
    const end = at + 5 + ((bytes[at + 3] << 8) | bytes[at + 4]);
    if (end > bytes.length) break;
    at = end;
  }
  return at;
}

/** The chunks with `direction`'s stream cut to `length` bytes (the other direction untouched). */
export function cutStream(chunks: readonly CaptureChunk[], direction: Direction, length: number): CaptureChunk[] {
  const out: CaptureChunk[] = [];
  for (const c of chunks) {
    if (c.direction !== direction || c.offset + c.bytes.length <= length) out.push(c);
    else if (c.offset < length) out.push({ ...c, bytes: c.bytes.subarray(0, length - c.offset) });
  }
  return out;
}

/**
 * Whether the first bytes a server sent cannot start a TLS record: a content type outside 20–24
 * or a major version other than 3. Bytes with the high bit set may be an SSL 2.0 record header,
 * which OpenSSL reports itself, so they are not called "not TLS" here.
 */
export function looksNotTls(first: Uint8Array): boolean {
  if (first.length === 0) return false;
  const type = first[0];
  if (type >= 20 && type <= 24) return first.length >= 2 && first[1] !== 3;
  // A record header of an unknown content type (version 3.x) is TLS framing gone wrong, not
  // another protocol: leave it to the handshake to fail and the decoder to name the type.
  if (first.length >= 3 && first[1] === 3 && first[2] <= 4) return false;
  return type < 0x80;
}

/**
 * Follows TLS record headers through a byte stream fed in pieces; each call says whether the
 * bytes so far end exactly at the end of a record (no record half-received).
 */
export function recordBoundaryWalker(): (bytes: Uint8Array) => boolean {
  let header: number[] = [];
  let body = 0;
  return (bytes) => {
    for (let i = 0; i < bytes.length; ) {
      if (body > 0) {
        const n = Math.min(body, bytes.length - i);
        body -= n;
        i += n;
        continue;
      }
      header.push(bytes[i++]);
      if (header.length === 5) {
        body = (header[3] << 8) | header[4];
        header = [];
      }
    }
    return body === 0 && header.length === 0;
  };
}

/**
 * The recording of a capture whose directions in `truncated` stopped at the capture cap: each
 * such direction ends at its last complete record, and its entry's `recordedBytes` says so.
 */
export function cutAtCompleteRecords(chunks: CaptureChunk[], truncated: CaptureTruncation[]): CaptureChunk[] {
  let out = chunks;
  for (const t of truncated) {
    const stream = Buffer.concat(out.filter((c) => c.direction === t.direction).map((c) => c.bytes));
    t.recordedBytes = completeRecordsLength(stream);
    out = cutStream(out, t.direction, t.recordedBytes);
  }
  return out;
}

/** Bytes the server sent, by the chunks recorded. */
export function serverBytesIn(chunks: readonly CaptureChunk[]): number {
  return chunks.reduce((n, c) => n + (c.direction === 'server' ? c.bytes.length : 0), 0);
}
