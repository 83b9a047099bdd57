// Placeholder: the replay command is built here.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerReplay(program: Command, ctx: CliContext): void {
  program.command('replay').description('replay (not built yet)').action(() => {
    ctx.stdout('not yet\n');
  });
}
