// A tiny recording client for decoder tests: a Node TLS client whose bytes pass through a Duplex
// that records every chunk with direction, time and stream offset (the real tap lives in
// src/capture; these tests must not depend on it).

import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import type { Capture, CaptureChunk } from '../../../src/capture/types.js';

class Tap extends Duplex {
  readonly chunks: CaptureChunk[] = [];
  private readonly offsets = { client: 0, server: 0 };
  private readonly t0 = performance.now();

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (b: Buffer) => {
      this.note('server', b);
      this.push(b);
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
  }

  private note(direction: 'client' | 'server', b: Buffer): void {
    this.chunks.push({ direction, timeMs: performance.now() - this.t0, offset: this.offsets[direction], bytes: new Uint8Array(b) });
    this.offsets[direction] += b.length;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.note('client', chunk);
    this.socket.write(chunk, cb);
  }

  override _read(): void {}

  override _final(cb: () => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

export interface RecordOptions extends tls.ConnectionOptions {
  port: number;
  host?: string;
  /** How long to keep reading after the handshake (tickets, data, close_notify). */
  lingerMs?: number;
  /** Receives each session (ticket) the server issues, for a resumption test. */
  onSession?: (session: Buffer) => void;
}

/** Connects, handshakes, lingers briefly, and returns everything both sides sent. */
export async function record(opts: RecordOptions): Promise<Capture> {
  const { port, host = '127.0.0.1', lingerMs = 150, onSession, ...tlsOpts } = opts;
  const socket = net.connect({ port, host });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timeout')), 5000);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
  const tap = new Tap(socket);
  const client = tls.connect({ socket: tap, rejectUnauthorized: false, ...tlsOpts });
  if (onSession) client.on('session', onSession);
  let error: string | undefined;
  let node: Capture['node'];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      error ??= 'timeout';
      resolve();
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('secureConnect', () => {
      const cipher = client.getCipher();
      const eph = client.getEphemeralKeyInfo();
      node = {
        protocol: client.getProtocol() ?? undefined,
        cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
        alpn: typeof client.alpnProtocol === 'string' ? client.alpnProtocol : undefined,
        ephemeralKey: eph && 'type' in eph ? { type: String(eph.type), name: eph.name, size: Number(eph.size) } : undefined,
      };
      client.resume();
      client.once('end', done);
      setTimeout(done, lingerMs);
    });
    client.once('error', (e) => {
      error = e.message;
      setTimeout(done, 50);
    });
  });
  client.destroy();
  socket.destroy();
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host, port },
    startedAt: new Date().toISOString(),
    timings: { totalMs: 0 },
    options: {},
    chunks: tap.chunks,
    keylog: [],
    node,
    error: error ? { code: 'handshake', message: error } : undefined,
  };
}
