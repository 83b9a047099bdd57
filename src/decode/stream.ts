// A direction's captured stream: the chunks of one direction concatenated, with the capture time
// and chunk index of every byte range so records can be placed in time.

import type { CaptureChunk } from '../capture/types.js';
import type { ByteSpace, DecodeIssue, Direction } from './types.js';

export interface DirectionStream {
  direction: Direction;
  bytes: Uint8Array;
  /** Per chunk, in stream order: its first stream offset, capture time and index in the capture. */
  starts: number[];
  times: number[];
  chunkIndexes: number[];
  issues: DecodeIssue[];
}

export function assembleStream(chunks: readonly CaptureChunk[], direction: Direction): DirectionStream {
  const parts: Uint8Array[] = [];
  const s: DirectionStream = { direction, bytes: new Uint8Array(), starts: [], times: [], chunkIndexes: [], issues: [] };
  let total = 0;
  chunks.forEach((c, i) => {
    if (c.direction !== direction || c.bytes.length === 0) return;
    if (c.offset !== total) {
      // A capture file with gaps or overlaps: decode the bytes as they follow each other.
      s.issues.push({
        kind: 'malformed',
        offset: total,
        length: 0,
        reason: `capture chunk ${i} claims stream offset ${c.offset}, but the ${direction} stream so far has ${total} bytes`,
        expected: String(total),
        actual: String(c.offset),
      });
    }
    s.starts.push(total);
    s.times.push(c.timeMs);
    s.chunkIndexes.push(i);
    parts.push(c.bytes);
    total += c.bytes.length;
  });
  s.bytes = parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
  return s;
}

/** Index of the chunk holding stream byte `offset` (the last chunk starting at or before it). */
export function chunkAt(s: DirectionStream, offset: number): number {
  let lo = 0;
  let hi = s.starts.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A direction's assembled stream as the ByteSpace its records and messages index into. */
export function directionSpace(s: DirectionStream): ByteSpace {
  return {
    id: s.direction,
    direction: s.direction,
    bytes: s.bytes,
    segments: s.bytes.length > 0 ? [{ at: 0, streamOffset: 0, length: s.bytes.length }] : [],
  };
}
