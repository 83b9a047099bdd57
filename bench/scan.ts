// `npx tsx bench/scan.ts`: how long a full server scan takes next to sslscan and testssl.sh,
// against the same loopback nginx, in one run. It prints wall times (median of --runs for the two
// fast tools; testssl.sh runs once, it takes most of a minute) and the ratios against the targets:
// faster than sslscan, and at least 50× faster than testssl.sh. It also prints what each tool
// found (versions and suites per version) so the coverage comparison is visible. A miss is
// reported, never fatal: timings depend on the machine and its load.
//
// tls-trace runs as the real CLI process users get, `node bin/tls-trace.cjs` over the compiled
// dist/ (`npm run build` first; the bench builds it), so the numbers include Node's start-up and
// module loading, like the other tools'.
//
// Options: --runs N (default 5), --no-testssl (skip the slow one).

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, startNginx, type TestServer } from '../test/helpers/servers.js';
import { median, timed } from './timing.js';

const TESTSSL_TIMEOUT_MS = 180_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Suites per protocol from tls-trace's JSON. */
function ourCoverage(json: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const doc = JSON.parse(json) as { protocols: Array<{ version: { name: string }; suites: Array<{ value: number }> }> };
  for (const p of doc.protocols) if (p.suites.length) out.set(p.version.name, new Set(p.suites.map((s) => s.value)));
  return out;
}

/** Suites per protocol from sslscan's XML (`<cipher sslversion="TLSv1.2" id="0xC02F" …/>`). */
function sslscanCoverage(xml: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const m of xml.matchAll(/<cipher [^>]*sslversion="(\w+)v([\d.]+)"[^>]*id="(0x[0-9A-Fa-f]+)"/g)) {
    const name = `${m[1] === 'SSL' ? 'SSL' : 'TLS'} ${m[2]}`;
    const set = out.get(name) ?? new Set<number>();
    set.add(Number(m[3]));
    out.set(name, set);
  }
  return out;
}

function describeCoverage(c: Map<string, Set<number>>): string {
  return [...c.entries()].map(([v, s]) => `${v}: ${s.size}`).join(', ') || 'nothing';
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const withTestssl = !process.argv.includes('--no-testssl');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');

  // A typical small site: TLS 1.2 and 1.3, nginx's default cipher list, HTTP/2.
  let server: TestServer | undefined;
  try {
    server = await startNginx('listen 127.0.0.1:{{PORT}} ssl http2;\nssl_protocols TLSv1.2 TLSv1.3;\nssl_ciphers HIGH:!aNULL:!MD5;');
    const target = `127.0.0.1:${server.port}`;
    console.log(`loopback nginx on ${target}; ${runs} runs each (interleaved), testssl.sh ${withTestssl ? 'once' : 'skipped'}`);

    const ours: number[] = [];
    const theirs: number[] = [];
    let ourJson = '';
    let sslscanXml = '';
    const ourArgs = [bin, 'scan', target, '--json', '--no-progress'];
    await timed('node', ourArgs, { keep: 'stdout' }); // warm the page cache once, untimed
    for (let i = 0; i < runs; i++) {
      const a = await timed('node', ourArgs, { keep: 'stdout' });
      if (a.code !== 0) throw new Error(`tls-trace scan exited ${a.code}`);
      ours.push(a.ms);
      ourJson = a.output;
      if (have('sslscan')) {
        const b = await timed('sslscan', ['--no-colour', '--xml=-', target], { keep: 'stdout' });
        theirs.push(b.ms);
        sslscanXml = b.output;
      }
    }
    const our = median(ours);
    const inProcess = (JSON.parse(ourJson) as { durationMs: number }).durationMs;
    console.log(`tls-trace scan   ${our.toFixed(0).padStart(7)} ms  (median; the scan itself ${inProcess} ms, the rest is Node start-up)`);
    console.log(`  found: ${describeCoverage(ourCoverage(ourJson))}`);
    if (theirs.length) {
      const s = median(theirs);
      console.log(`sslscan          ${s.toFixed(0).padStart(7)} ms  (median)`);
      console.log(`  found: ${describeCoverage(sslscanCoverage(sslscanXml))}`);
      const ratio = s / our;
      console.log(`  tls-trace is ${ratio.toFixed(2)}× as fast as sslscan — target > 1×: ${ratio > 1 ? 'PASS' : 'MISS'}`);
      const mine = ourCoverage(ourJson);
      const missing = [...sslscanCoverage(sslscanXml)].flatMap(([v, set]) => [...set].filter((c) => !mine.get(v)?.has(c)).map((c) => `${v} 0x${c.toString(16)}`));
      console.log(`  suites sslscan found that tls-trace did not: ${missing.length ? missing.join(', ') : 'none'}`);
    } else console.log('sslscan          not installed; skipped');

    if (withTestssl && have('testssl')) {
      const t = await timed('testssl', ['--warnings', 'off', '--quiet', '--color', '0', target], { keep: 'stdout', timeoutMs: TESTSSL_TIMEOUT_MS });
      console.log(`testssl.sh       ${t.ms.toFixed(0).padStart(7)} ms  (one run${t.code === null ? ', killed at the timeout' : ''})`);
      const ratio = t.ms / our;
      console.log(`  tls-trace is ${ratio.toFixed(1)}× as fast as testssl.sh — target ≥ 50×: ${ratio >= 50 ? 'PASS' : 'MISS'}`);
    } else if (withTestssl) console.log('testssl.sh       not installed; skipped');
  } finally {
    await server?.close();
  }
}

await main();
