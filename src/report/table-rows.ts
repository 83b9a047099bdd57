// Body rows of a cli-table3 table in its compact style (wordWrap, fixed colWidths, one space of
// padding, default box characters, no border or head colours), drawn directly. cli-table3 lays
// out a whole table at once at a cost that grows faster than its row count (6,000 rows: 16 s);
// `read`'s table of every connection in a capture can have tens of thousands. Each cell goes
// through cli-table3's own wrap, truncate and pad helpers exactly as its Cell does, so the lines
// are the ones cli-table3 draws; rows with colour codes are left to cli-table3 (the caller's
// fallback), whose handling of codes across wrapped lines is not repeated here.

import tableUtils from 'cli-table3/src/utils.js';
import { isNarrow } from './fit.js';

const VERTICAL = '│';

/** cli-table3's wordWrap (utils.js) for a narrow cell (fit.ts's isNarrow): the same greedy loop, widths by length. */
function wrapNarrow(maxLength: number, input: string): string[] {
  const lines: string[] = [];
  const split = input.split(/(\s+)/g);
  let line: string[] = [];
  let lineLength = 0;
  let whitespace: string | undefined;
  for (let i = 0; i < split.length; i += 2) {
    const word = split[i];
    let newLength = lineLength + word.length;
    if (lineLength > 0 && whitespace) newLength += whitespace.length;
    if (newLength > maxLength) {
      if (lineLength !== 0) lines.push(line.join(''));
      line = [word];
      lineLength = word.length;
    } else {
      line.push(whitespace || '', word);
      lineLength = newLength;
    }
    whitespace = split[i + 1];
  }
  if (lineLength) lines.push(line.join(''));
  return lines;
}

/** The lines cli-table3's Cell computes for `text` in a column of `inner` columns (padding off). */
function cellLines(text: string, inner: number): string[] {
  // cli-table3 wraps each line of a multi-line cell (the narrow layout's) on its own and joins them.
  if (text.includes('\n')) return text.split('\n').flatMap((line) => cellLines(line, inner));
  if (isNarrow(text)) return text.length <= inner && text.length > 0 && !/\s/.test(text[0]) ? [text] : wrapNarrow(inner, text);
  return tableUtils.colorizeLines(tableUtils.wordWrap(inner, text, true));
}

/** Runs of spaces by length, made once: every cell of every row is padded with one. */
const SPACES: string[] = [];

function spaces(n: number): string {
  return (SPACES[n] ??= ' '.repeat(n));
}

/** A cell's lines, and whether it is narrow (then so is every line, each measured by its length). */
interface CellLayout {
  lines: string[];
  narrow: boolean;
  /** The lines as drawn in their column (left border, padding), made once for a text the column repeats. */
  drawn?: string[];
}

/**
 * Cell layouts already made in one column of one table, by text: most columns of `read`'s table
 * (version, suite, ALPN, outcome) repeat a few texts over thousands of rows. Emptied when full.
 */
export type CellMemo = Map<string, CellLayout>;

const MAX_MEMO_ENTRIES = 1024;

function cellLayout(text: string, inner: number, memo: CellMemo | undefined): CellLayout | undefined {
  const known = memo?.get(text);
  if (known) return known;
  const narrow = isNarrow(text);
  if (!narrow && text.includes('\x1b')) return undefined;
  const lines = narrow && text.length > 0 && text.length <= inner && text.charCodeAt(0) !== 32 ? [text] : cellLines(text, inner);
  const layout = { lines, narrow };
  if (memo) {
    if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
    memo.set(text, layout);
  }
  return layout;
}

/**
 * The lines of one body row, or undefined when a cell holds an escape sequence. `memos`, one per
 * column, lets the rows of one table share the layouts of repeated texts (never change the lines).
 */
export function plainRowLines(cells: readonly string[], colWidths: readonly number[], memos?: readonly (CellMemo | undefined)[]): string[] | undefined {
  const drawn: string[][] = [];
  let height = 1;
  for (let x = 0; x < cells.length; x++) {
    const lines = drawnCell(cells[x], colWidths[x] - 2, memos?.[x]);
    if (!lines) return undefined;
    drawn.push(lines);
    if (lines.length > height) height = lines.length;
  }
  const out: string[] = [];
  for (let y = 0; y < height; y++) {
    let line = '';
    for (let x = 0; x < cells.length; x++) line += drawn[x][y] ?? blank(colWidths[x]);
    out.push(line + VERTICAL);
  }
  return out;
}

/**
 * A cell's lines as drawn in a column of `inner` columns of text; undefined when it holds an
 * escape sequence. A memoised text keeps its drawn lines for the next row; a text the column does
 * not repeat that fits on one line is drawn without a layout.
 */
function drawnCell(text: string, inner: number, memo: CellMemo | undefined): string[] | undefined {
  if (!memo && text.length <= inner && text.length > 0 && text.charCodeAt(0) !== 32 && isNarrow(text)) return [drawnLine(text, inner, true)];
  const layout = cellLayout(text, inner, memo);
  if (!layout) return undefined;
  const lines = (): string[] => layout.lines.map((line) => drawnLine(line, inner, layout.narrow));
  return memo ? (layout.drawn ??= lines()) : lines();
}

/** One line of a cell with its left border and padding, `inner` columns of text. */
function drawnLine(text: string, inner: number, narrow: boolean): string {
  if (text.length <= inner && narrow) return `${VERTICAL} ${text}${spaces(inner - text.length)} `;
  return `${VERTICAL} ${tableUtils.pad(tableUtils.truncate(text, inner), inner, ' ', 'left')} `;
}

/** An empty line of a cell `width` columns wide, with its left border; made once per width. */
const BLANKS: string[] = [];

function blank(width: number): string {
  return (BLANKS[width] ??= VERTICAL + spaces(width));
}

/** The line between a compact table's head and its body, for these column widths. */
export function headRule(colWidths: readonly number[]): string {
  return `├${colWidths.map((w) => '─'.repeat(w)).join('┼')}┤`;
}
