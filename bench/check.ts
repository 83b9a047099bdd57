// `npm run bench:check`: what `tls-trace check` costs over a fleet, against 100 loopback servers.
// Prints rates and peak memory; never fails on speed (timings depend on the machine and load).
//
//   1. speed: targets/s of `check --targets` over --targets N (default 2,000) targets, with the
//      verdict counts, for --revocation off and soft (soft asks the local OCSP responder and CRL
//      server: the revocation-pki test helper, `openssl ocsp` behind a node:http handler);
//   2. memory: peak RSS of one run over 2,000 and one over 20,000 targets (--format ndjson and
//      text), which must not grow with the number of targets.
//
// Servers: --servers N (default 100) Node TLS servers in --server-procs P child processes
// (default 2), each with its own leaf certificate under a test CA (intermediate sent): 45% name
// an OCSP responder, 45% a CRL, one in ten is revoked. Targets are distinct names
// (`tN.bench.test:PORT address=127.0.0.1`) cycling over the servers, --servername localhost.
// check runs as users run it: `node bin/tls-trace.cjs` (dist/ is built first), a child process.
//
// The servers' CPU time per target is printed beside check's, so the reader sees where the
// ceiling of a 2-core machine is (both share the cores).
//
// Options: --servers N, --server-procs P, --targets N, --memory-targets N (default 20000),
//          --concurrency N (default: the CLI's), --skip-memory, --skip-speed, --cpu-prof DIR,
//          --memory-formats LIST (default ndjson,text), --bin PATH (another build's bin/tls-trace.cjs),
//          --compare PATH (a second build, run alternately with --bin in the speed runs),
//          --repeat N (speed runs per build and mode, default 1; medians printed when above 1),
//          --modes LIST (default off,soft), --jobs LIST (check's --jobs values, run alternately).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { issueLeaves, startRevocationPki, type RevocationPki } from '../test/check/helpers/revocation-pki.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const SERVERS = arg('servers', 100);
const SERVER_PROCS = arg('server-procs', 2);
const TARGETS = arg('targets', 2000);
const MEMORY_TARGETS = arg('memory-targets', 20_000);
const CONCURRENCY = arg('concurrency', 0);
const ROOT = path.resolve(import.meta.dirname, '..');
/** --bin PATH: the tls-trace entry to run (default this checkout's bin/tls-trace.cjs), e.g. an older build to compare. */
const BIN = process.argv.includes('--bin') ? path.resolve(process.argv[process.argv.indexOf('--bin') + 1]) : path.join(ROOT, 'bin/tls-trace.cjs');
/** --compare PATH: a second build, run alternately with BIN so both see the same load. */
const COMPARE = process.argv.includes('--compare') ? path.resolve(process.argv[process.argv.indexOf('--compare') + 1]) : undefined;
const REPEAT = arg('repeat', 1);
const MODES = (process.argv.includes('--modes') ? process.argv[process.argv.indexOf('--modes') + 1] : 'off,soft').split(',');
/** --jobs LIST: check's --jobs values to run alternately (default: the CLI's default only). */
const JOBS = process.argv.includes('--jobs') ? process.argv[process.argv.indexOf('--jobs') + 1].split(',') : [''];
/** --cpu-prof DIR: each checked process writes a V8 CPU profile there. */
const CPU_PROF = ((): string[] => {
  const i = process.argv.indexOf('--cpu-prof');
  return i >= 0 && process.argv[i + 1] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.argv[i + 1])] : [];
})();

const serverScript = `
const tls = require('tls'), fs = require('fs');
const [dir, list] = process.argv.slice(1);
const names = list.split(',');
const chain = fs.readFileSync(dir + '/int.pem');
const key = fs.readFileSync(dir + '/shared-leaf.key');
const ports = [];
let pending = names.length;
names.forEach((n, i) => {
  const s = tls.createServer({ cert: Buffer.concat([fs.readFileSync(dir + '/' + n + '.pem'), chain]), key }, (c) => { c.on('error', () => {}); c.end(); });
  s.on('tlsClientError', () => {});
  s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (--pending === 0) console.log(JSON.stringify(ports)); });
});
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
setTimeout(() => process.exit(0), 30 * 60_000).unref();
`;

interface Servers {
  ports: number[];
  stop: () => void;
  /** CPU seconds (user + system) the server processes have used so far. */
  cpuSeconds: () => number;
}

/** A process's user + system CPU seconds from /proc (clock ticks of 1/100 s on Linux). */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const fields = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function startServerProcess(dir: string, names: string[]): Promise<Servers> {
  const child = spawn(process.execPath, ['-e', serverScript, dir, names.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('servers did not start within 30 s')), 30_000);
    let buf = '';
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      if (!buf.includes('\n')) return;
      clearTimeout(timer);
      resolve(JSON.parse(buf) as number[]);
    });
  });
  return { ports, stop: () => child.stdin.end(), cpuSeconds: () => procCpuSeconds(child.pid) };
}

async function startServers(pki: RevocationPki): Promise<Servers> {
  const leaves = Array.from({ length: SERVERS }, (_, i) => ({ name: `bench-${i}`, ext: i % 2 ? ('crl' as const) : ('ocsp' as const), revoke: i % 10 === 9 }));
  issueLeaves(pki, leaves);
  const procs = await Promise.all(
    Array.from({ length: SERVER_PROCS }, (_, p) => startServerProcess(pki.dir, leaves.filter((_, i) => i % SERVER_PROCS === p).map((l) => l.name))),
  );
  // Back in the leaves' order: server i serves bench-i.
  const ports = leaves.map((_, i) => procs[i % SERVER_PROCS].ports[Math.floor(i / SERVER_PROCS)]);
  return { ports, stop: () => procs.forEach((p) => p.stop()), cpuSeconds: () => procs.reduce((n, p) => n + p.cpuSeconds(), 0) };
}

// Loaded into the checked process with -r: its peak RSS and CPU time, written last on stderr.
// With --expose-gc it also collects and reports the live heap left at the end: what the run holds
// (a peak RSS above it is garbage not yet collected, or the allocator's, not retained results).
const RSS_PRELOAD = `process.on('exit', () => {
  const u = process.resourceUsage();
  if (global.gc) global.gc();
  const m = process.memoryUsage();
  process.stderr.write('\\nbench-max-rss ' + u.maxRSS + ' cpu-us ' + (u.userCPUTime + u.systemCPUTime) + ' heap ' + m.heapUsed + '\\n');
});`;

interface RunResult {
  seconds: number;
  /** CPU seconds the check process used (user + system): less noisy than wall time on a shared machine. */
  cpuSeconds: number;
  maxRssMb: number;
  /** Live JS heap after a full GC at exit. */
  heapMb: number;
  counts: string;
  exitCode: number | null;
  stdoutLines: number;
}

/** One `tls-trace check` child; stdout is consumed (counted, summary kept), never stored whole. */
function runCheck(work: string, targetsFile: string, args: string[], bin = BIN): Promise<RunResult> {
  const preload = path.join(work, 'rss.cjs');
  writeFileSync(preload, RSS_PRELOAD);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...CPU_PROF, '--expose-gc', '-r', preload, bin, 'check', '--targets', targetsFile, '--no-color', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  // The ndjson summary line and the text totals line are the last lines: keep only the end.
  let tail = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    const text = b.toString();
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    tail = (tail + text).slice(-4000);
  });
  child.stderr.on('data', (b: Buffer) => void (err = (err + b.toString()).slice(-16000)));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      // With --jobs each worker process writes its own line first: CPU is summed, the memory is the main process's (last).
      const all = [...err.matchAll(/bench-max-rss (\d+) cpu-us (\d+) heap (\d+)/g)];
      const rss = all.at(-1);
      const cpuUs = all.reduce((n, m) => n + Number(m[2]), 0);
      const counts = /"counts":(\{[^}]*\})/.exec(tail)?.[1] ?? /\d+ targets?: [^\n]*/.exec(tail)?.[0] ?? `? (stderr: ${err.trim().split('\n')[0]})`;
      resolve({ seconds, cpuSeconds: rss ? cpuUs / 1e6 : NaN, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, heapMb: rss ? Number(rss[3]) / 2 ** 20 : NaN, counts, exitCode: code, stdoutLines: lines });
    });
  });
}

function targetsFile(work: string, n: number, ports: number[]): string {
  const file = path.join(work, `targets-${n}.txt`);
  const lines = Array.from({ length: n }, (_, i) => `t${i}.bench.test:${ports[i % ports.length]} address=127.0.0.1`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function loadAverage(): string {
  try {
    return execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function speed(work: string, pki: RevocationPki, servers: Servers, common: string[]): Promise<void> {
  const file = targetsFile(work, TARGETS, servers.ports);
  const bins = COMPARE ? [BIN, COMPARE] : [BIN];
  const rows = new Map<string, { rate: number[]; cpu: number[]; server: number[] }>();
  for (let rep = 0; rep < REPEAT; rep++) {
    for (const mode of MODES) {
      for (const [bin, jobs] of bins.flatMap((b) => JOBS.map((j) => [b, j] as const))) {
        const before = new Map(pki.hits);
        const serverBefore = servers.cpuSeconds();
        const r = await runCheck(work, file, [...common, '--revocation', mode, '--format', 'ndjson', ...(jobs ? ['--jobs', jobs] : [])], bin);
        const serverMs = ((servers.cpuSeconds() - serverBefore) * 1000) / TARGETS;
        const hits = [...pki.hits].map(([k, v]) => `${k} ${v - (before.get(k) ?? 0)}`).filter((h) => !h.endsWith(' 0'));
        const label = `--revocation ${mode.padEnd(4)}${jobs ? ` --jobs ${jobs}` : ''}${bins.length > 1 ? ` ${path.relative(process.cwd(), bin) || bin}` : ''}`;
        const row = rows.get(label) ?? { rate: [], cpu: [], server: [] };
        rows.set(label, row);
        row.rate.push(TARGETS / r.seconds);
        row.cpu.push((r.cpuSeconds * 1000) / TARGETS);
        row.server.push(serverMs);
        console.log(
          `speed, ${label}: ${TARGETS} targets in ${r.seconds.toFixed(2)} s = ${(TARGETS / r.seconds).toFixed(0)} targets/s` +
            ` (${r.cpuSeconds.toFixed(2)} CPU s in check = ${((r.cpuSeconds * 1000) / TARGETS).toFixed(2)} ms per target, ${(TARGETS / r.cpuSeconds).toFixed(0)} targets per CPU second;` +
            ` servers ${serverMs.toFixed(2)} CPU ms per target)` +
            ` (exit ${r.exitCode}, counts ${r.counts}${hits.length ? `, responder requests: ${hits.join(', ')}` : ''}; load ${loadAverage()})`,
        );
      }
    }
  }
  if (REPEAT < 2) return;
  for (const [label, row] of rows) {
    const total = median(row.cpu) + median(row.server);
    console.log(
      `median of ${row.rate.length}, ${label}: ${median(row.rate).toFixed(0)} targets/s, check ${median(row.cpu).toFixed(2)} + servers ${median(row.server).toFixed(2)} CPU ms per target` +
        ` (= at most ${((2 * 1000) / total).toFixed(0)} targets/s on 2 idle cores, ${(1000 / median(row.cpu)).toFixed(0)} with check on one core)`,
    );
  }
}

async function memory(work: string, ports: number[], common: string[]): Promise<void> {
  const formats = (process.argv.includes('--memory-formats') ? process.argv[process.argv.indexOf('--memory-formats') + 1] : 'ndjson,text').split(',');
  for (const format of formats) {
    const rows: string[] = [];
    for (const n of [2000, MEMORY_TARGETS]) {
      const r = await runCheck(work, targetsFile(work, n, ports), [...common, '--revocation', 'soft', '--format', format]);
      rows.push(`${n} targets ${r.maxRssMb.toFixed(0)} MB (live heap at the end ${r.heapMb.toFixed(1)} MB, ${(n / r.seconds).toFixed(0)} targets/s, ${((r.cpuSeconds * 1000) / n).toFixed(2)} CPU ms per target, ${r.stdoutLines} lines out, exit ${r.exitCode})`);
    }
    console.log(`memory, --format ${format.padEnd(6)}: peak RSS ${rows.join(' | ')}; load ${loadAverage()}`);
  }
}

async function benchMain(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/tls-trace.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-check-'));
  const pki = await startRevocationPki();
  const servers = await startServers(pki);
  const common = ['--servername', 'localhost', '--ca', pki.file('root.pem'), ...(CONCURRENCY ? ['--concurrency', String(CONCURRENCY)] : [])];
  try {
    console.log(`tls-trace check bench: ${SERVERS} loopback Node TLS servers in ${SERVER_PROCS} processes, own leaf each (OCSP or CRL, 1 in 10 revoked); concurrency ${CONCURRENCY || 'default'}; 2 cores shared, load ${loadAverage()}`);
    if (!flag('skip-speed')) await speed(work, pki, servers, common);
    if (!flag('skip-memory')) await memory(work, servers.ports, common);
  } finally {
    servers.stop();
    await pki.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await benchMain();
