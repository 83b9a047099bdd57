// The CLI entry with every command: builds the commander program and runs it in-process
// (src/cli/program.ts maps errors to exit codes; nothing here calls process.exit).

import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { processContext, programShell, registerScanAndHelp, runCli } from './program.js';

export { VERSION, processContext } from './program.js';

/**
 * Builds the program. The command modules (and through them the decoder, registries, report and
 * crypto code) are imported here rather than at the top, so `--version` answers without loading
 * them: start-up time is part of the tool's budget (issue 2: within 2× of bare `node`).
 *
 * `argv` starting with `scan` builds a program with only the scan command: initialising the trace,
 * replay, read and check modules it never runs was ~10% of a loopback scan's CPU time (issue 15:
 * faster than sslscan). Only the first word counts, so options before it (`--no-color scan`)
 * and every other command still get the whole program; `scan --help` describes scan alone either
 * way. (The published launcher runs such an argv from the scan-only bundle, scan-main.ts.)
 */
export async function buildProgram(ctx: CliContext, argv: readonly string[] = []): Promise<Command> {
  const program = await programShell(ctx);
  if (argv[0] !== 'scan') await registerOthers(program, ctx);
  await registerScanAndHelp(program, ctx);
  return program;
}

/** Every command but scan, in the order `--help` lists them (trace, the default, first). */
async function registerOthers(program: Command, ctx: CliContext): Promise<void> {
  const { registerTrace } = await import('./commands/trace.js');
  const { registerReplay } = await import('./commands/replay.js');
  const { registerRead } = await import('./commands/read.js');
  const { registerCheck } = await import('./commands/check.js');
  registerTrace(program, ctx);
  registerReplay(program, ctx);
  registerRead(program, ctx);
  registerCheck(program, ctx);
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runCli(argv, ctx, buildProgram);
}

// Run directly under tsx (`npm run dev -- HOST`); the compiled bin calls main() instead. No
// top-level await: the build bundles this module as CommonJS (for V8's code cache).
if (import.meta.url === `file://${process.argv[1]}`) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
