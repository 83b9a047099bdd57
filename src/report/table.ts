// The negotiated-parameters table (cli-table3). Borders and headings get their colour from our
// palette; cli-table3's own colouring is switched off because it decides colour support itself.

import Table from 'cli-table3';
import type { NegotiatedRow } from '../analyse/types.js';
import { escapeControl } from './escape.js';
import type { Palette } from './palette.js';

const SOURCE_WORDS: Record<NegotiatedRow['source'], string | undefined> = {
  decoded: undefined,
  decrypted: 'decrypted',
  node: 'from Node, not the bytes',
  'not-applicable': undefined,
  unknown: undefined,
};

/** `decrypted · from CertificateVerify`: where a value came from, in words. */
export function rowNote(row: NegotiatedRow): string {
  return [SOURCE_WORDS[row.source], row.note].filter(Boolean).join(' · ');
}

export function renderNegotiatedTable(rows: readonly NegotiatedRow[], p: Palette, width: number): string {
  const paramWidth = 2 + rows.reduce((w, r) => Math.max(w, r.label.length), 9);
  const rest = Math.max(40, width - paramWidth - 4);
  // The value column takes what its longest line needs (cipher-suite names are long), leaving the
  // note column at least a third of the room.
  const longest = rows.flatMap((r) => r.value.split('\n')).reduce((w, l) => Math.max(w, escapeControl(l).length), 5);
  const valueWidth = Math.min(longest + 2, Math.floor(rest * 0.7));
  const noteWidth = rest - valueWidth;
  const table = new Table({
    head: [p.heading('Parameter'), p.heading('Value'), p.heading('Source / note')],
    colWidths: [paramWidth, valueWidth, noteWidth],
    wordWrap: true,
    style: { head: [], border: [], compact: true },
  });
  for (const row of rows) {
    table.push([row.label, colourValue(row, p), p.dim(escapeControl(rowNote(row)))]);
  }
  return table.toString();
}

function colourValue(row: NegotiatedRow, p: Palette): string {
  // Only the cipher-suite value is multi-line by our own making; everything else is escaped whole.
  const text = row.key === 'cipherSuite' ? row.value.split('\n').map(escapeControl).join('\n') : escapeControl(row.value);
  if (row.value === 'unknown') return p.warn(text);
  // Yes/no rows where "no" is worth noticing.
  const goodWhenYes: Array<NegotiatedRow['key']> = ['forwardSecrecy', 'extendedMasterSecret', 'secureRenegotiation'];
  if (goodWhenYes.includes(row.key)) return row.value === 'yes' ? p.good(text) : row.value === 'no' ? p.bad(text) : text;
  if (row.key === 'downgradeSentinel' && row.value !== 'no') return row.note?.includes('attack') ? p.bad(text) : p.warn(text);
  return text;
}
