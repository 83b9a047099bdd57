// Options before a subcommand's name and mistyped command names (src/cli/argv.ts), through the
// real CLI in-process; names resolve through an injected resolver, never DNS.

import { buildProgram } from '../../src/cli/main.js';
import { commandTypo, editDistance, firstOperand, moveLeadingOptions } from '../../src/cli/argv.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { fakeLookup } from '../robustness/run-cli.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import type { Command } from 'commander';

const COMMANDS = ['replay', 'read', 'check', 'scan', 'help'];

describe('commandTypo: the rule', () => {
  it.each([
    ['chekc', 'check'], ['chek', 'check'], ['cehck', 'check'], ['scna', 'scan'], ['sacn', 'scan'], ['raed', 'read'], ['repaly', 'replay'], ['CHEKC', 'check'],
  ])('%s → %s', (word, command) => expect(commandTypo(word, COMMANDS)).toBe(command));

  it.each([
    ['check'], ['scan'], // the commands themselves (commander runs them)
    ['localhost'], ['myhost'], ['example'], ['server1'], // hosts far from every command
    ['ab'], ['re'], // too short to judge
    ['chekc.example'], ['chekc:443'], ['[::1]'], ['127.0.0.1'], // a dot, a colon or a bracket: a host
  ])('%s is no typo', (word) => expect(commandTypo(word, COMMANDS)).toBeUndefined());

  it('edit distance counts an adjacent swap as one (as commander does)', () => {
    expect([editDistance('chekc', 'check'), editDistance('scna', 'scan'), editDistance('kitten', 'sitting'), editDistance('', 'abc')]).toEqual([1, 1, 3, 3]);
  });
});

describe('options before the subcommand', () => {
  let program: Command;
  beforeAll(async () => {
    program = await buildProgram({ stdout: () => undefined, stderr: () => undefined, stdoutIsTTY: false, stderrIsTTY: false, env: {}, exitCode: 0 });
  });

  it.each([
    [['--json', 'check', 'a.example'], ['check', '--json', 'a.example']],
    [['--no-color', 'scan', 'a.example'], ['scan', '--no-color', 'a.example']],
    // a value option keeps its value, in both spellings
    [['--timeout', '100', 'check', 'a.example'], ['check', '--timeout', '100', 'a.example']],
    [['--timeout=100', '-4', 'check', 'a.example'], ['check', '--timeout=100', '-4', 'a.example']],
    // `check` as the value of --servername is no command: left as it is
    [['--servername', 'check', 'a.example'], ['--servername', 'check', 'a.example']],
    // a trace, and --version, stay as they are
    [['--json', 'a.example'], ['--json', 'a.example']],
    [['--version', 'check'], ['--version', 'check']],
  ])('%j → %j', (argv, moved) => expect(moveLeadingOptions(argv, program)).toEqual(moved));

  it('firstOperand skips option values and honours --', () => {
    expect(firstOperand(['--servername', 'x', '-4', 'host'], program.options)).toBe(3);
    expect(firstOperand(['--json', '--', '--odd'], program.options)).toBe(2);
    expect(firstOperand(['--json'], program.options)).toBe(-1);
  });
});

describe('the CLI', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({});
  });
  afterAll(async () => server?.close());

  it.each([
    [['chekc', 'example.com'], 'chekc', 'check'],
    [['scna', 'example.com'], 'scna', 'scan'],
    [['--json', 'chekc', 'example.com', 'other.example'], 'chekc', 'check'],
    // alone, and the resolver does not know it
    [['chekc'], 'chekc', 'check'],
    [['raed', '--timeout', '2000'], 'raed', 'read'],
  ])('%j: one usage line with the suggestion, exit 2, nothing on stdout', async (argv, word, command) => {
    const run = await runCli(argv, { lookup: fakeLookup() });
    expect(run).toMatchObject({ code: ExitCode.usage, stdout: '' });
    expect(run.stderr).toBe(`tls-trace: unknown command '${word}' — did you mean '${command}'? (hint: tls-trace ${command} …; to trace a host named ${word}, give its port: ${word}:443)\n`);
  });

  it('a single-label host that resolves is traced, however close to a command its name is', async () => {
    const run = await runCli(['scam', '--connect-to', `scam:443::${server.port}`, '--no-color', '--timeout', '3000'], { lookup: fakeLookup({ scam: '127.0.0.1' }) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/target\s+scam:443 · SNI scam/);
  });

  it('a host far from every command keeps its DNS failure (exit 3)', async () => {
    const run = await runCli(['myhost', '--timeout', '2000'], { lookup: fakeLookup() });
    expect(run.code).toBe(ExitCode.dns);
    expect(run.stderr).toMatch(/cannot resolve myhost: no such host\n$/);
  });

  it('--json before check is check\'s --json (it was dropped: check printed text)', async () => {
    const run = await runCli(['--json', 'check', `127.0.0.1:${server.port}`, '--timeout', '3000']);
    const doc = JSON.parse(run.stdout) as { format: string; results: Array<{ target: string }> };
    expect(doc.format).toBe('tls-trace-check');
    expect(doc.results.map((r) => r.target)).toEqual([`127.0.0.1:${server.port}`]);
  });

  it('an option before the command that the command lacks is a usage error, not dropped', async () => {
    const run = await runCli(['--demo', 'check', 'example.com'], { lookup: fakeLookup() });
    expect(run).toMatchObject({ code: ExitCode.usage, stdout: '', stderr: "tls-trace: unknown option '--demo'\n" });
  });

  it('--no-color before scan reaches scan (FORCE_COLOR gives colour otherwise)', async () => {
    const tty = { env: { FORCE_COLOR: '1' } };
    const coloured = await runCli(['scan', `127.0.0.1:${server.port}`, '--timeout', '3000'], tty);
    const plain = await runCli(['--no-color', 'scan', `127.0.0.1:${server.port}`, '--timeout', '3000'], tty);
    expect([coloured.code, plain.code]).toEqual([ExitCode.ok, ExitCode.ok]);
    expect(coloured.stdout).toContain('\x1b[');
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toMatch(/TLS 1\.3/);
  }, 30_000);

  it('check merg FILE is a mistyped merge, not a host and a file name to look up', async () => {
    const run = await runCli(['check', 'merg', 'package.json'], { lookup: fakeLookup() });
    expect(run).toMatchObject({ code: ExitCode.usage, stdout: '', stderr: "tls-trace: unknown word 'merg' before files — did you mean 'check merge'? (hint: tls-trace check merge FILE…)\n" });
    // no file after it: hosts, checked (and failing DNS) as before
    const hosts = await runCli(['check', 'merg', 'other', '--timeout', '2000', '--ndjson'], { lookup: fakeLookup() });
    expect(hosts.code).toBe(ExitCode.dns);
  });

  it('help with a mistyped command suggests the command', async () => {
    const run = await runCli(['help', 'chekc']);
    expect(run).toMatchObject({ code: ExitCode.usage, stderr: 'tls-trace: unknown command "chekc" — did you mean \'check\'? (hint: commands: replay, read, check, scan, help)\n' });
  });
});
