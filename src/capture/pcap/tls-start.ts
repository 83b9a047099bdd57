// Finding TLS by content, on any port: a connection is TLS when a stream starts with a TLS record
// header (content type 20–24, version 3.x, a length within the record limit) or an SSLv2-format
// ClientHello. When the capture began mid-connection (no SYN), the first record boundary is found
// by looking for two record headers in a row (or one that ends exactly where the captured bytes end).

import { MAX_RECORD_LENGTH, MAX_RECORD_RESYNC_BYTES } from '../../limits.js';
import type { CaptureChunk } from '../types.js';

/** Leading bytes searched for a record boundary (src/limits.ts). */
export const RESYNC_WINDOW = MAX_RECORD_RESYNC_BYTES;

export function isRecordHeader(b: Uint8Array, at = 0): boolean {
  if (at + 5 > b.length) return false;
  const type = b[at];
  const len = (b[at + 3] << 8) | b[at + 4];
  return type >= 20 && type <= 24 && b[at + 1] === 3 && b[at + 2] <= 4 && len > 0 && len <= MAX_RECORD_LENGTH;
}

/** An SSLv2-format ClientHello (2-byte header with the top bit set, message type 1, version 2.0 or 3.x). */
export function isSslv2Hello(b: Uint8Array): boolean {
  return b.length >= 5 && (b[0] & 0x80) !== 0 && b[2] === 1 && (b[3] === 3 || (b[3] === 0 && b[4] === 2));
}

/** True when the bytes open with TLS (a record header or an SSLv2 hello). */
export function startsTls(b: Uint8Array): boolean {
  return isRecordHeader(b) || isSslv2Hello(b);
}

/** True when the bytes open with a TLS record holding a ClientHello (or an SSLv2 hello). */
export function startsClientHello(b: Uint8Array): boolean {
  return (isRecordHeader(b) && b[0] === 22 && b.length > 5 && b[5] === 1) || isSslv2Hello(b);
}

/** True when the bytes open with a TLS record holding a ServerHello. */
export function startsServerHello(b: Uint8Array): boolean {
  return isRecordHeader(b) && b[0] === 22 && b.length > 5 && b[5] === 2;
}

/** The first record boundary in bytes joined mid-stream, or undefined. */
export function findRecordBoundary(b: Uint8Array): number | undefined {
  const end = Math.min(b.length, RESYNC_WINDOW);
  for (let at = 0; at + 5 <= end; at++) {
    if (!isRecordHeader(b, at)) continue;
    const next = at + 5 + ((b[at + 3] << 8) | b[at + 4]);
    if (next === b.length || isRecordHeader(b, next)) return at;
  }
  return undefined;
}

/**
 * The first `n` bytes of a chunk list (fewer when the stream is shorter), to read and not to keep:
 * a view of the first chunk when it holds them (asked for a few bytes per packet while a
 * connection's kind is undecided), else a copy of just those bytes.
 */
export function leadingBytes(chunks: readonly CaptureChunk[], n: number): Buffer {
  const first = chunks[0]?.bytes;
  if (first === undefined) return Buffer.alloc(0);
  if (first.length >= n || chunks.length === 1) {
    const length = Math.min(n, first.length);
    // The chunks pcap reading makes are Buffers: a subarray is the cheaper view (no argument checks).
    return Buffer.isBuffer(first) ? first.subarray(0, length) : Buffer.from(first.buffer, first.byteOffset, length);
  }
  const parts: Uint8Array[] = [];
  let have = 0;
  for (const c of chunks) {
    if (have >= n) break;
    parts.push(c.bytes);
    have += c.bytes.length;
  }
  return Buffer.concat(parts, Math.min(n, have));
}

/** The ClientHello's random as hex (the key log's second field), when the stream opens with one. */
export function clientRandom(b: Uint8Array): string | undefined {
  if (!isRecordHeader(b) || b[0] !== 22 || b[5] !== 1 || b.length < 43) return undefined;
  return Buffer.from(b.subarray(11, 43)).toString('hex');
}
