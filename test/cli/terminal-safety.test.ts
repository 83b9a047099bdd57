// Issue 9, item 10: nothing that came from outside — a capture file's address and error message, a
// host argument, --servername, a --targets line, an unknown option's name — reaches the terminal
// raw. Each path below carries the same hostile text and the exact escaped line is asserted; the
// expected lines are written out by hand (not computed with escapeControl) so they can fail.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { fakeLookup } from '../robustness/run-cli.js';

/** OSC title set + BEL, clear screen, right-to-left override, C1 CSI, DEL, a backslash. */
const HOSTILE = 'ev\x1b]0;pwned\x07il\x1b[2J\u202e\u009b\x7f\\x';
/** The same text as printError must write it: every character above visible and inert. */
const SHOWN = 'ev\\x1b]0;pwned\\x07il\\x1b[2J\\u{202e}\\x9b\\x7f\\\\x';
/** Raw C0 (but the line end), DEL, C1 and bidi/format characters: none may reach the output. */
// eslint-disable-next-line no-control-regex -- detecting raw control characters is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/u;

const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-escape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A capture file whose failed connection has a hostile address and error message. */
function hostileCapture(code: string): string {
  const file = path.join(dir, `${code}.json`);
  const capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: 'x.test', port: 443, address: HOSTILE },
    startedAt: '2026-01-01T00:00:00.000Z',
    timings: { totalMs: 1 },
    options: {},
    chunks: [],
    keylog: [],
    error: { code, message: `failed: ${HOSTILE}` },
  };
  writeFileSync(file, JSON.stringify(capture));
  return file;
}

const replayCases: [string, number, string][] = [
  ['refused', ExitCode.connect, `connection refused by ${SHOWN}:443`],
  ['closed', ExitCode.handshake, `${SHOWN}:443 closed the connection during the handshake (after 0 bytes from the server)`],
  ['reset', ExitCode.connect, `${SHOWN}:443 reset the connection`],
  ['not-tls', ExitCode.notTls, `${SHOWN}:443 answered with bytes that are not TLS (first bytes: none)`],
  ['alert', ExitCode.handshake, `failed: ${SHOWN}`],
  ['dns', ExitCode.dns, `failed: ${SHOWN}`],
  ['tls', ExitCode.handshake, `failed: ${SHOWN}`],
  ['timeout', ExitCode.timeout, `failed: ${SHOWN}`],
];

describe('replay: a capture file cannot write raw control characters to the terminal', () => {
  it.each(replayCases)('error %s', async (code, exit, line) => {
    const r = await runCli(['replay', hostileCapture(code)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: exit, stderr: `tls-trace: ${line}\n` });
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('usage errors quote what the user gave, escaped once', () => {
  const targets = path.join(dir, 'targets.txt');
  writeFileSync(targets, `# fleet\n${HOSTILE}.example\n`);
  const cases: [string, string[], string][] = [
    ['a host argument', [`${HOSTILE}.example`], `"${SHOWN}.example" is not a valid host name (hint: give HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address)`],
    ['a check argument', ['check', `${HOSTILE}.example`], `"${SHOWN}.example" is not a valid host name (hint: give HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address)`],
    ['--servername', ['--servername', HOSTILE, 'x.test'], `--servername "${SHOWN}" is not a valid host name`],
    ['check --servername', ['check', '--servername', HOSTILE, 'x.test'], `--servername "${SHOWN}" is not a valid host name`],
    ['scan --servername', ['scan', '--servername', HOSTILE, 'x.test'], `--servername "${SHOWN}" is not a valid host name`],
    ['a --targets line', ['check', '--targets', targets], `${targets}:2: "${SHOWN}.example" is not a valid host name (hint: give HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address)`],
    ['a bad port', [`x.test:${HOSTILE}`], `bad port "${SHOWN}" in "x.test:${SHOWN}": a port is a number from 1 to 65535`],
    ['--timeout', ['--timeout', HOSTILE, 'x.test'], `bad --timeout "${SHOWN}": give milliseconds from 1 to 600000 (hint: e.g. --timeout 5000)`],
    ['an unknown option (commander)', [`--${HOSTILE}`, 'x.test'], `unknown option '--${SHOWN}'`],
    ['an unknown command for help', ['help', HOSTILE], `unknown command "${SHOWN}" (hint: commands: replay, read, check, scan, help)`],
    ['a missing --ca file', ['check', '--ca', path.join(dir, HOSTILE), 'x.test'], `cannot read --ca ${dir}/${SHOWN}: no such file (ENOENT)`],
  ];
  it.each(cases)('%s', async (_name, argv, line) => {
    const r = await runCli(argv, { lookup: fakeLookup() });
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: ExitCode.usage, stderr: `tls-trace: ${line}\n`, stdout: '' });
  });

  it('a line break in an argument cannot forge a second line', async () => {
    const r = await runCli(['--timeout', '1\ntls-trace: all good', 'x.test']);
    expect(r.stderr).toBe('tls-trace: bad --timeout "1\\x0atls-trace: all good": give milliseconds from 1 to 600000 (hint: e.g. --timeout 5000)\n');
  });
});
