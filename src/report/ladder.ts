// The ladder diagram in text: a time column, the client's and the server's rails, and between them
// one arrow per flight with its message names above it and its size on it; round trips marked at
// the right. Fitted to the width (names wrap, a name too long breaks between characters, no line
// is ever wider); box-drawing characters, or plain ASCII when asked. Reads src/view/ladder.ts only.

import { LADDER_MAX_ARROWS } from '../limits.js';
import type { LadderArrow, LadderView } from '../view/ladder.js';
import { escapeControl } from './escape.js';
import { displayWidth } from './fit.js';
import type { Palette } from './palette.js';
import { formatBytes, formatMs, wrap } from './text.js';

export interface LadderLayout {
  p: Palette;
  width: number;
  /** Plain ASCII (`|`, `-`, `>`, `<`) instead of box-drawing characters. */
  ascii: boolean;
}

/** Below this many columns there is no room for readable names between the rails: no ladder. */
export const LADDER_MIN_WIDTH = 48;

/** Time column: `999.9 ms` or `12.34 s`, right-aligned, then a space (wider for a long capture). */
const MIN_TIME_WIDTH = 10;

/** Narrowest room for names between the rails (wrap's own floor). */
const MIN_GAP = 22;

interface Glyphs {
  rail: string;
  shaft: string;
  right: string;
  left: string;
}

const BOX: Glyphs = { rail: '│', shaft: '─', right: '▶', left: '◀' };
const ASCII: Glyphs = { rail: '|', shaft: '-', right: '>', left: '<' };

/** Keeps only printable ASCII (escaped peer text may still hold non-ASCII letters). */
function asciiOnly(text: string): string {
  return text.replace(/×/g, 'x').replace(/[^\x20-\x7e]/g, '?');
}

/** `1 RTT`, `TCP 1 RTT`, `plain 2 RTT` for an arrow that completes a round trip, else ''. */
export function markOf(a: LadderArrow): string {
  if (a.roundTrip === undefined) return '';
  const n = `${a.roundTrip} RTT`;
  return a.phase === 'tcp' ? `TCP ${n}` : a.phase === 'prologue' ? `plain ${n}` : n;
}

/** The diagram's lines, or none when the width is below LADDER_MIN_WIDTH or there is nothing to draw. */
export function renderLadder(view: LadderView, { p, width, ascii }: LadderLayout): string[] {
  if (width < LADDER_MIN_WIDTH || view.arrows.length === 0) return [];
  const g = ascii ? ASCII : BOX;
  const markWidth = view.arrows.reduce((w, a) => Math.max(w, markOf(a).length), 0);
  const timeWidth = view.arrows.reduce((w, a) => Math.max(w, formatMs(a.timeMs).length + 1), MIN_TIME_WIDTH);
  const gap = width - timeWidth - 2 - (markWidth > 0 ? markWidth + 1 : 0);
  if (gap < MIN_GAP) return [];
  const rtt = view.handshakeRoundTrips;
  const dot = ascii ? '-' : '·';
  const out = [p.heading(rtt === undefined ? 'Ladder' : `Ladder ${dot} TLS handshake in ${rtt} round trip${rtt === 1 ? '' : 's'}`)];
  const titles = `${'client'.padEnd(gap - 5)}server`;
  out.push(p.dim(`${'time'.padStart(timeWidth - 1)}  ${titles}`));
  const rail = p.dim(g.rail);
  const shown = elide(view.arrows);
  for (const a of shown) {
    if (a === undefined) {
      const hidden = view.arrows.length - LADDER_MAX_ARROWS + 1;
      out.push(`${' '.repeat(timeWidth)}${rail}${p.dim(pad(` ${ascii ? '...' : '…'} ${hidden} arrows not shown`, gap))}${rail}`);
      continue;
    }
    const text = a.names.map((n) => escapeControl(n)).join(' ');
    const lines = wrap(ascii ? asciiOnly(text) : text, gap - 2);
    const colour = a.direction === 'client' ? p.client : p.server;
    lines.forEach((l, i) => {
      // formatMs says `—` for a time that is not a number (a damaged capture file).
      const ms = ascii ? asciiOnly(formatMs(a.timeMs)) : formatMs(a.timeMs);
      const time = i === 0 ? ms.padStart(timeWidth - 1) + ' ' : ' '.repeat(timeWidth);
      out.push(`${time}${rail}${colour(pad(` ${l}`, gap))}${rail}`);
    });
    const mark = markOf(a);
    out.push(`${' '.repeat(timeWidth)}${rail}${colour(shaft(a, gap, g))}${rail}${mark ? ` ${p.dim(mark)}` : ''}`);
  }
  return out;
}

/** The first arrows and the last few, with `undefined` where the ones between were left out. */
function elide(arrows: readonly LadderArrow[]): Array<LadderArrow | undefined> {
  if (arrows.length <= LADDER_MAX_ARROWS) return [...arrows];
  const tail = 8;
  return [...arrows.slice(0, LADDER_MAX_ARROWS - tail - 1), undefined, ...arrows.slice(-tail)];
}

/** `text` padded with spaces to `columns` terminal columns (it is never wider: wrap saw to that). */
function pad(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - displayWidth(text)));
}

/** `────── 517 B ──────▶` or `◀────── 2,345 B ──────`, exactly `columns` wide. */
function shaft(a: LadderArrow, columns: number, g: Glyphs): string {
  const size = a.bytes > 0 ? ` ${formatBytes(a.bytes)} ` : '';
  const run = columns - 1 - size.length;
  const before = Math.floor(run / 2);
  const body = `${g.shaft.repeat(before)}${size}${g.shaft.repeat(run - before)}`;
  return a.direction === 'client' ? `${body}${g.right}` : `${g.left}${body}`;
}
