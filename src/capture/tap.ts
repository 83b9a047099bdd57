// A pass-through Duplex between Node's TLS stack and the TCP socket. TLS writes go to the socket,
// socket reads come back to TLS, and every chunk in either direction is recorded with its
// direction, time and stream offset before it moves on. Recording happens on the socket side of
// the tap, so bytes still count when TLS has already given up (a server's HTTP error page, an
// alert after a failed handshake).

import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CaptureChunk, Direction } from './types.js';

/** Default cap on recorded bytes per direction; past it the capture stops with `capture-limit`. */
import { MAX_CAPTURE_BYTES_PER_DIRECTION } from '../limits.js';
export const DEFAULT_CAPTURE_LIMIT = MAX_CAPTURE_BYTES_PER_DIRECTION;

export interface TapOptions {
  /** `performance.now()` at the start of the capture; chunk times are relative to it. */
  t0: number;
  /** Maximum bytes recorded per direction. */
  limit?: number;
  /** Called for every server chunk after it is recorded (the capture peeks at the first bytes). */
  onServerChunk?: (chunk: Uint8Array) => void;
  /** Called once when a direction exceeds the limit; the tap has stopped forwarding by then. */
  onLimit?: (direction: Direction) => void;
}

export class RecordingTap extends Duplex {
  readonly chunks: CaptureChunk[] = [];
  private readonly streamOffset: Record<Direction, number> = { client: 0, server: 0 };
  private readonly limit: number;
  private limitHit = false;

  constructor(
    readonly socket: Socket,
    private readonly opts: TapOptions,
  ) {
    super();
    this.limit = opts.limit ?? DEFAULT_CAPTURE_LIMIT;
    socket.on('data', (data: Buffer) => {
      if (!this.record('server', data)) return;
      opts.onServerChunk?.(data);
      // Back-pressure: if TLS is not reading, stop reading the socket until it asks again.
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    // Socket errors are reported by the capture from the socket itself; the tap just ends so the
    // TLS layer sees the stream close instead of an unrelated error.
    socket.on('close', () => {
      if (!this.readableEnded) this.push(null);
    });
  }

  /** Bytes recorded so far in a direction. */
  bytes(direction: Direction): number {
    return this.streamOffset[direction];
  }

  /**
   * Records a chunk, or the part of it that fits under the limit. Returns false (and stops the
   * capture) when the limit was reached: nothing past it is forwarded.
   */
  private record(direction: Direction, data: Buffer): boolean {
    if (this.limitHit) return false;
    const room = this.limit - this.streamOffset[direction];
    const take = Math.min(room, data.length);
    if (take > 0) {
      // Copy: the socket may reuse its buffers, and the capture outlives them.
      const bytes = new Uint8Array(data.subarray(0, take));
      this.chunks.push({ direction, timeMs: performance.now() - this.opts.t0, offset: this.streamOffset[direction], bytes });
      this.streamOffset[direction] += take;
    }
    if (take < data.length) {
      this.limitHit = true;
      this.socket.pause();
      this.opts.onLimit?.(direction);
      return false;
    }
    return true;
  }

  override _read(): void {
    if (this.socket.isPaused() && !this.limitHit) this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.record('client', chunk)) {
      callback();
      return;
    }
    if (this.socket.destroyed) {
      callback();
      return;
    }
    this.socket.write(chunk, (err) => callback(err ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
