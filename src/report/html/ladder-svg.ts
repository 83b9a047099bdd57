// The ladder as an SVG drawing: the client's rail on the left, the server's on the right, one arrow
// per flight (and per TCP packet or prologue turn when known) with its message names above it,
// its size on it and its time at the left; round trips marked at the right. Each TLS arrow links
// to its flight's cards. Built from the same view (src/view/ladder.ts) as the terminal ladder.

import { HTML_MAX_LADDER_ARROWS } from '../../limits.js';
import type { LadderArrow, LadderView } from '../../view/ladder.js';
import { markOf } from '../ladder.js';
import { formatBytes, formatMs, wrap } from '../text.js';
import { html } from './escape.js';

const WIDTH = 760;
const CLIENT_X = 110;
const SERVER_X = 650;
const LINE = 16;
/** Characters of names per line between the rails (the font is ~7 px per character at 12 px). */
const NAME_COLUMNS = 72;

/** One arrow's group: its names, the shaft with its head, the size, the time and the round-trip mark. */
function arrowGroup(a: LadderArrow, top: number): { svg: string; height: number } {
  const lines = wrap(a.names.join(' '), NAME_COLUMNS);
  const parts: string[] = [];
  const mid = (CLIENT_X + SERVER_X) / 2;
  lines.forEach((l, i) => parts.push(`<text class="names" x="${mid}" y="${top + LINE * (i + 1)}" text-anchor="middle">${html(l)}</text>`));
  const y = top + LINE * lines.length + 10;
  const [x1, x2] = a.direction === 'client' ? [CLIENT_X, SERVER_X - 4] : [SERVER_X, CLIENT_X + 4];
  parts.push(`<line class="shaft" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#head-${a.direction})"/>`);
  if (a.bytes > 0) parts.push(`<text class="size" x="${mid}" y="${y + 14}" text-anchor="middle">${html(formatBytes(a.bytes))}</text>`);
  parts.push(`<text class="time" x="${CLIENT_X - 10}" y="${y + 4}" text-anchor="end">${html(formatMs(a.timeMs))}</text>`);
  const m = markOf(a);
  if (m) parts.push(`<text class="rtt" x="${SERVER_X + 10}" y="${y + 4}">${html(m)}</text>`);
  const attrs = `class="arrow ${a.direction} ${a.phase}" data-phase="${a.phase}" data-direction="${a.direction}"${a.flight !== undefined ? ` data-flight="${a.flight}"` : ''}`;
  const label = `${a.direction === 'client' ? 'client to server' : 'server to client'}: ${a.names.join(', ')}`;
  let g = `<g ${attrs}><title>${html(label)}</title>${parts.join('')}</g>`;
  if (a.flight !== undefined) g = `<a href="#flight-${a.flight}">${g}</a>`;
  return { svg: g, height: LINE * lines.length + 30 };
}

/** The whole drawing, or '' when there is nothing to draw. */
export function renderLadderSvg(view: LadderView): string {
  if (view.arrows.length === 0) return '';
  const shown = view.arrows.slice(0, HTML_MAX_LADDER_ARROWS);
  const groups: string[] = [];
  let y = 34;
  for (const a of shown) {
    const g = arrowGroup(a, y);
    groups.push(g.svg);
    y += g.height;
  }
  const height = y + 10;
  const rtt = view.handshakeRoundTrips;
  const title = rtt === undefined ? 'Ladder diagram' : `Ladder diagram: TLS handshake in ${rtt} round trip${rtt === 1 ? '' : 's'}`;
  const out = [
    `<svg class="ladder" role="img" aria-label="${html(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    '<defs>',
    ...(['client', 'server'] as const).map((d) => `<marker id="head-${d}" class="head ${d}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`),
    '</defs>',
    `<text class="who" x="${CLIENT_X}" y="16" text-anchor="middle">client</text>`,
    `<text class="who" x="${SERVER_X}" y="16" text-anchor="middle">server</text>`,
    `<line class="rail" x1="${CLIENT_X}" y1="24" x2="${CLIENT_X}" y2="${height - 4}"/>`,
    `<line class="rail" x1="${SERVER_X}" y1="24" x2="${SERVER_X}" y2="${height - 4}"/>`,
    ...groups,
    '</svg>',
  ];
  if (view.arrows.length > shown.length) {
    out.push(`<p class="cap">… ${view.arrows.length - shown.length} more arrows not drawn (tls-trace draws at most ${HTML_MAX_LADDER_ARROWS}; the cards below list every flight) …</p>`);
  }
  return out.join('\n');
}
