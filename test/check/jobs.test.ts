// check --jobs: the handshakes shared with worker processes give the output of one process in
// every format (times aside; NDJSON's and CSV's lines come as targets finish, so they are compared as a
// set), over loopback targets good and failing; a worker ended mid-run costs the targets it held
// an error each, and the run goes on to the others' verdicts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { main } from '../../src/cli/main.js';
import { fetchPool } from '../../src/cli/check-jobs.js';
import { loadTrustStore } from '../../src/cli/trust-options.js';
import { runCheck } from '../../src/check/runner.js';
import type { CheckTarget } from '../../src/check/types.js';
import { repoRoot, testPki } from '../chain/helpers/pki.js';
import { testContext } from './helpers.js';

const pki = testPki();
const BIN = path.join(repoRoot, 'bin', 'tls-trace.cjs');
const variants = ['good-ecdsa', 'expired', 'wronghost', 'good-rsa', 'incomplete', 'expiring', 'untrusted', 'ed25519'];
const N = 40;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
const ports: number[] = [];
let silentPort = 0;
let dir: string;
const at = new Date().toISOString();

async function listen(server: net.Server): Promise<number> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-jobs-'));
  for (let i = 0; i < N; i++) {
    const server = tls.createServer({ ...pki.serverOptions(variants[i % variants.length]), maxVersion: i % 2 ? 'TLSv1.3' : 'TLSv1.2' }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    ports.push(await listen(server));
  }
  // Accepts and never answers: a handshake there lasts until the target's --timeout.
  silentPort = await listen(net.createServer(() => undefined));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  rmSync(dir, { recursive: true, force: true });
});

/** Durations set aside: every format's only difference between two runs of the same targets. */
function timesAside(format: string, out: string): string {
  let text = out
    .replace(/"durationMs": ?\d+/g, '"durationMs":0')
    .replace(/ time="[\d.]+"/g, ' time="0"')
    .replace(/\d+ ms\b/g, 'N ms')
    .replace(/^(tls_trace_probe_duration_seconds\{[^}]*\}) \S+$/gm, '$1 0');
  // CSV: duration_ms is followed by verdict and the five CT columns, none with a comma in it.
  if (format === 'csv') text = text.replace(/,\d+,([^,\r\n]*(?:,[^,\r\n]*){5})\r\n/g, ',0,$1\r\n');
  // NDJSON and CSV: lines in the order targets finished, which two runs need not share.
  return format === 'ndjson' || format === 'csv' ? text.trimEnd().split(/\r?\n/).sort().join('\n') : text;
}

test('--jobs 3 gives what --jobs 1 gives in every format, exit code included', async () => {
  const list = path.join(dir, 'targets.txt');
  writeFileSync(list, [...ports.map((p) => `127.0.0.1:${p}`), '127.0.0.1:1', `127.0.0.1:${ports[0]} servername=wrong.example`].join('\n'));
  // The workers start from a script that notes each start, so the test knows they ran.
  const starts = path.join(dir, 'worker-starts.txt');
  const entry = path.join(dir, 'worker-entry.cjs');
  writeFileSync(entry, `require('node:fs').appendFileSync(${JSON.stringify(starts)}, process.pid + '\\n');\nrequire(${JSON.stringify(BIN)});\n`);
  const run = async (format: string, jobs: string): Promise<{ code: number; out: string }> => {
    const ctx = { ...testContext(), workerEntry: entry };
    const args = ['check', '--targets', list, '--servername', 'localhost', '--ca', pki.file('root.pem'), '--at', at, '--timeout', '60000', '--revocation', 'off', '--no-color'];
    const code = await main([...args, '--format', format, '--jobs', jobs], ctx);
    return { code, out: ctx.out() };
  };
  for (const format of ['text', 'json', 'ndjson', 'junit', 'openmetrics', 'github', 'csv']) {
    const one = await run(format, '1');
    const three = await run(format, '3');
    expect([format, three.code]).toEqual([format, one.code]);
    expect(timesAside(format, three.out)).toBe(timesAside(format, one.out));
  }
  // Two workers per --jobs 3 run (the main process is the third), one start each.
  expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(7 * 2);
  // The outputs compared are real verdicts: a connection failure (exit 4) outranks the rest.
  const json = JSON.parse((await run('json', '3')).out) as { counts: Record<string, number>; exitCode: number };
  expect(json.counts).toEqual({ valid: 15, expiring: 5, critical: 0, invalid: 21, error: 1 });
  expect(json.exitCode).toBe(4);
}, 300_000);

test('a worker process ended mid-run: its targets get an error each, every other target its verdict', async () => {
  const pool = fetchPool(BIN, 1);
  const good = ports.filter((_, i) => variants[i % variants.length] === 'good-ecdsa').map((p) => `127.0.0.1:${p}`);
  const targets: CheckTarget[] = [...Array.from({ length: 6 }, (_, i) => `silent${i}:${silentPort}`), ...good].map((display) => {
    const [host, port] = display.split(':');
    return { input: display, display, host, port: Number(port), route: { pinnedAddresses: ['127.0.0.1'] } };
  });
  let started = 0;
  let goodDone = 0;
  try {
    const summary = runCheck(targets, {
      at: new Date(at),
      warnDays: 30,
      concurrency: 16,
      timeoutMs: 8000,
      servername: 'localhost',
      trustStore: loadTrustStore({ system: false, caFiles: [pki.file('root.pem')] }),
      revocation: 'off',
      fetch: pool.fetch,
      onStart: () => void started++,
      onResult: (r) => void (r.target.startsWith('silent') ? undefined : goodDone++),
    });
    // Every target is out and the good ones are done: the worker holds only silent ones. End it.
    while (started < targets.length || goodDone < good.length) await new Promise((r) => setTimeout(r, 50));
    expect(pool.pids()).toHaveLength(1);
    for (const pid of pool.pids()) process.kill(pid, 'SIGKILL');
    const { results } = await summary;
    expect(results).toHaveLength(targets.length);
    const killed = results.filter((r) => /worker process ended \(SIGKILL\)/.test(r.error?.message ?? ''));
    expect(killed.length).toBeGreaterThan(0);
    for (const r of killed) expect([r.target.startsWith('silent'), r.status, r.exitCode]).toEqual([true, 'error', 1]);
    // The silent targets the main process held ran into the deadline; every good one is valid.
    for (const r of results.filter((x) => x.target.startsWith('silent') && !killed.includes(x))) expect([r.status, r.error?.code]).toEqual(['error', 'timeout']);
    expect(results.filter((r) => !r.target.startsWith('silent')).map((r) => r.status)).toEqual(good.map(() => 'valid'));
  } finally {
    pool.close();
  }
}, 120_000);
