// What the benchmarks share: running a command to completion with its wall time (stdin closed,
// one output stream kept, killed at a timeout), optionally its CPU time, and the median of runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gnuTimeCpuMs, underGnuTime } from '../test/helpers/gnu-time.js';

export interface TimedRun {
  ms: number;
  code: number | null;
  /** The kept stream's text (the other is discarded). */
  output: string;
  /** User + system CPU time of the command and the children it waited for (with `cpu`). */
  cpuMs?: number;
}

export interface TimedOptions {
  /** The child's whole environment (NO_COLOR=1 is added). */
  env?: Record<string, string | undefined>;
  /** Which stream to keep: stderr (messages) by default, stdout when the output is measured. */
  keep?: 'stdout' | 'stderr';
  timeoutMs?: number;
  /** Also measure CPU time, through GNU time (Debian package `time`) when /usr/bin/time exists. */
  cpu?: boolean;
}

/** `timed` with the command's CPU time: steadier than wall time on a shared machine. */
async function timedWithCpu(cmd: string, args: string[], opts: TimedOptions): Promise<TimedRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-time-'));
  const file = path.join(dir, 'time.txt');
  try {
    const [c, a] = underGnuTime(file, cmd, args) ?? [cmd, args];
    const r = await timed(c, a, { ...opts, cpu: false });
    const cpuMs = gnuTimeCpuMs(file);
    return cpuMs === undefined ? r : { ...r, cpuMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function timed(cmd: string, args: string[], opts: TimedOptions = {}): Promise<TimedRun> {
  if (opts.cpu) return timedWithCpu(cmd, args, opts);
  const keep = opts.keep ?? 'stderr';
  return new Promise((resolve) => {
    const t0 = performance.now();
    const stdio: ['ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'] = keep === 'stdout' ? ['ignore', 'pipe', 'ignore'] : ['ignore', 'ignore', 'pipe'];
    const child = spawn(cmd, args, { stdio, env: { ...(opts.env ?? process.env), NO_COLOR: '1' } });
    let output = '';
    child[keep]?.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, output });
    });
  });
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
