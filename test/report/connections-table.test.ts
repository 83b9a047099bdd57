// `read`'s table of connections draws its body rows itself (src/report/table-rows.ts) and writes
// the table and its JSON in pieces, for captures of tens of thousands of connections. The text
// must be what cli-table3 draws for the same rows as one table, and the JSON what
// JSON.stringify(connectionsJson(…), null, 2) gives: both are compared here on rows with wide,
// wrapping, escaped, coloured and empty cells, at several widths.

import Table from 'cli-table3';
import { connectionsJson, connectionsJsonParts, connectionsTableParts, renderConnectionsTable, type ConnectionRow, type ConnectionsFilterNote, type SkippedConnection } from '../../src/report/connections-table.js';
import { escapeControl } from '../../src/report/escape.js';
import { fitColumns, fitTable } from '../../src/report/fit.js';
import { palette } from '../../src/report/palette.js';
import { wrap } from '../../src/report/text.js';

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
    fingerprints: i % 6 ? { ja4: { ja4: `t13d1516h2_8daaf6152771_${String(i).padStart(12, '0')}`, ja4_r: '', ja4_o: '', ja4_ro: '' } } : {},
  }));
}

const skipped: SkippedConnection[] = [{ number: 4, client: '127.0.0.1:5', server: '127.0.0.1:25', reason: 'not TLS: neither stream starts with a TLS record' }];

const HEAD = ['#', 'Client → server', 'Start (UTC)', 'SNI', 'Version', 'Cipher suite', 'ALPN', 'Records', 'Bytes c/s', 'Outcome'];
const NARROW_HEAD = ['#', 'Client → server, start (UTC)', 'SNI, version, suite, ALPN', 'Records, bytes c/s', 'Outcome'];

/**
 * The table as one cli-table3 table, laid out as main's renderConnectionsTable did before the rows
 * were drawn in pieces (wide with JA4 from 160 columns, else wide, else the narrow five columns):
 * what the rows drawn in pieces must equal.
 */
function oneTable(file: string, list: readonly ConnectionRow[], skip: readonly SkippedConnection[], color: boolean, width: number | undefined, filtered?: ConnectionsFilterNote): string {
  const p = palette(color);
  const matching = filtered ? ` matching --filter '${escapeControl(filtered.expression)}' (${filtered.hidden} other connection(s) left out)` : '';
  const fit = (text: string, indent = '', hanging = ''): string[] => (width === undefined ? [indent + text] : wrap(text, width - hanging.length).map((l, i) => (i === 0 ? indent : hanging) + l));
  const lines = [...fit(`${list.length} TLS connection(s) in ${escapeControl(file)}${matching}`).map((l) => p.heading(l)), oneLayout(list, p, width)];
  if (skip.length > 0) {
    lines.push('', p.dim(`${skip.length} other TCP connection(s) skipped:`));
    for (const s of skip) lines.push(...fit(`${s.number}  ${s.client} → ${s.server}: ${escapeControl(s.reason)}`, '  ', '      ').map((l) => p.dim(l)));
  }
  lines.push('', p.dim('Trace one with --stream N, or every one with --all.'));
  return lines.join('\n');
}

function oneLayout(list: readonly ConnectionRow[], p: ReturnType<typeof palette>, width: number | undefined): string {
  const outcome = (r: ConnectionRow): string => (r.complete ? p.good(escapeControl(r.outcome)) : p.bad(escapeControl(r.outcome)));
  const when = (r: ConnectionRow): string => r.startedAt.replace('T', ' ').replace(/Z$/, '');
  const ja4 = width !== undefined && width >= 160;
  const names = ja4 ? [...HEAD.slice(0, 7), 'JA4', ...HEAD.slice(7)] : HEAD;
  const wideCells = (r: ConnectionRow): string[] => [String(r.number), `${r.client} → ${r.server}`, when(r), escapeControl(r.sni ?? '—'), r.version ?? '—', r.cipherSuite ?? '—', escapeControl(r.alpn ?? '—'), ...(ja4 ? [r.fingerprints?.ja4?.ja4 ?? '—'] : []), String(r.records), `${r.bytes.client}/${r.bytes.server}`, outcome(r)];
  const narrowCells = (r: ConnectionRow): string[] => [String(r.number), `${r.client} →\n${r.server}\n${when(r)}`, [`SNI ${escapeControl(r.sni ?? '—')}`, r.version ?? '—', r.cipherSuite ?? '—', `ALPN ${escapeControl(r.alpn ?? '—')}`].join('\n'), `${r.records} records\n${r.bytes.client}/${r.bytes.server} B`, outcome(r)];
  const wide = [names.map((h) => p.heading(h)), ...list.map(wideCells)];
  const wideWidths = fitColumns(wide, width ?? 100, ja4 ? [1, 3, 5, 10] : [1, 3, 5, 9]);
  const fits = width === undefined || wideWidths.reduce((a, b) => a + b, 0) + wideWidths.length + 1 <= width;
  const cells = fits ? wide : [NARROW_HEAD.map((h) => p.heading(h)), ...list.map(narrowCells)];
  const fitted = fits ? { colWidths: wideWidths, rows: cells.map((r) => [...r]) } : fitTable(cells, width, [1, 2, 3, 4], true);
  const [head, ...rest] = fitted.rows;
  const table = new Table({ head, colWidths: fitted.colWidths, wordWrap: true, style: { head: [], border: [], compact: true } });
  for (const row of rest) table.push(row);
  return table.toString();
}

describe("read's connections table drawn in pieces", () => {
  // cli-table3's one-table layout (the reference) costs more than linear time: a few long cases.
  const cases: [number, boolean, number | undefined, readonly SkippedConnection[]][] = [
    ...[0, 1, 2, 40].flatMap((n) => [false, true].flatMap((color) => [30, 60, 100, 160, 200, undefined].map((width): [number, boolean, number | undefined, readonly SkippedConnection[]] => [n, color, width, n % 2 ? skipped : []]))),
    [300, false, 100, skipped],
    [300, true, 30, []],
    [300, false, 170, []],
  ];
  it.each(cases)('%i rows, colour %s, width %s: the text cli-table3 draws as one table', (n, color, width, skip) => {
    const list = rows(n);
    const opts = { color, ...(width !== undefined ? { width } : {}) };
    const expected = oneTable('cap\u0001.pcap', list, skip, color, width);
    expect(renderConnectionsTable('cap\u0001.pcap', list, skip, opts)).toBe(expected);
    expect([...connectionsTableParts('cap\u0001.pcap', list, skip, opts)].join('')).toBe(expected);
  });

  it.each([40, 200])('with --filter, width %i: the same text as one table, the filter said in the heading', (width) => {
    const filtered = { expression: 'host localhost\u0007', hidden: 3 };
    const expected = oneTable('f.pcap', rows(12), skipped, false, width, filtered);
    expect(expected.replace(/\s+/g, ' ')).toContain("matching --filter 'host localhost\\x07' (3 other connection(s) left out)");
    expect([...connectionsTableParts('f.pcap', rows(12), skipped, { color: false, width, filtered })].join('')).toBe(expected);
  });

  it('the narrow layout is the one drawn below the wide width, the JA4 column from 160 columns', () => {
    const narrow = renderConnectionsTable('f.pcap', rows(8), [], { color: false, width: 60 });
    expect(narrow).toContain('│ Records, │');
    const short = rows(8).map((r) => ({ ...r, sni: 'localhost' }));
    const ja4 = renderConnectionsTable('f.pcap', short, [], { color: false, width: 260 });
    expect(ja4).toContain('│ JA4 ');
    expect(ja4).toBe(oneTable('f.pcap', short, [], false, 260));
    expect(renderConnectionsTable('f.pcap', short, [], { color: true, width: 170 })).toBe(oneTable('f.pcap', short, [], true, 170));
    expect(ja4).toContain('t13d1516h2_8daaf6152771_000000000001');
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
        for (const filtered of [undefined, { expression: 'port 443', hidden: 2 }]) {
          const whole = JSON.stringify(connectionsJson('f\u0001.pcap', rows(n), skip, notes, filtered), null, 2);
          expect([...connectionsJsonParts('f\u0001.pcap', rows(n), skip, notes, filtered)].join('')).toBe(whole);
        }
      }
    }
  });
});
