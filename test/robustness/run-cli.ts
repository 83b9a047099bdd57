// Runs the real CLI in-process (`main(argv, ctx)`) with captured stdout/stderr, for the
// robustness and bad-input tests.

import type { LookupFunction } from 'node:net';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  lookup?: LookupFunction;
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: opts.env ?? {},
    exitCode: 0,
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  };
  const t0 = Date.now();
  const code = await main(argv, ctx);
  return { code, stdout, stderr, ms: Date.now() - t0 };
}

/** A resolver that never touches DNS: known names map to loopback, everything else is ENOTFOUND. */
export function fakeLookup(names: Record<string, string> = {}): LookupFunction {
  const fn = (hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void): void => {
    const address = names[hostname];
    setImmediate(() => {
      if (!address) {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.code = 'ENOTFOUND';
        callback(err, undefined);
        return;
      }
      const family = address.includes(':') ? 6 : 4;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
  return fn as unknown as LookupFunction;
}

/** Step title lines of the text output (`  2 ← ServerHello  …`), reduced to `← ServerHello`. */
export function stepTitles(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s+\d+ ([→←]) (.+?) {2}/.exec(line);
    if (m) out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}
