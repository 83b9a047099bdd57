// Issue 9, items 12 and 13: the real process behind a pipe its reader closes early (`| head`), with
// stdout on a full disk, and `tls-trace help [command]`. Before the fix, `--demo --json | head -c
// 100` died of an unhandled EPIPE (a stack trace, exit 1) and `tls-trace help` was looked up in DNS.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '..', '..');
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const entry = path.join(repoRoot, 'src', 'cli', 'main.ts');
const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');
const built = existsSync(path.join(repoRoot, 'dist', 'tls-trace.cjs'));

interface Exit {
  code: number | null;
  stderr: string;
}

/**
 * `CLI ARGV | head HEAD_ARGS >/dev/null` in bash; resolves with the CLI's own exit code
 * (PIPESTATUS[0]) and its stderr. Every case writes more than a pipe holds (64 KiB), so the CLI is
 * still writing when head has gone: the EPIPE is certain, not a race.
 */
function throughHead(command: string[], head: string[]): Promise<Exit> {
  const script = 'n=$1; shift; "${@:1:$n}" | head "${@:$((n+1))}" > /dev/null; exit "${PIPESTATUS[0]}"';
  return new Promise((resolve) => {
    execFile('bash', ['-c', script, 'bash', String(command.length), ...command, ...head], { cwd: repoRoot, timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }),
    );
  });
}

describe('a closed stdout pipe ends the program quietly with its own exit code', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({});
  });
  afterAll(async () => server?.close());

  it('tls-trace --demo --json | head -c 100 → exit 0, nothing on stderr', async () => {
    expect(await throughHead([tsx, entry, '--demo', '--json'], ['-c', '100'])).toEqual({ code: ExitCode.ok, stderr: '' });
  }, 60_000);

  it('check --ndjson | head -1 and check --json | head -c 100 → the verdict (8: untrusted), nothing on stderr', async () => {
    // 60 results as NDJSON or JSON are well over 64 KiB; the self-signed server is invalid (8).
    const targets = Array.from({ length: 60 }, () => `127.0.0.1:${server.port}`);
    expect(await throughHead([tsx, entry, 'check', '--revocation', 'off', '--ndjson', ...targets], ['-1'])).toEqual({ code: ExitCode.invalid, stderr: '' });
    expect(await throughHead([tsx, entry, 'check', '--revocation', 'off', '--json', ...targets], ['-c', '100'])).toEqual({ code: ExitCode.invalid, stderr: '' });
  }, 60_000);

  (built || process.env.CI ? it : it.skip)('the installed entry (bin/tls-trace.cjs on the bundle) behaves the same', async () => {
    expect(await throughHead(['node', bin, '--demo', '--json'], ['-c', '100'])).toEqual({ code: ExitCode.ok, stderr: '' });
  }, 60_000);

  (existsSync('/dev/full') || process.env.CI ? it : it.skip)('stdout on a full disk (> /dev/full) → one line, exit 10', async () => {
    const r = await new Promise<Exit>((resolve) => {
      execFile('bash', ['-c', '"$@" > /dev/full', 'bash', tsx, entry, '--demo'], { cwd: repoRoot, timeout: 60_000 }, (err, _o, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }),
      );
    });
    expect(r).toEqual({ code: ExitCode.write, stderr: 'tls-trace: cannot write standard output: no space left on device (ENOSPC)\n' });
  }, 60_000);
});

describe('tls-trace help [command] is --help (exit 0, no DNS)', () => {
  const noNetwork = (() => {
    throw new Error('help must not look anything up');
  }) as unknown as LookupFunction;

  it.each([[[]], [['check']], [['scan']], [['replay']], [['help']]])('help %j', async (command) => {
    const viaHelp = await runCli(['help', ...command], { lookup: noNetwork });
    const viaFlag = await runCli([...command, '--help'], { lookup: noNetwork });
    expect(viaFlag.code).toBe(ExitCode.ok);
    expect(viaFlag.stdout).toMatch(/^Usage: tls-trace /);
    expect({ code: viaHelp.code, stdout: viaHelp.stdout, stderr: viaHelp.stderr }).toEqual({ code: ExitCode.ok, stdout: viaFlag.stdout, stderr: '' });
  });

  it('the root help lists the help command; an unknown name is one usage line', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}help \[command\] +display help for command$/m);
    const r = await runCli(['help', 'nope']);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: ExitCode.usage, stderr: 'tls-trace: unknown command "nope" (hint: commands: replay, read, check, scan, help)\n', stdout: '' });
  });
});
