// A small recording TLS client for tests: Node's `tls` runs over capture's RecordingTap (the one
// tap, src/capture/tap.ts), which copies every byte to and from the TCP socket with its direction,
// time and stream offset. The connection logic here is its own, so tests and fixtures stay
// checked independently of `captureHandshake`; the recording is not a second implementation.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { RecordingTap } from '../../src/capture/tap.js';
import type { Capture, NodeSummary } from '../../src/capture/types.js';
import type { Direction } from '../../src/decode/types.js';

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
  let duplex: RecordingTap | undefined;

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
      // No recording cap: a test records whatever its server sends.
      duplex = new RecordingTap(socket, { t0, limit: Number.POSITIVE_INFINITY });
      const tap = duplex;
      // The tap leaves socket errors to its owner: pass them to TLS, as a failed read would.
      socket.on('error', (e) => tap.destroy(e));
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
