// Issue 9, items 8 and 9: every file the CLI reads is a regular file under its cap (or stdin as
// `-`), and every file it writes fails with one line and exit code 10, after the output. Before
// the fix `--targets /dev/zero` aborted with std::bad_alloc, a FIFO hung for ever, and
// `--junit /dev/full` was "internal error: ENOSPC" (exit 1).

import { execFile, execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ExitCode } from '../../src/errors.js';
import { MAX_CAPTURE_FILE_BYTES, MAX_PEM_FILE_BYTES, MAX_TARGETS_FILE_BYTES } from '../../src/limits.js';
import { readInputFile, readInputStream } from '../../src/cli/read-file.js';
import { runCli } from '../helpers/cli.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '..', '..');
const hasDevFull = existsSync('/dev/full');
// Fixtures are made when the module loads, so the case table below can name its paths.
const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-files-'));
const fifo = path.join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
/** A sparse file of `size` bytes: no disk space, but fstat and read see the full size. */
function sparse(name: string, size: number): string {
  const p = path.join(dir, name);
  execFileSync('truncate', ['-s', String(size), p]);
  return p;
}
const bigTargets = sparse('big-targets.txt', MAX_TARGETS_FILE_BYTES + 1);
const bigPem = sparse('big.pem', MAX_PEM_FILE_BYTES + 1);
const bigCapture = sparse('big.json', MAX_CAPTURE_FILE_BYTES + 1);
const missing = (): string => path.join(dir, 'absent.txt');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one line each unreadable input gives: [argv, exact stderr after "tls-trace: "]. */
function readCases(): [string, string[], string][] {
  const kinds: [string, () => string, string][] = [
    ['/dev/zero', () => '/dev/zero', 'a character device, not a regular file'],
    ['a FIFO', () => fifo, 'a FIFO (named pipe), not a regular file'],
    ['a directory', () => dir, 'a directory, not a regular file'],
    ['a missing file', missing, 'no such file (ENOENT)'],
  ];
  const out: [string, string[], string][] = [];
  for (const [kind, file, reason] of kinds) {
    out.push([`--targets ${kind}`, ['check', '--targets', file()], `cannot read --targets ${file()}: ${reason}`]);
    out.push([`--ca ${kind}`, ['check', '--ca', file(), 'x.test'], `cannot read --ca ${file()}: ${reason}`]);
    out.push([`--cert ${kind}`, ['--cert', file(), '--key', file(), 'x.test'], `cannot read --cert ${file()}: ${reason}`]);
    out.push([`replay ${kind}`, ['replay', file()], `cannot read capture file ${file()}: ${reason}`]);
  }
  out.push(['--targets over its cap', ['check', '--targets', bigTargets], `cannot read --targets ${bigTargets}: larger than 1 MiB, the most tls-trace reads for --targets`]);
  out.push(['--ca over its cap', ['check', '--ca', bigPem, 'x.test'], `cannot read --ca ${bigPem}: larger than 4 MiB, the most tls-trace reads for --ca`]);
  out.push(['--key over its cap', ['--cert', '/etc/hostname', '--key', bigPem, 'x.test'], `cannot read --key ${bigPem}: larger than 4 MiB, the most tls-trace reads for --key`]);
  out.push(['replay over its cap', ['replay', bigCapture], `cannot read capture file ${bigCapture}: larger than 24 MiB, the most tls-trace reads for capture file`]);
  return out;
}

describe('files the CLI reads: regular files under their cap, else one line and exit 2', () => {
  it.each(readCases())('%s', async (_name, argv, line) => {
    const r = await runCli(argv);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: ExitCode.usage, stderr: `tls-trace: ${line}\n`, stdout: '' });
  });

  it('NODE_EXTRA_CA_CERTS=/dev/zero is a warning and is ignored, as Node itself does', async () => {
    const r = await runCli(['check', '--targets', missing()], { env: { NODE_EXTRA_CA_CERTS: '/dev/zero' } });
    expect(r.stderr.split('\n')[0]).toBe(`tls-trace: cannot read --targets ${missing()}: no such file (ENOENT)`);
    const trace = await runCli(['--demo', '--json'], { env: { NODE_EXTRA_CA_CERTS: '/dev/zero' } });
    expect(trace.code).toBe(ExitCode.ok);
    expect(trace.stderr).toBe('tls-trace: warning: cannot read NODE_EXTRA_CA_CERTS /dev/zero: a character device, not a regular file; ignored\n');
  });

  it('readInputFile reads up to the cap, and stops at cap + 1 when fstat does not know the size', () => {
    const p = path.join(dir, 'exact.txt');
    writeFileSync(p, 'x'.repeat(100));
    expect(readInputFile(p, { what: 'test', maxBytes: 100 }).toString()).toBe('x'.repeat(100));
    expect(() => readInputFile(p, { what: 'test', maxBytes: 99 })).toThrow(`cannot read test ${p}: larger than 99 bytes, the most tls-trace reads for test`);
    // /proc files are regular files whose fstat size is 0: only the read loop can catch them.
    if (existsSync('/proc/self/status')) {
      expect(statSync('/proc/self/status').size).toBe(0);
      expect(() => readInputFile('/proc/self/status', { what: 'test', maxBytes: 10 })).toThrow('larger than 10 bytes');
    }
  });

  it('stdin (`-`) is read with the same cap', async () => {
    const endless = Readable.from((function* () {
      for (;;) yield Buffer.alloc(65536, 0x61);
    })());
    await expect(readInputStream(endless, { what: '--targets', maxBytes: MAX_TARGETS_FILE_BYTES })).rejects.toThrow('cannot read --targets from stdin: larger than 1 MiB');
    expect(endless.destroyed).toBe(true);
  });

  it('check --targets - and replay - read stdin', async () => {
    const r = await runCli(['check', '--targets', '-'], { stdin: () => Readable.from([Buffer.from('# none\nexample.com:0\n')]) });
    expect(r.stderr).toBe('tls-trace: stdin:2: bad port "0" in "example.com:0": a port is a number from 1 to 65535\n');
    const saved = path.join(dir, 'demo.json');
    expect((await runCli(['--demo', '--json', '--save', saved])).code).toBe(ExitCode.ok);
    const file = await runCli(['replay', saved, '--json']);
    const piped = await runCli(['replay', '-', '--json'], { stdin: () => Readable.from([readFileSync(saved)]) });
    expect(piped.code).toBe(ExitCode.ok);
    expect(piped.stdout).toBe(file.stdout);
  });

  it('the real process given /dev/zero or a FIFO ends at once (it used to abort or hang)', async () => {
    const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
    const cli = path.join(repoRoot, 'src', 'cli', 'main.ts');
    for (const argv of [['check', '--targets', '/dev/zero'], ['check', '--ca', '/dev/zero', 'x.test'], ['check', '--targets', fifo]]) {
      // A hang is killed at the timeout (code null), so exit 2 with one line is the whole check:
      // no wall-clock assertion, which a loaded machine could fail.
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(tsx, [cli, ...argv], { cwd: repoRoot, timeout: 30_000 }, (err, _stdout, stderr) => resolve({ code: err ? (err.code as number | null) : 0, stderr }));
      });
      expect({ code: r.code, lines: r.stderr.split('\n').length }).toEqual({ code: ExitCode.usage, lines: 2 });
    }
  }, 120_000);
});

describe('files the CLI writes: one line, exit 10, after the output', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({});
  });
  afterAll(async () => server?.close());

  // Under CI a missing /dev/full is a failure, not a skip.
  const itWithDevFull = hasDevFull || process.env.CI ? it : it.skip;

  itWithDevFull('--save /dev/full: the trace, then one line; exit 10', async () => {
    const r = await runCli(['--demo', '--save', '/dev/full']);
    expect(r.stdout).toMatch(/ClientHello/);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.write, stderr: 'tls-trace: cannot write --save /dev/full: no space left on device (ENOSPC)\n' });
  });

  itWithDevFull('--keylog /dev/full and --save /dev/full: one line each', async () => {
    const r = await runCli(['--demo', '--keylog', '/dev/full', '--save', '/dev/full']);
    expect(r.code).toBe(ExitCode.write);
    expect(r.stderr).toBe('tls-trace: cannot write --keylog /dev/full: no space left on device (ENOSPC)\ntls-trace: cannot write --save /dev/full: no space left on device (ENOSPC)\n');
  });

  itWithDevFull('a failed trace keeps its own code: refused (4) with --save /dev/full', async () => {
    const r = await runCli(['127.0.0.1:1', '--save', '/dev/full', '--timeout', '3000']);
    expect(r.code).toBe(ExitCode.connect);
    expect(r.stderr.split('\n')).toEqual(['tls-trace: connection refused by 127.0.0.1:1', 'tls-trace: cannot write --save /dev/full: no space left on device (ENOSPC)', '']);
  });

  itWithDevFull('check --junit /dev/full: the results, then one line; exit 10 (8 stays 8)', async () => {
    const target = `127.0.0.1:${server.port}`;
    const r = await runCli(['check', target, '--junit', '/dev/full', '--json', '--revocation', 'off']);
    // The self-signed test server is untrusted: the verdict (8) wins over the write failure.
    expect(parseValid('check', r.stdout)).toMatchObject({ counts: { invalid: 1 } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.invalid, stderr: 'tls-trace: cannot write --junit /dev/full: no space left on device (ENOSPC)\n' });
  });

  itWithDevFull('SSLKEYLOGFILE=/dev/full is named as such', async () => {
    const r = await runCli(['--demo'], { env: { SSLKEYLOGFILE: '/dev/full' } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.write, stderr: 'tls-trace: cannot write SSLKEYLOGFILE /dev/full: no space left on device (ENOSPC)\n' });
  });

  it('a FIFO with no reader is refused at once instead of blocking; a directory is refused', async () => {
    const r = await runCli(['--demo', '--keylog', fifo]);
    expect(r.stdout).toMatch(/ClientHello/);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.write, stderr: `tls-trace: cannot write --keylog ${fifo}: no such device or address, or a FIFO nobody is reading (ENXIO)\n` });
    const d = await runCli(['check', 'x.test', '--junit', dir]);
    expect({ code: d.code, stderr: d.stderr }).toEqual({ code: ExitCode.write, stderr: `tls-trace: cannot write --junit ${dir}: a directory (EISDIR)\n` });
  });

  it('a FIFO someone reads is refused too (a pipe could block the write); /dev/null is written', async () => {
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = await runCli(['--demo', '--save', fifo]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: ExitCode.write, stderr: `tls-trace: cannot write --save ${fifo}: a FIFO (named pipe), not a regular file\n` });
    } finally {
      closeSync(reader);
    }
    const devNull = await runCli(['--demo', '--save', '/dev/null', '--keylog', '/dev/null']);
    expect({ code: devNull.code, stderr: devNull.stderr }).toEqual({ code: ExitCode.ok, stderr: '' });
  });

  it('--save replaces an existing file and makes it owner-only', async () => {
    const file = path.join(dir, 'old.json');
    writeFileSync(file, 'x'.repeat(100_000), { mode: 0o644 });
    expect((await runCli(['--demo', '--save', file])).code).toBe(ExitCode.ok);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'tls-trace-capture', version: 1 });
  });
});
