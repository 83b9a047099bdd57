// Runs the real CLI in-process (`main(argv, ctx)`) with stdout and stderr captured: no terminal, no
// colour, an empty environment unless the test gives one. Every CLI-level test goes through here.

import type { CliContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

/** A CLI entry's main (main.ts's, or scan-main.ts's for an argv starting with `scan`). */
export type CliMain = (argv: string[], ctx: CliContext) => Promise<number>;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run, ms. */
  ms: number;
}

/** `over` replaces parts of the context (env, lookup, stdoutIsTTY …); `entry` the CLI entry run. */
export async function runCli(argv: string[], over: Partial<CliContext> = {}, entry: CliMain = main): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
    exitCode: 0,
    ...over,
  };
  const t0 = Date.now();
  const code = await entry(argv, ctx);
  return { code, stdout, stderr, ms: Date.now() - t0 };
}
