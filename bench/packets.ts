// `npx tsx bench/packets.ts`: what `--packets` and `--pcap OUT` cost a live trace. Against one
// loopback `openssl s_server` (TLS 1.3), in one run, interleaved, median of N, the compiled CLI:
//   - a plain trace                          `tls-trace 127.0.0.1:PORT`
//   - with the connection's packets          `tls-trace 127.0.0.1:PORT --packets` (tcpdump, or dumpcap)
//   - writing a pcapng                       `tls-trace 127.0.0.1:PORT --pcap OUT`
//   - both                                   `--packets --pcap OUT`
// and prints each beside the plain trace as a ratio and an added cost in ms. Most of --packets'
// cost is waiting: for the tool to say it is capturing before the SYN, and, after the close, for
// the last segments (30 ms for tcpdump, 300 ms for dumpcap, which has no immediate mode) and its
// exit. Never fails on speed; only on a broken set-up (no root/capture tool: --packets is skipped).
//
// Options: --runs N (default 9), --tool tcpdump|dumpcap (put only that tool on PATH).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, startOpensslServer } from '../test/helpers/servers.js';
import { median, timed } from './timing.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** A PATH holding only the chosen capture tool (plus what node needs: nothing else). */
function pathWith(tool: string | undefined): string {
  if (!tool) return process.env.PATH ?? '';
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-path-'));
  const where = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!where) throw new Error(`${tool} is not installed`);
  spawnSync('ln', ['-s', where, path.join(dir, tool)]);
  return dir;
}

function pcapSupported(): boolean {
  const help = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'tls-trace.cjs'), '--help'], { encoding: 'utf8' }).stdout;
  return help.includes('--pcap');
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '9'));
  const tool = process.argv.includes('--tool') ? arg('tool', 'tcpdump') : undefined;
  const server = await startOpensslServer(['-tls1_3']);
  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-packets-'));
  const env = { ...process.env, PATH: pathWith(tool) };
  try {
    const target = `${server.host}:${server.port}`;
    const out = path.join(work, 'out.pcapng');
    const variants: Array<{ name: string; args: string[] }> = [{ name: 'plain trace', args: [target] }];
    const packets = process.getuid?.() === 0;
    if (packets) variants.push({ name: `--packets${tool ? ` (${tool})` : ''}`, args: [target, '--packets'] });
    const pcap = pcapSupported();
    if (pcap) variants.push({ name: '--pcap OUT', args: [target, '--pcap', out] });
    if (pcap && packets) variants.push({ name: '--packets --pcap OUT', args: [target, '--packets', '--pcap', out] });
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    // One warm-up of each, then interleaved rounds so load drift hits every variant alike.
    for (const v of variants) await timed(process.execPath, [path.join(repoRoot, 'bin', 'tls-trace.cjs'), ...v.args], { env });
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        const r = await timed(process.execPath, [path.join(repoRoot, 'bin', 'tls-trace.cjs'), ...v.args], { env });
        if (r.code !== 0) throw new Error(`${v.name} exited ${r.code}: ${r.output.trim()}`);
        if (v.args.includes('--packets') && r.output.includes('--packets:')) throw new Error(`${v.name}: ${r.output.trim()}`);
        samples.get(v.name)!.push(r.ms);
      }
    }
    const base = median(samples.get('plain trace')!);
    console.log(`\n--packets / --pcap cost — openssl s_server TLS 1.3 on ${target}, median of ${runs} interleaved runs\n`);
    console.log(`${'variant'.padEnd(26)}${'median ms'.padStart(11)}${'min'.padStart(9)}${'max'.padStart(9)}${'vs plain'.padStart(10)}${'added ms'.padStart(10)}`);
    for (const v of variants) {
      const xs = samples.get(v.name)!;
      const m = median(xs);
      console.log(`${v.name.padEnd(26)}${m.toFixed(1).padStart(11)}${Math.min(...xs).toFixed(1).padStart(9)}${Math.max(...xs).toFixed(1).padStart(9)}${`${(m / base).toFixed(2)}x`.padStart(10)}${(m - base).toFixed(1).padStart(10)}`);
    }
    if (!packets) console.log('\n--packets not measured: not root (it needs the right to capture packets)');
    if (!pcap) console.log('\n--pcap not measured: this build has no --pcap (r12-out not merged)');
    if (pcap) console.log(`\nlast pcapng written: ${statSync(out).size} bytes`);
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
    if (tool) rmSync(env.PATH, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
