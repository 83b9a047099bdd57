// The colours of the text report, from a chalk instance at the level the caller asked for: never
// the global chalk, which would read the environment and the TTY itself.

import { Chalk, type ChalkInstance } from 'chalk';

export interface Palette {
  heading: (s: string) => string;
  dim: (s: string) => string;
  client: (s: string) => string;
  server: (s: string) => string;
  name: (s: string) => string;
  good: (s: string) => string;
  bad: (s: string) => string;
  warn: (s: string) => string;
  label: (s: string) => string;
  hex: (s: string, i: number) => string;
}

export function palette(color: boolean): Palette {
  const c: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  return {
    heading: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    client: (s) => c.cyan(s),
    server: (s) => c.magenta(s),
    name: (s) => c.bold(s),
    good: (s) => c.green(s),
    bad: (s) => c.red(s),
    warn: (s) => c.yellow(s),
    label: (s) => c.dim(s),
    // Alternate colours so neighbouring fields stand apart in the hex view.
    hex: (s, i) => (i % 2 === 0 ? c.yellow(s) : c.blue(s)),
  };
}
