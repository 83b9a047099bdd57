// `check merge` under wrong input: the same file twice, overlapping shards, corrupt NDJSON lines.
// Each is one usage line (exit 2) naming the file (and line), never a summary that counts a target
// twice. The shard files are written here in check --ndjson's line format; nothing connects.

import { linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { parseValidLines } from '../helpers/schema.js';
import { startNodeTlsServer } from '../helpers/servers.js';
import { closedPort } from '../capture/peers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-merge-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = { format: 'tls-trace-check-line', schemaVersion: '1' };
const target = (name: string, status = 'valid', exitCode = 0): string => JSON.stringify({ ...head, type: 'target', target: name, status, exitCode, daysLeft: 60, problems: [] });
const summary = JSON.stringify({ ...head, type: 'summary', at: '2026-12-02T00:00:00.000Z', warnDays: 30, critDays: 0, durationMs: 5 });
const file = (name: string, lines: string[]): string => {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};

const a = file('a.ndjson', [target('a.example:443'), target('b.example:443', 'invalid', 8), summary]);
const b = file('b.ndjson', [target('c.example:443'), summary]);
// c.ndjson holds b.example too: a shard of another split, or a hand-edited file.
const overlapping = file('c.ndjson', [target('d.example:443'), target('B.example:443', 'invalid', 8), summary]);
const corrupt = file('corrupt.ndjson', [target('e.example:443'), '{"format":"tls-trace-check-line","schemaVers', summary]);
const badTarget = file('bad-target.ndjson', [JSON.stringify({ ...head, type: 'target', target: 'f.example:443', status: 'fine' }), summary]);
const link = path.join(dir, 'a-link.ndjson');
linkSync(a, link);

/** A path as a regular expression's literal text. */
const re = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const merge = (...args: string[]): ReturnType<typeof runCli> => runCli(['check', 'merge', ...args]);

describe('check merge: wrong input is one usage line, exit 2', () => {
  it.each([
    ['the same file twice', [a, b, a], new RegExp(`^tls-trace: check merge: ${re(a)} is given twice: its targets would be counted twice \\(hint: give each shard's file once\\)\n$`)],
    ['one file under two names (a hard link)', [a, link], new RegExp(`^tls-trace: check merge: ${re(link)} is given twice \\(also as ${re(a)}\\)`)],
    ['stdin twice', ['-', '-'], /^tls-trace: check merge: - is given twice: its targets would be counted twice/],
    ['overlapping shards', [a, b, overlapping], new RegExp(`^tls-trace: check merge: ${re(overlapping)}:2: target B\\.example:443 is also in ${re(a)}:2: the shards overlap, and the merge would count it twice \\(hint: `)],
    ['a corrupt NDJSON line', [a, corrupt], new RegExp(`^tls-trace: ${re(corrupt)}:2: not a JSON line \\(hint: check merge reads the output of check --ndjson\\)\n$`)],
    ['a target line with a status no run writes', [badTarget], new RegExp(`^tls-trace: ${re(badTarget)}:1: a target line without target, status, exitCode and daysLeft\n$`)],
    ['a missing file', [a, path.join(dir, 'nope.ndjson')], /^tls-trace: cannot read check merge .*nope\.ndjson: no such file \(ENOENT\)\n$/],
    ['a directory', [a, dir], /^tls-trace: cannot read check merge .*: a directory, not a regular file\n$/],
  ])('%s', async (_name, files, stderr) => {
    const run = await merge(...files, '--json');
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: ExitCode.usage, stdout: '' });
    expect(run.stderr).toMatch(stderr);
  });

  it('distinct shards merge, each target counted once', async () => {
    const run = await merge(a, b, '--json');
    const doc = JSON.parse(run.stdout) as { exitCode: number; counts: Record<string, number>; results: Array<{ target: string }> };
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.invalid);
    expect(doc.results.map((r) => r.target).sort()).toEqual(['a.example:443', 'b.example:443', 'c.example:443']);
    expect(doc.counts).toMatchObject({ valid: 2, invalid: 1 });
  });

  it('a target listed twice inside one shard is kept, as an unsharded run keeps it', async () => {
    const twice = file('twice.ndjson', [target('g.example:443'), target('g.example:443'), summary]);
    const run = await merge(twice, '--json');
    expect(run.code).toBe(ExitCode.ok);
    expect((JSON.parse(run.stdout) as { results: unknown[] }).results).toHaveLength(2);
  });
});

describe('check merge: the files of one --shard split, every shard once', () => {
  const sharded = (name: string, index: number, count: number, targets: string[]): string =>
    file(name, [...targets.map((t) => target(t)), JSON.stringify({ ...JSON.parse(summary) as object, shard: { index, count } })]);
  const s1 = sharded('s1of3.ndjson', 1, 3, ['h1.example:443']);
  const s2 = sharded('s2of3.ndjson', 2, 3, ['h2.example:443']);
  const s3 = sharded('s3of3.ndjson', 3, 3, []);
  const s1again = sharded('s1of3-again.ndjson', 1, 3, ['h1.example:443']);
  const other = sharded('s1of4.ndjson', 1, 4, ['h4.example:443']);

  it('all three shards merge', async () => {
    const run = await merge(s3, s1, s2, '--json');
    expect([run.code, run.stderr]).toEqual([ExitCode.ok, '']);
    expect((JSON.parse(run.stdout) as { results: Array<{ target: string }> }).results.map((r) => r.target)).toEqual(['h1.example:443', 'h2.example:443']);
  });

  it.each([
    ['a missing shard (a job that never uploaded)', [s1, s3], /^tls-trace: check merge: shard 2 of 3 missing: the merge would pass part of the targets off as all \(hint: give the NDJSON file of every shard\)\n$/],
    ['two missing', [s2], /^tls-trace: check merge: shards 1, 3 of 3 missing: /],
    ['a shard twice (two copies of one file)', [s1, s2, s3, s1again], new RegExp(`^tls-trace: check merge: ${re(s1again)} and ${re(s1)} are both shard 1/3 \\(hint: give each shard's file once\\)\n$`)],
    ['two splits', [s1, s2, s3, other], new RegExp(`^tls-trace: check merge: ${re(other)} is shard 1/4, ${re(s1)} is 1/3: two different splits`)],
    ['an unsharded file among shards', [s1, s2, s3, b], new RegExp(`^tls-trace: check merge: ${re(b)} is not from a --shard run, and the other files are`)],
    ['a shard field out of range', [file('bad-shard.ndjson', [JSON.stringify({ ...JSON.parse(summary) as object, shard: { index: 4, count: 3 } })])], /bad-shard\.ndjson:1: a summary line whose shard is not \{index, count\} with 1 ≤ index ≤ count\n$/],
  ])('%s: one usage line, exit 2', async (_name, files, stderr) => {
    const run = await merge(...files, '--json');
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: ExitCode.usage, stdout: '' });
    expect(run.stderr).toMatch(stderr);
  });
});

it('check --shard I/N --ndjson writes its shard in the summary line (schema-valid), and merge wants every shard', async () => {
  const server = await startNodeTlsServer({});
  try {
    // Loopback targets that the two shards split between them (IP targets: no DNS).
    const targets = [`127.0.0.1:${server.port}`, `127.0.0.1:${await closedPort()}`, `[::1]:${await closedPort()}`, `127.0.0.2:${server.port}`];
    const files: string[] = [];
    for (const i of [1, 2]) {
      const run = await runCli(['check', ...targets, '--shard', `${i}/2`, '--ndjson', '--timeout', '3000']);
      const last = parseValidLines<{ type: string; shard?: unknown }>(run.stdout).at(-1);
      expect(last).toMatchObject({ type: 'summary', shard: { index: i, count: 2 } });
      files.push(file(`live-${i}.ndjson`, [run.stdout.trimEnd()]));
    }
    const both = await runCli(['check', 'merge', ...files, '--json']);
    expect(both.stderr).toBe('');
    expect((JSON.parse(both.stdout) as { results: unknown[] }).results).toHaveLength(targets.length);
    const one = await runCli(['check', 'merge', files[1], '--json']);
    expect([one.code, one.stderr]).toEqual([ExitCode.usage, 'tls-trace: check merge: shard 1 of 2 missing: the merge would pass part of the targets off as all (hint: give the NDJSON file of every shard)\n']);
    // The merge's own NDJSON is one run, not a shard: it merges again on its own.
    const again = await runCli(['check', 'merge', ...files, '--ndjson']);
    const whole = file('whole.ndjson', [again.stdout.trimEnd()]);
    expect(parseValidLines<{ shard?: unknown }>(again.stdout).at(-1)?.shard).toBeUndefined();
    expect((await runCli(['check', 'merge', whole, '--json'])).stderr).toBe('');
  } finally {
    await server.close();
  }
}, 30_000);

