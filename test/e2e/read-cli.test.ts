// `tls-trace read` on a capture of several connections merged from real loopback recordings
// (three TLS handshakes against openssl s_server, a plaintext HTTP exchange, a refused connection):
// skipped connections with why, --filter (addresses, ports, SNI; bad expressions exit 2), --ndjson
// (every line valid against its schema and equal to the --json rows), FILE `-` (stdin, plain and
// gzip), and the table fitting COLUMNS=60/80/120 with every value still there.

import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { displayWidth } from '../../src/report/fit.js';
import { runCli } from '../helpers/cli.js';
import { gzipFile, recordOpenssl, recordPlain, run, startTcpdump, stopTcpdump, type Recorded } from '../helpers/pcap-tools.js';
import { parseValid, expectSchemaValid } from '../helpers/schema.js';
import { describeWithTools, freePort } from '../helpers/servers.js';
import type { ConnectionRow } from '../../src/report/connections-table.js';

/** A row as the JSON carries it (the same shape the report builds). */
type Row = ConnectionRow;

interface Table {
  file: string;
  connections: Row[];
  skipped: { number: number; reason: string; server: string }[];
  filter?: { expression: string; leftOut: number };
}

/** A SYN to a port nothing listens on, answered by RST: a connection with no payload. */
async function recordRefused(dir: string): Promise<string> {
  const port = await freePort();
  const pcap = path.join(dir, 'refused.pcap');
  const dump = await startTcpdump(pcap, port);
  try {
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => resolve());
      s.on('connect', () => resolve());
    });
  } finally {
    await stopTcpdump(dump);
  }
  return pcap;
}

describeWithTools('tcpdump', 'mergecap', 'openssl')('tls-trace read: filter, ndjson, stdin, skipped connections, narrow tables', () => {
  let dir: string;
  let tls: Recorded;
  let plain: Recorded;
  let merged: string;
  let table: Table;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-read-cli-'));
    tls = await recordOpenssl(dir, 'three', ['-alpn', 'h2'], 3, { ALPNProtocols: ['h2'] });
    plain = await recordPlain(dir, 'plain');
    const refused = await recordRefused(dir);
    merged = path.join(dir, 'merged.pcap');
    await run('mergecap', ['-a', '-F', 'pcap', '-w', merged, tls.pcap, plain.pcap, refused]);
    const r = await runCli(['read', merged, '--json', '--keylog', tls.keylog]);
    expect(r.code).toBe(0);
    table = parseValid<Table>('connections', r.stdout);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists three TLS connections and the two that are not TLS, each with why', () => {
    expect(table.connections.map((c) => [c.number, c.server, c.sni, c.alpn, c.complete])).toEqual([1, 2, 3].map((n) => [n, `127.0.0.1:${tls.port}`, 'localhost', 'h2', true]));
    expect(table.skipped.map((s) => [s.number, s.reason])).toEqual([
      [4, 'HTTP request: "GET / HTTP/1.0"'],
      [5, 'no payload: only SYN and RST (connection refused)'],
    ]);
  });

  it('--filter by port, by address and port, by SNI; a filter that leaves one TLS connection traces it', async () => {
    const second = table.connections[1];
    const byPort = await runCli(['read', merged, '--filter', `port ${second.client.split(':')[1]}`]);
    expect(byPort.code).toBe(0);
    expect(byPort.stdout).toMatch(new RegExp(`^tls-trace 127\\.0\\.0\\.1:${tls.port}\\n`));
    // The very trace --stream 2 prints (the client port is the second connection's).
    expect(byPort.stdout).toBe((await runCli(['read', merged, '--stream', '2'])).stdout);
    const both = parseValid<Table>('connections', (await runCli(['read', merged, '--json', '--filter', `host 127.0.0.1 and port ${tls.port}`])).stdout);
    expect(both.connections.map((c) => c.number)).toEqual([1, 2, 3]);
    expect([both.skipped, both.filter]).toEqual([[], { expression: `host 127.0.0.1 and port ${tls.port}`, leftOut: 2 }]);
    // The SNI matches a host term too (the addresses do not); the plain and refused connections have none.
    const bySni = parseValid<Table>('connections', (await runCli(['read', merged, '--json', '--filter', 'host LOCALHOST'])).stdout);
    const byAddress = await runCli(['read', merged, '--ndjson', '--filter', `host 127.0.0.1 and port ${table.connections[2].client.split(':')[1]}`]);
    expect(byAddress.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as Row).number)).toEqual([3]);
    expect(bySni.connections.map((c) => c.number)).toEqual([1, 2, 3]);
    // IPv6 spelt another way still compares as the same address: no connection here is IPv6.
    const none = await runCli(['read', merged, '--filter', 'host 0:0::1']);
    expect([none.code, none.stdout]).toEqual([6, '']);
    expect(none.stderr).toMatch(/^tls-trace: no TLS connection in .* matches --filter 'host 0:0::1' \(5 of 5 TCP connection\(s\) did not match; \d+ frames read\)\n$/);
    const text = await runCli(['read', merged, '--filter', `port ${tls.port}`]);
    expect(text.stdout).toMatch(/^3 TLS connection\(s\) in .* matching --filter 'port \d+' \(2 other connection\(s\) left out\)/);
  });

  it('one TLS connection beside ones that are not TLS: its trace, then the skipped ones with why', async () => {
    const one = await recordOpenssl(dir, 'one');
    const mixed = path.join(dir, 'mixed.pcap');
    await run('mergecap', ['-a', '-F', 'pcap', '-w', mixed, one.pcap, plain.pcap]);
    const r = await runCli(['read', mixed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^tls-trace 127\\.0\\.0\\.1:${one.port}\\n`));
    expect(r.stdout).toMatch(new RegExp(`\\n\\n1 other TCP connection\\(s\\) skipped:\\n  2  127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${plain.port}: HTTP request: "GET / HTTP/1\\.0"\\n$`));
    // JSON stays the one trace document; --ndjson lists the skipped one.
    const lines = (await runCli(['read', mixed, '--ndjson'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { tls: boolean; number: number });
    expect(lines.map((l) => [l.number, l.tls])).toEqual([[1, true], [2, false]]);
  }, 60_000);

  it.each([
    ['', 'the expression is empty'],
    ['hots 1.2.3.4', 'unknown term "hots"'],
    ['port 99999', '"99999" is not a port (1-65535)'],
    ['port', '"port" needs a value'],
    ['host a or host b', 'expected "and" before "or"'],
    ['port 443 and', 'nothing after the last "and"'],
  ])('--filter %j is a usage error: exit 2, one line', async (expr, why) => {
    const r = await runCli(['read', merged, '--filter', expr]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`tls-trace: --filter "${expr}": ${why} (the syntax: host ADDR|NAME, port N, joined by "and"; e.g. --filter 'host 10.0.0.1 and port 443')\n`);
  });

  it.each([
    [['--ca', 'missing.pem'], 'tls-trace: cannot read --ca missing.pem: no such file (ENOENT)\n'],
    [['--ct-log-list', 'missing.json'], 'tls-trace: cannot read --ct-log-list missing.json: no such file (ENOENT)\n'],
    [['--at', 'someday'], 'tls-trace: bad --at "someday": give a date like 2027-01-31 or 2027-01-31T12:00:00Z\n'],
  ])('%j is a usage error even when the file prints only the table (as trace and replay)', async (flags, line) => {
    for (const extra of [[], ['--json']]) {
      const r = await runCli(['read', merged, ...flags, ...extra]);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', line]);
    }
  });

  it('--ndjson: one line per connection, each valid against its schema, the same values as --json', async () => {
    const r = await runCli(['read', merged, '--ndjson', '--keylog', tls.keylog]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expectSchemaValid('connection-line', l);
    const byNumber = lines.sort((a, b) => Number(a.number) - Number(b.number));
    expect(byNumber.map(({ format, schemaVersion, file, tls: isTls, ...rest }) => [format, schemaVersion, file, isTls, rest])).toEqual([
      ...table.connections.map((c) => ['tls-trace-connection', '1', merged, true, c]),
      ...table.skipped.map((s) => ['tls-trace-connection', '1', merged, false, s]),
    ]);
    const bad = await runCli(['read', merged, '--ndjson', '--json']);
    expect([bad.code, bad.stderr]).toEqual([2, 'tls-trace: --ndjson lists connections: it cannot be used with --json, --stream or --all\n']);
  });

  it('FILE - reads the capture from stdin, plain or gzip-compressed, as it reads the file', async () => {
    const gz = gzipFile(merged, path.join(dir, 'merged.pcap.gz'));
    for (const input of [merged, gz]) {
      const r = await runCli(['read', '-', '--json', '--keylog', tls.keylog], { stdin: () => createReadStream(input) });
      expect(r.code).toBe(0);
      expect(parseValid<Table>('connections', r.stdout)).toEqual({ ...table, file: 'stdin' });
    }
    const one = await runCli(['read', '-', '--stream', '2'], { stdin: () => createReadStream(merged) });
    expect(one.stdout).toBe((await runCli(['read', merged, '--stream', '2'])).stdout);
    const text = await runCli(['read', '-'], {
      stdin: async function* () {
        yield Buffer.from('hello\n');
      },
    });
    expect([text.code, text.stderr]).toEqual([2, 'tls-trace: stdin is not a capture: not pcap, pcapng or a tls-trace capture file (it starts with 68656c6c)\n']);
    const empty = await runCli(['read', '-'], { stdin: async function* () {} });
    expect([empty.code, empty.stderr]).toEqual([2, 'tls-trace: stdin is empty: not a capture\n']);
  });

  it.each([60, 80, 120])('COLUMNS=%i: every line fits and every value of every connection is still in the table', async (columns) => {
    const r = await runCli(['read', merged, '--keylog', tls.keylog], { env: { COLUMNS: String(columns) } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => displayWidth(l) > columns)).toEqual([]);
    // Each column's text down the table, spaces taken out: a value broken across lines (never cut) reads whole again.
    const columnsText: string[] = [];
    for (const l of lines.filter((x) => x.startsWith('│'))) l.split('│').slice(1, -1).forEach((cell, i) => (columnsText[i] = (columnsText[i] ?? '') + cell.replace(/\s/g, '')));
    const cells = columnsText.join('|');
    for (const c of table.connections) {
      for (const v of [c.client, c.server, c.sni, c.version, c.cipherSuite, c.alpn, `${c.bytes.client}/${c.bytes.server}`]) expect(cells).toContain(String(v).replace(/\s/g, ''));
    }
    expect(r.stdout).toContain('2 other TCP connection(s) skipped:');
  });
});
