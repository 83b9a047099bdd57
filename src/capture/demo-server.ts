// The `--demo` server: an in-process Node TLS server on loopback serving the committed demo PKI
// (fixtures/certs/demo, made by fixtures/make-demo-certs.sh), so a trace runs with no network.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import tls from 'node:tls';

export type DemoKeyType = 'ecdsa' | 'rsa' | 'both';

export interface DemoServerOptions {
  /** Which leaf to serve: ECDSA P-256 (default), RSA 2048, or both (OpenSSL picks per client). */
  keyType?: DemoKeyType;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface DemoServer {
  host: string;
  port: number;
  /** PEM of the demo root CA: the only anchor that makes the demo chain valid. */
  caPem: string;
  close(): Promise<void>;
}

/**
 * The demo PKI directory (the package ships fixtures/certs). Found by walking up from this module,
 * which sits in src/capture/ under tsx and jest but inside the single bundle dist/tls-trace.cjs in
 * the built CLI.
 */
export function demoCertDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'fixtures', 'certs', 'demo');
    if (existsSync(path.join(candidate, 'root.pem'))) return candidate + path.sep;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('demo certificates not found (fixtures/certs/demo beside the package)');
    dir = parent;
  }
}

function readDemo(name: string): string {
  return readFileSync(demoCertDir() + name, 'utf8');
}

const HTTP_ANSWER =
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 22\r\nconnection: close\r\n\r\nhello from tls-trace!\n';

export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const keyType = opts.keyType ?? 'ecdsa';
  const kinds = keyType === 'both' ? ['ecdsa', 'rsa'] : [keyType];
  const server = tls.createServer({
    cert: kinds.map((k) => readDemo(`chain-${k}.pem`)),
    key: kinds.map((k) => readDemo(`leaf-${k}.key`)),
    ALPNProtocols: ['h2', 'http/1.1'],
    ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A client that resets (every failing handshake) must not become an unhandled error.
    s.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  server.on('secureConnection', (s: tls.TLSSocket) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end(HTTP_ANSWER));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('demo server has no TCP address');
  return {
    host,
    port: address.port,
    caPem: readDemo('root.pem'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
