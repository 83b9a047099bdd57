// What every CLI entry shares: the commander program without its commands, the run that maps
// errors to exit codes, and the process context. Nothing here calls process.exit, so tests drive
// the whole CLI through `main(argv, ctx)`. Entries: main.ts (every command) and scan-main.ts (the
// scan alone, bundled on its own so `tls-trace scan` loads a smaller script; see scripts/build.mjs).
// This module imports no command, so an entry bundles only the commands it registers.

import type { Command } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import type { CliContext } from './context.js';
import { errnoReason } from './errno.js';
import { escapeControl } from '../report/escape.js';
import { printError } from './output.js';
import { guardOutput } from './stdio.js';
import { restoreExtraCaCerts } from './extra-ca.js';
import { moveLeadingOptions, refuseTypedCommand } from './argv.js';

export const VERSION = '0.1.0';

/** Builds the program an argv runs (its commands registered). */
export type ProgramBuilder = (ctx: CliContext, argv: readonly string[]) => Promise<Command>;

/** The program with its root options and output wiring, and no command yet. */
export async function programShell(ctx: CliContext): Promise<Command> {
  // One at a time: jest's ESM loader mishandles concurrent dynamic imports of shared modules.
  const { Command } = await import('commander');
  return (
    new Command('tls-trace')
      .version(VERSION, '-V, --version')
      .description('Shows, byte by byte, what happens when a client and a server set up TLS.')
      .configureOutput({
        writeOut: ctx.stdout,
        writeErr: ctx.stderr,
        // Commander's usage errors ("error: unknown option '--x'" + a suggestion line) become one
        // line in our own format, escaped like every other error the CLI prints (they quote what
        // the user typed).
        outputError: (text) => printError(ctx, text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')),
      })
      .exitOverride()
      .showSuggestionAfterError(true)
      // Options after a subcommand name belong to the subcommand (`replay FILE --json`), not the root.
      .enablePositionalOptions()
  );
}

/** The scan command and `help`, the last commands of every program. */
export async function registerScanAndHelp(program: Command, ctx: CliContext): Promise<void> {
  const { registerScan } = await import('./commands/scan.js');
  registerScan(program, ctx);
  const { registerHelp } = await import('./commands/help.js');
  registerHelp(program);
}

export function processContext(): CliContext {
  restoreExtraCaCerts(process.env);
  const stdout = guardOutput(process.stdout);
  const stderr = guardOutput(process.stderr);
  return {
    stdout: stdout.write,
    stderr: stderr.write,
    stdin: () => process.stdin,
    settleStdout: stdout.settle,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
    env: process.env,
    // A built script (not `tsx src/cli/main.ts`, which node alone cannot run) can be forked for check --jobs.
    ...(/\.c?js$/.test(process.argv[1] ?? '') ? { workerEntry: process.argv[1] } : {}),
    exitCode: 0,
  };
}

/** Runs `argv` through the program `build` makes; the exit code. */
export async function runCli(argv: string[], ctx: CliContext, build: ProgramBuilder): Promise<number> {
  const code = await run(argv, ctx, build);
  const failure = await ctx.settleStdout?.();
  // A reader that went away (`| head -1`) is not an error: end quietly with the run's own code.
  if (!failure || failure.code === 'EPIPE') return code;
  printError(ctx, `cannot write standard output: ${errnoReason(failure)}`);
  return code === ExitCode.ok ? ExitCode.write : code;
}

async function run(argv: string[], ctx: CliContext, build: ProgramBuilder): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    ctx.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  try {
    const program = await build(ctx, argv);
    refuseTypedCommand(argv, program);
    await program.parseAsync(moveLeadingOptions(argv, program), { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (isCommanderError(e)) {
      // --help and --version arrive here too, with exit code 0.
      if (e.exitCode === 0) return 0;
      return ExitCode.usage;
    }
    if (e instanceof UserError) {
      // One line, so scripts can show it as is: the hint rides along in parentheses.
      printError(ctx, `${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    printError(ctx, `internal error: ${err.message}`);
    // The stack repeats the message, which may quote a peer: escaped line by line like the rest.
    if (ctx.env.TLS_TRACE_DEBUG) for (const line of (err.stack ?? '').split('\n')) ctx.stderr(`${escapeControl(line)}\n`);
    return ExitCode.internal;
  }
}

/** Commander's errors carry `commander.*` codes (checked structurally: commander loads lazily). */
function isCommanderError(e: unknown): e is { code: string; exitCode: number } {
  return (
    typeof e === 'object' &&
    e !== null &&
    'code' in e &&
    typeof e.code === 'string' &&
    e.code.startsWith('commander.') &&
    'exitCode' in e &&
    typeof e.exitCode === 'number'
  );
}
