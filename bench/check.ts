// `npm run bench:check`: what `tls-trace check` costs over a fleet, against 100 loopback servers.
// Prints rates and peak memory; never fails on speed (timings depend on the machine and load).
//
//   1. speed: targets/s of `check --targets` over --targets N (default 2,000) targets, with the
//      verdict counts, for --revocation off and soft (soft asks the local OCSP responder and CRL
//      server: the revocation-pki test helper, `openssl ocsp` behind a node:http handler);
//   2. memory: peak RSS of one run over 2,000 and one over 20,000 targets (--format ndjson and
//      text), which must not grow with the number of targets.
//
// Servers: --servers node (default: what issue 14 measured) — --server-count N (default 100)
// Node TLS servers in --server-procs P child processes (default 2); nginx — one nginx with N
// `listen` ports (a server block each) and P worker processes; node,nginx — both, run alternately.
// Each port serves its own leaf certificate under a test CA (intermediate sent): 45% name an OCSP
// responder, 45% a CRL, one in ten is revoked. Targets are distinct names
// (`tN.bench.test:PORT address=127.0.0.1`) cycling over the servers, --servername localhost.
// check runs as users run it: `node bin/tls-trace.cjs` (dist/ is built first), a child process.
//
// The servers' CPU time per target is printed beside check's, so the reader sees where the
// ceiling of a 2-core machine is (both share the cores), and check's own ceiling apart from what
// the servers take: nginx answers a handshake for less CPU than Node's TLS server.
//
// Options: --servers node|nginx|node,nginx, --server-count N, --server-procs P, --targets N, --memory-targets N (default 20000),
//          --concurrency N (default: the CLI's), --skip-memory, --skip-speed, --cpu-prof DIR,
//          --memory-formats LIST (default ndjson,text), --bin PATH (another build's bin/tls-trace.cjs),
//          --compare PATH (a second build, run alternately with --bin in the speed runs),
//          --repeat N (speed runs per build and mode, default 1; medians printed when above 1),
//          --modes LIST (default off,soft), --jobs LIST (check's --jobs values, run alternately),
//          --nginx-tls12 (nginx speaks TLS 1.2 only).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { issueLeaves, startRevocationPki, type RevocationPki } from '../test/check/helpers/revocation-pki.js';
import { freePort, killAndWait, spawnBounded, waitForPort } from '../test/helpers/servers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** --servers KINDS (node, nginx, or both); a number is the older spelling of --server-count. */
const SERVERS_ARG = process.argv.includes('--servers') ? process.argv[process.argv.indexOf('--servers') + 1] : 'node';
const SERVER_KINDS = (/^\d+$/.test(SERVERS_ARG) ? 'node' : SERVERS_ARG).split(',') as ServerKind[];
const SERVER_COUNT = arg('server-count', /^\d+$/.test(SERVERS_ARG) ? Number(SERVERS_ARG) : 100);
const SERVER_PROCS = arg('server-procs', 2);
const TARGETS = arg('targets', 2000);
/** --nginx-tls12: nginx speaks TLS 1.2 only, to measure what check's TLS 1.3 first flight costs a server it must leave to Node. */
const NGINX_PROTOCOLS = flag('nginx-tls12') ? 'TLSv1.2' : 'TLSv1.2 TLSv1.3';
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

type ServerKind = 'node' | 'nginx';

interface Servers {
  kind: ServerKind;
  ports: number[];
  stop: () => void | Promise<void>;
  /** CPU seconds (user + system) the server processes have used so far. */
  cpuSeconds: () => number;
}

/** User + system CPU seconds of a process and its descendants (nginx's workers), from /proc (clock ticks of 1/100 s on Linux). */
function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    const children = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return children.reduce((n, c) => n + treeCpuSeconds(c), own);
  } catch {
    return NaN;
  }
}

async function startServerProcess(dir: string, names: string[]): Promise<Omit<Servers, 'kind'>> {
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
  return { ports, stop: () => void child.stdin.end(), cpuSeconds: () => treeCpuSeconds(child.pid) };
}

interface Leaf {
  name: string;
  ext: 'crl' | 'ocsp';
  revoke: boolean;
}

async function startNodeServers(pki: RevocationPki, leaves: Leaf[]): Promise<Servers> {
  const procs = await Promise.all(
    Array.from({ length: SERVER_PROCS }, (_, p) => startServerProcess(pki.dir, leaves.filter((_, i) => i % SERVER_PROCS === p).map((l) => l.name))),
  );
  // Back in the leaves' order: server i serves bench-i.
  const ports = leaves.map((_, i) => procs[i % SERVER_PROCS].ports[Math.floor(i / SERVER_PROCS)]);
  return { kind: 'node', ports, stop: () => procs.forEach((p) => void p.stop()), cpuSeconds: () => procs.reduce((n, p) => n + p.cpuSeconds(), 0) };
}

/** The nginx configuration: a server block per leaf on its port, SERVER_PROCS workers, nothing written but the error log. */
function nginxConf(dir: string, pki: RevocationPki, leaves: Leaf[], ports: number[]): string {
  const blocks = leaves.map((l, i) => {
    const chain = path.join(dir, `${l.name}.chain.pem`);
    writeFileSync(chain, Buffer.concat([readFileSync(path.join(pki.dir, `${l.name}.pem`)), readFileSync(path.join(pki.dir, 'int.pem'))]));
    return `  server { listen 127.0.0.1:${ports[i]} ssl; ssl_certificate ${chain}; ssl_certificate_key ${path.join(pki.dir, 'shared-leaf.key')}; location / { return 200 "ok\\n"; } }`;
  });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, t)};`);
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${SERVER_PROCS};`,
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    // nginx before 1.23.4 leaves TLS 1.3 off by default; the Node servers speak it.
    `  ssl_protocols ${NGINX_PROTOCOLS};`,
    ...temp,
    ...blocks,
    '}',
    '',
  ].join('\n');
}

/** One nginx (master and SERVER_PROCS workers) on free ports; tried again on new ports when one was taken meanwhile. */
async function startNginxServers(work: string, pki: RevocationPki, leaves: Leaf[]): Promise<Servers> {
  const dir = path.join(work, 'nginx');
  mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(leaves.map(() => freePort()));
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConf(dir, pki, leaves, ports));
    const child = spawnBounded('nginx', ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')], 60 * 60_000, dir);
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    try {
      for (const port of ports) await waitForPort('127.0.0.1', port, 10_000, alive);
      return { kind: 'nginx', ports, stop: () => killAndWait(child), cpuSeconds: () => treeCpuSeconds(child.pid) };
    } catch (e) {
      await killAndWait(child);
      if (attempt >= 3) throw new Error(`nginx did not start: ${(e as Error).message}\n${readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000)}`);
    }
  }
}

async function startServers(work: string, pki: RevocationPki): Promise<Servers[]> {
  const leaves = Array.from({ length: SERVER_COUNT }, (_, i): Leaf => ({ name: `bench-${i}`, ext: i % 2 ? 'crl' : 'ocsp', revoke: i % 10 === 9 }));
  issueLeaves(pki, leaves);
  const out: Servers[] = [];
  for (const kind of SERVER_KINDS) out.push(kind === 'nginx' ? await startNginxServers(work, pki, leaves) : await startNodeServers(pki, leaves));
  return out;
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

function targetsFile(work: string, n: number, servers: Servers): string {
  const file = path.join(work, `targets-${servers.kind}-${n}.txt`);
  if (existsSync(file)) return file;
  const lines = Array.from({ length: n }, (_, i) => `t${i}.bench.test:${servers.ports[i % servers.ports.length]} address=127.0.0.1`);
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

async function speed(work: string, pki: RevocationPki, all: Servers[], common: string[]): Promise<void> {
  const bins = COMPARE ? [BIN, COMPARE] : [BIN];
  const rows = new Map<string, { rate: number[]; cpu: number[]; server: number[] }>();
  for (let rep = 0; rep < REPEAT; rep++) {
    for (const mode of MODES) {
      for (const [servers, bin, jobs] of all.flatMap((v) => bins.flatMap((b) => JOBS.map((j) => [v, b, j] as const)))) {
        const file = targetsFile(work, TARGETS, servers);
        const before = new Map(pki.hits);
        const serverBefore = servers.cpuSeconds();
        const r = await runCheck(work, file, [...common, '--revocation', mode, '--format', 'ndjson', ...(jobs ? ['--jobs', jobs] : [])], bin);
        const serverMs = ((servers.cpuSeconds() - serverBefore) * 1000) / TARGETS;
        const hits = [...pki.hits].map(([k, v]) => `${k} ${v - (before.get(k) ?? 0)}`).filter((h) => !h.endsWith(' 0'));
        const label = `--revocation ${mode.padEnd(4)}${jobs ? ` --jobs ${jobs}` : ''}${all.length > 1 ? ` ${servers.kind.padEnd(5)}` : ''}${bins.length > 1 ? ` ${path.relative(process.cwd(), bin) || bin}` : ''}`;
        const row = rows.get(label) ?? { rate: [], cpu: [], server: [] };
        rows.set(label, row);
        row.rate.push(TARGETS / r.seconds);
        row.cpu.push((r.cpuSeconds * 1000) / TARGETS);
        row.server.push(serverMs);
        console.log(
          `speed, ${label}: ${TARGETS} targets in ${r.seconds.toFixed(2)} s = ${(TARGETS / r.seconds).toFixed(0)} targets/s` +
            ` (${r.cpuSeconds.toFixed(2)} CPU s in check = ${((r.cpuSeconds * 1000) / TARGETS).toFixed(2)} ms per target, ${(TARGETS / r.cpuSeconds).toFixed(0)} targets per CPU second;` +
            ` ${servers.kind} servers ${serverMs.toFixed(2)} CPU ms per target)` +
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
        ` (= at most ${((2 * 1000) / total).toFixed(0)} targets/s on 2 idle cores shared with these servers; check's own ceiling ${(1000 / median(row.cpu)).toFixed(0)} on one core, ${((2 * 1000) / median(row.cpu)).toFixed(0)} on two)`,
    );
  }
}

async function memory(work: string, servers: Servers, common: string[]): Promise<void> {
  const formats = (process.argv.includes('--memory-formats') ? process.argv[process.argv.indexOf('--memory-formats') + 1] : 'ndjson,text').split(',');
  for (const format of formats) {
    const rows: string[] = [];
    for (const n of [2000, MEMORY_TARGETS]) {
      const r = await runCheck(work, targetsFile(work, n, servers), [...common, '--revocation', 'soft', '--format', format]);
      rows.push(`${n} targets ${r.maxRssMb.toFixed(0)} MB (live heap at the end ${r.heapMb.toFixed(1)} MB, ${(n / r.seconds).toFixed(0)} targets/s, ${((r.cpuSeconds * 1000) / n).toFixed(2)} CPU ms per target, ${r.stdoutLines} lines out, exit ${r.exitCode})`);
    }
    console.log(`memory, --format ${format.padEnd(6)}, ${servers.kind} servers: peak RSS ${rows.join(' | ')}; load ${loadAverage()}`);
  }
}

async function benchMain(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/tls-trace.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-check-'));
  const pki = await startRevocationPki();
  const servers = await startServers(work, pki);
  const common = ['--servername', 'localhost', '--ca', pki.file('root.pem'), ...(CONCURRENCY ? ['--concurrency', String(CONCURRENCY)] : [])];
  try {
    const kinds = servers.map((v) => (v.kind === 'nginx' ? `one nginx with ${SERVER_PROCS} workers` : `Node TLS servers in ${SERVER_PROCS} processes`)).join(' / ');
    console.log(`tls-trace check bench: ${SERVER_COUNT} loopback servers (${kinds}), own leaf each (OCSP or CRL, 1 in 10 revoked); concurrency ${CONCURRENCY || 'default'}; 2 cores shared, load ${loadAverage()}`);
    if (!flag('skip-speed')) await speed(work, pki, servers, common);
    if (!flag('skip-memory')) await memory(work, servers[0], common);
  } finally {
    await Promise.all(servers.map((v) => v.stop()));
    await pki.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await benchMain();
