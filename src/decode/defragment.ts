// Handshake reassembly (RFC 8446 §5.1): messages may span records and records may hold several
// messages. Buffered pieces are references into the stream, not copies; a message that lies in
// one piece is decoded on the stream itself, one spanning pieces gets a derived ByteSpace whose
// segments map back to the stream.
//
// This is the only handshake reassembler: the plaintext decoder (trace.ts) and decryption
// (src/decrypt/, over the plaintext it opens) both frame messages here, and take the oversized
// finding and the message cap from here, so the two cannot drift apart.

import type { ByteSpace, DecodeIssue, Direction } from './types.js';
import { HANDSHAKE_HEADER } from './handshake.js';

/** Largest handshake message we buffer (src/limits.ts). */
import { MAX_HANDSHAKE_MESSAGE, MAX_HANDSHAKE_MESSAGE_OFFLINE, MAX_PACKED_MESSAGES_PER_DIRECTION } from '../limits.js';
import type { CaptureSource } from '../capture/types.js';
export { MAX_HANDSHAKE_MESSAGE };

/**
 * The reassembly cap for a capture's source: the live cap for a live trace (and for captures built
 * by hand, which have no source), the protocol's maximum for offline inputs, whose size the file
 * caps already bound. Decode and decrypt both take it from here.
 */
export function handshakeMessageCap(source: CaptureSource | undefined): number {
  return source === 'pcap' || source === 'file' ? MAX_HANDSHAKE_MESSAGE_OFFLINE : MAX_HANDSHAKE_MESSAGE;
}

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
  /** When the message's first byte arrived. */
  timeMs: number;
  /** When its last byte arrived (the record that completed it). */
  endTimeMs: number;
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

  private declaredLength(): number {
    return (this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3);
  }

  /**
   * What `take()` would return without `final`, without taking it: a whole message, an oversized
   * one (taking it poisons the reassembler), or nothing yet. Lets a caller stop at its message
   * cap before the message is consumed.
   */
  peek(): 'complete' | 'oversized' | undefined {
    const n = this.buffered;
    if (n < HANDSHAKE_HEADER) return undefined;
    const len = this.declaredLength();
    if (len > this.cap) return 'oversized';
    return n >= HANDSHAKE_HEADER + len ? 'complete' : undefined;
  }

  /** Everything still buffered as one slice (the bytes past a cap, shown as one span). */
  takeRest(): MessageSlice | undefined {
    return this.buffered > 0 ? this.slice(this.buffered) : undefined;
  }

  /**
   * The next complete message; with `final`, whatever is left as a partial one. Undefined when
   * nothing (more) can be returned.
   */
  take(final = false): MessageSlice | undefined {
    const n = this.buffered;
    if (n === 0) return undefined;
    if (n < HANDSHAKE_HEADER) return final ? this.slice(n) : undefined;
    const len = this.declaredLength();
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
    let endTimeMs = timeMs;
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
      endTimeMs = p.timeMs;
      at += take;
      left -= take;
      if (take === p.length) used += 1;
      else this.pieces[used] = { ...p, streamOffset: p.streamOffset + take, length: p.length - take };
    }
    this.pieces = used > 0 ? this.pieces.slice(used) : this.pieces;
    this.bufferedBytes -= count;
    if (segments.length === 1) {
      const s = segments[0];
      return { space: this.stream, start: s.streamOffset, end: s.streamOffset + s.length, records, timeMs, endTimeMs };
    }
    const bytes = new Uint8Array(count);
    for (const s of segments) bytes.set(this.stream.bytes.subarray(s.streamOffset, s.streamOffset + s.length), s.at);
    this.derived += 1;
    const space: ByteSpace = { id: `${this.stream.direction}/hs#${this.derived}`, direction: this.stream.direction, bytes, segments };
    return { space, start: 0, end: count, records, timeMs, endTimeMs };
  }
}

/** The finding on an oversized message's length field (`slice.start` is its header). */
export function oversizedIssue(slice: MessageSlice, cap: number): DecodeIssue {
  return {
    kind: 'malformed',
    offset: slice.start + 1,
    length: 3,
    reason: `handshake message declares ${slice.oversized} bytes, more than the ${cap}-byte reassembly limit; the rest of this direction's handshake is not decoded`,
    expected: `<= ${cap}`,
    actual: String(slice.oversized),
  };
}

/**
 * The message cap of one direction (MAX_PACKED_MESSAGES_PER_DIRECTION, src/limits.ts): one
 * message per record it has seen, plus a bounded number packed several to a record.
 */
export class MessageCap {
  private records = 0;
  private messages = 0;

  constructor(readonly packed = MAX_PACKED_MESSAGES_PER_DIRECTION) {}

  /** A record arrived: one more message is allowed. */
  record(): void {
    this.records += 1;
  }

  /** Records seen so far. */
  get recordsSeen(): number {
    return this.records;
  }

  /** True when another message would go past the cap. */
  get full(): boolean {
    return this.messages >= this.records + this.packed;
  }

  count(): void {
    this.messages += 1;
  }

  /** What tls-trace says when it stops at this cap; `what` is the bytes it stopped decoding. */
  said(direction: Direction, what: string, records = this.records): string {
    return `tls-trace stopped decoding the ${direction}'s ${what} after ${records} records, at ${this.packed} messages beyond one per record (its message cap)`;
  }
}
