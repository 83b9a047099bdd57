// The scan-only CLI entry: the program `tls-trace scan …` builds (main.ts's buildProgram with a
// first word `scan`: the scan command and help), without the other commands' modules. The build
// bundles it on its own (dist/scan.cjs) and the launcher runs an argv starting with `scan` from it,
// so a scan reads, deserialises and sets up little more than half of the code (issue 15).

import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { processContext, programShell, registerScanAndHelp, runCli } from './program.js';

async function buildScanProgram(ctx: CliContext): Promise<Command> {
  const program = await programShell(ctx);
  await registerScanAndHelp(program, ctx);
  return program;
}

/** Runs an argv whose first word is `scan` (any other argv belongs to main.ts's program). */
export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runCli(argv, ctx, buildScanProgram);
}
