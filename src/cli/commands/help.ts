// `tls-trace help [command]`: the same text as `--help` / `COMMAND --help`, exit 0. Commander adds
// such a command by itself only to programs without an action of their own; ours has one (the
// trace), so `help` was taken for a host name and looked up in DNS. Commander's built-in one would
// also answer an unknown name with the whole help on stderr; here that is one usage-error line.

import type { Command } from 'commander';
import { commandNames, commandTypo } from '../argv.js';
import { UsageError } from '../../errors.js';

export function registerHelp(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .description('display help for command')
    .argument('[command]', 'the command to describe')
    .action((name: string | undefined) => {
      if (name === undefined) {
        program.outputHelp();
        return;
      }
      const sub = program.commands.find((c) => c.name() === name);
      if (!sub) {
        const near = commandTypo(name, commandNames(program));
        throw new UsageError(`unknown command "${name}"${near ? ` — did you mean '${near}'?` : ''}`, `commands: ${commandNames(program).join(', ')}`);
      }
      sub.outputHelp();
    });
}
