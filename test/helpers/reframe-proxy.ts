// A loopback TCP proxy that re-frames plaintext handshake records. TLS lets a sender pack several
// handshake messages into one record or spread one message over several (RFC 8446 §5.1, RFC 5246
// §6.2.1), and the transcript covers messages, not records, so the handshake still succeeds.
// Real servers rarely do either, so tests use this proxy to make them: every run of plaintext
// handshake records that arrives in one TCP read is concatenated and cut again into records of
// `recordSize` body bytes — small messages end up sharing a record, a Certificate spans many.
// Once a direction sends ChangeCipherSpec (or anything not a handshake record), its bytes pass
// through untouched: protected records cannot be re-framed without the keys.

import net from 'node:net';
import { listenInProcess, type TestServer } from './servers.js';

export interface ReframeOptions {
  /** Where to forward to. */
  target: { host: string; port: number };
  /** Body bytes per re-framed record (1 … 16384). */
  recordSize: number;
  /** Which directions to re-frame; default both. */
  directions?: Array<'client' | 'server'>;
}

/** Re-frames one direction's stream; `push` returns the bytes to forward now. */
class Reframer {
  private buffered = Buffer.alloc(0);
  private passThrough = false;

  constructor(private readonly recordSize: number) {}

  push(chunk: Buffer): Buffer {
    if (this.passThrough) return chunk;
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const out: Buffer[] = [];
    let pending: Buffer[] = [];
    let pendingVersion = 0x0303;
    const flush = (): void => {
      const body = Buffer.concat(pending);
      for (let i = 0; i < body.length; i += this.recordSize) {
        const piece = body.subarray(i, i + this.recordSize);
        const header = Buffer.from([22, pendingVersion >> 8, pendingVersion & 0xff, piece.length >> 8, piece.length & 0xff]);
        out.push(header, piece);
      }
      pending = [];
    };
    while (!this.passThrough && this.buffered.length >= 5) {
      const type = this.buffered[0];
      const length = this.buffered.readUInt16BE(3);
      if (this.buffered.length < 5 + length) break;
      const record = this.buffered.subarray(0, 5 + length);
      this.buffered = this.buffered.subarray(5 + length);
      if (type === 22) {
        if (pending.length === 0) pendingVersion = record.readUInt16BE(1);
        pending.push(record.subarray(5));
      } else {
        flush();
        out.push(record);
        this.passThrough = true;
      }
    }
    flush();
    if (this.passThrough) {
      out.push(this.buffered);
      this.buffered = Buffer.alloc(0);
    }
    return Buffer.concat(out);
  }
}

/** Starts the proxy on 127.0.0.1 (ephemeral port). `output()` lists connections and errors. */
export async function startReframingProxy(opts: ReframeOptions): Promise<TestServer> {
  if (!(opts.recordSize >= 1 && opts.recordSize <= 16384)) throw new Error('recordSize must be 1 … 16384');
  const directions = opts.directions ?? ['client', 'server'];
  const log: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(opts.target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', (e) => log.push(`socket error: ${e.message}`));
    }
    const fromClient = directions.includes('client') ? new Reframer(opts.recordSize) : undefined;
    const fromServer = directions.includes('server') ? new Reframer(opts.recordSize) : undefined;
    client.on('data', (b: Buffer) => upstream.write(fromClient ? fromClient.push(b) : b));
    upstream.on('data', (b: Buffer) => client.write(fromServer ? fromServer.push(b) : b));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    log.push('connection');
  });
  return listenInProcess(server, '127.0.0.1', sockets, log, 'proxy');
}
