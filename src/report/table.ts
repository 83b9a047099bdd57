// The negotiated-parameters table (cli-table3). Borders and headings get their colour from our
// palette; cli-table3's own colouring is switched off because it decides colour support itself.

import Table from 'cli-table3';
import type { NegotiatedRow } from '../analyse/types.js';
import { escapeControl } from './escape.js';
import { fitColumns } from './fit.js';
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
  const cells = rows.map((row) => [row.label, colourValue(row, p), p.dim(escapeControl(rowNote(row)))]);
  const head = [p.heading('Parameter'), p.heading('Value'), p.heading('Source / note')];
  // Value and note wrap at spaces to fit; a cipher-suite name is one word and is never cut.
  const table = new Table({
    head,
    colWidths: fitColumns([head, ...cells], width, [1, 2]),
    wordWrap: true,
    style: { head: [], border: [], compact: true },
  });
  for (const row of cells) table.push(row);
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
