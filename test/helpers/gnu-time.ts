// GNU time (Debian package `time`, /usr/bin/time) around a command, for its CPU time: user + system
// seconds of the command and of every child it waited for. Steadier than wall time on a shared
// machine; used by the benchmarks and the testssl.sh runner.

import { existsSync, readFileSync } from 'node:fs';

export const GNU_TIME = '/usr/bin/time';

/** The command line that runs `cmd args` under GNU time writing `%U %S` to `file`, or undefined without it. */
export function underGnuTime(file: string, cmd: string, args: readonly string[]): [string, string[]] | undefined {
  return existsSync(GNU_TIME) ? [GNU_TIME, ['-f', '%U %S', '-o', file, cmd, ...args]] : undefined;
}

/** The CPU time GNU time wrote to `file`, in ms (undefined if it wrote none). */
export function gnuTimeCpuMs(file: string): number | undefined {
  try {
    // The last line: GNU time puts "Command exited with non-zero status" before it.
    const [user, sys] = (readFileSync(file, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    return Number.isFinite(user) && Number.isFinite(sys) ? (user + sys) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
