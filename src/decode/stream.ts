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
  /**
   * Where the capture lacks bytes: at `at` (a position in `bytes`) the stream jumps from stream
   * offset `from` to `to`. Records are split afresh after each break (a record boundary: the
   * capture reader resumes there), so no record is read across missing bytes.
   */
  breaks: StreamBreak[];
  /** The stream offset just past the last chunk (`bytes.length` when nothing was missing). */
  endOffset: number;
}

export interface StreamBreak {
  at: number;
  from: number;
  /** Absent when decoding could not resume: no record boundary was found after the gap. */
  to?: number;
}

export function assembleStream(chunks: readonly CaptureChunk[], direction: Direction): DirectionStream {
  const parts: Uint8Array[] = [];
  const s: DirectionStream = { direction, bytes: new Uint8Array(), starts: [], times: [], chunkIndexes: [], issues: [], breaks: [], endOffset: 0 };
  let total = 0;
  // The stream offset the next chunk should claim; ahead of `total` once bytes were missing.
  let expected: number | undefined;
  chunks.forEach((c, i) => {
    if (c.direction !== direction || c.bytes.length === 0) return;
    expected ??= total;
    // Also before the first chunk: a capture that lost a direction's first segment (its ServerHello
    // flight, say) starts that direction after missing bytes, not with malformed ones.
    if (c.offset > expected) s.breaks.push({ at: total, from: expected, to: c.offset });
    else if (c.offset !== expected) {
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
    expected = c.offset + c.bytes.length;
    s.starts.push(total);
    s.times.push(c.timeMs);
    s.chunkIndexes.push(i);
    parts.push(c.bytes);
    total += c.bytes.length;
  });
  s.endOffset = expected ?? 0;
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
  // Positions in `bytes` are the decoder's stream offsets everywhere (records, fields, derived
  // spaces); after missing bytes they run behind the capture's, and the gap issue says by how much.
  return {
    id: s.direction,
    direction: s.direction,
    bytes: s.bytes,
    segments: s.bytes.length > 0 ? [{ at: 0, streamOffset: 0, length: s.bytes.length }] : [],
  };
}

/** The runs of `bytes` between breaks: each is split into records on its own. */
export function streamRuns(s: DirectionStream): { start: number; end: number; brk?: StreamBreak }[] {
  const runs: { start: number; end: number; brk?: StreamBreak }[] = [];
  let start = 0;
  let brk: StreamBreak | undefined;
  for (const b of s.breaks) {
    runs.push({ start, end: b.at, ...(brk ? { brk } : {}) });
    start = b.at;
    brk = b;
  }
  runs.push({ start, end: s.bytes.length, ...(brk ? { brk } : {}) });
  return runs;
}
