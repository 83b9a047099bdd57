// Runs the real CLI in-process (`main(argv, ctx)`) with stdout and stderr captured: no terminal, no
// colour, an empty environment unless the test gives one. Every CLI-level test goes through here.

import type { CliContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run, ms. */
  ms: number;
}

/** `over` replaces parts of the context (env, lookup, stdoutIsTTY …). */
export async function runCli(argv: string[], over: Partial<CliContext> = {}): Promise<CliRun> {
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
  const code = await main(argv, ctx);
  return { code, stdout, stderr, ms: Date.now() - t0 };
}
