// `read`'s table of connections draws its body rows itself (src/report/table-rows.ts) and writes
// the table and its JSON in pieces, for captures of tens of thousands of connections. The text
// must be what cli-table3 draws for the same rows as one table, and the JSON what
// JSON.stringify(connectionsJson(…), null, 2) gives: both are compared here on rows with wide,
// wrapping, escaped, coloured and empty cells, at several widths.

import Table from 'cli-table3';
import { connectionsJson, connectionsJsonParts, connectionsTableParts, renderConnectionsTable, type ConnectionRow, type SkippedConnection } from '../../src/report/connections-table.js';
import { escapeControl } from '../../src/report/escape.js';
import { fitColumns } from '../../src/report/fit.js';
import { palette } from '../../src/report/palette.js';

const SNIS = ['localhost', '例え.テスト.jp', 'x'.repeat(90), 'a b c d e f g h i j k l m n o p q r s t u v w x y z', '🙂host\u0007\n\tz', ' lead  trail ', ''];

function rows(n: number): ConnectionRow[] {
  return Array.from({ length: n }, (_, i) => ({
    number: i + 1,
    client: i % 5 === 0 ? `[2001:db8::${i.toString(16)}]:${40000 + i}` : `127.0.0.1:${40000 + i}`,
    server: i % 7 ? '[::1]:443' : '127.0.0.1:4433',
    startedAt: '2026-12-02T03:00:00.123Z',
    ...(i % 3 ? { sni: SNIS[i % SNIS.length] } : {}),
    ...(i % 4 ? { version: i % 2 ? 'TLS 1.3' : 'TLS 1.2' } : {}),
    ...(i % 4 ? { cipherSuite: i % 2 ? 'TLS_AES_256_GCM_SHA384' : 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' } : {}),
    ...(i % 5 ? {} : { alpn: i % 10 ? 'h2' : 'none' }),
    records: i * 3,
    bytes: { client: i * 31, server: i * 1013 },
    complete: i % 13 !== 0,
    outcome: i % 13 ? 'Handshake complete' : 'Server sent fatal alert handshake_failure (0x28)',
  }));
}

const skipped: SkippedConnection[] = [{ number: 4, client: '127.0.0.1:5', server: '127.0.0.1:25', reason: 'not TLS: neither stream starts with a TLS record' }];

/** The table as one cli-table3 table: what the rows drawn in pieces must equal. */
function oneTable(file: string, list: readonly ConnectionRow[], skip: readonly SkippedConnection[], color: boolean, width: number): string {
  const p = palette(color);
  const head = ['#', 'Client → server', 'Start (UTC)', 'SNI', 'Version', 'Cipher suite', 'ALPN', 'Records', 'Bytes c/s', 'Outcome'].map((h) => p.heading(h));
  const cells = list.map((r) => [
    String(r.number),
    `${r.client} → ${r.server}`,
    r.startedAt.replace('T', ' ').replace(/Z$/, ''),
    escapeControl(r.sni ?? '—'),
    r.version ?? '—',
    r.cipherSuite ?? '—',
    escapeControl(r.alpn ?? '—'),
    String(r.records),
    `${r.bytes.client}/${r.bytes.server}`,
    r.complete ? p.good(escapeControl(r.outcome)) : p.bad(escapeControl(r.outcome)),
  ]);
  const table = new Table({ head, colWidths: fitColumns([head, ...cells], width, [1, 3, 5, 9]), wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of cells) table.push(row);
  const lines = [p.heading(`${list.length} TLS connection(s) in ${escapeControl(file)}`), table.toString()];
  if (skip.length > 0) {
    lines.push('', p.dim(`${skip.length} other TCP connection(s) skipped:`));
    for (const s of skip) lines.push(p.dim(`  ${s.number}  ${s.client} → ${s.server}: ${escapeControl(s.reason)}`));
  }
  lines.push('', p.dim('Trace one with --stream N, or every one with --all.'));
  return lines.join('\n');
}

describe("read's connections table drawn in pieces", () => {
  // cli-table3's one-table layout (the reference) costs more than linear time: a few long cases.
  const cases: [number, boolean, number, readonly SkippedConnection[]][] = [
    ...[0, 1, 2, 40].flatMap((n) => [false, true].flatMap((color) => [30, 100, 200].map((width): [number, boolean, number, readonly SkippedConnection[]] => [n, color, width, n % 2 ? skipped : []]))),
    [300, false, 100, skipped],
    [300, true, 30, []],
  ];
  it.each(cases)('%i rows, colour %s, width %i: the text cli-table3 draws as one table', (n, color, width, skip) => {
    const list = rows(n);
    const expected = oneTable('cap\u0001.pcap', list, skip, color, width);
    expect(renderConnectionsTable('cap\u0001.pcap', list, skip, { color, width })).toBe(expected);
    expect([...connectionsTableParts('cap\u0001.pcap', list, skip, { color, width })].join('')).toBe(expected);
  });

  it('a long table comes out in several pieces, none of them the whole table', () => {
    const parts = [...connectionsTableParts('f.pcap', rows(1000), [], { color: false, width: 100 })];
    expect(parts.length).toBeGreaterThan(4);
    const total = parts.reduce((n, p) => n + p.length, 0);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(total / 3);
  });

  it.each([0, 1, 3, 50])('%i rows: the JSON in pieces is JSON.stringify of the whole document', (n) => {
    for (const skip of [[], skipped]) {
      for (const notes of [[], ['a note', 'a "quoted"\u0007 note']]) {
        const whole = JSON.stringify(connectionsJson('f\u0001.pcap', rows(n), skip, notes), null, 2);
        expect([...connectionsJsonParts('f\u0001.pcap', rows(n), skip, notes)].join('')).toBe(whole);
      }
    }
  });
});
