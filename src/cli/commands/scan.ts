// Placeholder: the scan command is built here.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerScan(program: Command, ctx: CliContext): void {
  program.command('scan').description('scan (not built yet)').action(() => {
    ctx.stdout('not yet\n');
  });
}
