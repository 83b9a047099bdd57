// `npx tsx bench/check.ts`: targets per second of `tls-trace check` over 200 and 2,000 loopback
// targets, next to `openssl s_client -verify_return_error` run one target after another on the same
// targets. Prints rates and ratios; never fails on speed (timings depend on the machine and load).
//
// The servers run in a child process (so they do not share our event loop): --servers N Node TLS
// servers (default 100) on ephemeral ports, each serving one of a few PKI variants (good, expired,
// wrong host, incomplete chain). 2,000 targets list those servers repeatedly. s_client runs on a
// sample of --sample N targets (default 100; --sample 0 = all) and its rate is per target.
//
// Options: --servers N, --sample N, --concurrency N (default 16, as the CLI).

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { main } from '../src/cli/main.js';
import type { CliContext } from '../src/cli/context.js';
import type { CheckJson } from '../src/report/check-json.js';
import { testPki } from '../test/chain/helpers/pki.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const SERVERS = arg('servers', 100);
const SAMPLE = arg('sample', 100);
const CONCURRENCY = arg('concurrency', 16);
const VARIANTS = ['good-ecdsa', 'good-rsa', 'expired', 'wronghost', 'incomplete'];

const serverScript = `
const tls = require('tls'), fs = require('fs');
const [dir, n, ...variants] = process.argv.slice(1);
const opts = variants.map((v) => ({ cert: fs.readFileSync(dir + '/' + v + '.chain.pem'), key: fs.readFileSync(dir + '/' + v + '.key') }));
const ports = [];
let pending = Number(n);
for (let i = 0; i < Number(n); i++) {
  const s = tls.createServer(opts[i % opts.length], (c) => { c.on('error', () => {}); c.end(); });
  s.on('tlsClientError', () => {});
  s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (--pending === 0) console.log(JSON.stringify(ports)); });
}
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
setTimeout(() => process.exit(0), 15 * 60_000).unref();
`;

async function startServers(dir: string): Promise<{ ports: number[]; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', serverScript, dir, String(SERVERS), ...VARIANTS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('servers did not start within 30 s')), 30_000);
    let buf = '';
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(buf) as number[]);
      }
    });
  });
  return { ports, stop: () => child.stdin.end() };
}

async function runTlsTrace(targetsFile: string, root: string): Promise<{ ms: number; doc: CheckJson }> {
  let out = '';
  const ctx: CliContext = { stdout: (t) => void (out += t), stderr: () => undefined, stdoutIsTTY: false, env: {}, exitCode: 0 };
  const t0 = performance.now();
  await main(['check', '--targets', targetsFile, '--servername', 'localhost', '--ca', root, '--concurrency', String(CONCURRENCY), '--json'], ctx);
  return { ms: performance.now() - t0, doc: JSON.parse(out) as CheckJson };
}

function sClient(port: number, root: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-verify_return_error', '-verify_hostname', 'localhost', '-CAfile', root],
      { timeout: 10_000 },
      (err) => resolve(!err),
    );
    child.stdin?.end();
  });
}

async function main_(): Promise<void> {
  const pki = testPki();
  const root = pki.file('root.pem');
  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-'));
  const servers = await startServers(pki.dir);
  try {
    console.log(`tls-trace check bench: ${SERVERS} loopback servers (${VARIANTS.join(', ')}), concurrency ${CONCURRENCY}`);
    for (const n of [200, 2000]) {
      const targets = Array.from({ length: n }, (_, i) => `127.0.0.1:${servers.ports[i % servers.ports.length]}`);
      const file = path.join(work, `targets-${n}.txt`);
      writeFileSync(file, targets.join('\n'));
      const tt = await runTlsTrace(file, root);
      const failed = tt.doc.results.filter((r) => r.status === 'error').length;
      const ttRate = n / (tt.ms / 1000);
      const sample = SAMPLE > 0 ? targets.slice(0, Math.min(SAMPLE, n)) : targets;
      const t0 = performance.now();
      let sOk = 0;
      for (const t of sample) if (await sClient(Number(t.split(':')[1]), root)) sOk++;
      const sMs = performance.now() - t0;
      const sRate = sample.length / (sMs / 1000);
      console.log(
        `${String(n).padStart(5)} targets: tls-trace ${ttRate.toFixed(1)} targets/s (${(tt.ms / 1000).toFixed(2)} s, counts ${JSON.stringify(tt.doc.counts)}${failed ? `, ${failed} connection failures` : ''})` +
          ` | openssl s_client sequential ${sRate.toFixed(1)} targets/s (${sample.length} targets, ${sOk} verified)` +
          ` | ratio ${(ttRate / sRate).toFixed(1)}×`,
      );
    }
  } finally {
    servers.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main_();
