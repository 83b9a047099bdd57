// Decides how output looks: colour or plain, and the width to lay tables out in. The CLI alone
// reads the environment; report code receives the decision as plain values.

import type { CliContext } from './context.js';

export interface OutputStyle {
  color: boolean;
  /** Terminal width when stdout is a terminal; undefined means "not a terminal, do not wrap". */
  width?: number;
}

/**
 * Colour only on a terminal, and never when the user said no: `--no-color`, or `NO_COLOR` set to
 * anything non-empty (no-color.org). `FORCE_COLOR` (non-empty, not "0") turns it on even when
 * piped, as chalk and most CLIs honour it; an explicit `--no-color` still wins.
 */
export function decideOutput(ctx: Pick<CliContext, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>, colorFlag: boolean | undefined): OutputStyle {
  const env = ctx.env;
  let color: boolean;
  if (colorFlag === false) color = false;
  else if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') color = false;
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') color = true;
  else color = ctx.stdoutIsTTY && env.TERM !== 'dumb';
  const width = ctx.stdoutIsTTY && ctx.stdoutColumns && ctx.stdoutColumns > 0 ? ctx.stdoutColumns : undefined;
  return { color, ...(width ? { width } : {}) };
}
