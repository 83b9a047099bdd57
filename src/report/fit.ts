// Column widths for the cli-table3 tables (chain, negotiated, check, scan), measured in terminal
// columns, not UTF-16 units: a CJK character or an emoji takes two. A column is never narrower
// than its longest word, so cli-table3 wraps at spaces and never cuts a name with `…` or splits a
// character; when the table cannot fit `width` that way it is wider than asked (a full value
// beats a truncated one, in a terminal and in a CI log alike).

import tableUtils from 'cli-table3/src/utils.js';

/**
 * Terminal columns `text` takes (the widest line if it has several), ANSI colour ignored. This is
 * cli-table3's own measure (string-width), so our widths and its layout agree. string-width is not
 * a direct dependency of tls-trace; cli-table3 is, and carries it.
 */
export function displayWidth(text: string): number {
  return tableUtils.strlen(text);
}

/** The widest run between whitespace: what a column needs so cli-table3 never has to cut. */
export function longestWord(text: string): number {
  let widest = 0;
  for (const word of text.split(/\s+/)) widest = Math.max(widest, displayWidth(word));
  return widest;
}

/** cli-table3's default cell padding: one space each side. */
const PADDING = 2;

/**
 * Widths for `cells` (header row included) so the table fits in `width` columns. Every column
 * starts as wide as its content; while the table is too wide, the widest column listed in
 * `shrinkable` gives up one column, down to its longest word. Without `width`: content widths.
 */
export function fitColumns(cells: readonly (readonly string[])[], width: number | undefined, shrinkable: readonly number[]): number[] {
  const count = cells[0]?.length ?? 0;
  const widths: number[] = [];
  const floors: number[] = [];
  for (let col = 0; col < count; col++) {
    widths.push(cells.reduce((w, row) => Math.max(w, displayWidth(row[col] ?? '')), 0) + PADDING);
    floors.push(cells.reduce((w, row) => Math.max(w, longestWord(row[col] ?? '')), 0) + PADDING);
  }
  if (width === undefined) return widths;
  const borders = count + 1;
  let total = widths.reduce((a, b) => a + b, 0) + borders;
  while (total > width) {
    let widest = -1;
    for (const col of shrinkable) if (widths[col] > floors[col] && (widest < 0 || widths[col] > widths[widest])) widest = col;
    if (widest < 0) break; // every shrinkable column is at its longest word: stay wider than asked
    widths[widest] -= 1;
    total -= 1;
  }
  return widths;
}
