// The server the scan benchmark (bench/scan.ts) and the scanner agreement test
// (test/scan/agreement.test.ts) share: one loopback nginx with a configuration that gives every
// shared check something to find — TLS 1.0 to 1.3, server cipher order, ECDHE and DHE suites next
// to static-RSA, CBC-SHA1, Camellia, ARIA and CCM ones, a 1024-bit DH prime (Logjam-weak), four
// curves and three TLS 1.3 suites in a non-default order. (This OpenSSL build has no 3DES or RC4.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNginx, type TestServer } from './servers.js';

/** OpenSSL cipher string of the TLS ≤ 1.2 suites (SECLEVEL 0 lets TLS 1.0/1.1 and DH 1024 through). */
export const BENCH_SERVER_CIPHERS = [
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-SHA',
  'DHE-RSA-CAMELLIA128-SHA',
  'AES128-GCM-SHA256',
  'AES128-CCM',
  'ARIA128-GCM-SHA256',
  'CAMELLIA256-SHA',
  'AES256-SHA',
  '@SECLEVEL=0',
].join(':');

export const BENCH_SERVER_CURVES = 'X25519:prime256v1:secp384r1:X448';

/** Starts the bench server; its DH parameters are made fresh (DSA-style, ≈ 50 ms) in a private dir. */
export async function startScanBenchServer(opts: { maxLifetimeMs?: number } = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-scan-bench-'));
  const dh = path.join(dir, 'dh1024.pem');
  const made = spawnSync('openssl', ['dhparam', '-dsaparam', '-out', dh, '1024'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  if (made.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl dhparam failed: ${made.stderr?.toString() ?? made.error?.message}`);
  }
  try {
    const server = await startNginx(
      [
        'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;',
        `ssl_ciphers '${BENCH_SERVER_CIPHERS}';`,
        'ssl_prefer_server_ciphers on;',
        `ssl_ecdh_curve ${BENCH_SERVER_CURVES};`,
        `ssl_dhparam ${dh};`,
        'ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256;',
      ].join('\n'),
      opts.maxLifetimeMs ? { maxLifetimeMs: opts.maxLifetimeMs } : {},
    );
    return { ...server, close: () => server.close().finally(() => rmSync(dir, { recursive: true, force: true })) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
