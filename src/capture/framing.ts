// Where the recording of a direction may end without cutting a TLS record in two. When the capture
// cap stops recording in the middle of a record, the decoder would report the last record as
// incomplete (and decryption as failed) although the peer sent it whole: the cut is tls-trace's.
// Trimming the recording back to the last complete record keeps the trace about what was sent.

import type { CaptureChunk, Direction } from './types.js';

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
