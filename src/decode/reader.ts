// The one bounds-checked cursor every decoder reads through. Each read records a labelled Field
// with its absolute offset and length, so decoding and annotating are the same walk.
//
// Failure model: a read past the end or a violated bound throws a private DecodeStop. It never
// escapes a decoder: `vector`/`within`/`group` catch it at the enclosing length boundary, attach
// the issue to the field they were building and move the cursor to that boundary, so decoding
// resumes after the broken part. `decodeWith` is the catch of last resort at a decoder's entry.

import type { DecodeIssue, Field } from './types.js';

/** Internal control flow for "stop decoding this span"; caught inside this module's helpers. */
export class DecodeStop extends Error {
  constructor(readonly issue: DecodeIssue) {
    super(issue.reason);
  }
}

export type Formatter = (value: number) => string;

/**
 * How many more fields the readers of one direction may record (MAX_FIELDS_PER_DIRECTION). Shared
 * by reference by a reader and every sub-reader it opens; once `left` reaches 0 fields are no
 * longer stored (values are still read and returned) and `exhausted` says so.
 */
export interface FieldBudget {
  left: number;
  exhausted: boolean;
  /** The first issue found past the budget in the message being decoded (reset per message). */
  firstIssue?: DecodeIssue;
  /**
   * false: integer and byte-string fields (the leaves) are not stored, nor their hex values and
   * display strings built; vectors, spans and groups still are. Issues only ever sit on those
   * (a stop is caught by the enclosing vector or span), so the first issue of a tree, and every
   * body decoded from it, are the same as with the leaves. For readers that want bodies only.
   */
  leaves?: boolean;
}

export class ByteReader {
  private cursor: number;
  /** Fields recorded at this nesting level. */
  readonly fields: Field[] = [];
  /**
   * The field the latest read made, stored or not: past the field budget `fields` stops growing, so
   * `fields[fields.length - 1]` would be an earlier field (or nothing). Undefined when the latest
   * read was a uint/bytes read past the budget (those build no field at all).
   */
  private latest: Field | undefined;

  /**
   * @param bytes the whole byte space (so offsets are absolute within it)
   * @param start first byte this reader may read
   * @param end one past the last byte this reader may read
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly start = 0,
    readonly end = bytes.length,
    readonly budget?: FieldBudget,
  ) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new RangeError(`reader bounds ${start}..${end} outside 0..${bytes.length}`);
    }
    this.cursor = start;
  }

  get offset(): number {
    return this.cursor;
  }

  get remaining(): number {
    return this.end - this.cursor;
  }

  get done(): boolean {
    return this.cursor >= this.end;
  }

  /** Throws an `incomplete` stop unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new DecodeStop({
        kind: 'incomplete',
        offset: this.cursor,
        length: this.remaining,
        reason: `${what}: needs ${n} byte${n === 1 ? '' : 's'}, only ${this.remaining} left`,
        expected: `${n} bytes`,
        actual: `${this.remaining} bytes`,
      });
    }
  }

  /** Throws a `malformed` stop at `offset` (default: the cursor). */
  fail(reason: string, offset = this.cursor, length = 0, expected?: string, actual?: string): never {
    throw new DecodeStop({ kind: 'malformed', offset, length, reason, expected, actual });
  }

  /** Unsigned big-endian integer of 1–4 bytes, recorded as a field. */
  uint(size: 1 | 2 | 3 | 4, name: string, label: string, format?: Formatter): number {
    this.need(size, label);
    const at = this.cursor;
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + this.bytes[at + i];
    this.cursor += size;
    if (this.recordingLeaf()) this.push({ name, label, offset: at, length: size, value: v, display: format ? format(v) : undefined });
    else this.latest = undefined;
    return v;
  }

  u8(name: string, label: string, format?: Formatter): number {
    return this.uint(1, name, label, format);
  }

  u16(name: string, label: string, format?: Formatter): number {
    return this.uint(2, name, label, format);
  }

  u24(name: string, label: string, format?: Formatter): number {
    return this.uint(3, name, label, format);
  }

  u32(name: string, label: string, format?: Formatter): number {
    return this.uint(4, name, label, format);
  }

  /** `n` raw bytes, recorded as a field whose value is their hex. */
  bytesField(n: number, name: string, label: string, display?: (b: Uint8Array) => string): Uint8Array {
    this.need(n, label);
    const at = this.cursor;
    const out = this.bytes.subarray(at, at + n);
    this.cursor += n;
    if (this.recordingLeaf()) this.push({ name, label, offset: at, length: n, value: toHex(out), display: display ? display(out) : undefined });
    else this.latest = undefined;
    return out;
  }

  /** Everything left in this reader as one field. */
  rest(name: string, label: string, display?: (b: Uint8Array) => string): Uint8Array {
    return this.bytesField(this.remaining, name, label, display);
  }

  /** Reads a value without recording a field (for lookahead). Bounds-checked. */
  peekU8(at = 0): number {
    this.need(at + 1, 'lookahead');
    return this.bytes[this.cursor + at];
  }

  peekU16(at = 0): number {
    this.need(at + 2, 'lookahead');
    return this.bytes[this.cursor + at] * 256 + this.bytes[this.cursor + at + 1];
  }

  /**
   * Whether a field read now is stored: false once the field budget is spent (then the budget is
   * marked exhausted, and the field's value and display are not even built).
   */
  recording(): boolean {
    if (!this.budget || this.budget.left > 0) return true;
    this.budget.exhausted = true;
    return false;
  }

  /** Whether an integer or byte-string field read now is stored (see FieldBudget.leaves). */
  private recordingLeaf(): boolean {
    return this.budget?.leaves !== false && this.recording();
  }

  /**
   * Puts `issue` on `parent` (unless it has one) and, past the field budget, where
   * decodeHandshakeMessage still finds it: a parent that was not stored would otherwise take the
   * only record of a malformed vector with it.
   */
  flag(parent: Field, issue: DecodeIssue): void {
    parent.issue ??= issue;
    if (this.budget?.exhausted) this.budget.firstIssue ??= parent.issue;
  }

  /**
   * The field this reader's latest read made (see `latest`): always there after vector, within and
   * group, which build their field whether or not it is stored; undefined after a uint/bytes read
   * past the field budget.
   */
  get lastField(): Field | undefined {
    return this.latest;
  }

  /** Records a field the caller computed itself (e.g. a derived note over already-read bytes). */
  push(field: Field): Field {
    this.latest = field;
    if (this.budget) {
      if (this.budget.left <= 0) {
        this.budget.exhausted = true;
        return field;
      }
      this.budget.left--;
    }
    this.fields.push(field);
    return field;
  }

  /**
   * A length-prefixed vector `<min..max>` (RFC 8446 §3.4): reads a `lenSize`-byte length, checks
   * it against the bounds and the bytes available, then runs `body` on a sub-reader that sees
   * exactly those bytes. The sub-reader must be consumed fully (trailing bytes are malformed).
   * Any stop inside `body` is attached to this vector's field and the cursor moves past the
   * vector, so the caller carries on. Returns body's result, or undefined if it stopped.
   */
  vector<T>(
    lenSize: 1 | 2 | 3,
    name: string,
    label: string,
    bounds: { min?: number; max?: number; multipleOf?: number },
    body: (r: ByteReader) => T,
  ): T | undefined {
    const at = this.cursor;
    const parent: Field = { name, label, offset: at, length: 0, children: [] };
    this.push(parent);
    const lenReader = new ByteReader(this.bytes, this.cursor, this.end, this.budget);
    let len: number;
    try {
      len = lenReader.uint(lenSize, 'length', `${label} length`);
    } catch (e) {
      parent.children = lenReader.fields;
      parent.length = this.end - at;
      this.cursor = this.end;
      throw e; // the length itself is missing: nothing to resume at inside this reader
    }
    parent.children!.push(...lenReader.fields);
    const bodyStart = at + lenSize;
    const min = bounds.min ?? 0;
    const max = bounds.max ?? 2 ** (8 * lenSize) - 1;
    if (len > this.end - bodyStart) {
      // The declared body runs past what we have: decode what is there, then report.
      parent.length = this.end - at;
      this.cursor = this.end;
      const sub = new ByteReader(this.bytes, bodyStart, this.end, this.budget);
      runCaught(sub, body);
      parent.children!.push(...sub.fields);
      this.flag(parent, {
        kind: 'incomplete',
        offset: bodyStart,
        length: this.end - bodyStart,
        reason: `${label}: length ${len} runs past the end (${this.end - bodyStart} bytes available)`,
        expected: `${len} bytes`,
        actual: `${this.end - bodyStart} bytes`,
      });
      return undefined;
    }
    parent.length = lenSize + len;
    this.cursor = bodyStart + len;
    if (len < min || len > max || (bounds.multipleOf && len % bounds.multipleOf !== 0)) {
      this.flag(parent, {
        kind: 'malformed',
        offset: at,
        length: lenSize,
        reason: `${label}: length ${len} outside ${min}..${max}${bounds.multipleOf ? ` (multiple of ${bounds.multipleOf})` : ''}`,
        expected: `${min}..${max}`,
        actual: String(len),
      });
      // Still decode the body: a tracer shows what is there even when a bound is broken.
    }
    return this.runSub(parent, bodyStart, bodyStart + len, body, ' after the last element');
  }

  /**
   * Runs `body` on a sub-reader over [start, end) under `parent`: its fields become the parent's
   * children, a stop inside becomes the parent's issue (unless it has one already), and bytes the
   * body left unread are labelled and flagged as trailing.
   */
  private runSub<T>(parent: Field, start: number, end: number, body: (r: ByteReader) => T, trailingWhere = ''): T | undefined {
    const sub = new ByteReader(this.bytes, start, end, this.budget);
    const result = runCaught(sub, body);
    parent.children!.push(...sub.fields);
    if (result.issue) {
      this.flag(parent, result.issue);
      return undefined;
    }
    if (!sub.done) {
      parent.children!.push({
        name: 'trailing',
        label: 'Trailing bytes',
        offset: sub.offset,
        length: sub.remaining,
        value: toHex(this.bytes.subarray(sub.offset, sub.end)),
      });
      this.flag(parent, {
        kind: 'malformed',
        offset: sub.offset,
        length: sub.remaining,
        reason: `${parent.label}: ${sub.remaining} trailing byte${sub.remaining === 1 ? '' : 's'}${trailingWhere}`,
      });
    }
    return result.value;
  }

  /**
   * A span of known length (e.g. a handshake body whose length came from its header) decoded as
   * one labelled group. Same resume rules as `vector`, without a length prefix.
   */
  within<T>(length: number, name: string, label: string, body: (r: ByteReader) => T): T | undefined {
    const at = this.cursor;
    const avail = Math.min(length, this.remaining);
    const parent: Field = { name, label, offset: at, length: avail, children: [] };
    this.push(parent);
    this.cursor = at + avail;
    if (avail < length) {
      // Decode what is there, but the missing bytes are the story: report them, not what broke.
      const sub = new ByteReader(this.bytes, at, at + avail, this.budget);
      runCaught(sub, body);
      parent.children!.push(...sub.fields);
      this.flag(parent, {
        kind: 'incomplete',
        offset: at,
        length: avail,
        reason: `${label}: ${length} bytes declared, ${avail} available`,
        expected: `${length} bytes`,
        actual: `${avail} bytes`,
      });
      return undefined;
    }
    return this.runSub(parent, at, at + avail, body);
  }

  /**
   * Groups the fields that `body` reads from this same reader under one parent field (no length
   * prefix, no sub-reader). A stop inside is not caught: it propagates to the enclosing vector.
   */
  group<T>(name: string, label: string, body: () => T, display?: (v: T) => string | undefined): T {
    const at = this.cursor;
    const mark = this.fields.length;
    const parent: Field = { name, label, offset: at, length: 0 };
    let value: T;
    try {
      value = body();
    } finally {
      parent.children = this.fields.splice(mark);
      parent.length = this.cursor - at;
      this.push(parent);
    }
    parent.display = display?.(value);
    return value;
  }

  /** Repeats `item` until the reader is consumed (the usual shape of a vector's body). */
  each<T>(item: (r: ByteReader, index: number) => T): T[] {
    const out: T[] = [];
    for (let i = 0; !this.done; i++) out.push(item(this, i));
    return out;
  }
}

/** Runs a decoder body and turns a DecodeStop into a value; other errors are bugs and propagate. */
export function runCaught<T>(r: ByteReader, body: (r: ByteReader) => T): { value?: T; issue?: DecodeIssue } {
  try {
    return { value: body(r) };
  } catch (e) {
    if (e instanceof DecodeStop) return { issue: e.issue };
    throw e;
  }
}

/**
 * Entry point for a decoder over `bytes[start, end)`: always returns the fields read and, when
 * decoding stopped early, the issue. Never throws for bad input.
 */
export function decodeWith<T>(
  bytes: Uint8Array,
  start: number,
  end: number,
  body: (r: ByteReader) => T,
  budget?: FieldBudget,
): { value?: T; fields: Field[]; issue?: DecodeIssue; consumed: number } {
  const r = new ByteReader(bytes, start, end, budget);
  const result = runCaught(r, body);
  return { value: result.value, fields: r.fields, issue: result.issue, consumed: r.offset - start };
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Depth-first walk over a field tree. */
export function* walkFields(fields: readonly Field[]): Generator<Field> {
  for (const f of fields) {
    yield f;
    if (f.children) yield* walkFields(f.children);
  }
}
