// The whole CLI in-process through main(argv, ctx): the demo trace, JSON, save → replay, the exit
// code and the one stderr line of every failure, usage errors, key log files and colour choice.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { ExitCode } from '../../src/errors.js';
import { colorDepth, decideOutput } from '../../src/cli/output.js';
import { closedPort, peers, startPeer, type Peer } from '../capture/peers.js';
import { runCli, type CliRun as Run } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';

const run = runCli;

// eslint-disable-next-line no-control-regex -- detecting ANSI escapes is the point
const ANSI = /\x1b\[/;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tls-trace --demo', () => {
  it('traces the demo server: exit 0, the steps on stdout, nothing on stderr', async () => {
    const r = await run(['--demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.stdout).toMatch(/ClientHello/);
    expect(r.stdout).toMatch(/ServerHello/);
    expect(r.stdout).toMatch(/localhost/); // the SNI the demo sends
    expect(r.stdout).not.toMatch(ANSI); // not a terminal
  });

  it('--json prints one JSON document describing a complete TLS 1.3 handshake', async () => {
    const r = await run(['--demo', '--json']);
    expect(r.code).toBe(0);
    const doc = parseValid<Record<string, unknown>>('trace', r.stdout);
    expect(doc.format).toBe('tls-trace');
    expect(doc.error).toBeUndefined();
    expect(Array.isArray(doc.records) && doc.records.length).toBeGreaterThan(3);
    expect(JSON.stringify(doc)).toMatch(/TLS_AES_\d+_GCM_SHA\d+|TLS_CHACHA20_POLY1305_SHA256/);
  });

  it('--tls-max 1.2 --alpn http/1.1 shapes the handshake', async () => {
    const r = await run(['--demo', '--json', '--tls-max', '1.2', '--alpn', 'http/1.1', '--ciphers', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(/TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256/);
    expect(text).toMatch(/http\/1\.1/);
  });

  it('--tls-max 1.1 traces an old handshake (client and demo server drop to security level 0)', async () => {
    const r = await run(['--demo', '--json', '--tls-max', '1.1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseValid<{ node?: { protocol?: string }; options?: Record<string, unknown> }>('trace', r.stdout);
    expect(doc.node?.protocol).toBe('TLSv1.1');
  });

  it('--save then replay reproduces the same JSON and the same text, offline', async () => {
    const file = path.join(dir, 'demo.json');
    const live = await run(['--demo', '--json', '--save', file]);
    expect(live.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await run(['replay', file, '--json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(live.stdout);
    // On a colour terminal the replay is coloured; --no-color on the same terminal gives the same
    // text without the colour codes (both on a terminal, so the flag is what makes the difference).
    // Plain output draws the ladder in ASCII, so the coloured run asks for that too (--ascii); a
    // coloured run without it differs from the plain one only in the ladder's box drawing.
    const terminal = { stdoutIsTTY: true, env: { TERM: 'xterm-256color' } };
    const coloured = await run(['replay', '--ascii', file], terminal);
    const boxed = await run(['replay', file], terminal);
    const plain = await run(['replay', '--no-color', file], terminal);
    expect(coloured.stdout).toMatch(ANSI);
    expect(plain.stdout).not.toMatch(ANSI);
    // eslint-disable-next-line no-control-regex -- stripping colour codes is the point
    const strip = (t: string): string => t.replace(/\x1b\[[0-9;]*m/g, '');
    expect(strip(coloured.stdout)).toBe(plain.stdout);
    const ladder = /\nLadder [\s\S]*?\n\n/;
    const ascii = (t: string): string => t.replace(/│/g, '|').replace(/─/g, '-').replace(/▶/g, '>').replace(/◀/g, '<').replace(/×/g, 'x').replace('Ladder · TLS', 'Ladder - TLS');
    expect(strip(boxed.stdout).replace(ladder, '\n')).toBe(plain.stdout.replace(ladder, '\n'));
    expect(ascii(ladder.exec(strip(boxed.stdout))?.[0] ?? '')).toBe(ladder.exec(plain.stdout)?.[0]);
    expect(plain.stdout).toMatch(/ClientHello/);
  });

  it('an unwritable --save path still prints the trace, then exits 10 with one line', async () => {
    const r = await run(['--demo', '--save', path.join(dir, 'no-such-dir', 'x.json')]);
    expect(r.code).toBe(ExitCode.write);
    expect(r.stdout).toMatch(/ClientHello/);
    expect(r.stderr).toMatch(/^tls-trace: cannot write --save .*no-such-dir\/x\.json: no such file \(ENOENT\)\n$/);
  });

  it('--keylog FILE and SSLKEYLOGFILE append NSS key log lines to an owner-only file', async () => {
    const file = path.join(dir, 'keys.log');
    expect((await run(['--demo', '--keylog', file])).code).toBe(0);
    const first = readFileSync(file, 'utf8').trim().split('\n');
    expect(first.length).toBeGreaterThanOrEqual(1);
    for (const line of first) expect(line).toMatch(/^(CLIENT_RANDOM|[A-Z_]+_SECRET(_0)?) [0-9a-f]{64} [0-9a-f]+$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await run(['--demo'], { env: { SSLKEYLOGFILE: file } })).code).toBe(0);
    const second = readFileSync(file, 'utf8').trim().split('\n');
    expect(second.length).toBeGreaterThan(first.length);
    expect(second.slice(0, first.length)).toEqual(first); // appended, not overwritten
  });

  it('colour: on for a colour terminal, off with --no-color, NO_COLOR, FORCE_COLOR=0, or a pipe', async () => {
    const term = { TERM: 'xterm-256color' };
    expect((await run(['--demo'], { stdoutIsTTY: true, env: term })).stdout).toMatch(ANSI);
    expect((await run(['--demo', '--no-color'], { stdoutIsTTY: true, env: term })).stdout).not.toMatch(ANSI);
    expect((await run(['--demo'], { stdoutIsTTY: true, env: { ...term, NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await run(['--demo'], { stdoutIsTTY: true, env: { ...term, FORCE_COLOR: '0' } })).stdout).not.toMatch(ANSI);
    expect((await run(['--demo'], { stdoutIsTTY: false, env: { FORCE_COLOR: '1' } })).stdout).toMatch(ANSI);
  });
});

describe('decideOutput', () => {
  // Expected depths are Node's (tty.WriteStream#getColorDepth), written out so the table can fail:
  // env × stdout-is-a-terminal × --no-color → colour depth in bits (1 = no colour).
  const xterm = { TERM: 'xterm-256color' };
  it.each([
    [true, xterm, undefined, 8],
    [true, { TERM: 'xterm' }, undefined, 4],
    [true, {}, undefined, 1], // no TERM at all: Node assumes no colour
    [false, xterm, undefined, 1], // a pipe
    [true, xterm, false, 1], // --no-color
    [true, { ...xterm, NO_COLOR: '1' }, undefined, 1],
    [true, { ...xterm, NO_COLOR: '' }, undefined, 1], // Node: NO_COLOR set at all means none
    [true, { ...xterm, NODE_DISABLE_COLORS: '1' }, undefined, 1],
    [true, { TERM: 'dumb' }, undefined, 1],
    [true, { ...xterm, FORCE_COLOR: '0' }, undefined, 1], // the case: 0 is off on a terminal
    [true, { ...xterm, FORCE_COLOR: 'false' }, undefined, 1],
    [false, { FORCE_COLOR: '0' }, undefined, 1],
    [false, { FORCE_COLOR: '1' }, undefined, 4], // forced on through a pipe
    [false, { FORCE_COLOR: '' }, undefined, 4],
    [false, { FORCE_COLOR: 'true' }, undefined, 4],
    [false, { FORCE_COLOR: '2' }, undefined, 8],
    [false, { FORCE_COLOR: '3' }, undefined, 24],
    [true, { TERM: 'dumb', FORCE_COLOR: '1' }, undefined, 4], // FORCE_COLOR beats TERM=dumb …
    [true, { ...xterm, NO_COLOR: '1', FORCE_COLOR: '2' }, undefined, 8], // … and NO_COLOR, as in Node
    [false, { FORCE_COLOR: '3' }, false, 1], // --no-color beats FORCE_COLOR
    [true, { COLORTERM: 'truecolor' }, undefined, 24],
  ])('tty=%s env=%j flag=%s → depth %i', (tty, env, flag, depth) => {
    expect(colorDepth({ stdoutIsTTY: tty, env }, flag)).toBe(depth);
    expect(decideOutput({ stdoutIsTTY: tty, env }, flag).color).toBe(depth >= 4);
  });

  it("agrees with Node's own getColorDepth for a terminal whenever FORCE_COLOR or a TERM is given", () => {
    for (const env of [xterm, { TERM: 'dumb' }, { FORCE_COLOR: '0' }, { FORCE_COLOR: '2', TERM: 'xterm' }, { NO_COLOR: 'x', TERM: 'xterm' }]) {
      expect(colorDepth({ stdoutIsTTY: true, env }, undefined)).toBe(tty.WriteStream.prototype.getColorDepth(env));
    }
  });

  it("width: the terminal's columns, else COLUMNS when it is a positive number, else none", () => {
    expect(decideOutput({ stdoutIsTTY: true, stdoutColumns: 132, env: { COLUMNS: '80' } }, undefined).width).toBe(132);
    expect(decideOutput({ stdoutIsTTY: false, stdoutColumns: 132, env: {} }, undefined).width).toBeUndefined();
    expect(decideOutput({ stdoutIsTTY: false, env: { COLUMNS: '72' } }, undefined).width).toBe(72);
    for (const bad of ['0', '-5', 'wide', '12x', '', '9999999']) {
      expect(decideOutput({ stdoutIsTTY: false, env: { COLUMNS: bad } }, undefined).width).toBeUndefined();
    }
  });
});

describe('failures: the partial trace, one stderr line, a distinct exit code', () => {
  const failingLookup = ((_h: string, _o: unknown, cb: (e: Error | null) => void) =>
    cb(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }))) as unknown as LookupFunction;

  it('dns → 3', async () => {
    const r = await run(['nope.invalid'], { lookup: failingLookup });
    expect(r.code).toBe(ExitCode.dns);
    expect(r.stderr).toBe('tls-trace: cannot resolve nope.invalid: no such host\n');
  });

  it('dns for an internationalised name shows both forms and looks up the punycode', async () => {
    const asked: string[] = [];
    const lookup = ((h: string, _o: unknown, cb: (e: Error | null) => void) => {
      asked.push(h);
      cb(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    }) as unknown as LookupFunction;
    const r = await run(['bücher.test:8443', '--json'], { lookup });
    expect(r.code).toBe(ExitCode.dns);
    expect(asked).toEqual(['xn--bcher-kva.test']);
    expect(r.stderr).toBe('tls-trace: cannot resolve bücher.test (xn--bcher-kva.test): no such host\n');
    expect(parseValid('trace', r.stdout)).toMatchObject({ target: { host: 'xn--bcher-kva.test', port: 8443, servername: 'xn--bcher-kva.test', unicodeHost: 'bücher.test' } });
  });

  it('refused → 4', async () => {
    const port = await closedPort();
    const r = await run([`127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.connect);
    expect(r.stderr).toBe(`tls-trace: connection refused by 127.0.0.1:${port}\n`);
  });

  const withPeer = async (kind: keyof typeof peers, argv: (port: number) => string[]): Promise<Run & { port: number }> => {
    const p: Peer = await startPeer(peers[kind]);
    try {
      return { ...(await run(argv(p.port))), port: p.port };
    } finally {
      await p.close();
    }
  };

  it('silence → 5 at --timeout', async () => {
    const r = await withPeer('silent', (port) => [`127.0.0.1:${port}`, '--timeout', '300']);
    expect(r.code).toBe(ExitCode.timeout);
    expect(r.stderr).toBe(`tls-trace: no answer from 127.0.0.1:${r.port} within 300 ms\n`);
    expect(r.stdout).toMatch(/ClientHello/); // what we sent is still shown
  });

  it('HTTP → 6, naming the protocol and its first line', async () => {
    const r = await withPeer('http', (port) => [`127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.notTls);
    expect(r.stderr).toBe(`tls-trace: 127.0.0.1:${r.port} answered with HTTP, not TLS ("HTTP/1.1 400 Bad Request")\n`);
    expect(r.stdout).toMatch(/ClientHello/);
  });

  it('SSH banner → 6', async () => {
    const r = await withPeer('ssh', (port) => [`127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.notTls);
    expect(r.stderr).toMatch(/^tls-trace: 127\.0\.0\.1:\d+ answered with SSH, not TLS \("SSH-2\.0-OpenSSH_9\.2p1 Debian-2"\)\n$/);
  });

  it('fatal alert → 7, named from the decoded alert', async () => {
    const r = await withPeer('fatalAlert', (port) => [`127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.handshake);
    expect(r.stderr).toBe('tls-trace: server sent fatal alert handshake_failure (40)\n');
    expect(r.stdout).toMatch(/handshake_failure/);
  });

  it('close mid-handshake → 7', async () => {
    const r = await withPeer('closeAfterHello', (port) => [`127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.handshake);
    expect(r.stderr).toBe(`tls-trace: 127.0.0.1:${r.port} closed the connection during the handshake (after 0 bytes from the server)\n`);
  });

  it('a failed trace saved with --save replays with the same exit code and line', async () => {
    const file = path.join(dir, 'http.json');
    const r = await withPeer('http', (port) => [`127.0.0.1:${port}`, '--json', '--save', file]);
    const again = await run(['replay', file, '--json']);
    expect(again.code).toBe(ExitCode.notTls);
    expect(again.stderr).toBe(r.stderr);
    expect(again.stdout).toBe(r.stdout);
  });
});

describe('usage errors → 2, one line, no stack trace, before any connection', () => {
  const notCapture = (): string => {
    const f = path.join(dir, 'not-a-capture.json');
    writeFileSync(f, '{"hello": "world"}');
    return f;
  };
  const cases: Array<[string, () => string[], RegExp]> = [
    ['an unknown option', () => ['--bogus', 'example.com'], /^tls-trace: unknown option '--bogus'/],
    ['a bad port', () => ['example.com:99999'], /^tls-trace: bad port "99999"/],
    ['host:port:extra', () => ['example.com:443:1'], /too many ":".*\(hint: write IPv6 addresses/],
    ['conflicting versions', () => ['--tls-min', '1.3', '--tls-max', '1.2', 'example.com'], /^tls-trace: --tls-min 1\.3 is above --tls-max 1\.2/],
    ['an unknown version', () => ['--tls-min', '1.4', 'example.com'], /^tls-trace: option '--tls-min <version>' argument '1\.4' is invalid/],
    ['a zero timeout', () => ['--timeout', '0', 'example.com'], /^tls-trace: bad --timeout "0"/],
    ['a word timeout', () => ['--timeout', 'soon', 'example.com'], /^tls-trace: bad --timeout "soon"/],
    ['unknown ciphers', () => ['--ciphers', 'NO-SUCH', 'example.com'], /^tls-trace: --ciphers "NO-SUCH" names no cipher suite/],
    ['unknown groups', () => ['--groups', 'P-1', 'example.com'], /^tls-trace: --groups "P-1" names a group/],
    ['an empty ALPN entry', () => ['--alpn', 'h2,', 'example.com'], /^tls-trace: bad --alpn "h2,"/],
    ['an IP as SNI', () => ['--servername', '10.0.0.1', 'example.com'], /^tls-trace: --servername 10\.0\.0\.1 is an IP address/],
    ['--cert without --key', () => ['--cert', '/dev/null', 'example.com'], /^tls-trace: --cert and --key go together/],
    ['no target', () => [], /^tls-trace: missing target/],
    ['--demo with a target', () => ['--demo', 'example.com'], /^tls-trace: --demo traces the built-in server/],
    ['a URL', () => ['https://example.com/'], /is a URL, not a target/],
    ['replay of a non-capture', () => ['replay', notCapture()], /is not a tls-trace capture: "format" is missing/],
    ['replay of a missing file', () => ['replay', path.join(dir, 'absent.json')], /^tls-trace: cannot read capture file .*absent\.json: no such file \(ENOENT\)$/m],
    ['replay without a file', () => ['replay'], /^tls-trace: missing required argument 'file'/],
  ];
  it.each(cases)('%s', async (_name, argv, message) => {
    // A lookup that fails the test if anything tries to connect.
    const lookup = (() => {
      throw new Error('usage errors must not reach the network');
    }) as unknown as LookupFunction;
    const r = await run(argv(), { lookup });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2); // one line plus the final newline
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--tls-min <version>/);
    expect(help.stdout).toMatch(/replay/);
    // No commander placeholder defaults (`(default: [])`) in any command's help.
    for (const command of [[], ['read'], ['check'], ['scan'], ['replay']]) expect((await run([...command, '--help'])).stdout).not.toMatch(/\(default: \[/);
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
