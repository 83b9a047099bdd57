// `tls-trace read FILE` with several TLS connections: one table row per connection (number,
// client → server, start time, SNI, version, suite, ALPN, records, bytes, outcome), then the
// connections that were skipped and why. Values come from the ordinary analysis of each
// connection; this file only lays them out (text and JSON).

import Table from 'cli-table3';
import { escapeControl, escapeStrings, type JsonValue } from './escape.js';
import { fitColumns } from './fit.js';
import { palette } from './palette.js';
import { SCHEMA_VERSION } from './shared-json.js';
import type { Fingerprints } from '../analyse/types.js';

/** Narrowest table that gets a JA4 column (a JA4 is 36 characters; below this the other columns need the room). */
const JA4_COLUMN_MIN_WIDTH = 160;

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
  width?: number;
}

/** `2026-12-02 02:16:41.123` in UTC (the capture's clock, not the reader's time zone). */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function renderConnectionsTable(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], opts: ConnectionsTableOptions): string {
  const p = palette(opts.color);
  const width = opts.width ?? 100;
  const ja4 = width >= JA4_COLUMN_MIN_WIDTH;
  const names = ['#', 'Client → server', 'Start (UTC)', 'SNI', 'Version', 'Cipher suite', 'ALPN', ...(ja4 ? ['JA4'] : []), 'Records', 'Bytes c/s', 'Outcome'];
  const head = names.map((h) => p.heading(h));
  const cells = rows.map((r) => [
    String(r.number),
    `${r.client} → ${r.server}`,
    shortTime(r.startedAt),
    escapeControl(r.sni ?? '—'),
    r.version ?? '—',
    r.cipherSuite ?? '—',
    escapeControl(r.alpn ?? '—'),
    ...(ja4 ? [r.fingerprints?.ja4?.ja4 ?? '—'] : []),
    String(r.records),
    `${r.bytes.client}/${r.bytes.server}`,
    r.complete ? p.good(escapeControl(r.outcome)) : p.bad(escapeControl(r.outcome)),
  ]);
  const table = new Table({ head, colWidths: fitColumns([head, ...cells], width, ja4 ? [1, 3, 5, 10] : [1, 3, 5, 9]), wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of cells) table.push(row);
  const lines = [p.heading(`${rows.length} TLS connection(s) in ${escapeControl(file)}`), table.toString()];
  if (skipped.length > 0) {
    lines.push('', p.dim(`${skipped.length} other TCP connection(s) skipped:`));
    for (const s of skipped) lines.push(p.dim(`  ${s.number}  ${s.client} → ${s.server}: ${escapeControl(s.reason)}`));
  }
  lines.push('', p.dim('Trace one with --stream N, or every one with --all.'));
  return lines.join('\n');
}

/** The connections list as JSON-ready data, every string escaped once here (SNI, ALPN and outcomes come from peers). */
export function connectionsJson(file: string, rows: readonly ConnectionRow[], skipped: readonly SkippedConnection[], notes: readonly string[]): JsonValue {
  return escapeStrings({ format: 'tls-trace-connections', schemaVersion: SCHEMA_VERSION, file, connections: rows, skipped, notes });
}
