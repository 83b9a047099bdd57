// TCP reassembly of one direction of one connection: segments in any order become one contiguous
// byte stream. Sequence numbers are taken relative to the stream's first byte (ISN + 1 when the
// SYN was captured, else the first segment's sequence number), modulo 2^32. Retransmitted bytes
// are dropped (the first copy wins, as in most stacks), overlaps trimmed, out-of-order segments
// held until the bytes before them arrive, and bytes that never arrive become a recorded gap.

import { MAX_TCP_OUT_OF_ORDER_BYTES, MAX_TCP_STREAM_BYTES_PER_DIRECTION } from '../../limits.js';
import type { CaptureChunk, CaptureGap, CapturePacket, Direction } from '../types.js';

/** Bytes held across every connection, shared so the total stays under MAX_TCP_TOTAL_BYTES. */
export interface ByteBudget {
  used: number;
  readonly limit: number;
  /** Set once some payload was dropped because the budget was spent. */
  exhausted: boolean;
}

interface Held {
  rel: number;
  data: Buffer;
  timeMs: number;
}

export class TcpStream {
  /** Absolute sequence number of stream byte 0, once known. */
  private base: number | undefined;
  /** Stream bytes delivered so far (the next expected relative sequence number). */
  delivered = 0;
  readonly chunks: CaptureChunk[] = [];
  readonly gaps: CaptureGap[] = [];
  private held: Held[] = [];
  private heldBytes = 0;
  /** Bytes kept in `chunks` (stops at the per-direction cap). */
  kept = 0;
  /** True once the per-direction cap (or the total budget) stopped keeping bytes. */
  capped = false;
  /** False once discovery decided this connection is not TLS: bytes are then counted, not kept. */
  keep = true;
  synSeen = false;
  /** A FIN was sent in this direction. */
  finSeen = false;
  /** Initial sequence number (for relative numbers in the packet list). */
  isn: number | undefined;

  constructor(
    readonly direction: Direction,
    private readonly budget: ByteBudget,
  ) {}

  /** Relative sequence number of an absolute one (may be "negative", i.e. > 2^31, before base). */
  relative(seq: number): number {
    if (this.base === undefined) return 0;
    const d = (seq - this.base) >>> 0;
    return d >= 2 ** 31 ? d - 2 ** 32 : d;
  }

  /** Takes one segment's sequence number, flags and payload; returns what it did for the packet list. */
  add(seq: number, syn: boolean, payload: Buffer, timeMs: number): Pick<CapturePacket, 'stream' | 'note'> {
    if (syn) {
      this.synSeen = true;
      this.isn = seq;
      if (this.base === undefined) this.base = (seq + 1) >>> 0;
    }
    if (payload.length === 0) return {};
    const start = syn ? (seq + 1) >>> 0 : seq;
    if (this.base === undefined) {
      // The SYN was not captured: the stream starts at the first data seen.
      this.base = start;
      this.isn = (start - 1) >>> 0;
    }
    let rel = this.relative(start);
    let data = payload;
    const end = rel + data.length;
    if (end <= this.delivered) return { stream: { offset: rel, length: data.length }, note: 'retransmission' };
    let note: CapturePacket['note'];
    if (rel < this.delivered) {
      data = data.subarray(this.delivered - rel);
      rel = this.delivered;
      note = 'overlap';
    }
    if (rel > this.delivered) {
      this.hold({ rel, data: Buffer.from(data), timeMs });
      return { stream: { offset: rel, length: data.length }, note: 'out-of-order' };
    }
    this.deliver(data, timeMs);
    this.drain();
    return { stream: { offset: rel, length: data.length }, ...(note ? { note } : {}) };
  }

  private hold(h: Held): void {
    if (this.held.some((x) => x.rel === h.rel && x.data.length >= h.data.length)) return;
    this.held.push(h);
    this.heldBytes += h.data.length;
    if (this.heldBytes > MAX_TCP_OUT_OF_ORDER_BYTES) this.skipToHeld();
  }

  /** Declares the bytes before the earliest held segment missing, then delivers what follows. */
  private skipToHeld(): void {
    if (this.held.length === 0) return;
    const first = Math.min(...this.held.map((h) => h.rel));
    if (first > this.delivered) {
      this.gaps.push({ direction: this.direction, offset: this.delivered, length: first - this.delivered });
      this.delivered = first;
    }
    this.drain();
  }

  private drain(): void {
    for (;;) {
      this.held.sort((a, b) => a.rel - b.rel);
      const next = this.held[0];
      if (!next || next.rel > this.delivered) return;
      this.held.shift();
      this.heldBytes -= next.data.length;
      const end = next.rel + next.data.length;
      if (end > this.delivered) this.deliver(next.data.subarray(this.delivered - next.rel), next.timeMs);
    }
  }

  private deliver(data: Buffer, timeMs: number): void {
    const offset = this.delivered;
    this.delivered += data.length;
    if (!this.keep || this.capped) return;
    const room = MAX_TCP_STREAM_BYTES_PER_DIRECTION - this.kept;
    const budgetRoom = this.budget.limit - this.budget.used;
    const take = Math.min(data.length, room, budgetRoom);
    if (take < data.length) {
      this.capped = true;
      if (budgetRoom < data.length) this.budget.exhausted = true;
    }
    if (take <= 0) return;
    // A copy, so the kept bytes do not pin the file-read buffer they were sliced from.
    this.chunks.push({ direction: this.direction, timeMs, offset, bytes: Buffer.from(data.subarray(0, take)) });
    this.kept += take;
    this.budget.used += take;
  }

  /** At the end of the capture: bytes still waiting behind a hole are delivered after a gap. */
  finish(): void {
    while (this.held.length > 0) this.skipToHeld();
  }

  /** Drops the kept bytes (the connection turned out not to be TLS) and stops keeping more. */
  release(): void {
    this.keep = false;
    this.budget.used -= this.kept;
    this.kept = 0;
    this.chunks.length = 0;
    this.held = [];
    this.heldBytes = 0;
  }
}
