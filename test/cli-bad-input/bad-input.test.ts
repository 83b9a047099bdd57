// Bad command-line input, table-driven: argv → exit code and the ONE stderr line (no stack trace,
// nothing on stdout for usage errors). Name resolution goes through an injected resolver, so no
// case touches DNS; the few cases that connect use loopback only.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { fakeLookup, runCli } from '../robustness/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bad-input-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const emptyTargets = file('empty-targets.txt', '# nothing here\n\n   \n');
const badLineTargets = file('bad-line-targets.txt', 'example.com\nexample.com:99999\n');
const notJson = file('notes.txt', 'hello, I am not a capture\n');
const otherJson = file('other.json', JSON.stringify({ name: 'tls-trace', version: '0.1.0' }));
const wrongVersion = file('future.json', JSON.stringify({ format: 'tls-trace-capture', version: 99 }));
const aDirectory = path.join(dir, 'a-directory');
mkdirSync(aDirectory);
const missing = path.join(dir, 'does-not-exist.pem');

interface Case {
  argv: string[];
  code: number;
  stderr: RegExp;
}

const U = ExitCode.usage;

/** argv → expected exit code and stderr line. Every usage case prints nothing on stdout. */
const cases: Record<string, Case> = {
  // Host names
  'a host name with a space': { argv: ['bad host.example'], code: U, stderr: /"bad host\.example" is not a host name or address \(hint: give HOST/ },
  'an empty label': { argv: ['exa..mple.com'], code: U, stderr: /"exa\.\.mple\.com" is not a valid host name/ },
  'a label ending in a hyphen': { argv: ['foo-.example'], code: U, stderr: /"foo-\.example" is not a valid host name/ },
  'a 64-character label': { argv: [`${'a'.repeat(64)}.example`], code: U, stderr: /is not a valid host name/ },
  'an IPv4 look-alike out of range': { argv: ['999.1.1.1'], code: U, stderr: /"999\.1\.1\.1" is not a valid host name/ },
  'a URL instead of a target': { argv: ['https://example.com/path'], code: U, stderr: /is a URL, not a target \(hint: give the host and port only, e\.g\. example\.com:443\)/ },
  'an empty target': { argv: [''], code: U, stderr: /empty target/ },
  'no target at all': { argv: [], code: U, stderr: /missing target \(hint: / },
  // Ports
  'port 0': { argv: ['example.com:0'], code: U, stderr: /bad port "0" in "example\.com:0": a port is a number from 1 to 65535/ },
  'port 65536': { argv: ['example.com:65536'], code: U, stderr: /bad port "65536"/ },
  'a port that is not a number': { argv: ['example.com:https'], code: U, stderr: /bad port "https"/ },
  'a negative port': { argv: ['example.com:-1'], code: U, stderr: /bad port "-1"/ },
  'a missing port after the colon': { argv: ['example.com:'], code: U, stderr: /missing port after ":"/ },
  'host:port:extra': { argv: ['example.com:443:extra'], code: U, stderr: /has too many ":" for HOST:PORT and is not an IPv6 address \(hint: write IPv6 addresses with a port in brackets/ },
  // IPv6 literal forms
  'an unbalanced bracket': { argv: ['[::1'], code: U, stderr: /unbalanced brackets/ },
  'text after the bracket': { argv: ['[::1]x'], code: U, stderr: /unbalanced brackets or text after "\]"/ },
  'a name in brackets': { argv: ['[example.com]:443'], code: U, stderr: /"example\.com" in brackets is not an IPv6 address/ },
  'an IPv6 port out of range': { argv: ['[::1]:70000'], code: U, stderr: /bad port "70000"/ },
  'an empty IPv6 port': { argv: ['[::1]:'], code: U, stderr: /missing port after ":"/ },
  // Options
  'an unknown option': { argv: ['--frobnicate', 'example.com'], code: U, stderr: /unknown option '--frobnicate'/ },
  'a misspelt option (with a suggestion)': { argv: ['--timout', '5', 'example.com'], code: U, stderr: /unknown option '--timout'.*--timeout/ },
  'an unknown TLS version': { argv: ['--tls-min', '1.4', 'example.com'], code: U, stderr: /argument '1\.4' is invalid\. Allowed choices are 1\.0, 1\.1, 1\.2, 1\.3/ },
  'conflicting --tls-min 1.3 --tls-max 1.2': { argv: ['--tls-min', '1.3', '--tls-max', '1.2', 'example.com'], code: U, stderr: /--tls-min 1\.3 is above --tls-max 1\.2/ },
  '--servername with --no-sni': { argv: ['--servername', 'a.example', '--no-sni', 'example.com'], code: U, stderr: /--servername and --no-sni contradict each other/ },
  'an IP address as --servername': { argv: ['--servername', '10.0.0.1', 'example.com'], code: U, stderr: /--servername 10\.0\.0\.1 is an IP address \(hint: SNI carries host names only/ },
  'a timeout that is not a number': { argv: ['--timeout', 'soon', 'example.com'], code: U, stderr: /bad --timeout "soon": give milliseconds from 1 to 600000/ },
  'a zero timeout': { argv: ['--timeout', '0', 'example.com'], code: U, stderr: /bad --timeout "0"/ },
  'an empty ALPN protocol': { argv: ['--alpn', 'h2,,http/1.1', 'example.com'], code: U, stderr: /bad --alpn "h2,,http\/1\.1"/ },
  'an ALPN protocol with a control byte': { argv: ['--alpn', 'h2\x1b[2J', 'example.com'], code: U, stderr: /bad --alpn "h2\\x1b\[2J"/ },
  'a cipher list OpenSSL does not know': { argv: ['--ciphers', 'NOT-A-CIPHER', 'example.com'], code: U, stderr: /--ciphers "NOT-A-CIPHER" names no cipher suite OpenSSL knows/ },
  '--cert without --key': { argv: ['--cert', missing, 'example.com'], code: U, stderr: /--cert and --key go together/ },
  'an unreadable --cert': { argv: ['--cert', missing, '--key', missing, 'example.com'], code: U, stderr: /cannot read --cert .*does-not-exist\.pem: no such file \(ENOENT\)$/ },
  '--demo with a target': { argv: ['--demo', 'example.com'], code: U, stderr: /--demo traces the built-in server; give no target with it/ },
  // Commands: a mistyped one is no host name; an option before one is its own (src/cli/argv.ts)
  'a mistyped command before a host': { argv: ['chekc', 'example.com'], code: U, stderr: /^tls-trace: unknown command 'chekc' — did you mean 'check'\? \(hint: / },
  'a lone mistyped command the resolver does not know': { argv: ['scna'], code: U, stderr: /^tls-trace: unknown command 'scna' — did you mean 'scan'\? / },
  'a mistyped check merge': { argv: ['check', 'merg', notJson], code: U, stderr: /^tls-trace: unknown word 'merg' before files — did you mean 'check merge'\?/ },
  'an option before the command that it does not have': { argv: ['--demo', 'check', 'example.com'], code: U, stderr: /^tls-trace: unknown option '--demo'$/ },
  // replay
  'replaying a missing file': { argv: ['replay', missing], code: U, stderr: /cannot read capture file .*does-not-exist\.pem: no such file \(ENOENT\)$/ },
  'replaying a directory': { argv: ['replay', aDirectory], code: U, stderr: /cannot read capture file .*a-directory: a directory, not a regular file$/ },
  'replaying a text file': { argv: ['replay', notJson], code: U, stderr: /notes\.txt is not a tls-trace capture: not JSON \(hint: capture files are written by/ },
  'replaying some other JSON': { argv: ['replay', otherJson], code: U, stderr: /other\.json is not a tls-trace capture: "format" is missing, expected "tls-trace-capture"/ },
  'replaying a capture of a future version': { argv: ['replay', wrongVersion], code: U, stderr: /unsupported version 99; this tls-trace reads version 1/ },
  'replay without a file': { argv: ['replay'], code: U, stderr: /missing required argument 'file'/ },
  // check
  'check with no targets': { argv: ['check'], code: U, stderr: /no targets \(hint: give HOST\[:PORT\] arguments or --targets FILE\)/ },
  'check with an empty --targets file': { argv: ['check', '--targets', emptyTargets], code: U, stderr: /--targets .*empty-targets\.txt lists no targets/ },
  'check with an unreadable --targets file': { argv: ['check', '--targets', missing], code: U, stderr: /cannot read --targets .*: no such file \(ENOENT\)$/ },
  'check with a bad line in --targets': { argv: ['check', '--targets', badLineTargets], code: U, stderr: /bad-line-targets\.txt:2: bad port "99999"/ },
  'check with an unreadable --ca file': { argv: ['check', '--ca', missing, 'example.com'], code: U, stderr: /cannot read --ca .*does-not-exist\.pem: no such file \(ENOENT\)$/ },
  'check with a directory as --ca': { argv: ['check', '--ca', aDirectory, 'example.com'], code: U, stderr: /cannot read --ca .*a-directory: a directory, not a regular file$/ },
  'check --json with --ndjson': { argv: ['check', '--json', '--ndjson', 'example.com'], code: U, stderr: /--json and --ndjson exclude each other/ },
  'check with a bad target': { argv: ['check', 'example.com:0'], code: U, stderr: /bad port "0"/ },
  'check with a bad --warn-days': { argv: ['check', '--warn-days', 'soon', 'example.com'], code: U, stderr: /bad --warn-days "soon"/ },
  'check --fetch-worker typed by hand (no --jobs parent)': { argv: ['check', '--fetch-worker', 'example.com'], code: U, stderr: /^tls-trace: --fetch-worker is internal: / },
  'check with a bad --at': { argv: ['check', '--at', 'someday', 'example.com'], code: U, stderr: /bad --at "someday"/ },
  // scan
  'scan with a bad port': { argv: ['scan', 'example.com:0'], code: U, stderr: /bad port "0"/ },
  'scan with concurrency 0': { argv: ['scan', '--concurrency', '0', 'example.com'], code: U, stderr: /bad --concurrency "0"/ },
  // One SNI validation for trace, check and scan (issue 9 item 16: scan accepted these silently).
  'scan --servername with --no-sni': { argv: ['scan', '--no-sni', '--servername', 'x.example', 'example.com'], code: U, stderr: /^tls-trace: --servername and --no-sni contradict each other$/ },
  'scan with an IP address as --servername': { argv: ['scan', '--servername', '10.0.0.1', 'example.com'], code: U, stderr: /^tls-trace: --servername 10\.0\.0\.1 is an IP address \(hint: SNI carries host names only/ },
  'scan with a bad --servername': { argv: ['scan', '--servername', 'a..b', 'example.com'], code: U, stderr: /^tls-trace: --servername "a\.\.b" is not a valid host name$/ },
  // check has no --no-sni to suggest: the hint says to make the IP the target.
  'check with an IP address as --servername': { argv: ['check', '--servername', '10.0.0.1', 'example.com'], code: U, stderr: /^tls-trace: --servername 10\.0\.0\.1 is an IP address \(hint: SNI carries host names only \(RFC 6066\); to check a certificate for an IP address, make the IP the target: / },
  'check with a day February does not have as --at': { argv: ['check', '--at', '2027-02-30', 'example.com'], code: U, stderr: /^tls-trace: bad --at "2027-02-30"/ },
  'scan with an unknown --fail-on': { argv: ['scan', '--fail-on', 'apocalypse', 'example.com'], code: U, stderr: /bad --fail-on "apocalypse"/ },
  // Not usage errors, but still one line and their own code (the injected resolver knows no names).
  'a name that does not resolve': { argv: ['no-such-host.example', '--timeout', '2000'], code: ExitCode.dns, stderr: /cannot resolve no-such-host\.example: no such host/ },
  'a bare IPv6 literal (port 443, nothing listening)': { argv: ['::1', '--timeout', '2000'], code: ExitCode.connect, stderr: /connection refused by \[::1\]:443/ },
};

/** Number of bad-input cases (the README's reliability table quotes it). */
export const BAD_INPUT_CASE_COUNT = Object.keys(cases).length;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad command-line input: one line, its own exit code, no stack trace', () => {
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    const run = await runCli(c.argv, { lookup: fakeLookup() });
    expect({ code: run.code, lines: run.stderr.split('\n').length - 1 }).toEqual({ code: c.code, lines: 1 });
    expect(run.stderr).toMatch(/^tls-trace: /);
    expect(run.stderr.trim()).toMatch(c.stderr);
    expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(run.stderr).not.toContain('\x1b');
    if (c.code === ExitCode.usage) expect(run.stdout).toBe('');
  });
});

describe('internationalised names and IPv6 literals that are fine', () => {
  let server: TestServer;
  let server6: TestServer | undefined;
  beforeAll(async () => {
    server = await startNodeTlsServer({});
    try {
      server6 = await startNodeTlsServer({ host: '::1' });
    } catch {
      server6 = undefined; // no IPv6 loopback on this machine
    }
  });
  afterAll(async () => {
    await server?.close();
    await server6?.close();
  });

  it('an IDN is sent as punycode SNI, resolved as punycode, and shown both ways', async () => {
    const run = await runCli([`bücher.example:${server.port}`, '--timeout', '3000', '--no-color'], { lookup: fakeLookup({ 'xn--bcher-kva.example': '127.0.0.1' }) });
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/server name\s+xn--bcher-kva\.example/);
    expect(run.stdout).toContain('bücher.example (xn--bcher-kva.example)');
  });

  it('a punycode name given directly is shown with its Unicode form too', async () => {
    const run = await runCli([`xn--bcher-kva.example:${server.port}`, '--timeout', '3000', '--no-color'], { lookup: fakeLookup({ 'xn--bcher-kva.example': '127.0.0.1' }) });
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('bücher.example (xn--bcher-kva.example)');
  });

  it('[::1]:PORT connects over IPv6 and sends no SNI', async () => {
    if (!server6) return;
    const run = await runCli([`[::1]:${server6.port}`, '--timeout', '3000', '--no-color']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/\[::1\]:\d+ · no SNI/);
  });
});
