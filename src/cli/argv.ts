// The argv before commander parses it: options given before a subcommand's name
// (`tls-trace --json check host`), and a first word that looks like a mistyped command name
// (`tls-trace chekc example.com`). Commander alone would give the first to the root command (the
// trace), so `check` ran without them — silently — and would take the second as a host name.

import type { Command, Option } from 'commander';
import { UsageError } from '../errors.js';

/** Root options that must stay before the command: they are answered by the root itself. */
const ROOT_ONLY = new Set(['-V', '--version']);

/** The index of the first operand in `argv` (skipping the root's options and their values), or -1. */
export function firstOperand(argv: readonly string[], options: readonly Option[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!a.startsWith('-') || a === '-') return i;
    // `--opt=value` and `-xVALUE` carry their value; `--opt value` and `-x value` take the next word.
    if (a.includes('=') || (!a.startsWith('--') && a.length > 2)) continue;
    const option = options.find((o) => o.long === a || o.short === a);
    if (option && (option.required || (option.optional && i + 1 < argv.length && !argv[i + 1].startsWith('-')))) i++;
  }
  return -1;
}

/**
 * `--json check host` as `check --json host`: options before a subcommand's name are that
 * subcommand's, where it has them, and an unknown-option usage error where it does not (`--demo
 * check` → check: unknown option '--demo'), never dropped. -V/--version stay the root's.
 */
export function moveLeadingOptions(argv: readonly string[], program: Command): string[] {
  const at = firstOperand(argv, program.options);
  if (at <= 0 || argv.slice(0, at).some((a) => ROOT_ONLY.has(a) || a === '--')) return [...argv];
  if (!program.commands.some((c) => c.name() === argv[at] || c.aliases().includes(argv[at]))) return [...argv];
  return [argv[at], ...argv.slice(0, at), ...argv.slice(at + 1)];
}

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), as commander's suggestions use. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The command `word` is probably a typo of, or undefined. The rule (README "Exit codes"): a word
 * of 3 or more letters, digits and hyphens, with no dot, colon or bracket (so no FQDN, IP literal
 * or HOST:PORT), that is not itself a command and is within edit distance 2 of one (the nearest
 * wins). Such a word is still a valid single-label host name: the caller decides whether it is one.
 */
export function commandTypo(word: string, commands: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (!/^[a-z0-9-]{3,}$/.test(w) || commands.includes(w)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(w, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The usage error for a mistyped command. */
export function unknownCommand(word: string, command: string): UsageError {
  return new UsageError(`unknown command '${word}' — did you mean '${command}'?`, `tls-trace ${command} …; to trace a host named ${word}, give its port: ${word}:443`);
}

/** The program's command names that a mistyped first word is compared with (`help` and commands alike). */
export function commandNames(program: Command): string[] {
  return program.commands.map((c) => c.name());
}

/**
 * A first operand that is a mistyped command *and* is followed by more operands is refused before
 * anything runs: a trace takes one target, so `chekc example.com` cannot be a trace. A lone
 * near-command word is left to the trace, which refuses it only if the resolver cannot resolve it.
 */
export function refuseTypedCommand(argv: readonly string[], program: Command): void {
  const at = firstOperand(argv, program.options);
  if (at < 0 || argv[at - 1] === '--') return;
  const command = commandTypo(argv[at], commandNames(program));
  if (command === undefined) return;
  const rest = argv.slice(at + 1);
  if (firstOperand(rest, program.options) >= 0) throw unknownCommand(argv[at], command);
}
