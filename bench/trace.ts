// `npm run bench`: how much a trace costs next to the floor any Node TLS client pays.
// Against one loopback `openssl s_server`, in one run, it times (median of N, interleaved):
//   - `node bin/tls-trace.cjs 127.0.0.1:PORT` (the compiled CLI, output discarded),
//   - a bare Node script that only does `tls.connect` and closes,
//   - `openssl s_client -connect 127.0.0.1:PORT </dev/null`,
//   - `node bin/tls-trace.cjs --version` against `node -e 0` (goal: within 1.3x),
// and measures a trace's peak RSS. It prints ratios against the targets with PASS/MISS; it never
// fails on a miss (timings depend on the machine), only on a broken set-up.
//
// Options: --runs N (default 7), --server node|openssl (default openssl), --tls 1.2|1.3.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, startNodeTlsServer, startOpensslServer, type TestServer } from '../test/helpers/servers.js';
import { median, timed } from './timing.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

interface Measure {
  label: string;
  cmd: string;
  args: string[];
  samples: number[];
  failures: string[];
  env?: Record<string, string>;
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('runs', '7')) || 7);
  const serverKind = arg('server', 'openssl');
  const tlsVersion = arg('tls', '1.3');

  const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');
  // Always build: a stale dist/ would measure code that is no longer the source.
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npm run build failed');

  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-'));
  let server: TestServer | undefined;
  try {
    server =
      serverKind === 'node'
        ? await startNodeTlsServer({ minVersion: `TLSv${tlsVersion}` as 'TLSv1.2' | 'TLSv1.3', maxVersion: `TLSv${tlsVersion}` as 'TLSv1.2' | 'TLSv1.3' })
        : await startOpensslServer([tlsVersion === '1.2' ? '-tls1_2' : '-tls1_3']);
    const target = `${server.host}:${server.port}`;

    // The floor: what any Node tool pays to start, load TLS, connect and handshake.
    const bare = path.join(work, 'bare-connect.mjs');
    writeFileSync(
      bare,
      `import tls from 'node:tls';
const s = tls.connect({ host: process.argv[2], port: Number(process.argv[3]), rejectUnauthorized: false });
s.once('secureConnect', () => s.end());
s.once('error', (e) => { console.error(e.message); process.exitCode = 1; });
`,
    );

    const measures: Measure[] = [
      { label: 'tls-trace HOST:PORT', cmd: process.execPath, args: [bin, target], samples: [], failures: [] },
      // What a first run (or TLS_TRACE_NO_COMPILE_CACHE=1) costs: no V8 code cache.
      { label: 'tls-trace, no code cache', cmd: process.execPath, args: [bin, target], samples: [], failures: [], env: { TLS_TRACE_NO_COMPILE_CACHE: '1' } },
      { label: 'bare node tls.connect', cmd: process.execPath, args: [bare, server.host, String(server.port)], samples: [], failures: [] },
      { label: 'openssl s_client', cmd: 'openssl', args: ['s_client', '-connect', target], samples: [], failures: [] },
      { label: 'tls-trace --version', cmd: process.execPath, args: [bin, '--version'], samples: [], failures: [] },
      { label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], samples: [], failures: [] },
    ];

    // One warm-up round (page cache, s_server's first accept, and the CLI's first run, which
    // writes its V8 code cache: a user's every later run starts from it), then interleaved
    // rounds so drift on a shared machine hits every measurement alike.
    for (let round = -1; round < runs; round++) {
      for (const m of measures) {
        const r = await timed(m.cmd, m.args, { env: { ...process.env, ...m.env } });
        if (round < 0) continue;
        if (r.code === 0) m.samples.push(r.ms);
        else m.failures.push(`exit ${r.code}: ${r.output.trim().split('\n')[0] ?? ''}`);
      }
    }

    const rssMb = await peakRssMb(bin, target, work);

    const get = (label: string): number => {
      const m = measures.find((x) => x.label === label);
      return m && m.samples.length ? median(m.samples) : NaN;
    };
    const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
    const times = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
    console.log(`\ntls-trace benchmark — ${serverKind} server, TLS ${tlsVersion}, ${target}, median of ${runs} runs\n`);
    console.log(`${'measurement'.padEnd(26)}${'median ms'.padStart(11)}${'min'.padStart(9)}${'max'.padStart(9)}  ok/runs`);
    for (const m of measures) {
      const min = m.samples.length ? Math.min(...m.samples) : NaN;
      const max = m.samples.length ? Math.max(...m.samples) : NaN;
      console.log(`${m.label.padEnd(26)}${fmt(get(m.label)).padStart(11)}${fmt(min).padStart(9)}${fmt(max).padStart(9)}  ${m.samples.length}/${runs}`);
    }
    for (const m of measures) if (m.failures.length) console.log(`  ${m.label}: ${m.failures.length} failed run(s), e.g. ${m.failures[0]}`);

    const trace = get('tls-trace HOST:PORT');
    const floor = get('bare node tls.connect');
    const openssl = get('openssl s_client');
    const startup = get('tls-trace --version');
    const node0 = get('node -e 0');
    const verdict = (ok: boolean, known: boolean): string => (!known ? 'n/a ' : ok ? 'PASS' : 'MISS');
    const rows: Array<[string, number, string, boolean]> = [
      ['trace / bare node', trace / floor, '<= 1.5x', trace / floor <= 1.5],
      ['start-up / node -e 0', startup / node0, '<= 1.3x', startup / node0 <= 1.3],
    ];
    console.log('\n' + 'target'.padEnd(28) + 'actual'.padStart(10) + '   goal');
    for (const [label, ratio, goal, ok] of rows) {
      console.log(`${verdict(ok, Number.isFinite(ratio))}  ${label.padEnd(22)}${times(ratio).padStart(10)}   ${goal}`);
    }
    console.log(`${verdict((rssMb ?? Infinity) < 80, rssMb !== undefined)}  ${'trace peak RSS'.padEnd(22)}${((rssMb === undefined ? 'n/a' : rssMb.toFixed(1)) + ' MB').padStart(10)}   < 80 MB`);
    console.log(`info  ${'uncached / bare node'.padEnd(22)}${times(get('tls-trace, no code cache') / floor).padStart(10)}   (a first run, before the code cache exists)`);
    console.log(`info  ${'bare node / openssl'.padEnd(22)}${times(floor / openssl).padStart(10)}   (the Node floor; not a target)`);
    console.log(`info  ${'trace / openssl'.padEnd(22)}${times(trace / openssl).padStart(10)}`);
  } finally {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Peak RSS of one trace, in MB: GNU time's %M when /usr/bin/time exists, otherwise the CLI with a
 * preloaded probe that reports VmHWM from /proc/self/status on exit (resourceUsage().maxRSS
 * would include this bench's own peak, which Linux carries across exec into the child).
 */
async function peakRssMb(bin: string, target: string, work: string): Promise<number | undefined> {
  if (existsSync('/usr/bin/time')) {
    const out = path.join(work, 'time.txt');
    const r = await timed('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, bin, target]);
    const kb = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    if (r.code === 0 && Number.isFinite(kb) && kb > 0) return kb / 1024;
  }
  // Preloaded into the real CLI process: reports its peak RSS as it exits.
  const probe = path.join(work, 'rss-probe.cjs');
  writeFileSync(probe, `process.on('exit', () => process.stderr.write('\\nMAXRSS_KB=' + /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'));\n`);
  const r = await timed(process.execPath, ['--require', probe, bin, target]);
  const m = /MAXRSS_KB=(\d+)/.exec(r.output);
  return m && r.code === 0 ? Number(m[1]) / 1024 : undefined;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
