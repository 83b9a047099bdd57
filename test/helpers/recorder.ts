// A small recording TLS client for tests: Node's `tls` runs over a Duplex that copies every byte
// to and from the TCP socket and notes its direction, time and stream offset. It yields the same
// `Capture` shape as the real capture layer (src/capture), so tests and fixtures can be written
// before — and checked independently of — `captureHandshake`.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Capture, CaptureChunk, NodeSummary } from '../../src/capture/types.js';
import type { Direction } from '../../src/decode/types.js';

/** A Duplex between Node's TLS engine and a TCP socket that records both directions. */
export class RecordingDuplex extends Duplex {
  readonly chunks: CaptureChunk[] = [];
  private readonly offsets: Record<Direction, number> = { client: 0, server: 0 };

  constructor(
    private readonly socket: net.Socket,
    private readonly t0: number,
  ) {
    super();
    socket.on('data', (b: Buffer) => {
      this.note('server', b);
      if (!this.push(b)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  private note(direction: Direction, b: Uint8Array): void {
    this.chunks.push({ direction, timeMs: performance.now() - this.t0, offset: this.offsets[direction], bytes: Uint8Array.from(b) });
    this.offsets[direction] += b.length;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.note('client', chunk);
    this.socket.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

export interface RecordOptions extends Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port'> {
  host: string;
  port: number;
  /** Bound on the whole exchange; default 5 s. */
  timeoutMs?: number;
  /**
   * After the handshake, keep reading this long for post-handshake messages (TLS 1.3
   * NewSessionTicket) before closing; default 100 ms. The server closing first ends it earlier.
   */
  lingerMs?: number;
  /** Bytes to send once the handshake is done (e.g. an HTTP request). */
  send?: string | Uint8Array;
}

/**
 * Connects, handshakes (certificate errors are ignored unless `rejectUnauthorized` is set), lingers,
 * closes, and returns the capture. Handshake failures (alerts, resets) end up in `error`, never
 * thrown, so tests can look at the partial bytes.
 */
export async function recordHandshake(opts: RecordOptions): Promise<Capture> {
  const { host, port, timeoutMs = 5000, lingerMs = 100, send, ...tlsOpts } = opts;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const socket = net.connect({ host, port });
  let connectMs: number | undefined;
  let tlsStart = 0;
  let tlsMs: number | undefined;
  const keylog: string[] = [];
  let node: NodeSummary | undefined;
  let error: Capture['error'];
  let duplex: RecordingDuplex | undefined;

  await new Promise<void>((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(overall);
      socket.destroy();
      resolve();
    };
    const overall = setTimeout(() => {
      error ??= { code: 'timeout', message: `no result within ${timeoutMs} ms` };
      finish();
    }, timeoutMs);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (tlsMs !== undefined) return finish();
      error ??= { code: e.code === 'ECONNREFUSED' ? 'refused' : 'socket', message: e.message };
      finish();
    });
    socket.once('connect', () => {
      connectMs = performance.now() - t0;
      tlsStart = performance.now();
      duplex = new RecordingDuplex(socket, t0);
      const servername = tlsOpts.servername ?? (net.isIP(host) ? undefined : host);
      const conn = tls.connect({ rejectUnauthorized: false, ...tlsOpts, servername, socket: duplex });
      conn.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trimEnd()));
      conn.on('error', (e: NodeJS.ErrnoException) => {
        // After the handshake, errors come from closing (e.g. a peer that closes at the same
        // time); the capture is complete, so they are not the capture's error.
        if (tlsMs !== undefined) return finish();
        error ??= { code: /alert/i.test(e.message) ? 'alert' : e.code === 'ECONNRESET' ? 'reset' : 'tls', message: e.message };
        finish();
      });
      conn.on('data', () => undefined);
      conn.on('close', finish);
      conn.once('secureConnect', () => {
        tlsMs = performance.now() - tlsStart;
        const cipher = conn.getCipher();
        const peer = conn.getPeerCertificate(true);
        const chain: string[] = [];
        const seen = new Set<string>();
        for (let c: tls.DetailedPeerCertificate | undefined = peer; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
          seen.add(c.fingerprint256);
          chain.push(c.raw.toString('hex'));
        }
        const ek = conn.getEphemeralKeyInfo();
        node = {
          protocol: conn.getProtocol() ?? undefined,
          cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
          alpn: typeof conn.alpnProtocol === 'string' ? conn.alpnProtocol : undefined,
          ephemeralKey: ek && 'type' in ek && ek.type ? { type: ek.type, name: ek.name, size: ek.size ?? 0 } : undefined,
          peerCertificates: chain,
          authorized: conn.authorized,
          authorizationError: conn.authorizationError ? String(conn.authorizationError) : undefined,
          sessionReused: conn.isSessionReused(),
        };
        if (send !== undefined) conn.write(send);
        setTimeout(() => conn.end(), lingerMs);
      });
    });
  });

  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host, port, servername: tlsOpts.servername ?? (net.isIP(host) ? undefined : host), address: host, family: net.isIP(host) === 6 ? 6 : 4 },
    startedAt,
    timings: { connectMs, tlsMs, totalMs: performance.now() - t0 },
    options: {
      minVersion: tlsOpts.minVersion,
      maxVersion: tlsOpts.maxVersion,
      ciphers: tlsOpts.ciphers,
      groups: tlsOpts.ecdhCurve,
      alpn: Array.isArray(tlsOpts.ALPNProtocols) ? tlsOpts.ALPNProtocols.map(String) : undefined,
      recorder: 'test/helpers/recorder.ts',
    },
    chunks: duplex?.chunks ?? [],
    keylog,
    node,
    error,
  };
}

/** Concatenates one direction's bytes, in stream order. */
export function streamBytes(capture: Capture, direction: Direction): Uint8Array {
  const parts = capture.chunks.filter((c) => c.direction === direction);
  const total = parts.reduce((n, c) => n + c.bytes.length, 0);
  const out = new Uint8Array(total);
  for (const c of parts) out.set(c.bytes, c.offset);
  return out;
}
