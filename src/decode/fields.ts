// Small walks over decoded field trees: the first issue in a tree, and labelling the bytes a
// broken span left undecoded so every byte of a record still belongs to some field.

import { toHex } from './reader.js';
import type { DecodeIssue, Field } from './types.js';

/** Depth-first first issue in a field tree (the outermost, earliest one). */
export function firstIssue(fields: readonly Field[]): DecodeIssue | undefined {
  for (const f of fields) {
    if (f.issue) return f.issue;
    if (f.children) {
      const inner = firstIssue(f.children);
      if (inner) return inner;
    }
  }
  return undefined;
}

function hasIssue(f: Field): boolean {
  return f.issue !== undefined || (f.children?.some(hasIssue) ?? false);
}

/**
 * Inside spans that carry an issue, labels the bytes no child explains as `undecoded` leaves, so
 * the hex view can still say something about every byte. Clean spans are left alone on purpose:
 * a gap there is a decoder bug and the coverage check must see it.
 */
export function labelUndecoded(bytes: Uint8Array, fields: Field[], start: number, end: number, force = false): void {
  if (!force && !fields.some(hasIssue)) return;
  const out: Field[] = [];
  let at = start;
  for (const f of [...fields].sort((a, b) => a.offset - b.offset)) {
    if (f.offset > at) out.push(undecoded(bytes, at, f.offset));
    out.push(f);
    if (f.children && f.children.length > 0 && hasIssue(f)) {
      labelUndecoded(bytes, f.children, f.offset, f.offset + f.length, true);
    }
    at = Math.max(at, f.offset + f.length);
  }
  if (at < end) out.push(undecoded(bytes, at, end));
  fields.splice(0, fields.length, ...out);
}

function undecoded(bytes: Uint8Array, from: number, to: number): Field {
  return {
    name: 'undecoded',
    label: 'Undecoded bytes',
    offset: from,
    length: to - from,
    value: toHex(bytes.subarray(from, to)),
  };
}
