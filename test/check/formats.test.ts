// check's machine formats, each read back by an independent reader: OpenMetrics by the Prometheus
// Python client's OpenMetrics parser (and its Prometheus text parser, as node_exporter reads a
// textfile), JUnit by xmllint against the xunit plugin's schema (test/check/junit.xsd), CSV by
// Python's csv module, GitHub annotations by the syntax GitHub documents; plus --crit-days, the
// format aliases and the fleet text output.

import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { progressLine } from '../../src/cli/check-progress.js';
import { parseShard } from '../../src/cli/check-shard.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { csvField } from '../../src/report/check-csv.js';
import { escapeData, escapeProperty } from '../../src/report/check-github.js';
import { labelValue } from '../../src/report/check-openmetrics.js';
import { escapeControl, unescapeControl } from '../../src/report/escape.js';
import { displayWidth } from '../../src/report/fit.js';
import fc from 'fast-check';
import { testPki } from '../chain/helpers/pki.js';
import { requireTool, type TestServer } from '../helpers/servers.js';
import { startVariant, testContext } from './helpers.js';
import { parseValid } from '../helpers/schema.js';
import { annotationsByTitle, parseOpenMetrics, pythonHas, readCsv } from './helpers/readers.js';

const pki = testPki();
const root = pki.file('root.pem');
const here = path.dirname(new URL(import.meta.url).pathname);
const servers = new Map<string, TestServer>();
const target = (v: string): string => `127.0.0.1:${(servers.get(v) as TestServer).port}`;
const DEAD = '127.0.0.1:1';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-formats-'));
  for (const v of ['good-ecdsa', 'expiring', 'expired']) servers.set(v, await startVariant(pki, v));
});

afterAll(async () => {
  for (const s of servers.values()) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function check(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const ctx = testContext(env);
  const code = await main(['check', '--servername', 'localhost', '--ca', root, '--no-color', ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

const all = (): string[] => [target('good-ecdsa'), target('expiring'), target('expired'), DEAD];

const leafOf = (variant: string): X509Certificate => new X509Certificate(pki.chain(variant)[0]);

const describePromParser = pythonHas('prometheus_client') ? describe : describe.skip;
describePromParser('--format openmetrics', () => {
  test('parsed by the OpenMetrics parser: one sample per target, certificate dates as Node reads them', async () => {
    const r = await check([...all(), '--format', 'openmetrics']);
    expect(r.code).toBe(4);
    expect(r.out.endsWith('# EOF\n')).toBe(true);
    const m = parseOpenMetrics(r.out);
    const byTarget = (name: string): Record<string, number> => Object.fromEntries(m[name].map(([l, v]) => [l.target, v]));
    expect(byTarget('tls_trace_probe_success')).toEqual({ [target('good-ecdsa')]: 1, [target('expiring')]: 1, [target('expired')]: 1, [DEAD]: 0 });
    expect(byTarget('tls_trace_verify_ok')).toEqual({ [target('good-ecdsa')]: 1, [target('expiring')]: 1, [target('expired')]: 0 });
    expect(byTarget('tls_trace_exit_code')).toEqual({ [target('good-ecdsa')]: 0, [target('expiring')]: 9, [target('expired')]: 8, [DEAD]: 4 });
    for (const v of ['good-ecdsa', 'expiring', 'expired']) {
      const leaf = leafOf(v);
      const [labels, notAfter] = m.tls_trace_cert_not_after_seconds.find(([l]) => l.target === target(v)) ?? [{}, 0];
      expect(notAfter).toBe(Date.parse(leaf.validTo) / 1000);
      expect(labels.serial.toUpperCase().replace(/:/g, '')).toBe(leaf.serialNumber.toUpperCase());
      expect(m.tls_trace_cert_not_before_seconds.find(([l]) => l.target === target(v))?.[1]).toBe(Date.parse(leaf.validFrom) / 1000);
    }
    expect(m.tls_trace_probe_duration_seconds).toHaveLength(4);
  }, 60_000);

  test('label values escaped per the spec: the parser reads back exactly the (control-escaped) text', () => {
    const hostile = 'CN=a"b\\c\nd\u202e';
    const line = `# TYPE t gauge\nt{subject="${labelValue(hostile)}"} 1\n# EOF\n`;
    const m = parseOpenMetrics(line);
    expect(m.t[0][0].subject).toBe('CN=a"b\\\\c\\x0ad\\u{202e}');
  });
});

const describeXmllint = requireTool('xmllint') ? describe : describe.skip;
describeXmllint('JUnit', () => {
  const validate = (file: string): number => spawnSync('xmllint', ['--noout', '--schema', path.join(here, 'junit.xsd'), file], { stdio: 'ignore' }).status ?? -1;

  test('--format junit and --junit FILE are valid against the xunit JUnit schema, with the right counts', async () => {
    const file = path.join(dir, 'report.xml');
    const r = await check([...all(), '--format', 'junit', '--junit', file, '--crit-days', '1']);
    expect(r.out).toBe(readFileSync(file, 'utf8'));
    const stdoutFile = path.join(dir, 'stdout.xml');
    writeFileSync(stdoutFile, r.out);
    expect(validate(stdoutFile)).toBe(0);
    expect(r.out).toMatch(/<testsuite name="tls-trace check" tests="4" failures="2" errors="1"/);
    // The schema can fail: a count that is not a number is refused.
    writeFileSync(stdoutFile, r.out.replace('tests="4"', 'tests="four"'));
    expect(validate(stdoutFile)).not.toBe(0);
  }, 60_000);
});

describe('--format github', () => {
  test('one annotation per target that needs a look, in the documented syntax, and the step summary appended', async () => {
    const summaryFile = path.join(dir, 'step-summary.md');
    writeFileSync(summaryFile, '# earlier step\n');
    const r = await check([...all(), '--format', 'github'], { GITHUB_STEP_SUMMARY: summaryFile });
    const byTitle = annotationsByTitle(r.out);
    expect(Object.keys(byTitle)).toHaveLength(3);
    expect(byTitle[`tls-trace check ${target('expiring')}`][0]).toBe('warning');
    expect(byTitle[`tls-trace check ${target('expired')}`][0]).toBe('error');
    expect(byTitle[`tls-trace check ${DEAD}`]).toEqual(['error', expect.stringMatching(/^failed: .*refused/)]);
    const md = readFileSync(summaryFile, 'utf8');
    expect(md.startsWith('# earlier step\n### tls-trace check: exit 4\n')).toBe(true);
    expect(md.split('\n').filter((l) => l.startsWith('| 127.0.0.1'))).toHaveLength(4);
  }, 60_000);

  test('a $GITHUB_STEP_SUMMARY that cannot be written: one stderr line after the output, exit 10 when nothing else failed', async () => {
    const r = await check([target('good-ecdsa'), '--format', 'github'], { GITHUB_STEP_SUMMARY: dir });
    expect(r.code).toBe(10);
    expect(r.err).toMatch(/^tls-trace: cannot write \$GITHUB_STEP_SUMMARY .*: a directory \(EISDIR\)\n$/);
    expect(r.out).toContain('1 target, 1 valid');
    expect((await check([DEAD, '--format', 'github'], { GITHUB_STEP_SUMMARY: dir })).code).toBe(4);
  }, 60_000);

  test('escaping: % CR LF in data, also : and , in properties', () => {
    expect(escapeData('50% a\r\nb: c, d')).toBe('50%25 a%0D%0Ab: c, d');
    expect(escapeProperty('host:443, x%')).toBe('host%3A443%2C x%25');
  });
});

const describePython = pythonHas('csv') ? describe : describe.skip;
describePython('--format csv', () => {
  test("read by Python's csv module: a header and one row per target", async () => {
    const r = await check([...all(), '--format', 'csv']);
    expect(r.out.endsWith('\r\n')).toBe(true);
    const rows = readCsv(r.out);
    expect(rows[0].slice(0, 8)).toEqual(['target', 'host', 'port', 'checked_name', 'address', 'status', 'exit_code', 'days_left']);
    const status = Object.fromEntries(rows.slice(1).map((row) => [row[0], [row[5], row[6]]]));
    expect(status).toEqual({ [target('good-ecdsa')]: ['valid', '0'], [target('expiring')]: ['expiring', '9'], [target('expired')]: ['invalid', '8'], [DEAD]: ['error', '4'] });
    const expired = rows.find((row) => row[0] === target('expired')) ?? [];
    expect(Number(expired[7])).toBeLessThan(0); // a negative number stays a number
    expect(expired[11].toUpperCase()).toBe(leafOf('expired').serialNumber.toUpperCase());
  }, 60_000);

  test('quoting and formula injection', () => {
    const hostile = ['=HYPERLINK("x")', '+1+1', '-cmd', '@SUM(A1)', 'a,"b"', 'plain'];
    const line = `${hostile.map(csvField).join(',')},${csvField(-12)}\r\n`;
    const [row] = readCsv(line);
    expect(row).toEqual(["'=HYPERLINK(\"x\")", "'+1+1", "'-cmd", "'@SUM(A1)", 'a,"b"', 'plain', '-12']);
  });
});

describe('--crit-days, aliases, fleet text', () => {
  test('--crit-days: critical just inside the window (exit 13), expiring just outside (exit 9)', async () => {
    const first = parseValid<CheckJson>('check', (await check([target('expiring'), '--json'])).out);
    const days = first.results[0].daysLeft as number;
    const inside = await check([target('expiring'), '--json', '--crit-days', String(days + 1)]);
    const doc = parseValid<CheckJson>('check', inside.out);
    expect([inside.code, doc.results[0].status, doc.critDays, doc.counts.critical]).toEqual([13, 'critical', days + 1, 1]);
    // The problem names the window that made it critical.
    expect(doc.results[0].problems.join('\n')).toContain(`within --crit-days ${days + 1}`);
    const outside = await check([target('expiring'), '--json', '--crit-days', String(days)]);
    const outsideDoc = parseValid<CheckJson>('check', outside.out);
    expect([outside.code, outsideDoc.results[0].status]).toEqual([9, 'expiring']);
    expect(outsideDoc.results[0].problems.join('\n')).toMatch(/within --warn-days \d+/);
    // Precedence: invalid (8) beats critical (13), which beats expiring (9).
    expect((await check([target('expiring'), target('expired'), '--crit-days', String(days + 1)])).code).toBe(8);
    expect((await check([target('expiring'), '--crit-days', '40', '--warn-days', '30'])).code).toBe(2);
  }, 60_000);

  test.each([
    [['--json', '--ndjson']],
    [['--json', '--format', 'csv']],
    [['--ndjson', '--format', 'json']],
    [['--format', 'xml']],
    [['--quiet', '--format', 'json']],
  ])('%j is a usage error', async (flags) => {
    const r = await check([target('good-ecdsa'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tls-trace: /);
  });

  test('--json is --format json', async () => {
    const a = parseValid<CheckJson>('check', (await check([target('good-ecdsa'), '--json', '--at', '2026-06-01'])).out);
    const b = parseValid<CheckJson>('check', (await check([target('good-ecdsa'), '--format', 'json', '--at', '2026-06-01'])).out);
    expect({ ...b, durationMs: 0, results: b.results.map((x) => ({ ...x, durationMs: 0 })) }).toEqual({ ...a, durationMs: 0, results: a.results.map((x) => ({ ...x, durationMs: 0 })) });
  }, 60_000);

  test('text: failures first, repeated after the table, no line wider than 100 columns in a log; --quiet drops the valid', async () => {
    const r = await check(all());
    const order = [DEAD, target('expired'), target('expiring'), target('good-ecdsa')].map((t) => r.out.indexOf(t));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const closing = r.out.slice(r.out.indexOf('Needs a look (3):'));
    expect(closing).toContain(DEAD);
    expect(closing).toContain(target('expired'));
    expect(closing).not.toContain(target('good-ecdsa'));
    // The table and the closing list fit 100 columns; the totals line (bounded, ~120) is the last.
    for (const line of r.out.trimEnd().split('\n').slice(0, -1)) expect(displayWidth(line)).toBeLessThanOrEqual(100);
    const q = await check([...all(), '--quiet']);
    expect(q.out).not.toContain(target('good-ecdsa'));
    expect(q.out).toContain(target('expired'));
    const quietValid = await check([target('good-ecdsa'), '--quiet']);
    expect(quietValid.out.trim().split('\n')).toHaveLength(1);
    expect(quietValid.code).toBe(0);
  }, 60_000);
});

test('check merge reads back escaped text exactly: unescapeControl inverts escapeControl', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => unescapeControl(escapeControl(text)) === text), { numRuns: 2000 });
  expect(unescapeControl(escapeControl('a\\x41\u202e\x00\\'))).toBe('a\\x41\u202e\x00\\');
});

describe('progress line and --shard parsing', () => {
  test('the progress line goes to stderr on a terminal only, and is cleared at the end', async () => {
    const tty = testContext();
    tty.stderrIsTTY = true;
    await main(['check', '--servername', 'localhost', '--ca', root, ...all()], tty);
    expect(tty.err().startsWith('\r\x1b[2Kchecking 0/4 · in flight: 127.0.0.1:')).toBe(true);
    expect(tty.err().endsWith('\r\x1b[2K')).toBe(true);
    expect(tty.out()).not.toContain('checking');
    expect((await check(all())).err).toBe('');
  }, 60_000);

  test('the progress line names what is in flight, oldest first, and fits the terminal', () => {
    expect(progressLine(3, 10, ['a:443', 'b:443'], 80)).toBe('checking 3/10 · in flight: a:443, b:443');
    const many = Array.from({ length: 50 }, (_, i) => `host-${i}.example:443`);
    const line = progressLine(0, 50, many, 80);
    expect(displayWidth(line)).toBeLessThan(80);
    expect(line).toMatch(/^checking 0\/50 · in flight: host-0\.example:443, .* \+\d+ more$/);
  });

  test('I/N is 1-based; auto/N takes JOB_COMPLETION_INDEX + 1; anything else is a usage error', () => {
    expect(parseShard('2/8', {})).toEqual({ index: 2, count: 8 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 8 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 8, count: 8 });
    for (const [s, env] of [['0/8', {}], ['9/8', {}], ['auto/8', {}], ['auto/8', { JOB_COMPLETION_INDEX: '8' }], ['1/0', {}], ['a/b', {}]] as const) {
      expect(() => parseShard(s, env)).toThrow(/--shard/);
    }
  });
});
