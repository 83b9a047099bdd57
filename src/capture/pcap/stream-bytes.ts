// The payload bytes of a captured TCP segment, for writing it back out (pcap-out.ts). A Capture
// keeps each direction's stream as chunks (offsets from where TLS starts) and the plaintext before
// TLS as prologue entries; a segment knows its relative sequence number and length. This maps one
// onto the other without copying the stream: bytes the capture did not keep are zeros.

import type { Capture, CaptureChunk, CapturePacket, Direction } from '../types.js';

export class StreamBytes {
  /** The direction's chunks by stream offset, and the prologue as chunks just before offset 0. */
  private readonly chunks: CaptureChunk[];
  /** Stream offset (TLS space) = relative seq − shift. */
  private readonly shift: number | undefined;

  constructor(capture: Capture, direction: Direction, packets: readonly CapturePacket[]) {
    const prologue = (capture.prologue ?? []).filter((p) => p.direction === direction);
    let at = -prologue.reduce((n, p) => n + p.bytes.length, 0);
    const before: CaptureChunk[] = prologue.map((p) => {
      const c = { direction, timeMs: p.timeMs, offset: at, bytes: p.bytes };
      at += p.bytes.length;
      return c;
    });
    this.chunks = [...before, ...capture.chunks.filter((c) => c.direction === direction)].sort((a, b) => a.offset - b.offset);
    // A segment whose payload was kept whole ties its sequence number to a stream offset.
    const tie = packets.find((p) => p.direction === direction && p.stream !== undefined && p.stream.length === p.payloadLength);
    this.shift = tie?.stream ? tie.seq - tie.stream.offset : undefined;
  }

  /** The segment's payload (its full length), from the kept stream. */
  payloadOf(p: CapturePacket): Uint8Array {
    const out = new Uint8Array(p.payloadLength);
    if (p.payloadLength === 0) return out;
    const start = p.stream && p.stream.length === p.payloadLength ? p.stream.offset : this.shift !== undefined ? p.seq - this.shift : undefined;
    if (start === undefined) return out;
    this.copy(out, start);
    return out;
  }

  private copy(out: Uint8Array, start: number): void {
    const end = start + out.length;
    // Binary search for the first chunk ending after `start`.
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid];
      if (c.offset + c.bytes.length <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.chunks.length && this.chunks[i].offset < end; i++) {
      const c = this.chunks[i];
      const from = Math.max(start, c.offset);
      const to = Math.min(end, c.offset + c.bytes.length);
      if (to > from) out.set(c.bytes.subarray(from - c.offset, to - c.offset), from - start);
    }
  }
}
