// A pass-through Duplex between Node's TLS stack and the TCP socket. TLS writes go to the socket,
// socket reads come back to TLS, and every chunk in either direction is recorded with its
// direction, time and stream offset before it moves on. Recording happens on the socket side of
// the tap, so bytes still count when TLS has already given up (a server's HTTP error page, an
// alert after a failed handshake).
//
// The recording is capped per direction; the connection is not. Past the cap the tap keeps
// forwarding (back-pressure still applies, so memory stays bounded) and only stops recording:
// a server that sends a banner or megabytes of application data right after its Finished must
// not turn a completed handshake into a failure, and the bytes that finish the handshake may sit
// in the same socket read as the first bytes past the cap.

import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CaptureChunk, Direction } from './types.js';
import { MAX_CAPTURE_BYTES_PER_DIRECTION } from '../limits.js';

/** Default cap on recorded bytes per direction; past it the tap stops recording (not forwarding). */
export const DEFAULT_CAPTURE_LIMIT = MAX_CAPTURE_BYTES_PER_DIRECTION;

export interface TapOptions {
  /** `performance.now()` at the start of the capture; chunk times are relative to it. */
  t0: number;
  /** Maximum bytes recorded per direction. */
  limit?: number;
  /** Called for every server chunk as it arrives, recorded or not (the capture watches the framing). */
  onServerChunk?: (chunk: Uint8Array) => void;
  /** Called once per direction when it exceeds the limit; `recorded` bytes were kept. */
  onLimit?: (direction: Direction, recorded: number) => void;
}

export class RecordingTap extends Duplex {
  readonly chunks: CaptureChunk[] = [];
  private readonly streamOffset: Record<Direction, number> = { client: 0, server: 0 };
  private readonly seen: Record<Direction, number> = { client: 0, server: 0 };
  private readonly stopped: Record<Direction, boolean> = { client: false, server: false };
  private readonly limit: number;

  constructor(
    readonly socket: Socket,
    private readonly opts: TapOptions,
  ) {
    super();
    this.limit = opts.limit ?? DEFAULT_CAPTURE_LIMIT;
    socket.on('data', (data: Buffer) => {
      this.record('server', data);
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

  /** Bytes that passed through in a direction, recorded or not. */
  received(direction: Direction): number {
    return this.seen[direction];
  }

  /** Records a chunk, or the part of it that fits under the limit; the whole chunk moves on either way. */
  private record(direction: Direction, data: Buffer): void {
    this.seen[direction] += data.length;
    if (this.stopped[direction]) return;
    const room = this.limit - this.streamOffset[direction];
    const take = Math.min(room, data.length);
    if (take > 0) {
      // Copy: the socket may reuse its buffers, and the capture outlives them.
      const bytes = new Uint8Array(data.subarray(0, take));
      this.chunks.push({ direction, timeMs: performance.now() - this.opts.t0, offset: this.streamOffset[direction], bytes });
      this.streamOffset[direction] += take;
    }
    if (take < data.length) {
      this.stopped[direction] = true;
      this.opts.onLimit?.(direction, this.streamOffset[direction]);
    }
  }

  override _read(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.record('client', chunk);
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
