// `tls-trace read FILE` with several TLS connections: one table row per connection (number,
// client → server, start time, SNI, version, suite, ALPN, records, bytes, outcome), then the
// connections that were skipped and why. Values come from the ordinary analysis of each
// connection; this file only lays them out (text and JSON).

import Table from 'cli-table3';
import { escapeControl, escapeStrings, type JsonValue } from './escape.js';
import { fitColumns, fitTable } from './fit.js';
import { headRule, plainRowLines, type CellMemo } from './table-rows.js';
import { wrap } from './text.js';
import { palette } from './palette.js';
import { SCHEMA_VERSION } from './shared-json.js';
import type { ConnectionFacts } from '../analyse/connection-facts.js';
import type { Fingerprints } from '../analyse/types.js';

/** Narrowest width that gets a JA4 column (a JA4 is 36 characters; below this the other columns need the room). */
const JA4_COLUMN_MIN_WIDTH = 160;

/** One analysed TLS connection of a capture file, as words: its facts (as analyse gives them) and where and when. */
export interface ConnectionRow extends Pick<ConnectionFacts, 'sni' | 'version' | 'cipherSuite' | 'alpn' | 'records' | 'bytes'> {
  number: number;
  client: string;
  server: string;
  /** ISO time of the connection's first packet. */
  startedAt: string;
  complete: boolean;
  outcome: string;
  /** JA3/JA4 of the ClientHello, JA3S of the ServerHello (the table shows JA4 where the width allows). */
  fingerprints?: Fingerprints;
}

/** A TCP connection that was not traced, and why. */
export interface SkippedConnection {
  number: number;
  client: string;
  server: string;
  reason: string;
}

export interface ConnectionsTableOptions {
  color: boolean;
  /** A terminal's (or COLUMNS') width: the table must fit it. Absent: laid out at 100 columns, words whole. */
  width?: number;
  /** --filter's expression and how many connections it left out. */
  filtered?: ConnectionsFilterNote;
}

export interface ConnectionsFilterNote {
  expression: string;
  hidden: number;
}

/** One `--ndjson` line's content: a TLS connection's row, or a skipped connection with why. */
export type ConnectionLine = ({ tls: true } & ConnectionRow) | ({ tls: false } & SkippedConnection);

/** `2026-12-02 02:16:41.123` in UTC (the capture's clock, not the reader's time zone). */
function shortTime(iso: string): string {
  // The usual `2026-12-02T02:16:41.123Z` sliced (a row per connection), anything else as before.
  if (iso.length === 24 && iso[10] === 'T' && iso[23] === 'Z') return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/** Rows drawn per piece of output. */
const ROWS_PER_BLOCK = 256;

const HEAD = ['#', 'Client → server', 'Start (UTC)', 'SNI', 'Version', 'Cipher suite', 'ALPN', 'Records', 'Bytes c/s', 'Outcome'];
const NARROW_HEAD = ['#', 'Client → server, start (UTC)', 'SNI, version, suite, ALPN', 'Records, bytes c/s', 'Outcome'];

/** The ten columns, one value each (eleven with the JA4 after ALPN). */
function wideCells(r: ConnectionRow, outcome: string, ja4: boolean): string[] {
  const fingerprint = ja4 ? [r.fingerprints?.ja4?.ja4 ?? '—'] : [];
  return [String(r.number), `${r.client} → ${r.server}`, shortTime(r.startedAt), escapeControl(r.sni ?? '—'), r.version ?? '—', r.cipherSuite ?? '—', escapeControl(r.alpn ?? '—'), ...fingerprint, String(r.records), `${r.bytes.client}/${r.bytes.server}`, outcome];
}

/** The same values in five columns, a few lines each, for a terminal too narrow for ten. */
function narrowCells(r: ConnectionRow, outcome: string): string[] {
  const tls = [`SNI ${escapeControl(r.sni ?? '—')}`, r.version ?? '—', r.cipherSuite ?? '—', `ALPN ${escapeControl(r.alpn ?? '—')}`].join('\n');
  return [String(r.number), `${r.client} →\n${r.server}\n${shortTime(r.startedAt)}`, tls, `${r.records} records\n${r.bytes.client}/${r.bytes.server} B`, outcome];
}

/**
 * The table of ten columns when it fits the width with words whole; else five columns holding the
 * same values on several lines, fitted hard to a terminal's width (words broken, never cut). The
 * ten columns' cells are made twice, once to measure and once to draw a block of rows, and never
 * held for every row at once: a table of many thousands of rows held them all, long enough for
 * the garbage collector to copy each one, and that made the table slower than --json.
 */
function layoutTable(rows: readonly ConnectionRow[], p: ReturnType<typeof palette>, width: number | undefined): Generator<string> {
  const outcome = (r: ConnectionRow): string => (r.complete ? p.good(escapeControl(r.outcome)) : p.bad(escapeControl(r.outcome)));
  const ja4 = width !== undefined && width >= JA4_COLUMN_MIN_WIDTH;
  const names = ja4 ? [...HEAD.slice(0, 7), 'JA4', ...HEAD.slice(7)] : HEAD;
  const head = names.map((h) => p.heading(h));
  const wideRow = (r: ConnectionRow): string[] => wideCells(r, outcome(r), ja4);
  const wideWidths = fitColumns(withHead(head, rows, wideRow), width ?? 100, ja4 ? [1, 3, 5, 10] : [1, 3, 5, 9]);
  const fits = width === undefined || wideWidths.reduce((a, b) => a + b, 0) + wideWidths.length + 1 <= width;
  // Columns whose texts repeat over the rows (SNI … ALPN, JA4, records, outcome) keep their layouts; the others are new in every row.
  if (fits) return drawTable(head, wideWidths, rows, wideRow, (col) => col >= 3 && col !== names.length - 2);
  const cells = [NARROW_HEAD.map((h) => p.heading(h)), ...rows.map((r) => narrowCells(r, outcome(r)))];
  const fitted = fitTable(cells, width, [1, 2, 3, 4], true);
  const [narrowHead, ...rest] = fitted.rows;
  return drawTable(narrowHead, fitted.colWidths, rest, (cellsOfRow) => cellsOfRow, (col) => col === 2 || col === 4);
}

/** The head, then each row's cells as they are asked for. */
function* withHead<T>(head: readonly string[], rows: readonly T[], cellsOf: (row: T) => readonly string[]): Generator<readonly string[]> {
  yield head;
  for (const r of rows) yield cellsOf(r);
}

/**
 * cli-table3's compact table text in pieces: its head and borders from cli-table3, the body rows
 * from plainRowLines, which draws them as cli-table3 does at a cost linear in the rows
 * (src/report/table-rows.ts). Each block's cells are made from `body` as it is drawn.
 */
function* drawTable<T>(head: readonly string[], colWidths: number[], body: readonly T[], cellsOf: (row: T) => readonly string[], repeats: (col: number) => boolean): Generator<string> {
  const headOnly = compactTable(head, colWidths, []);
  if (body.length === 0) {
    yield headOnly;
    return;
  }
  const bottomAt = headOnly.lastIndexOf('\n');
  yield `${headOnly.slice(0, bottomAt)}\n${headRule(colWidths)}\n`;
  const memos = colWidths.map((_, col) => (repeats(col) ? new Map() : undefined));
  for (let from = 0; from < body.length; from += ROWS_PER_BLOCK) yield `${bodyLines(body.slice(from, from + ROWS_PER_BLOCK).map(cellsOf), colWidths, memos).join('\n')}\n`;
  yield headOnly.slice(bottomAt + 1);
}

export function renderConnectionsTable(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], opts: ConnectionsTableOptions): string {
  return [...connectionsTableParts(file, rows, skipped, opts)].join('');
}

/**
 * The table's text in pieces, so a table of many thousands of rows is written as it is drawn. The
 * head and borders come from cli-table3; the body rows from plainRowLines, which draws them as
 * cli-table3 does at a cost linear in the rows (src/report/table-rows.ts).
 */
export function* connectionsTableParts(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], opts: ConnectionsTableOptions): Generator<string> {
  const p = palette(opts.color);
  const f = opts.filtered;
  const matching = f ? ` matching --filter '${escapeControl(f.expression)}' (${f.hidden} other connection(s) left out)` : '';
  yield `${fitToWidth(`${rows.length} TLS connection(s) in ${escapeControl(file)}${matching}`, opts.width)
    .map((l) => p.heading(l))
    .join('\n')}\n`;
  yield* layoutTable(rows, p, opts.width);
  const lines = skippedLines(skipped, opts);
  lines.push('', p.dim('Trace one with --stream N, or every one with --all.'));
  yield `\n${lines.join('\n')}`;
}

/** Prose lines wrap to a terminal's width too (a hanging indent for each skipped connection). */
function fitToWidth(text: string, width: number | undefined, indent = '', hanging = ''): string[] {
  return width === undefined ? [indent + text] : wrap(text, width - hanging.length).map((l, i) => (i === 0 ? indent : hanging) + l);
}

/**
 * The connections that are not TLS, with why, after a blank line (none: no lines). Below the table,
 * and below the trace when a file holds one TLS connection, so they are never left unmentioned.
 */
export function skippedLines(skipped: readonly SkippedConnection[], opts: Pick<ConnectionsTableOptions, 'color' | 'width'>): string[] {
  if (skipped.length === 0) return [];
  const p = palette(opts.color);
  const lines = ['', p.dim(`${skipped.length} other TCP connection(s) skipped:`)];
  for (const s of skipped) lines.push(...fitToWidth(`${s.number}  ${s.client} → ${s.server}: ${escapeControl(s.reason)}`, opts.width, '  ', '      ').map((l) => p.dim(l)));
  return lines;
}

function compactTable(head: readonly string[], colWidths: number[], rows: readonly (readonly string[])[]): string {
  const table = new Table({ head: [...head], colWidths, wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** Body lines of `cells`; rows with colour codes are drawn by cli-table3 itself, without its borders. */
function bodyLines(cells: readonly (readonly string[])[], colWidths: number[], memos: readonly (CellMemo | undefined)[]): string[] {
  const out: string[] = [];
  for (const row of cells) {
    const lines = plainRowLines(row, colWidths, memos);
    if (lines) out.push(...lines);
    else out.push(...compactTable([], colWidths, [row]).split('\n').slice(1, -1));
  }
  return out;
}

/** The connections list as JSON-ready data, every string escaped once here (SNI, ALPN and outcomes come from peers). */
export function connectionsJson(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], notes: readonly string[], filtered?: ConnectionsFilterNote): JsonValue {
  const filter = filtered ? { filter: { expression: filtered.expression, leftOut: filtered.hidden } } : {};
  return escapeStrings({ format: 'tls-trace-connections', schemaVersion: SCHEMA_VERSION, file, ...filter, connections: rows, skipped, notes });
}

/** One `--ndjson` line: the `--json` table's vocabulary, one connection, its file named. */
export function connectionLine(file: string, row: ConnectionLine): JsonValue {
  return escapeStrings({ format: 'tls-trace-connection', schemaVersion: SCHEMA_VERSION, file, ...row });
}

/**
 * `JSON.stringify(connectionsJson(…), null, 2)` in pieces, one connection at a time, so the list
 * of a large capture is never one string (nor one escaped copy of every row).
 */
export function* connectionsJsonParts(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], notes: readonly string[], filtered?: ConnectionsFilterNote): Generator<string> {
  const filter = filtered ? { filter: { expression: filtered.expression, leftOut: filtered.hidden } } : {};
  const head = { format: 'tls-trace-connections', schemaVersion: SCHEMA_VERSION, file, ...filter };
  yield `${JSON.stringify(escapeStrings(head), null, 2).slice(0, -2)},\n`;
  if (rows.length === 0) yield '  "connections": [],\n';
  else {
    yield '  "connections": [\n';
    for (let i = 0; i < rows.length; i++) yield `${rowJson(rows[i])}${i + 1 < rows.length ? ',' : ''}\n`;
    yield '  ],\n';
  }
  yield `  "skipped": ${indented(escapeStrings(skipped), '  ', false)},\n`;
  yield `  "notes": ${indented(escapeStrings(notes), '  ', false)}\n}`;
}

/** JSON.stringify(value, null, 2) nested at `indent` (its first line too when `first`); JSON text has no raw newlines inside strings. */
function indented(value: JsonValue, indent: string, first: boolean): string {
  return (first ? indent : '') + JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
}

/** The fingerprints' JSON text, nested as a row's last key: rows with the same hellos share one Fingerprints object. */
const fingerprintsJson = new WeakMap<Fingerprints, string>();

/**
 * One row as `indented(escapeStrings(row), '    ', true)` writes it, with its fingerprints (the
 * larger part, and usually shared with many rows) escaped and stringified once per object.
 */
function rowJson(row: ConnectionRow): string {
  const fp = row.fingerprints;
  const keys = Object.keys(row);
  if (fp === undefined || keys[keys.length - 1] !== 'fingerprints') return indented(escapeStrings(row), '    ', true);
  let fpText = fingerprintsJson.get(fp);
  if (fpText === undefined) {
    fpText = indented(escapeStrings(fp), '      ', false);
    fingerprintsJson.set(fp, fpText);
  }
  const rest: Partial<ConnectionRow> = { ...row };
  delete rest.fingerprints;
  // The rest's text ends in "\n    }": the fingerprints go in before that closing brace.
  return `${indented(escapeStrings(rest), '    ', true).slice(0, -6)},\n      "fingerprints": ${fpText}\n    }`;
}
