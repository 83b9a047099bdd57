// The CLI entry: builds the commander program, runs it in-process and maps errors to exit codes.
// Nothing here calls process.exit, so tests drive the whole CLI through `main(argv, ctx)`.

import type { Command } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import type { CliContext } from './context.js';

export const VERSION = '0.1.0';

/**
 * Builds the program. The command modules (and through them the decoder, registries, report and
 * crypto code) are imported here rather than at the top, so `--version` answers without loading
 * them: start-up time is part of the tool's budget (issue 2: within 2× of bare `node`).
 */
export async function buildProgram(ctx: CliContext): Promise<Command> {
  // One at a time: jest's ESM loader mishandles concurrent dynamic imports of shared modules.
  const { Command } = await import('commander');
  const { registerTrace } = await import('./commands/trace.js');
  const { registerReplay } = await import('./commands/replay.js');
  const { registerCheck } = await import('./commands/check.js');
  const { registerScan } = await import('./commands/scan.js');
  const program = new Command('tls-trace')
    .version(VERSION, '-V, --version')
    .description('Shows, byte by byte, what happens when a client and a server set up TLS.')
    .configureOutput({
      writeOut: ctx.stdout,
      writeErr: ctx.stderr,
      // Commander's usage errors ("error: unknown option '--x'" + a suggestion line) become one
      // line in our own format, like every other error the CLI prints.
      outputError: (text, write) => write(`tls-trace: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    // Options after a subcommand name belong to the subcommand (`replay FILE --json`), not the root.
    .enablePositionalOptions();
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
    stderrIsTTY: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
    env: process.env,
    exitCode: 0,
  };
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    ctx.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  try {
    const program = await buildProgram(ctx);
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (isCommanderError(e)) {
      // --help and --version arrive here too, with exit code 0.
      if (e.exitCode === 0) return 0;
      return ExitCode.usage;
    }
    if (e instanceof UserError) {
      // One line, so scripts can show it as is: the hint rides along in parentheses.
      ctx.stderr(`tls-trace: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    ctx.stderr(`tls-trace: internal error: ${err.message}\n`);
    if (ctx.env.TLS_TRACE_DEBUG) ctx.stderr(`${err.stack ?? ''}\n`);
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

// Run directly under tsx (`npm run dev -- HOST`); the compiled bin calls main() instead. No
// top-level await: the build bundles this module as CommonJS (for V8's code cache).
if (import.meta.url === `file://${process.argv[1]}`) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
