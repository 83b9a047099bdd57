// The annotated hex dump: one block per labelled span, at most 16 bytes per row, each row with its
// offset, its bytes and (on the span's first row) what the bytes are.

import { HEX_MAX_LINES_PER_DUMP } from '../limits.js';
import { escapeControl } from './escape.js';
import type { Palette } from './palette.js';
import type { HexSpan, SpanMap } from './spans.js';

const BYTES_PER_ROW = 16;
/** Spans longer than this many rows show their head and tail only (the JSON has every byte). */
const MAX_ROWS = 32;
const HEAD_ROWS = 8;

/** At most `maxLines` lines (plus one saying what was left out). */
export function renderHex(map: SpanMap, bytes: Uint8Array, p: Palette, indent: string, width: number, maxLines = HEX_MAX_LINES_PER_DUMP): string[] {
  const lines: string[] = [];
  const offsetWidth = Math.max(4, (map.offset + map.length).toString(16).length);
  const hexWidth = BYTES_PER_ROW * 3 - 1;
  const labelWidth = Math.max(20, width - indent.length - offsetWidth - hexWidth - 4);
  const note = (first: number, spansLeft: number): string => `${indent}${' '.repeat(offsetWidth)}  ${p.dim(hexCapNote(map, first, spansLeft))}`;
  for (const [i, span] of map.spans.entries()) {
    // A record of thousands of one-byte fields would print a line per field: stop at the cap and
    // say how much of the dump was left out.
    if (lines.length >= maxLines) {
      lines.push(note(span.offset, map.spans.length - i + (map.omitted?.spans ?? 0)));
      return lines;
    }
    const rows = Math.ceil(span.length / BYTES_PER_ROW);
    // Long labels wrap onto the following rows rather than being cut.
    const labelLines = chop(spanLabel(span), labelWidth);
    const colour = span.kind === 'gap' || span.issue ? p.bad : p.label;
    const shownRows = rows > MAX_ROWS ? HEAD_ROWS + 1 : rows;
    for (let line = 0; line < Math.max(shownRows, labelLines.length); line++) {
      let hex = '';
      let at: number | undefined;
      if (line < shownRows) {
        const r = rows > MAX_ROWS && line === HEAD_ROWS ? rows - 1 : line;
        if (rows > MAX_ROWS && line === HEAD_ROWS) {
          const skipped = (rows - HEAD_ROWS - 1) * BYTES_PER_ROW;
          lines.push(`${indent}${' '.repeat(offsetWidth)}  ${p.dim(`… ${skipped} bytes not shown (--json has them all) …`)}`);
        }
        at = span.offset + r * BYTES_PER_ROW;
        hex = hexBytes(bytes, at, Math.min(BYTES_PER_ROW, span.offset + span.length - at));
      }
      const offsetText = at === undefined ? ' '.repeat(offsetWidth) : p.dim(at.toString(16).padStart(offsetWidth, '0'));
      const text = labelLines[line] !== undefined ? colour(labelLines[line]) : '';
      lines.push(`${indent}${offsetText}  ${hex ? p.hex(hex, i) : ''}${' '.repeat(hexWidth - hex.length)}  ${text}`.trimEnd());
    }
  }
  // The span map itself may have stopped early (recordSpans' maxSpans).
  if (map.omitted) lines.push(note(map.omitted.offset, map.omitted.spans));
  return lines;
}

/** `… 12,345 bytes (6,172 fields) from offset 0x1f4 not shown (tls-trace shows at most 512 hex lines per dump)`. */
export function hexCapNote(map: SpanMap, firstOffset: number, spansLeft: number): string {
  const bytesLeft = map.offset + map.length - firstOffset;
  const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (
    `… ${group(bytesLeft)} bytes (${group(spansLeft)} field${spansLeft === 1 ? '' : 's'}) from offset 0x${firstOffset.toString(16)} not shown ` +
    `(tls-trace shows at most ${HEX_MAX_LINES_PER_DUMP} hex lines per record or message) …`
  );
}

function hexBytes(bytes: Uint8Array, at: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = bytes[at + i];
    out.push(b === undefined ? '??' : b.toString(16).padStart(2, '0'));
  }
  return out.join(' ');
}

/** `Cipher suite: TLS_AES_128_GCM_SHA256 (0x1301)`; `ClientHello › Random` for one-word labels. */
export function spanLabel(span: HexSpan): string {
  return escapeControl(spanText(span));
}

/** spanLabel's text before escaping, for renderers that escape in their own way (the HTML page). */
export function spanText(span: HexSpan): string {
  const parent = span.path.at(-1);
  let text = span.kind === 'parent' ? `${span.label} (undecoded part)` : span.label;
  if (span.display !== undefined) text += `: ${span.display}`;
  else if (typeof span.value === 'number' || typeof span.value === 'boolean') text += `: ${span.value}`;
  if (span.issue) text += ` ✖ ${span.issue}`;
  // A bare "Length" or "Random" says little on its own: name what it belongs to.
  const generic = !span.label.includes(' ') && parent !== undefined && !parent.toLowerCase().includes(span.label.toLowerCase());
  return generic ? `${parent} › ${text}` : text;
}

/** Splits a label into lines of at most `max` characters, at spaces where possible. */
function chop(s: string, max: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) {
      // Long registry names break after an underscore rather than mid-word.
      const under = rest.lastIndexOf('_', max - 1);
      cut = under >= max / 2 ? under + 1 : max;
    }
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}
