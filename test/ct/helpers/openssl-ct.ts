// openssl as the independent judge of SCTs: `openssl s_client -ct -ctlogfile` against a server,
// parsed into one verdict per SCT (keyed by log ID and timestamp), `openssl x509 -text`'s decoded
// SCT list, and a recording TCP relay so the same s_client handshake (which asks for SCTs, unlike
// Node's client) can be decoded by tls-trace.

import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Capture, CaptureChunk } from '../../../src/capture/types.js';

export interface OpensslSct {
  /** Log ID, lower-case hex without colons. */
  logId: string;
  /** `Dec  2 06:31:17.751 2026 GMT` as openssl prints it. */
  timestamp: string;
  /** `valid`, `invalid`, `unknown log`, `unknown version`, … (s_client only). */
  status?: string;
  signature?: string;
}

/** The SCT blocks openssl prints (x509 -text and s_client -ct share SCT_print's layout). */
export function parseOpensslScts(text: string): OpensslSct[] {
  const out: OpensslSct[] = [];
  const blocks = text.split(/Signed Certificate Timestamp:/).slice(1);
  const before = text.split(/Signed Certificate Timestamp:/);
  blocks.forEach((b, i) => {
    const status = /SCT validation status: (.+)\s*$/.exec(before[i].trimEnd())?.[1]?.trim();
    const id = /Log ID\s*:\s*((?:[0-9A-F]{2}:?\s*)+)/.exec(b)?.[1] ?? '';
    const ts = /Timestamp\s*:\s*(.+)/.exec(b)?.[1]?.trim() ?? '';
    const sig = /Signature\s*:\s*(\S+)/.exec(b)?.[1];
    // An SCT of a version openssl does not know has no log ID; it is keyed by its position then.
    const logId = id ? id.replace(/[:\s]/g, '').toLowerCase() : `#${i}`;
    out.push({ logId, timestamp: ts, ...(status ? { status } : {}), ...(sig ? { signature: sig } : {}) });
  });
  return out;
}

/** `openssl x509 -text` of a PEM file, SCTs parsed. */
export function x509Scts(pemFile: string): OpensslSct[] {
  return parseOpensslScts(execFileSync('openssl', ['x509', '-in', pemFile, '-noout', '-text'], { encoding: 'utf8', timeout: 20_000 }));
}

/** s_client -ct against host:port; resolves its whole output (stdout and stderr). Never blocks the event loop. */
export function sClientCt(port: number, opts: { logFile: string; caFile?: string; version?: '-tls1_2' | '-tls1_3'; keylogFile?: string }): Promise<string> {
  // Without caFile the chain does not verify, so openssl has no issuer for embedded SCTs.
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-ct', '-ctlogfile', opts.logFile, ...(opts.caFile ? ['-CAfile', opts.caFile] : [])];
  if (opts.version) args.push(opts.version);
  if (opts.keylogFile) args.push('-keylogfile', opts.keylogFile);
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 20_000, encoding: 'utf8' }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    // Q ends the connection once the handshake is done.
    child.stdin?.end('Q\n');
  });
}

export interface Relay {
  port: number;
  /** The bytes of the first connection through the relay, as a capture tls-trace can decode. */
  capture(keylog: string[]): Capture;
  close(): Promise<void>;
}

/** A TCP relay to 127.0.0.1:`target` that records both directions of the connections through it. */
export function recordingRelay(target: number): Promise<Relay> {
  const chunks: CaptureChunk[] = [];
  const offsets = { client: 0, server: 0 };
  const t0 = performance.now();
  const sockets = new Set<net.Socket>();
  const record = (direction: 'client' | 'server', bytes: Buffer): void => {
    chunks.push({ direction, timeMs: performance.now() - t0, offset: offsets[direction], bytes: new Uint8Array(bytes) });
    offsets[direction] += bytes.length;
  };
  const server = net.createServer((c) => {
    const up = net.connect(target, '127.0.0.1');
    sockets.add(c).add(up);
    c.on('data', (d: Buffer) => (record('client', d), up.write(d)));
    up.on('data', (d: Buffer) => (record('server', d), c.write(d)));
    c.on('end', () => up.end());
    up.on('end', () => c.end());
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        capture: (keylog) => ({
          format: 'tls-trace-capture',
          version: 1,
          target: { host: 'localhost', port, servername: 'localhost', address: '127.0.0.1' },
          startedAt: new Date().toISOString(),
          timings: { totalMs: performance.now() - t0 },
          options: {},
          chunks,
          keylog,
        }),
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
