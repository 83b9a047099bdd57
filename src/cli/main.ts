// The CLI entry: builds the commander program, runs it in-process and maps errors to exit codes.
// Nothing here calls process.exit, so tests drive the whole CLI through `main(argv, ctx)`.

import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from './exit-codes.js';
import type { CliContext } from './context.js';
import { registerTrace } from './commands/trace.js';
import { registerReplay } from './commands/replay.js';
import { registerCheck } from './commands/check.js';
import { registerScan } from './commands/scan.js';

export const VERSION = '0.1.0';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tls-trace')
    .version(VERSION, '-V, --version')
    .description('Shows, byte by byte, what happens when a client and a server set up TLS.')
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .exitOverride()
    .showSuggestionAfterError(true);
  registerTrace(program, ctx);
  registerReplay(program, ctx);
  registerCheck(program, ctx);
  registerScan(program, ctx);
  return program;
}

export function processContext(): CliContext {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    exitCode: 0,
  };
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      if (e.exitCode === 0) return 0;
      return ExitCode.usage;
    }
    if (e instanceof UserError) {
      ctx.stderr(`tls-trace: ${e.message}\n`);
      if (e.hint) ctx.stderr(`hint: ${e.hint}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    ctx.stderr(`tls-trace: internal error: ${err.message}\n`);
    if (ctx.env.TLS_TRACE_DEBUG) ctx.stderr(`${err.stack ?? ''}\n`);
    return ExitCode.internal;
  }
}

// Run directly under tsx (`npm run dev -- HOST`); the compiled bin imports main() instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
