// Proof that the labelled fields explain a record's bytes exactly: the leaf spans of the record
// header and of every message carried by the record, mapped back to the stream, must tile the
// record with no gap and no overlap. The `--hex` view relies on it; a test asserts it.

import type { Message, TlsRecord } from './model.js';
import type { ByteSpace, Field } from './types.js';

export interface Span {
  offset: number;
  length: number;
}

export interface LeafSpan extends Span {
  field: Field;
}

export interface CoverageReport {
  record: number;
  exact: boolean;
  /** Stream byte ranges of the record no leaf field covers. */
  gaps: Span[];
  /** Stream byte ranges covered by more than one leaf field. */
  overlaps: Span[];
}

/** Maps a span of `space` to stream spans (none for decrypted plaintext; a space that lists no segments maps to itself). */
export function toStreamSpans(space: ByteSpace, offset: number, length: number): Span[] {
  if (space.decrypted) return [];
  if (space.segments.length === 0) return [{ offset, length }];
  const out: Span[] = [];
  for (const s of space.segments) {
    const from = Math.max(offset, s.at);
    const to = Math.min(offset + length, s.at + s.length);
    if (from < to) out.push({ offset: s.streamOffset + (from - s.at), length: to - from });
  }
  return out;
}

/** Leaf fields (no children) of a tree with their stream spans; zero-length leaves are skipped. */
export function leafSpans(fields: readonly Field[], space: ByteSpace): LeafSpan[] {
  const out: LeafSpan[] = [];
  // A raw stream maps to itself: skip the segment arithmetic.
  const identity = !space.decrypted && space.segments.length === 1 && space.segments[0].at === 0 && space.segments[0].streamOffset === 0;
  const walk = (fs: readonly Field[]) => {
    for (const f of fs) {
      if (f.children && f.children.length > 0) walk(f.children);
      else if (f.length > 0) {
        if (identity) out.push({ offset: f.offset, length: f.length, field: f });
        else for (const s of toStreamSpans(space, f.offset, f.length)) out.push({ offset: s.offset, length: s.length, field: f });
      }
    }
  };
  walk(fields);
  return out;
}

/** Leaf spans inside `record`, from its header fields and the messages it carries, in order. */
export function recordLeafSpans(record: TlsRecord, messages: readonly Message[], streamSpace: ByteSpace): LeafSpan[] {
  const lo = record.offset;
  const hi = record.offset + record.length;
  const spans = leafSpans(record.fields, streamSpace);
  for (const m of messages) {
    if (m.direction !== record.direction || !m.records.includes(record.index)) continue;
    spans.push(...leafSpans(m.fields, m.space));
  }
  const out: LeafSpan[] = [];
  for (const s of spans) {
    const from = Math.max(lo, s.offset);
    const to = Math.min(hi, s.offset + s.length);
    if (from < to) out.push(from === s.offset && to - from === s.length ? s : { offset: from, length: to - from, field: s.field });
  }
  return out.sort((a, b) => a.offset - b.offset || a.length - b.length);
}

export function recordCoverage(record: TlsRecord, messages: readonly Message[], streamSpace: ByteSpace): CoverageReport {
  const spans = recordLeafSpans(record, messages, streamSpace);
  const gaps: Span[] = [];
  const overlaps: Span[] = [];
  let at = record.offset;
  for (const s of spans) {
    if (s.offset > at) gaps.push({ offset: at, length: s.offset - at });
    else if (s.offset < at) overlaps.push({ offset: s.offset, length: Math.min(at, s.offset + s.length) - s.offset });
    at = Math.max(at, s.offset + s.length);
  }
  const end = record.offset + record.length;
  if (at < end) gaps.push({ offset: at, length: end - at });
  return { record: record.index, exact: gaps.length === 0 && overlaps.length === 0, gaps, overlaps };
}
