// What the benchmarks share: running a command to completion with its wall time (stdin closed,
// one output stream kept, killed at a timeout) and the median of several runs.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface TimedRun {
  ms: number;
  code: number | null;
  /** The kept stream's text (the other is discarded). */
  output: string;
}

export interface TimedOptions {
  /** The child's whole environment (NO_COLOR=1 is added). */
  env?: Record<string, string | undefined>;
  /** Which stream to keep: stderr (messages) by default, stdout when the output is measured. */
  keep?: 'stdout' | 'stderr';
  timeoutMs?: number;
}

export function timed(cmd: string, args: string[], opts: TimedOptions = {}): Promise<TimedRun> {
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
