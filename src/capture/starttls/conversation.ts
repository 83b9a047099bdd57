// The plaintext side of a STARTTLS connection: reads lines and byte counts from the raw socket,
// writes commands, and records every byte both ways with its time (Capture.prologue). Bounded:
// the whole dialogue and each line have caps (src/limits.ts), and the capture's one deadline
// ends the socket, which ends any read still waiting. At the go-ahead `handOff` detaches from the
// socket and gives back whatever the server sent after the go-ahead, for the TLS stack to read.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MAX_STARTTLS_LINE_BYTES, MAX_STARTTLS_PROLOGUE_BYTES } from '../../limits.js';
import type { CapturePrologue } from '../types.js';

/** Stable capture error codes of a STARTTLS dialogue that did not reach the go-ahead. */
export type StarttlsErrorCode = 'starttls-not-offered' | 'starttls-refused' | 'starttls-unexpected' | 'starttls-closed' | 'starttls-limit';

/** A dialogue that ended before the go-ahead; `message` is the one line the user sees (raw, escaped at output). */
export class StarttlsFailure extends Error {
  constructor(
    readonly code: StarttlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StarttlsFailure';
  }
}

export interface ConversationOptions {
  /** `performance.now()` the capture's times are relative to. */
  t0: number;
  /** `SMTP`, `IMAP`… for messages. */
  label: string;
  /** `host:port` for messages. */
  where: string;
  maxBytes?: number;
  maxLine?: number;
  /** Where to record (default a fresh list); the caller may read it while the dialogue runs. */
  prologue?: CapturePrologue[];
}

type Waiter = () => void;

export class Conversation {
  readonly prologue: CapturePrologue[];
  private buffer: Buffer = Buffer.alloc(0);
  private total = 0;
  private ended?: StarttlsFailure;
  private waiter?: Waiter;
  private readonly maxBytes: number;
  private readonly maxLine: number;
  private readonly onData = (d: Buffer): void => this.received(d);
  private readonly onEnd = (): void => this.stop(new StarttlsFailure('starttls-closed', `${this.opts.where} closed the connection during the ${this.opts.label} dialogue, before TLS started`));
  private readonly onError = (e: NodeJS.ErrnoException): void =>
    this.stop(new StarttlsFailure('starttls-closed', `${this.opts.where} ${e.code === 'ECONNRESET' ? 'reset' : `failed (${e.code ?? e.message})`} the connection during the ${this.opts.label} dialogue, before TLS started`));

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConversationOptions,
  ) {
    this.prologue = opts.prologue ?? [];
    this.maxBytes = opts.maxBytes ?? MAX_STARTTLS_PROLOGUE_BYTES;
    this.maxLine = opts.maxLine ?? MAX_STARTTLS_LINE_BYTES;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  get label(): string {
    return this.opts.label;
  }

  get where(): string {
    return this.opts.where;
  }

  /** Server bytes received so far. */
  get serverBytes(): number {
    return this.prologue.filter((p) => p.direction === 'server').reduce((n, p) => n + p.bytes.length, 0);
  }

  private received(d: Buffer): void {
    this.total += d.length;
    this.prologue.push({ direction: 'server', timeMs: performance.now() - this.opts.t0, bytes: new Uint8Array(d) });
    this.buffer = this.buffer.length === 0 ? Buffer.from(d) : Buffer.concat([this.buffer, d]);
    // A TLS record as the server's first bytes: the port speaks TLS at once, no line will come.
    if (this.serverBytes === d.length && looksLikeTlsRecord(d)) {
      this.stop(new StarttlsFailure('starttls-unexpected', `${this.opts.where} did not answer as ${this.opts.label} (it sent ${describeUnexpected(d.toString('latin1'))})`));
    }
    if (this.total > this.maxBytes) {
      this.stop(new StarttlsFailure('starttls-limit', `the ${this.opts.label} dialogue passed ${this.maxBytes} bytes before TLS started, tls-trace's limit for it`));
    }
    this.wake();
  }

  private stop(f: StarttlsFailure): void {
    this.ended ??= f;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  send(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    this.total += bytes.length;
    this.prologue.push({ direction: 'client', timeMs: performance.now() - this.opts.t0, bytes: new Uint8Array(bytes) });
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /**
   * Waits until `take` finds a complete unit in the buffered bytes (returns its length) and hands
   * that many bytes over. `take` returns undefined while more bytes are needed.
   */
  async read(take: (buf: Buffer) => number | undefined, what: string): Promise<Buffer> {
    for (;;) {
      const n = take(this.buffer);
      if (n !== undefined) {
        const unit = this.buffer.subarray(0, n);
        this.buffer = this.buffer.subarray(n);
        return unit;
      }
      if (this.buffer.length > this.maxLine) {
        throw new StarttlsFailure('starttls-limit', `the server's ${this.opts.label} ${what} is longer than ${this.maxLine} bytes, tls-trace's limit for one line of a STARTTLS dialogue`);
      }
      if (this.ended) throw this.ended;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** One line without its CR LF (bytes as latin1 characters: one character per byte). */
  async readLine(): Promise<string> {
    const line = await this.read((b) => {
      const i = b.indexOf(0x0a);
      return i < 0 ? undefined : i + 1;
    }, 'line');
    return line.toString('latin1').replace(/\r?\n$/, '');
  }

  /** Exactly `n` bytes. */
  readBytes(n: number, what: string): Promise<Buffer> {
    return this.read((b) => (b.length >= n ? n : undefined), what);
  }

  /** Bytes buffered but not read yet (what the server sent so far beyond the last unit read). */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Stops listening, leaves the socket paused and returns the bytes the server sent after the
   * go-ahead (they are TLS's, so the prologue ends exactly at the go-ahead).
   */
  handOff(opts: { keep?: boolean } = {}): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    const rest = this.buffer;
    let cut = rest.length;
    for (let i = this.prologue.length - 1; i >= 0 && cut > 0; i--) {
      const p = this.prologue[i];
      if (p.direction !== 'server') continue;
      const drop = Math.min(cut, p.bytes.length);
      p.bytes = p.bytes.subarray(0, p.bytes.length - drop);
      cut -= drop;
      if (p.bytes.length === 0) this.prologue.splice(i, 1);
    }
    this.buffer = Buffer.alloc(0);
    // `keep`: the caller feeds the bytes to TLS itself (replay-stream.ts); otherwise they go back
    // into the socket, where a tap reading its 'data' events finds them first.
    if (rest.length > 0 && !opts.keep) this.socket.unshift(rest);
    return rest;
  }
}

/** A TLS record header: content type 20–24, major version 3, minor 0–4. */
function looksLikeTlsRecord(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] >= 0x14 && b[0] <= 0x18 && b[1] === 3 && b[2] <= 4;
}

/** What the server's first bytes look like, for "speaks another protocol" messages. */
export function describeUnexpected(line: string): string {
  const c0 = line.charCodeAt(0);
  if (c0 >= 0x14 && c0 <= 0x18 && line.charCodeAt(1) === 0x03) return 'TLS (the port speaks TLS at once: try --starttls none)';
  const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  return `"${shown}"`;
}

/** The failure for a server whose answer is not the protocol's: names both protocols' views. */
export function unexpected(conv: Conversation, line: string, expected: string): StarttlsFailure {
  return new StarttlsFailure('starttls-unexpected', `${conv.where} did not answer as ${conv.label} (expected ${expected}; it sent ${describeUnexpected(line)})`);
}
