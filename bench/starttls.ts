// `npx tsx bench/starttls.ts [--targets N] [--sample N]`: targets per second of `tls-trace check
// --starttls PROTO` against real loopback servers (exim4 SMTP, dovecot IMAP, PostgreSQL; the
// r13-servers helpers), N targets each (default 100, the same server listed N times, checked at the
// CLI's default concurrency), next to `openssl s_client -starttls PROTO` run one target after
// another on --sample of them (default 20). Prints rates and ratios; never fails on speed.

import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { main } from '../src/cli/main.js';
import type { CliContext } from '../src/cli/context.js';
import { findServerBinary, type RealServer } from '../test/helpers/real-servers/common.js';
import { startDovecot } from '../test/helpers/real-servers/dovecot.js';
import { startExim } from '../test/helpers/real-servers/exim.js';
import { startPostgres } from '../test/helpers/real-servers/postgres.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const TARGETS = arg('targets', 100);
const SAMPLE = arg('sample', 20);

interface Subject {
  proto: string;
  binary: string;
  start: () => Promise<RealServer>;
  port: (s: RealServer) => number;
}

const subjects: Subject[] = [
  { proto: 'smtp', binary: 'exim4', start: () => startExim(), port: (s) => s.port },
  { proto: 'imap', binary: 'dovecot', start: () => startDovecot(), port: (s) => s.ports.imap },
  { proto: 'postgres', binary: 'postgres', start: () => startPostgres(), port: (s) => s.port },
];

async function checkRate(proto: string, target: string, caFile: string): Promise<{ perSecond: number; failed: number; first?: string }> {
  let out = '';
  const ctx: CliContext = { stdout: (t) => void (out += t), stderr: () => undefined, stdoutIsTTY: false, stderrIsTTY: false, env: {}, exitCode: 0 };
  const t0 = performance.now();
  await main(['check', '--starttls', proto, '--ca', caFile, '--servername', 'localhost', '--json', ...Array.from({ length: TARGETS }, () => target)], ctx);
  const s = (performance.now() - t0) / 1000;
  const json = JSON.parse(out) as { counts: { error: number; invalid: number }; results: Array<{ status: string; problems: string[] }> };
  const first = json.results.find((r) => r.status !== 'valid')?.problems[0];
  return { perSecond: TARGETS / s, failed: json.counts.error + json.counts.invalid, ...(first ? { first } : {}) };
}

function sClientOnce(proto: string, target: string, caFile: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-starttls', proto, '-connect', target, '-CAfile', caFile, '-verify_return_error', '-brief'], { timeout: 20_000 }, (err) => resolve(!err));
    child.stdin?.end();
  });
}

async function sClientRate(proto: string, target: string, caFile: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < SAMPLE; i++) await sClientOnce(proto, target, caFile);
  return SAMPLE / ((performance.now() - t0) / 1000);
}

async function run(): Promise<void> {
  console.log(`check --starttls over ${TARGETS} targets per protocol vs sequential openssl s_client -starttls (${SAMPLE} runs)`);
  for (const s of subjects) {
    if (!findServerBinary(s.binary)) {
      console.log(`${s.proto.padEnd(9)} ${s.binary} not installed`);
      continue;
    }
    const server = await s.start();
    try {
      const target = `${server.host}:${s.port(server)}`;
      const check = await checkRate(s.proto, target, server.caFile);
      const sclient = await sClientRate(s.proto, target, server.caFile);
      console.log(
        `${s.proto.padEnd(9)} tls-trace check ${check.perSecond.toFixed(1).padStart(7)} targets/s${check.failed ? ` (${check.failed} not valid, e.g. ${check.first ?? '?'})` : ''}` +
          ` · s_client ${sclient.toFixed(1).padStart(6)} targets/s · ratio ${(check.perSecond / sclient).toFixed(2)}x`,
      );
    } finally {
      await server.stop();
    }
  }
}

await run();
