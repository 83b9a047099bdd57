// Writers and helpers of the check command: exit-code precedence, sorting, target files, --at,
// JUnit escaping, NDJSON, and the chain table's escaping of hostile certificate text.

import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { pemToDer } from '../../src/analyse/certificates/parse.js';
import { combineExitCodes, judge, sortResults } from '../../src/check/runner.js';
import { exitCodeForCaptureError } from '../../src/errors.js';
import { parseTargetsText } from '../../src/cli/check-targets.js';
import type { CheckSummary, TargetResult } from '../../src/check/types.js';
import { parseAt } from '../../src/cli/trust-options.js';
import { UsageError } from '../../src/errors.js';
import { renderChain } from '../../src/report/chain-table.js';
import { shortName } from '../../src/view/index.js';
import { checkToJson, ndjsonLine, ndjsonSummaryLine } from '../../src/report/check-json.js';
import { expectSchemaValid, schemaValidator } from '../helpers/schema.js';
import { renderJunit, xmlEscape } from '../../src/report/check-junit.js';
import { renderCheckTable } from '../../src/report/check-summary.js';
import { checkView } from '../../src/report/check-view.js';
import { testPki } from '../chain/helpers/pki.js';

const pki = testPki();
const store = buildTrustStore([{ origin: 'ca-file', pem: pki.pem('root.pem') }]);

test('exit code precedence: connection failures (lowest) > invalid > expiring > ok', () => {
  expect(combineExitCodes([])).toBe(0);
  expect(combineExitCodes([0, 0])).toBe(0);
  expect(combineExitCodes([0, 9])).toBe(9);
  expect(combineExitCodes([9, 8, 0])).toBe(8);
  expect(combineExitCodes([8, 7])).toBe(7);
  expect(combineExitCodes([7, 5, 8, 9])).toBe(5);
  expect(combineExitCodes([6, 3, 4])).toBe(3);
  expect(combineExitCodes([0, 1])).toBe(1);
  // Revocation: revoked (12) > invalid (8) > unavailable under --revocation hard (13) > expiring (9).
  expect(combineExitCodes([8, 12, 13, 9])).toBe(12);
  expect(combineExitCodes([12, 7])).toBe(7);
  expect(combineExitCodes([13, 8])).toBe(8);
  expect(combineExitCodes([9, 13, 0])).toBe(13);
  expect(['dns', 'refused', 'unreachable', 'timeout', 'not-tls', 'alert', 'tls', 'closed', 'reset'].map((c) => exitCodeForCaptureError(c, 1))).toEqual([3, 4, 4, 5, 6, 7, 7, 7, 7]);
  expect(exitCodeForCaptureError('reset', 0)).toBe(4);
});

const result = (target: string, daysLeft: number | null, status: TargetResult['status'] = 'valid'): TargetResult => ({
  target, host: 'h', port: 1, checkedName: 'h', status, exitCode: 0, daysLeft, problems: [], durationMs: 1,
});

test('sorting: failures first, then fewest days left, stable', () => {
  const sorted = sortResults([result('a', 50), result('b', null, 'error'), result('c', -3), result('d', 50), result('e', 2), result('f', 50, 'invalid')]);
  expect(sorted.map((r) => r.target)).toEqual(['b', 'c', 'e', 'f', 'a', 'd']);
});

test('targets text: comments, blanks, CRLF; a bad line names file and line', () => {
  const t = parseTargetsText('# list\r\nexample.com\r\n\r\n  [::1]:8443  # v6\r\n10.0.0.1:443\n', 'list.txt');
  expect(t.map((x) => [x.host, x.port])).toEqual([['example.com', 443], ['::1', 8443], ['10.0.0.1', 443]]);
  expect(() => parseTargetsText('ok.test\nbad host name\n', 'list.txt')).toThrow(/^list\.txt:2: /);
  expect(() => parseTargetsText('ok.test\nbad host name\n', 'list.txt')).toThrow(UsageError);
});

test('--at parsing', () => {
  expect(parseAt('2027-01-31').toISOString()).toBe('2027-01-31T00:00:00.000Z');
  expect(parseAt('2027-01-31T12:30:00Z').toISOString()).toBe('2027-01-31T12:30:00.000Z');
  expect(parseAt('2027-01-31T12:30:00+02:00').toISOString()).toBe('2027-01-31T10:30:00.000Z');
  for (const bad of ['tomorrow', '31/01/2027', '2027-13-45', '', '2027-02-30', '2027-04-31T12:00:00Z', '2027-00-10']) expect(() => parseAt(bad)).toThrow(UsageError);
  // The last days of months, and 29 February of a leap year only.
  expect(['2027-04-30', '2028-02-29', '2027-12-31'].map((d) => parseAt(d).toISOString().slice(0, 10))).toEqual(['2027-04-30', '2028-02-29', '2027-12-31']);
  expect(() => parseAt('2027-02-29')).toThrow(UsageError);
});

test('judge: expiring only when valid; status and exit code per target', () => {
  const opts = { at: new Date(), warnDays: 30, concurrency: 1, timeoutMs: 1000, trustStore: store, servername: 'localhost' };
  const t = { input: 'x', host: '127.0.0.1', port: 1, display: '127.0.0.1:1' };
  const hex = (v: string) => pki.chain(v).map((d) => d.toString('hex'));
  expect(judge(t, { certificates: hex('expiring'), source: 'decoded', durationMs: 1 }, opts)).toMatchObject({ status: 'expiring', exitCode: 9, daysLeft: 9 });
  expect(judge(t, { certificates: hex('good-rsa'), source: 'decoded', durationMs: 1 }, opts)).toMatchObject({ status: 'valid', exitCode: 0, checkedName: 'localhost' });
  expect(judge(t, { certificates: hex('expired'), source: 'decoded', durationMs: 1 }, opts)).toMatchObject({ status: 'invalid', exitCode: 8 });
  expect(judge(t, { certificates: [], source: 'node', durationMs: 1, error: { code: 'timeout', message: 'slow' } }, opts)).toMatchObject({ status: 'error', exitCode: 5, problems: ['slow'] });
});

test('judge: the README precedence holds inside one target (critical 13 > revocation unavailable 15; CT policy 16 > 15)', () => {
  const opts = { at: new Date(), warnDays: 30, concurrency: 1, timeoutMs: 1000, trustStore: store, servername: 'localhost', revocation: 'hard' as const };
  const t = { input: 'x', host: '127.0.0.1', port: 1, display: '127.0.0.1:1' };
  const fetched = (v: string) => ({ certificates: pki.chain(v).map((d) => d.toString('hex')), source: 'decoded' as const, durationMs: 1 });
  // Under --revocation hard an unavailable answer for the leaf is an error of its own (15).
  const unavailable = (v: string) => {
    const leaf = new X509Certificate(pki.chain(v)[0]!);
    const fingerprint256 = leaf.fingerprint256.replace(/:/g, '').toLowerCase();
    return { fetchedIssuers: [], revocation: [{ fingerprint256, subject: leaf.subject, serial: leaf.serialNumber, status: 'unavailable' as const, method: 'none' as const, detail: 'OCSP HTTP 503' }] };
  };
  expect(judge(t, fetched('expiring'), opts, unavailable('expiring'))).toMatchObject({ status: 'invalid', exitCode: 15 });
  const both = judge(t, fetched('expiring'), { ...opts, critDays: 10 }, unavailable('expiring'));
  expect(both).toMatchObject({ status: 'critical', exitCode: 13 });
  expect(both.problems.join('\n')).toMatch(/revocation unavailable: OCSP HTTP 503/);
  // --require-ct on a private chain without SCTs: CT policy alone is 16, and still 16 beside 15, not 8.
  expect(judge(t, fetched('good-rsa'), { ...opts, requireCt: true })).toMatchObject({ status: 'invalid', exitCode: 16 });
  expect(judge(t, fetched('good-rsa'), { ...opts, requireCt: true }, unavailable('good-rsa'))).toMatchObject({ status: 'invalid', exitCode: 16 });
  // A real chain problem beside them stays 8.
  expect(judge(t, fetched('expired'), { ...opts, requireCt: true }, unavailable('expired'))).toMatchObject({ status: 'invalid', exitCode: 8 });
});

test('judge: the protocol as the code point trace and scan write, expiry as notAfter beside daysLeft', () => {
  const opts = { at: new Date(), warnDays: 30, concurrency: 1, timeoutMs: 1000, trustStore: store, servername: 'localhost' };
  const t = { input: 'x', host: '127.0.0.1', port: 1, display: '127.0.0.1:1' };
  const chain = pki.chain('good-rsa');
  const r = judge(t, { certificates: chain.map((d) => d.toString('hex')), source: 'decoded', protocol: 'TLSv1.3', durationMs: 1 }, opts);
  expect(r.protocol).toEqual({ code: 0x0304, hex: '0x0304', name: 'TLS 1.3' });
  expect(r.notAfter).toBe(new Date(new X509Certificate(chain[0]).validTo).toISOString());
  expect(Object.keys(r)).not.toContain('expiresAt');
  expect(judge(t, { certificates: [], source: 'node', protocol: 'TLSv9', durationMs: 1, error: { code: 'timeout', message: 'slow' } }, opts).protocol).toBeUndefined();
});

test('JUnit: XML escaping of names and messages, counts', () => {
  expect(xmlEscape(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\\x01');
  const summary: CheckSummary = {
    at: '2026-01-01T00:00:00.000Z',
    warnDays: 30, critDays: 0,
    durationMs: 1500,
    exitCode: 8,
    counts: { valid: 1, expiring: 0, critical: 0, invalid: 1, error: 1 },
    results: [
      { ...result('bad<host>:443', 3, 'invalid'), problems: ['name "x" & <y>'] },
      { ...result('down:443', null, 'error'), error: { code: 'refused', message: 'connection refused' }, problems: ['connection refused'] },
      result('ok:443', 80),
    ],
  };
  const xml = renderJunit(checkView(summary));
  expect(xml).toContain('<testsuites name="tls-trace" tests="3" failures="1" errors="1" time="1.500">');
  expect(xml).toContain('name="bad&lt;host&gt;:443"');
  expect(xml).toContain('<failure type="invalid" message="name &quot;x&quot; &amp; &lt;y&gt; (3 days left)">');
  expect(xml).toContain('<error type="refused" message="connection refused">connection refused</error>');
  expect(xml).toContain('<system-out>valid (80 days left)</system-out>');
  const line = ndjsonLine(summary.results[0]);
  expect(line.endsWith('}\n')).toBe(true);
  expectSchemaValid('check-line', JSON.parse(line));
  expectSchemaValid('check-line', JSON.parse(ndjsonSummaryLine(summary)));
  expectSchemaValid('check', checkToJson(summary));
  // The schemas hold the shared vocabulary: Node's protocol string, expiresAt and a line without
  // its format are the old shapes.
  const lineDoc = JSON.parse(line) as Record<string, unknown>;
  const validateLine = schemaValidator('check-line');
  expect(validateLine({ ...lineDoc, protocol: 'TLSv1.3' }).ok).toBe(false);
  expect(validateLine({ ...lineDoc, expiresAt: '2027-01-01T00:00:00.000Z' }).ok).toBe(false);
  expect(validateLine({ ...lineDoc, format: undefined }).ok).toBe(false);
  expect(validateLine({ ...lineDoc, protocol: { code: 0x0304, hex: '0x0304', name: 'TLS 1.3' } }).ok).toBe(true);
  expect(JSON.parse(line)).toMatchObject({ format: 'tls-trace-check-line', schemaVersion: '1', type: 'target', target: 'bad<host>:443', status: 'invalid' });
  expect(JSON.parse(ndjsonSummaryLine(summary))).toMatchObject({ format: 'tls-trace-check-line', schemaVersion: '1', type: 'summary', exitCode: summary.exitCode });
  const table = renderCheckTable(checkView(summary), { color: false });
  expect(table).toContain('connection refused');
  expect(table).not.toContain('\x1b[');
});

describe('chain table', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-evil-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('hostile control characters in certificate names are escaped; colour only when asked', () => {
    const key = path.join(dir, 'k.pem');
    const crt = path.join(dir, 'c.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], { stdio: 'pipe' });
    execFileSync('openssl', ['req', '-x509', '-new', '-key', key, '-subj', '/CN=evil\x1b[2J\u202ename', '-utf8', '-days', '5', '-out', crt], { stdio: 'pipe' });
    const report = analyseChain({ certificates: pemToDer(readFileSync(crt, 'utf8')), source: 'decoded', at: new Date(), host: 'evil.test', trustStore: store });
    expect(report.certificates[0].info.subjectCN[0]).toBe('evil\x1b[2J\u202ename');
    const plain = renderChain(report, { color: false });
    expect(plain).not.toContain('\x1b');
    expect(plain).not.toContain('\u202e');
    expect(plain).toContain('evil\\x1b[2J\\u{202e}name');
    const coloured = renderChain(report, { color: true });
    expect(coloured).toContain('\x1b[31m');
    expect(coloured).toContain('evil\\x1b[2J');
    expect(plain).toMatch(/Verdict: INVALID — self-signed certificate .*; evil\.test does not match: no DNS SANs and CN evil\\x1b\[2J\\u\{202e\}name/);
  });

  test('good chain rendering: rows, anchor, hostname, verdict', () => {
    const report = analyseChain({ certificates: pki.chain('outoforder'), source: 'decoded', at: new Date(), host: 'localhost', trustStore: store });
    const out = renderChain(report, { color: false, width: 140 });
    expect(out).toMatch(/#0 leaf/);
    expect(out).toMatch(/│ #2 intermediate │/);
    expect(out).toContain('Trust anchor: O=tls-trace test, CN=tls-trace Test Root CA (--ca, sent by the server)');
    expect(out).toContain('Hostname: match — localhost matches SAN localhost');
    expect(out).toMatch(/Verdict: VALID — warnings: sent out of order/);
    const tableLines = out.split('\n').filter((l) => /^[┌│├└]/.test(l));
    expect(tableLines.length).toBeGreaterThan(6);
    expect(Math.max(...tableLines.map((l) => l.length))).toBeLessThanOrEqual(140);
    expect(out).not.toContain('…'); // nothing truncated
    expect(shortName('O=a, b, CN=x,y', ['x,y'])).toBe('x,y');
    expect(shortName('O=a, b', [])).toBe('O=a, b');
  });
});
