// TCP reassembly of one direction of one connection: segments in any order become one contiguous
// byte stream. Sequence numbers are taken relative to the stream's first byte (ISN + 1 when the
// SYN was captured, else the first segment's sequence number), modulo 2^32. Retransmitted bytes
// are dropped (the first copy wins, as in most stacks), overlaps trimmed, out-of-order segments
// held until the bytes before them arrive, and bytes that never arrive become a recorded gap.

import { MAX_TCP_OUT_OF_ORDER_BYTES, MAX_TCP_OUT_OF_ORDER_SEGMENTS, MAX_TCP_STREAM_BYTES_PER_DIRECTION } from '../../limits.js';
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
  length: number;
  /** The bytes, charged to the budget; absent when they would not be kept anyway (or the budget had no room). */
  data?: Buffer;
  timeMs: number;
  frame: number;
}

/** What became of a segment's payload: the packet list's note, or none for bytes in order. */
export type Placement = 'none' | 'in-order' | 'retransmission' | 'overlap' | 'out-of-order';

/** What `add` says of a segment without payload: one shared object (read, never changed), not one per ACK. */
const NOTHING_PLACED: Readonly<Pick<CapturePacket, 'stream' | 'note'>> = Object.freeze({});

export class TcpStream {
  /** Absolute sequence number of stream byte 0, once known. */
  private base: number | undefined;
  /** Stream bytes delivered so far (the next expected relative sequence number). */
  delivered = 0;
  readonly chunks: CaptureChunk[] = [];
  readonly gaps: CaptureGap[] = [];
  /** Sorted by `rel`, at most one entry per `rel`, so draining and skipping never sort or scan. */
  private held: Held[] = [];
  /** Entries before this index were delivered; dropped in bulk so draining one is not a shift of all. */
  private heldHead = 0;
  private heldBytes = 0;
  /** Times tls-trace's out-of-order limits (segments or bytes) declared missing bytes a gap early. */
  heldLimitHits = 0;
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

  /**
   * Takes one segment's sequence number, flags and payload, and its frame's position in the file
   * (which orders chunks whose timestamps tie); returns what it did for the packet list.
   */
  add(seq: number, syn: boolean, payload: Buffer, timeMs: number, frame = 0): Pick<CapturePacket, 'stream' | 'note'> {
    const how = this.place(seq, syn, payload, timeMs, frame);
    if (how === 'none') return NOTHING_PLACED;
    const stream = { offset: this.placedOffset, length: this.placedLength };
    return how === 'in-order' ? { stream } : { stream, note: how };
  }

  /** Where `place` put the last payload: its stream offset and length (read right after the call). */
  placedOffset = 0;
  placedLength = 0;

  /**
   * `add` without the answer object, for a connection whose packets are not listed (a segment of
   * a large capture then makes no object here): what happened to the payload, 'none' without one.
   */
  place(seq: number, syn: boolean, payload: Buffer, timeMs: number, frame = 0): Placement {
    if (syn) {
      this.synSeen = true;
      this.isn = seq;
      if (this.base === undefined) this.base = (seq + 1) >>> 0;
    }
    if (payload.length === 0) {
      // A side whose SYN was not captured and that has sent no data yet (a bare ACK, a FIN): number
      // its segments from this one, as tshark does, so its FIN and the other side's ACKs of it get
      // sequence numbers; the stream itself starts at its first data, which re-bases them alike.
      if (this.isn === undefined && !syn) this.isn = (seq - 1) >>> 0;
      return 'none';
    }
    const start = syn ? (seq + 1) >>> 0 : seq;
    if (this.base === undefined) {
      // The SYN was not captured: the stream starts at the first data seen.
      this.base = start;
      this.isn = (start - 1) >>> 0;
    }
    let rel = this.relative(start);
    let data = payload;
    const end = rel + data.length;
    this.placedOffset = rel;
    this.placedLength = data.length;
    if (end <= this.delivered) return 'retransmission';
    let how: Placement = 'in-order';
    if (rel < this.delivered) {
      data = data.subarray(this.delivered - rel);
      rel = this.delivered;
      how = 'overlap';
      this.placedOffset = rel;
      this.placedLength = data.length;
    }
    if (rel > this.delivered) {
      this.hold(rel, data, timeMs, frame);
      return 'out-of-order';
    }
    this.deliver(data, data.length, timeMs, frame);
    this.drain();
    return how;
  }

  private hold(rel: number, payload: Buffer, timeMs: number, frame: number): void {
    const at = this.heldIndex(rel);
    const same = this.held[at];
    if (same !== undefined && same.rel === rel && same.length >= payload.length) return;
    const h: Held = { rel, length: payload.length, timeMs, frame };
    // Held bytes count against the shared budget like kept ones; without room they are dropped here
    // and that shows when they are delivered (capped), as it would have there.
    if (this.keep && !this.capped && this.budget.used + payload.length <= this.budget.limit) {
      h.data = Buffer.from(payload);
      this.budget.used += payload.length;
      this.heldBytes += payload.length;
    }
    if (same !== undefined && same.rel === rel) {
      this.unhold(same);
      this.held[at] = h;
    } else this.held.splice(at, 0, h);
    if (this.heldBytes > MAX_TCP_OUT_OF_ORDER_BYTES || this.heldCount > MAX_TCP_OUT_OF_ORDER_SEGMENTS) {
      this.heldLimitHits++;
      this.skipToHeld();
    }
  }

  /** Index of the first held segment with rel >= `rel` (binary search over the sorted list). */
  private heldIndex(rel: number): number {
    let lo = this.heldHead;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.held[mid].rel < rel) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private get heldCount(): number {
    return this.held.length - this.heldHead;
  }

  /** Gives a held segment's bytes back to the budget. */
  private unhold(h: Held): void {
    if (h.data === undefined) return;
    this.heldBytes -= h.data.length;
    this.budget.used -= h.data.length;
  }

  /** Declares the bytes before the earliest held segment missing, then delivers what follows. */
  private skipToHeld(): void {
    const first = this.held[this.heldHead];
    if (first === undefined) return;
    if (first.rel > this.delivered) {
      this.gaps.push({ direction: this.direction, offset: this.delivered, length: first.rel - this.delivered });
      this.delivered = first.rel;
    }
    this.drain();
  }

  private drain(): void {
    while (this.heldHead < this.held.length && this.held[this.heldHead].rel <= this.delivered) {
      const next = this.held[this.heldHead++];
      this.unhold(next);
      const skip = this.delivered - next.rel;
      if (next.length > skip) this.deliver(next.data?.subarray(skip), next.length - skip, next.timeMs, next.frame);
    }
    // Compacts once the delivered entries outnumber the waiting ones: amortised O(1) per segment.
    if (this.heldHead > 0 && this.heldHead * 2 >= this.held.length) {
      this.held.splice(0, this.heldHead);
      this.heldHead = 0;
    }
  }

  /** `data` undefined: `length` bytes that were not kept while held (not TLS, or no budget room). */
  private deliver(data: Buffer | undefined, length: number, timeMs: number, frame: number): void {
    const offset = this.delivered;
    this.delivered += length;
    if (!this.keep || this.capped) return;
    if (data === undefined) {
      this.capped = true;
      this.budget.exhausted = true;
      return;
    }
    const room = MAX_TCP_STREAM_BYTES_PER_DIRECTION - this.kept;
    const budgetRoom = this.budget.limit - this.budget.used;
    const take = Math.min(data.length, room, budgetRoom);
    if (take < data.length) {
      this.capped = true;
      if (budgetRoom < data.length) this.budget.exhausted = true;
    }
    if (take <= 0) return;
    // A copy, so the kept bytes do not pin the file-read buffer they were sliced from.
    const bytes = Buffer.allocUnsafe(take);
    data.copy(bytes, 0, 0, take);
    this.chunks.push({ direction: this.direction, timeMs, offset, bytes, frame });
    this.kept += take;
    this.budget.used += take;
  }

  /** At the end of the capture: bytes still waiting behind a hole are delivered after a gap. */
  finish(): void {
    while (this.heldCount > 0) this.skipToHeld();
  }

  /** Drops the kept bytes (the connection turned out not to be TLS) and stops keeping more. */
  release(): void {
    this.keep = false;
    this.budget.used -= this.kept;
    this.kept = 0;
    this.chunks.length = 0;
    // Held segments keep their place (the stream's length is still counted) but give back their bytes.
    for (const h of this.held.slice(this.heldHead)) {
      this.unhold(h);
      delete h.data;
    }
  }
}
