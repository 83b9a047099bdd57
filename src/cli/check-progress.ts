// The progress line of a many-target `check` on a terminal (stderr only): how many finished and
// which targets are in flight now, oldest first, cut to the terminal's width. A line naming the
// last target to finish would hide the slow one everybody waits for.

import type { CheckTarget, TargetResult } from '../check/types.js';
import { displayWidth } from '../report/fit.js';
import { escapeControl } from '../report/escape.js';
import type { CliContext } from './context.js';

export interface Progress {
  start: (t: CheckTarget) => void;
  finish: (r: TargetResult, done: number, total: number) => void;
  end: () => void;
}

/** Redraws at most this often: thousands of loopback targets finish faster than a terminal draws. */
const REDRAW_MS = 100;

export function progressLine(done: number, total: number, inFlight: readonly string[], width: number): string {
  let line = `checking ${done}/${total}`;
  if (inFlight.length) line += ' · in flight:';
  for (let i = 0; i < inFlight.length; i++) {
    const next = `${i ? ',' : ''} ${escapeControl(inFlight[i])}`;
    const rest = inFlight.length - i - 1;
    const tail = rest ? ` +${rest} more` : '';
    if (displayWidth(line + next + tail) > width - 1) return `${line} +${inFlight.length - i} more`;
    line += next;
  }
  return line;
}

export function createProgress(ctx: CliContext, total: number, width: number): Progress {
  // Sequence number → target, in start order (a Map iterates in insertion order: oldest first).
  const inFlight = new Map<number, string>();
  let seq = 0;
  let done = 0;
  let drawn = 0;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - drawn < REDRAW_MS) return;
    drawn = now;
    ctx.stderr(`\r\x1b[2K${progressLine(done, total, [...inFlight.values()], width)}`);
  };
  // Starts and finishes of the same target pair up oldest first.
  const open = new Map<string, number[]>();
  return {
    start: (t) => {
      const n = seq++;
      inFlight.set(n, t.display);
      open.set(t.display, [...(open.get(t.display) ?? []), n]);
      draw(false);
    },
    finish: (r, d) => {
      done = d;
      const ns = open.get(r.target) ?? [];
      const n = ns.shift();
      if (n !== undefined) inFlight.delete(n);
      draw(d === total);
    },
    end: () => ctx.stderr('\r\x1b[2K'),
  };
}
