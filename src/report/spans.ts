// Assigns every byte of a record to the labelled field that explains it, for the annotated hex
// view. The decoder's fields index into byte spaces; a field of a message reassembled from several
// records is mapped back through its space's segments to the direction's stream, so a record's
// bytes are explained by its header fields plus the fields of the messages it carries.
//
// Each byte goes to the deepest field covering it (a leaf, or a parent whose children stopped
// early). Bytes no field covers are reported as gaps, bytes two distinct leaves claim as overlaps:
// both are decoder bugs, and the hex view shows them rather than hiding them.

import type { DecodedTrace, Message, TlsRecord } from '../decode/model.js';
import type { ByteSpace, Field, FieldValue } from '../decode/types.js';
import { toStreamSpans } from '../decode/coverage.js';

export interface HexSpan {
  /** Offset in the byte space being dumped (the direction's stream for records). */
  offset: number;
  length: number;
  label: string;
  /** The field's machine name (`cipher_suite`); absent for a gap. */
  name?: string;
  /** Labels of the enclosing fields, outermost first. */
  path: string[];
  display?: string;
  value?: FieldValue;
  /** `leaf`: a field without children; `parent`: bytes a parent covers that no child explains;
   * `gap`: bytes no field covers. */
  kind: 'leaf' | 'parent' | 'gap';
  /** The field carries a decode issue. */
  issue?: string;
}

export interface SpanMap {
  offset: number;
  length: number;
  /** Contiguous, ordered, non-overlapping spans covering [offset, offset + length) exactly. */
  spans: HexSpan[];
  /** Bytes no field covers. */
  gaps: number;
  /** Bytes claimed by more than one distinct leaf field. */
  overlaps: number;
  /** Spans past the `maxSpans` asked for: counted, not built (the hex view stops there anyway). */
  omitted?: { spans: number; offset: number };
}

interface Placed {
  field: Field;
  path: string[];
  depth: number;
  /** Piece of the field in the target space. */
  start: number;
  end: number;
  /** Explains only bytes nothing else explains (the ciphertext of a decrypted record). */
  fill?: boolean;
}

/** Spans of one record in its direction's stream; at most `maxSpans` are built. */
export function recordSpans(decoded: DecodedTrace, record: TlsRecord, maxSpans = Infinity): SpanMap {
  const start = record.offset;
  const end = record.offset + record.length;
  const placed: Placed[] = [];
  collect(record.fields, [], 0, (f, path, depth) => placed.push({ field: f, path, depth, start: f.offset, end: f.offset + f.length }));
  for (const m of messagesOfRecord(decoded, record.index)) {
    if (m.space.decrypted) {
      // Plaintext offsets are not stream offsets: the record's ciphertext stands for them here,
      // and the step shows the plaintext's own dump.
      const label = 'Encrypted body (decrypted plaintext shown separately)';
      placed.push({ field: { name: 'encrypted_body', label, offset: record.bodyOffset, length: record.bodyLength }, path: [], depth: 0, start: record.bodyOffset, end: record.bodyOffset + record.bodyLength, fill: true });
      continue;
    }
    // Only fields that reach into this record: a 260 KB message of one-byte certificates spans
    // 17 records and has 260,000 fields, which every record would otherwise map and place.
    const ranges = spaceRanges(m.space, start, end);
    const inRecord = (f: Field): boolean => {
      for (const [lo, hi] of ranges) if (f.offset < hi && f.offset + f.length > lo) return true;
      return false;
    };
    collect(
      m.fields,
      [],
      0,
      (f, path, depth) => {
        for (const piece of toStreamSpans(m.space, f.offset, f.length)) placed.push({ field: f, path, depth, start: piece.offset, end: piece.offset + piece.length });
      },
      inRecord,
    );
  }
  return assign(placed, start, end, maxSpans);
}

/** Spans of a message inside its own byte space (used for decrypted plaintext); at most `maxSpans` built. */
export function messageSpans(m: Message, maxSpans = Infinity): SpanMap {
  const placed: Placed[] = [];
  collect(m.fields, [], 0, (f, path, depth) => placed.push({ field: f, path, depth, start: f.offset, end: f.offset + f.length }));
  return assign(placed, m.offset, m.offset + m.length, maxSpans);
}

/** Record index → the messages it carries; built once per trace (a trace may hold many records). */
const byRecordCache = new WeakMap<DecodedTrace, Map<number, Message[]>>();

export function messagesOfRecord(decoded: DecodedTrace, recordIndex: number): Message[] {
  let index = byRecordCache.get(decoded);
  if (!index) {
    index = new Map();
    for (const m of decoded.messages) {
      for (const r of m.records) {
        const list = index.get(r);
        if (list) list.push(m);
        else index.set(r, [m]);
      }
    }
    byRecordCache.set(decoded, index);
  }
  return index.get(recordIndex) ?? [];
}

/** Visits fields depth first; a field `keep` rejects is skipped with its children (they lie inside it). */
function collect(
  fields: readonly Field[],
  path: string[],
  depth: number,
  visit: (f: Field, path: string[], depth: number) => void,
  keep: (f: Field) => boolean = () => true,
): void {
  for (const f of fields) {
    if (!keep(f)) continue;
    visit(f, path, depth);
    if (f.children?.length) collect(f.children, [...path, f.label], depth + 1, visit, keep);
  }
}

/** The parts of `space` (as [from, to) in its own offsets) that lie in stream bytes [start, end). */
function spaceRanges(space: ByteSpace, start: number, end: number): Array<[number, number]> {
  if (space.segments.length === 0) return [[start, end]];
  const out: Array<[number, number]> = [];
  for (const seg of space.segments) {
    const lo = Math.max(start, seg.streamOffset);
    const hi = Math.min(end, seg.streamOffset + seg.length);
    if (lo < hi) out.push([seg.at + (lo - seg.streamOffset), seg.at + (hi - seg.streamOffset)]);
  }
  return out;
}

function assign(placed: Placed[], start: number, end: number, maxSpans: number): SpanMap {
  const len = Math.max(0, end - start);
  const owner = new Int32Array(len).fill(-1);
  const ownerDepth = new Int32Array(len).fill(-1);
  const leafKey: Array<string | undefined> = new Array(len);
  let overlaps = 0;
  placed.forEach((p, i) => {
    const leaf = !p.field.children?.length;
    const lo = Math.max(p.start, start);
    const hi = Math.min(p.end, end);
    const key = `${p.start}:${p.end}`;
    for (let b = lo; b < hi; b++) {
      const k = b - start;
      if (p.fill) {
        if (owner[k] < 0) owner[k] = i;
        continue;
      }
      if (leaf) {
        // Two leaves with the same extent (e.g. an encrypted body listed by both the record and
        // the message) are one explanation, not an overlap.
        if (leafKey[k] !== undefined && leafKey[k] !== key) overlaps++;
        leafKey[k] ??= key;
      }
      if (p.depth >= ownerDepth[k] || leaf) {
        owner[k] = i;
        ownerDepth[k] = leaf ? 1 << 20 : p.depth;
      }
    }
  });
  const spans: HexSpan[] = [];
  let gaps = 0;
  let omitted: SpanMap['omitted'];
  for (let k = 0; k < len; ) {
    const o = owner[k];
    let j = k + 1;
    while (j < len && owner[j] === o) j++;
    if (o < 0) gaps += j - k;
    if (spans.length >= maxSpans) {
      omitted ??= { spans: 0, offset: start + k };
      omitted.spans++;
    } else if (o < 0) {
      spans.push({ offset: start + k, length: j - k, label: 'Not explained by any field', path: [], kind: 'gap' });
    } else {
      const p = placed[o];
      spans.push({
        offset: start + k,
        length: j - k,
        label: p.field.label,
        name: p.field.name,
        path: p.path,
        display: p.field.display,
        value: p.field.value,
        kind: p.field.children?.length ? 'parent' : 'leaf',
        issue: p.field.issue?.reason,
      });
    }
    k = j;
  }
  return { offset: start, length: len, spans, gaps, overlaps, ...(omitted ? { omitted } : {}) };
}
