// Placeholder: the trace command (issue 2) is built here.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerTrace(program: Command, ctx: CliContext): void {
  program.argument('[target]', 'HOST[:PORT] to trace').action(() => {
    ctx.stdout('not yet\n');
  });
}
