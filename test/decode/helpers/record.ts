// A tiny recording client for decoder tests: a Node TLS client whose bytes pass through capture's
// RecordingTap (src/capture/tap.ts, the one tap), which records every chunk with direction, time
// and stream offset. The connection logic stays here, apart from `captureHandshake`.

import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { RecordingTap } from '../../../src/capture/tap.js';
import type { Capture } from '../../../src/capture/types.js';

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
  // No recording cap: a test records whatever its server sends.
  const tap = new RecordingTap(socket, { t0: performance.now(), limit: Number.POSITIVE_INFINITY });
  // The tap leaves socket errors to its owner: pass them to TLS, as a failed read would.
  socket.on('error', (e) => tap.destroy(e));
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
