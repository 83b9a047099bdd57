// Placeholder: the check command is built here.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerCheck(program: Command, ctx: CliContext): void {
  program.command('check').description('check (not built yet)').action(() => {
    ctx.stdout('not yet\n');
  });
}
