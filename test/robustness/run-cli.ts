// Runs the real CLI in-process (`main(argv, ctx)`) with captured stdout/stderr, for the
// robustness and bad-input tests.

import type { LookupFunction } from 'node:net';
import { runCli as runInProcess, type CliRun } from '../helpers/cli.js';

export type { CliRun } from '../helpers/cli.js';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  lookup?: LookupFunction;
}

export function runCli(argv: string[], opts: RunOptions = {}): Promise<CliRun> {
  return runInProcess(argv, { env: opts.env ?? {}, ...(opts.lookup ? { lookup: opts.lookup } : {}) });
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
