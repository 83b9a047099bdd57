// Decides how output looks: colour or plain, and the width to lay tables out in; and prints the
// CLI's one-line errors. The CLI alone reads the environment; report code receives the decision
// as plain values.

import tty from 'node:tty';
import { escapeControl } from '../report/escape.js';
import type { CliContext } from './context.js';

export interface OutputStyle {
  color: boolean;
  /** Width to lay out in: the terminal's, else COLUMNS; undefined means the report's default. */
  width?: number;
}

/** Colour depth in bits, as Node's `tty.WriteStream.getColorDepth` reports it: 1 means none. */
export type ColorDepth = 1 | 4 | 8 | 24;

/**
 * Node's own rules (`tty.WriteStream.prototype.getColorDepth`, as `util.inspect` and the REPL use
 * them): FORCE_COLOR set decides alone — '', '1', 'true' → 16 colours, '2' → 256, '3' → 16 million,
 * anything else ('0', 'false') → none — even when stdout is not a terminal. Otherwise colour needs
 * a terminal, and NO_COLOR (set at all), NODE_DISABLE_COLORS or TERM=dumb turn it off; TERM,
 * COLORTERM and CI name the depth. `--no-color` beats everything.
 */
export function colorDepth(ctx: Pick<CliContext, 'env' | 'stdoutIsTTY'>, colorFlag: boolean | undefined): ColorDepth {
  if (colorFlag === false) return 1;
  const env = { ...ctx.env };
  if (env.FORCE_COLOR !== undefined) {
    // FORCE_COLOR wins over these anyway; dropping them keeps Node from printing a warning about
    // the contradiction on our stderr.
    delete env.NO_COLOR;
    delete env.NODE_DISABLE_COLORS;
  } else if (!ctx.stdoutIsTTY) return 1;
  return tty.WriteStream.prototype.getColorDepth(env) as ColorDepth;
}

export function decideOutput(ctx: Pick<CliContext, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>, colorFlag: boolean | undefined): OutputStyle {
  // The report uses the 16 basic colours only, so any depth from 4 bits up means colour.
  const color = colorDepth(ctx, colorFlag) >= 4;
  const width = outputWidth(ctx);
  return { color, ...(width ? { width } : {}) };
}

/**
 * The terminal's columns when stdout is a terminal; else `COLUMNS` when it is a positive whole
 * number (a CI log or `COLUMNS=120 tls-trace … | less`); else undefined, and the report uses its
 * default width.
 */
function outputWidth(ctx: Pick<CliContext, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>): number | undefined {
  if (ctx.stdoutIsTTY && ctx.stdoutColumns && ctx.stdoutColumns > 0) return ctx.stdoutColumns;
  const columns = ctx.env.COLUMNS?.trim();
  if (columns && /^[1-9]\d{0,4}$/.test(columns)) return Number(columns);
  return undefined;
}

/**
 * The one place an error or warning line reaches stderr. Whatever it holds (a host name the user
 * typed, a capture file's address, a server's banner, an OS message) is escaped here, once, so no
 * control, C1, bidi or line-breaking character reaches the terminal and the line stays one line.
 * Callers pass raw text and must not escape it themselves.
 */
export function printError(ctx: Pick<CliContext, 'stderr'>, message: string): void {
  ctx.stderr(`tls-trace: ${escapeControl(message)}\n`);
}
