// The negotiated-parameters table (cli-table3), rendered from the view's rows. Borders and headings
// get their colour from our palette; cli-table3's own colouring is switched off because it decides
// colour support itself.

import Table from 'cli-table3';
import type { NegotiatedRowView, Tone } from '../view/index.js';
import { escapeControl } from './escape.js';
import { fitTable } from './fit.js';
import type { Palette } from './palette.js';

/** `hard`: the width is a terminal's (or COLUMNS), so words too long for a column are broken to keep to it. */
export function renderNegotiatedTable(rows: readonly NegotiatedRowView[], p: Palette, width: number, hard = false): string {
  const cells = rows.map((row) => [row.label, colourValue(row, p), p.dim(escapeControl(row.noteWords))]);
  const head = [p.heading('Parameter'), p.heading('Value'), p.heading('Source / note')];
  // Value and note wrap at spaces to fit; a cipher-suite name is one word and is never cut.
  const fitted = fitTable([head, ...cells], width, [1, 2], hard);
  const table = new Table({ head: fitted.rows[0], colWidths: fitted.colWidths, wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of fitted.rows.slice(1)) table.push(row);
  return table.toString();
}

/** The palette colour for a tone (none: the text as it is). */
export function toned(text: string, tone: Tone | undefined, p: Palette): string {
  return tone === 'good' ? p.good(text) : tone === 'bad' ? p.bad(text) : tone === 'warn' ? p.warn(text) : text;
}

function colourValue(row: NegotiatedRowView, p: Palette): string {
  // Only the cipher-suite value is multi-line by our own making; everything else is escaped whole.
  const text = row.key === 'cipherSuite' ? row.value.split('\n').map(escapeControl).join('\n') : escapeControl(row.value);
  return toned(text, row.tone, p);
}
