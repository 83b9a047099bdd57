// Column widths for the cli-table3 tables (chain, negotiated, check, scan), measured in terminal
// columns, not UTF-16 units: a CJK character or an emoji takes two. Nothing is ever cut with `…`
// or split inside a character. For a width that is only a preference (a pipe, a CI log) a column
// is never narrower than its longest word, so words stay whole and the table may be wider than
// asked. For a terminal's width (`hard`), the table must fit, because a line wider than the
// terminal breaks the whole box: columns shrink below their longest word and the words that no
// longer fit are broken across lines at character boundaries (breakLongWords), never cut.

import tableUtils from 'cli-table3/src/utils.js';

/**
 * Terminal columns `text` takes (the widest line if it has several), ANSI colour ignored. This is
 * cli-table3's own measure (string-width), so our widths and its layout agree. string-width is not
 * a direct dependency of tls-trace; cli-table3 is, and carries it.
 */
export function displayWidth(text: string): number {
  return isNarrow(text) ? text.length : tableUtils.strlen(text);
}

/**
 * Printable ASCII, and the few symbols the tables use that cli-table3's measure also counts as one
 * column (checked here, not assumed): text made only of these takes one column per UTF-16 unit and
 * has no line breaks or colour codes, so it is measured by its length. A table of thousands of
 * rows (`read`) would otherwise measure every cell through string-width.
 */
const NARROW_SYMBOLS = new Set(['→', '—', '…'].filter((c) => tableUtils.strlen(c) === 1).map((c) => c.charCodeAt(0)));

/** The longest run of non-spaces in a narrow text, or -1 when the text is not narrow. */
function narrowLongestWord(text: string): number {
  let widest = 0;
  let run = 0;
  // Every cell of a table of many thousands of rows passes here: the widest run is taken at each space, not at each character.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 32 && c < 127) run++;
    else if (c === 32) {
      if (run > widest) widest = run;
      run = 0;
    } else if (NARROW_SYMBOLS.has(c)) run++;
    else return -1;
  }
  return run > widest ? run : widest;
}

export function isNarrow(text: string): boolean {
  return narrowLongestWord(text) >= 0;
}

/** The widest run between whitespace: what a column needs so cli-table3 never has to cut. */
export function longestWord(text: string): number {
  const narrow = narrowLongestWord(text);
  if (narrow >= 0) return narrow;
  let widest = 0;
  for (const word of text.split(/\s+/)) widest = Math.max(widest, displayWidth(word));
  return widest;
}

/** cli-table3's default cell padding: one space each side. */
const PADDING = 2;

/** Narrowest content a column shrinks to for a hard width (plus padding): a few characters a line. */
const MIN_HARD_CONTENT = 4;

/**
 * Widths for `cells` (header row included) so the table fits in `width` columns. Every column
 * starts as wide as its content; while the table is too wide, the widest column listed in
 * `shrinkable` gives up one column, down to its longest word — and, when `hard`, on down to
 * MIN_HARD_CONTENT (render such cells through breakLongWords). Without `width`: content widths.
 */
export function fitColumns(cells: Iterable<readonly string[]>, width: number | undefined, shrinkable: readonly number[], hard = false): number[] {
  // Row by row (the first row gives the column count), so a caller may make each row's cells as
  // they are measured instead of holding every row's at once.
  let count = -1;
  const wide: number[] = [];
  const floors: number[] = [];
  /** Each column's text in the row before: a text a column repeats row after row is measured once. */
  const before: string[] = [];
  for (const row of cells) {
    if (count < 0) {
      count = row.length;
      wide.push(...Array<number>(count).fill(0));
      floors.push(...Array<number>(count).fill(0));
    }
    // One look at each cell: a narrow one (the usual case) is measured by its length.
    for (let col = 0; col < count; col++) {
      const text = row[col] ?? '';
      if (text === before[col]) continue;
      before[col] = text;
      const narrow = narrowLongestWord(text);
      wide[col] = Math.max(wide[col], narrow >= 0 ? text.length : tableUtils.strlen(text));
      floors[col] = Math.max(floors[col], narrow >= 0 ? narrow : longestWord(text));
    }
  }
  const widths = wide.map((w) => w + PADDING);
  for (let col = 0; col < floors.length; col++) floors[col] += PADDING;
  if (width === undefined) return widths;
  const total = widths.reduce((a, b) => a + b, 0) + count + 1;
  let excess = shrinkTo(widths, floors, shrinkable, total - width);
  if (hard && excess > 0) excess = shrinkTo(widths, widths.map(() => MIN_HARD_CONTENT + PADDING), shrinkable, excess);
  return widths;
}

/** Takes up to `excess` columns from the widest shrinkable columns, none below its floor; returns what is left. */
function shrinkTo(widths: number[], floors: readonly number[], shrinkable: readonly number[], excess: number): number {
  while (excess > 0) {
    let widest = -1;
    for (const col of shrinkable) if (widths[col] > floors[col] && (widest < 0 || widths[col] > widths[widest])) widest = col;
    if (widest < 0) break; // every shrinkable column is at its floor: the table stays wider than asked
    widths[widest] -= 1;
    excess -= 1;
  }
  return excess;
}

/**
 * fitColumns plus the cells to push: for a hard width, every word wider than its column is broken
 * across lines (breakLongWords), so the table keeps to the terminal and nothing is cut.
 */
export function fitTable(
  cells: readonly (readonly string[])[],
  width: number | undefined,
  shrinkable: readonly number[],
  hard: boolean,
): { colWidths: number[]; rows: string[][] } {
  const colWidths = fitColumns(cells, width, shrinkable, hard);
  const rows = cells.map((row) => row.map((cell, col) => (hard ? breakLongWords(cell, colWidths[col] - PADDING) : cell)));
  return { colWidths, rows };
}

/**
 * `text` with every word wider than `columns` terminal columns broken across lines between grapheme
 * clusters (measured as the terminal shows them), so cli-table3 wraps instead of cutting it with
 * `…`. Shorter words and the spaces between them are left as they are.
 */
export function breakLongWords(text: string, columns: number): string {
  if (columns < 1 || displayWidth(text) <= columns) return text;
  return text
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .map((word) => (displayWidth(word) <= columns ? word : splitWord(word, columns)))
        .join(' '),
    )
    .join('\n');
}

/**
 * Grapheme clusters, so an emoji sequence or a letter with its combining marks is never split.
 * Made on first use: constructing a Segmenter loads ICU's break rules, ≈ 10 ms that was paid at
 * start-up by every run, while only a word too wide for a terminal's column needs it.
 */
let graphemes: Intl.Segmenter | undefined;
// eslint-disable-next-line no-control-regex -- colour codes are what this finds
const SGR = /(\x1b\[[0-9;]*m)/;

/**
 * The word in pieces of at most `columns` terminal columns. Colour codes (SGR) take no column and
 * ride with the piece they are in; cli-table3 carries the colour over to the next line.
 */
function splitWord(word: string, columns: number): string {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const part of word.split(SGR)) {
    if (SGR.test(part)) {
      piece += part;
      continue;
    }
    for (const { segment } of (graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(part)) {
      const w = displayWidth(segment);
      if (used > 0 && used + w > columns) {
        pieces.push(piece);
        piece = '';
        used = 0;
      }
      piece += segment;
      used += w;
    }
  }
  if (piece !== '') pieces.push(piece);
  return pieces.join('\n');
}
