// `npm run bench:scan`: what a full server scan costs next to sslscan and testssl.sh, against the
// same loopback nginx in one run. The server (test/helpers/scan-bench-server.ts, the one the
// agreement test scans too) has something for every check: TLS 1.0–1.3, server cipher order,
// 15 suites (ECDHE, DHE with a 1024-bit prime, static RSA, CBC-SHA1, Camellia, ARIA, CCM), four
// curves. It times, each as the real process a user runs:
//   - `bin/tls-trace.cjs scan T --json`, run as a program as `tls-trace` is (every check: versions, suites out of the whole IANA
//     registry, groups, signature schemes, certificates, features, findings, Mozilla profiles),
//   - `sslscan --show-sigs --xml=FILE T` (its default checks plus signature algorithms),
//   - `testssl -p -e -U -S T` (protocols, every cipher, vulnerabilities, server defaults), offline
//     (test/helpers/testssl.ts), once: it takes minutes,
// and prints wall time and CPU time (user + system through GNU time, the children a tool waits for
// included; steadier than wall time on a shared machine) as medians of --runs interleaved runs, the
// connections each tool opened (SYNs counted by tcpdump on the loopback during one run of each;
// tls-trace also counts its own), the ratios against the goals — faster than sslscan, at least
// 50× faster than testssl.sh — and whether the verdicts on the checks two tools share agree
// (test/scan/agreement.test.ts asserts that). A miss is reported, never fatal: timings depend on the
// machine and its load, which is printed.
//
// Options: --runs N (default 7), --no-testssl, --testssl-checks "FLAGS" (default "-p -e -U -S").

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startScanBenchServer } from '../test/helpers/scan-bench-server.js';
import { repoRoot, type TestServer } from '../test/helpers/servers.js';
import { runSslscan, sslscanVerdicts } from '../test/helpers/sslscan.js';
import { runTestssl, TESTSSL_OFFLINE_FLAGS, testsslVerdicts } from '../test/helpers/testssl.js';
import { compareVerdicts, tlsTraceVerdicts, type ScanJson, type Verdicts } from '../test/helpers/tool-verdicts.js';
import { median, timed, type TimedRun } from './timing.js';

const TESTSSL_TIMEOUT_MS = 15 * 60_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `action` while tcpdump counts the TCP SYNs (new connections) to `port` on the loopback;
 * the count is undefined when tcpdump is missing or may not capture.
 */
async function countingConnections<T>(port: number, action: () => Promise<T>): Promise<{ result: T; connections?: number }> {
  if (!have('tcpdump')) return { result: await action() };
  const child = spawn('tcpdump', ['-i', 'lo', '-n', '-l', '-q', `tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let err = '';
  child.stdout.on('data', (b: Buffer) => (lines += b.toString().split('\n').length - 1));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('close', () => resolve(false));
  });
  // "listening on" comes just before the filter is attached: give it a moment.
  if (listening) await new Promise((r) => setTimeout(r, 300));
  try {
    const result = await action();
    if (!listening) return { result };
    await new Promise((r) => setTimeout(r, 300)); // the last SYNs reach tcpdump
    return { result, connections: lines };
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

interface Tool {
  label: string;
  runs: TimedRun[];
  connections?: number;
  note?: string;
  verdicts?: Verdicts;
}

const fmtMs = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(0)} ms`);
const wall = (t: Tool): number => median(t.runs.map((r) => r.ms));
const cpu = (t: Tool): number | undefined => (t.runs.every((r) => r.cpuMs !== undefined) && t.runs.length ? median(t.runs.map((r) => r.cpuMs!)) : undefined);

function printTable(tools: Tool[]): void {
  console.log(`\n${'tool'.padEnd(22)}${'wall (median)'.padStart(15)}${'min–max'.padStart(18)}${'CPU (median)'.padStart(14)}${'connections'.padStart(13)}  runs`);
  for (const t of tools) {
    if (!t.runs.length) {
      console.log(`${t.label.padEnd(22)}${t.note ?? 'not run'}`);
      continue;
    }
    const ms = t.runs.map((r) => r.ms);
    const range = `${fmtMs(Math.min(...ms))}–${fmtMs(Math.max(...ms))}`;
    console.log(`${t.label.padEnd(22)}${fmtMs(wall(t)).padStart(15)}${range.padStart(18)}${fmtMs(cpu(t)).padStart(14)}${String(t.connections ?? 'n/a').padStart(13)}  ${t.runs.length}${t.note ? `  (${t.note})` : ''}`);
  }
}

function printRatio(ours: Tool, other: Tool, meets: (ratio: number) => boolean, goalText: string): void {
  if (!ours.runs.length || !other.runs.length) return;
  const byWall = wall(other) / wall(ours);
  const oc = cpu(other);
  const mc = cpu(ours);
  const byCpu = oc !== undefined && mc !== undefined ? ` (by CPU time ${(oc / mc).toFixed(2)}×)` : '';
  console.log(`${meets(byWall) ? 'PASS' : 'MISS'}  tls-trace is ${byWall.toFixed(2)}× as fast as ${other.label} by wall time${byCpu}; goal ${goalText}`);
}

function printAgreement(ours: Tool, others: Tool[]): void {
  for (const t of others) {
    if (!ours.verdicts || !t.verdicts) continue;
    const c = compareVerdicts(ours.verdicts, t.verdicts);
    const head = `${c.disagreements.length ? 'DIFF' : 'same'}  verdicts of tls-trace and ${t.label} on the ${c.compared.length} checks both report`;
    console.log(c.disagreements.length ? `${head}:\n      ${c.disagreements.join('\n      ')}` : head);
  }
}

async function timeFastTools(target: string, port: number, runs: number, bin: string, cacheDir: string): Promise<{ ours: Tool; sslscan: Tool }> {
  const ours: Tool = { label: 'tls-trace scan', runs: [] };
  const sslscan: Tool = { label: 'sslscan', runs: [] };
  // The bin run as a program, as `tls-trace` and `npx tls-trace` run it (its sh line first).
  const ourArgs = ['scan', target, '--json', '--no-progress'];
  // The V8 code cache in a directory of this run's own: in the shared one, a run of another build
  // (another checkout, a test) prunes this build's cache, and a timed run would then compile the
  // CLI from scratch, which an installed tls-trace does once, not on every scan.
  const env = { ...process.env, TLS_TRACE_CACHE_DIR: cacheDir };
  // One untimed round first (page cache, the CLI's V8 code cache, nginx's first accepts), with
  // the connections counted; then interleaved rounds, so drift on a shared machine hits both.
  const counted = await countingConnections(port, () => timed(bin, ourArgs, { keep: 'stdout', env }));
  const doc = JSON.parse(counted.result.output) as ScanJson;
  ours.verdicts = tlsTraceVerdicts(doc);
  ours.connections = counted.connections;
  ours.note = `it counts ${doc.stats.connections ?? doc.stats.probes + doc.stats.nodeHandshakes} itself`;
  const withSslscan = have('sslscan');
  if (withSslscan) {
    const first = await countingConnections(port, () => runSslscan(target));
    sslscan.verdicts = sslscanVerdicts(first.result);
    sslscan.connections = first.connections;
  } else sslscan.note = 'not installed';
  for (let i = 0; i < runs; i++) {
    const a = await timed(bin, ourArgs, { keep: 'stdout', cpu: true, env });
    if (a.code !== 0) throw new Error(`tls-trace scan exited ${a.code}`);
    ours.runs.push(a);
    if (withSslscan) sslscan.runs.push(await timed('sslscan', ['--no-colour', '--show-sigs', '--xml=/dev/null', target], { keep: 'stdout', cpu: true }));
  }
  return { ours, sslscan };
}

async function timeTestssl(target: string, port: number, checks: string[]): Promise<Tool> {
  const tool: Tool = { label: 'testssl.sh', runs: [] };
  if (!have('testssl')) return { ...tool, note: 'not installed' };
  console.log(`testssl ${[...TESTSSL_OFFLINE_FLAGS, ...checks].join(' ')} ${target} (once; minutes) …`);
  const { result, connections } = await countingConnections(port, () => runTestssl(target, checks, TESTSSL_TIMEOUT_MS, { cpu: true }));
  tool.runs.push({ ms: result.ms, code: result.code, output: '', ...(result.cpuMs !== undefined ? { cpuMs: result.cpuMs } : {}) });
  tool.connections = connections;
  tool.verdicts = testsslVerdicts(result.findings);
  if (result.code === null) tool.note = 'killed at the timeout';
  else if (!result.findings.length) tool.note = `no report: ${result.output.trim().split('\n').pop() ?? ''}`;
  return tool;
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('runs', '7')) || 7);
  const withTestssl = !process.argv.includes('--no-testssl');
  const testsslChecks = arg('testssl-checks', '-p -e -U -S').split(/\s+/).filter(Boolean);
  // Always build: a stale dist/ would measure code that is no longer the source.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');
  let server: TestServer | undefined;
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-cache-'));
  try {
    server = await startScanBenchServer({ maxLifetimeMs: TESTSSL_TIMEOUT_MS + 10 * 60_000 });
    const target = `127.0.0.1:${server.port}`;
    const load0 = loadavg()[0];
    console.log(`loopback nginx on ${target}; ${runs} timed runs each of tls-trace and sslscan (interleaved), testssl.sh ${withTestssl ? 'once' : 'skipped'}`);
    const { ours, sslscan } = await timeFastTools(target, server.port, runs, bin, cacheDir);
    const testssl = withTestssl ? await timeTestssl(target, server.port, testsslChecks) : { label: 'testssl.sh', runs: [], note: 'skipped (--no-testssl)' };
    printTable([ours, sslscan, testssl]);
    console.log(`\nload average (1 min): ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${spawnSync('nproc').stdout?.toString().trim() ?? '?'} cores`);
    printRatio(ours, sslscan, (r) => r > 1, '> 1× (faster than sslscan)');
    printRatio(ours, testssl, (r) => r >= 50, '≥ 50×');
    printAgreement(ours, [sslscan, testssl]);
  } finally {
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
