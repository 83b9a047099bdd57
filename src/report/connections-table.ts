// `tls-trace read FILE` with several TLS connections: one table row per connection (number,
// client → server, start time, SNI, version, suite, ALPN, records, bytes, outcome), then the
// connections that were skipped and why. Values come from the ordinary analysis of each
// connection; this file only lays them out (text and JSON).

import Table from 'cli-table3';
import { escapeControl, escapeStrings, type JsonValue } from './escape.js';
import { fitColumns } from './fit.js';
import { headRule, plainRowLines } from './table-rows.js';
import { palette } from './palette.js';
import { SCHEMA_VERSION } from './shared-json.js';

/** One analysed TLS connection of a capture file, as words. */
export interface ConnectionRow {
  number: number;
  client: string;
  server: string;
  /** ISO time of the connection's first packet. */
  startedAt: string;
  sni?: string;
  version?: string;
  cipherSuite?: string;
  alpn?: string;
  records: number;
  bytes: { client: number; server: number };
  complete: boolean;
  outcome: string;
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
  width?: number;
}

/** `2026-12-02 02:16:41.123` in UTC (the capture's clock, not the reader's time zone). */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/** Rows drawn per piece of output. */
const ROWS_PER_BLOCK = 256;

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
  const head = ['#', 'Client → server', 'Start (UTC)', 'SNI', 'Version', 'Cipher suite', 'ALPN', 'Records', 'Bytes c/s', 'Outcome'].map((h) => p.heading(h));
  const cells = rows.map((r) => [
    String(r.number),
    `${r.client} → ${r.server}`,
    shortTime(r.startedAt),
    escapeControl(r.sni ?? '—'),
    r.version ?? '—',
    r.cipherSuite ?? '—',
    escapeControl(r.alpn ?? '—'),
    String(r.records),
    `${r.bytes.client}/${r.bytes.server}`,
    r.complete ? p.good(escapeControl(r.outcome)) : p.bad(escapeControl(r.outcome)),
  ]);
  const colWidths = fitColumns([head, ...cells], opts.width ?? 100, [1, 3, 5, 9]);
  yield `${p.heading(`${rows.length} TLS connection(s) in ${escapeControl(file)}`)}\n`;
  const headOnly = compactTable(head, colWidths, []);
  const bottomAt = headOnly.lastIndexOf('\n');
  if (cells.length === 0) yield headOnly;
  else yield `${headOnly.slice(0, bottomAt)}\n${headRule(colWidths)}\n`;
  for (let from = 0; from < cells.length; from += ROWS_PER_BLOCK) yield `${bodyLines(cells.slice(from, from + ROWS_PER_BLOCK), colWidths).join('\n')}\n`;
  if (cells.length > 0) yield headOnly.slice(bottomAt + 1);
  const lines: string[] = [];
  if (skipped.length > 0) {
    lines.push('', p.dim(`${skipped.length} other TCP connection(s) skipped:`));
    for (const s of skipped) lines.push(p.dim(`  ${s.number}  ${s.client} → ${s.server}: ${escapeControl(s.reason)}`));
  }
  lines.push('', p.dim('Trace one with --stream N, or every one with --all.'));
  yield `\n${lines.join('\n')}`;
}

function compactTable(head: string[], colWidths: number[], rows: readonly string[][]): string {
  const table = new Table({ head, colWidths, wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of rows) table.push(row);
  return table.toString();
}

/** Body lines of `cells`; rows with colour codes are drawn by cli-table3 itself, without its borders. */
function bodyLines(cells: readonly string[][], colWidths: number[]): string[] {
  const out: string[] = [];
  for (const row of cells) {
    const lines = plainRowLines(row, colWidths);
    if (lines) out.push(...lines);
    else out.push(...compactTable([], colWidths, [row]).split('\n').slice(1, -1));
  }
  return out;
}

/** The connections list as JSON-ready data, every string escaped once here (SNI, ALPN and outcomes come from peers). */
export function connectionsJson(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], notes: readonly string[]): JsonValue {
  return escapeStrings({ format: 'tls-trace-connections', schemaVersion: SCHEMA_VERSION, file, connections: rows, skipped, notes });
}

/**
 * `JSON.stringify(connectionsJson(…), null, 2)` in pieces, one connection at a time, so the list
 * of a large capture is never one string (nor one escaped copy of every row).
 */
export function* connectionsJsonParts(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], notes: readonly string[]): Generator<string> {
  const head = { format: 'tls-trace-connections', schemaVersion: SCHEMA_VERSION, file };
  yield `${JSON.stringify(escapeStrings(head), null, 2).slice(0, -2)},\n`;
  if (rows.length === 0) yield '  "connections": [],\n';
  else {
    yield '  "connections": [\n';
    for (let i = 0; i < rows.length; i++) yield `${indented(escapeStrings(rows[i]), '    ', true)}${i + 1 < rows.length ? ',' : ''}\n`;
    yield '  ],\n';
  }
  yield `  "skipped": ${indented(escapeStrings(skipped), '  ', false)},\n`;
  yield `  "notes": ${indented(escapeStrings(notes), '  ', false)}\n}`;
}

/** JSON.stringify(value, null, 2) nested at `indent` (its first line too when `first`); JSON text has no raw newlines inside strings. */
function indented(value: JsonValue, indent: string, first: boolean): string {
  return (first ? indent : '') + JSON.stringify(value, null, 2).split('\n').join(`\n${indent}`);
}
