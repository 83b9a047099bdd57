// Handshake reassembly (RFC 8446 §5.1): messages may span records and records may hold several
// messages. Buffered pieces are references into the stream, not copies; a message that lies in
// one piece is decoded on the stream itself, one spanning pieces gets a derived ByteSpace whose
// segments map back to the stream.

import type { ByteSpace } from './types.js';
import { HANDSHAKE_HEADER } from './handshake.js';

/** Largest handshake message we buffer (src/limits.ts). */
import { MAX_HANDSHAKE_MESSAGE } from '../limits.js';
export { MAX_HANDSHAKE_MESSAGE };

export interface Piece {
  streamOffset: number;
  length: number;
  record: number;
  timeMs: number;
}

export interface MessageSlice {
  space: ByteSpace;
  start: number;
  end: number;
  records: number[];
  timeMs: number;
  /** Set when the header declares more than the cap: the message is not buffered further. */
  oversized?: number;
}

export class HandshakeReassembler {
  private pieces: Piece[] = [];
  /** Sum of the pieces' lengths, kept as they come and go: a message spread over thousands of
   * 1-byte records must not cost a walk over every piece per record. */
  private bufferedBytes = 0;
  private derived = 0;
  /** After an oversized message the rest of this direction's handshake bytes are not decoded. */
  poisoned = false;

  constructor(
    private readonly stream: ByteSpace,
    readonly cap = MAX_HANDSHAKE_MESSAGE,
  ) {}

  push(p: Piece): void {
    if (p.length === 0) return;
    this.pieces.push({ ...p });
    this.bufferedBytes += p.length;
  }

  get buffered(): number {
    return this.bufferedBytes;
  }

  /** Where the bytes still waiting for the rest of their message start, and the records that
   * carried them; undefined when nothing is buffered. */
  pending(): { streamOffset: number; records: number[] } | undefined {
    if (this.pieces.length === 0) return undefined;
    const records: number[] = [];
    for (const p of this.pieces) if (records.at(-1) !== p.record) records.push(p.record);
    return { streamOffset: this.pieces[0].streamOffset, records };
  }

  /** Drops what is buffered (the decoder stopped at a cap: a partial message is not shown as cut short). */
  discard(): void {
    this.pieces = [];
    this.bufferedBytes = 0;
  }

  private byteAt(i: number): number {
    for (const p of this.pieces) {
      if (i < p.length) return this.stream.bytes[p.streamOffset + i];
      i -= p.length;
    }
    throw new RangeError('byteAt past the buffered bytes');
  }

  /**
   * The next complete message; with `final`, whatever is left as a partial one. Undefined when
   * nothing (more) can be returned.
   */
  take(final = false): MessageSlice | undefined {
    const n = this.buffered;
    if (n === 0) return undefined;
    if (n < HANDSHAKE_HEADER) return final ? this.slice(n) : undefined;
    const len = (this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3);
    if (len > this.cap) {
      this.poisoned = true;
      return { ...this.slice(n), oversized: len };
    }
    const total = HANDSHAKE_HEADER + len;
    if (n < total) return final ? this.slice(n) : undefined;
    return this.slice(total);
  }

  /** Removes the first `count` buffered bytes and describes where they are. */
  private slice(count: number): MessageSlice {
    const segments: ByteSpace['segments'] = [];
    const records: number[] = [];
    let timeMs = this.pieces[0].timeMs;
    let left = count;
    let at = 0;
    // Pieces are consumed from the front; index through them and cut once (shift() per piece is
    // quadratic for a message over thousands of records). Records come in order, so a record
    // already listed is the last one listed.
    let used = 0;
    while (left > 0) {
      const p = this.pieces[used];
      const take = Math.min(left, p.length);
      segments.push({ at, streamOffset: p.streamOffset, length: take });
      if (records.at(-1) !== p.record) records.push(p.record);
      if (segments.length === 1) timeMs = p.timeMs;
      at += take;
      left -= take;
      if (take === p.length) used += 1;
      else this.pieces[used] = { ...p, streamOffset: p.streamOffset + take, length: p.length - take };
    }
    this.pieces = used > 0 ? this.pieces.slice(used) : this.pieces;
    this.bufferedBytes -= count;
    if (segments.length === 1) {
      const s = segments[0];
      return { space: this.stream, start: s.streamOffset, end: s.streamOffset + s.length, records, timeMs };
    }
    const bytes = new Uint8Array(count);
    for (const s of segments) bytes.set(this.stream.bytes.subarray(s.streamOffset, s.streamOffset + s.length), s.at);
    this.derived += 1;
    const space: ByteSpace = { id: `${this.stream.direction}/hs#${this.derived}`, direction: this.stream.direction, bytes, segments };
    return { space, start: 0, end: count, records, timeMs };
  }
}
