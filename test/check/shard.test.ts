// Fleets: 2,000 targets (distinct names, one loopback server per PKI variant plus a dead port)
// checked once unsharded and once as eight `--shard I/8` runs whose NDJSON `check merge` joins.
// The merged JSON equals the unsharded run's byte for byte once the times are set aside; so do
// the JUnit and the exit code.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { shardOf } from '../../src/check/shard.js';
import { testPki } from '../chain/helpers/pki.js';
import type { TestServer } from '../helpers/servers.js';
import { parseValidLines } from '../helpers/schema.js';
import { startVariant, testContext } from './helpers.js';

const pki = testPki();
const STATUS: Record<string, string> = { 'good-ecdsa': 'valid', 'good-rsa': 'valid', expired: 'invalid', wronghost: 'invalid', expiring: 'expiring', incomplete: 'invalid' };
const VARIANTS = Object.keys(STATUS);
const N = 2000;
const SHARDS = 8;
const servers: TestServer[] = [];
let dir: string;
let list: string;
const expected: Record<string, number> = { valid: 0, expiring: 0, critical: 0, invalid: 0, error: 0 };
const at = new Date().toISOString();

// Every fleet name resolves to the loopback (the names differ; the servers are a handful).
const lookup = ((_host: string, opts: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => {
  if (opts?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-shard-'));
  for (const v of VARIANTS) servers.push(await startVariant(pki, v));
  const lines = ['# a fleet on loopback'];
  for (let i = 0; i < N; i++) {
    // Every 100th target has nobody listening (port 1): connection failures are merged too.
    const dead = i % 100 === 99;
    const port = dead ? 1 : servers[i % servers.length].port;
    expected[dead ? 'error' : STATUS[VARIANTS[i % VARIANTS.length]]]++;
    lines.push(`host-${String(i).padStart(4, '0')}.fleet.test:${port}`);
  }
  list = path.join(dir, 'targets.txt');
  writeFileSync(list, `${lines.join('\n')}\n`);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const ctx = testContext();
  ctx.lookup = lookup;
  const code = await main(['check', ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

// Every handshake is on loopback: the 60 s timeout is there for a hang, not for a machine so loaded that
// 64 concurrent handshakes take over the default 10 s (which made shards and the whole run differ).
const common = (): string[] => ['--targets', list, '--servername', 'localhost', '--ca', pki.file('root.pem'), '--at', at, '--concurrency', '64', '--timeout', '60000', '--no-color'];

/** The document with every duration set to 0 (the times are all that may differ). */
function timesAside(json: string): string {
  return json.replace(/"durationMs": \d+/g, '"durationMs": 0');
}

test('eight shards merged equal one unsharded run: JSON byte for byte (times aside), JUnit, exit code', async () => {
  const whole = await run([...common(), '--json']);
  const wholeJunit = path.join(dir, 'whole.xml');
  const files: string[] = [];
  let lines = 0;
  for (let i = 1; i <= SHARDS; i++) {
    const shard = await run([...common(), '--shard', `${i}/${SHARDS}`, '--ndjson']);
    const parsed = parseValidLines<{ type: string }>(shard.out);
    const targets = parsed.filter((l) => l.type === 'target').length;
    expect(targets).toBeGreaterThan(N / SHARDS / 2); // SHA-256 spreads 2,000 names evenly enough
    lines += targets;
    files.push(path.join(dir, `shard-${i}.ndjson`));
    writeFileSync(files[i - 1], shard.out);
  }
  expect(lines).toBe(N);
  const merged = await run(['merge', ...files, '--json', '--junit', wholeJunit]);
  expect(merged.err).toBe('');
  expect([merged.code, whole.code]).toEqual([4, 4]);
  expect(timesAside(merged.out)).toBe(timesAside(whole.out));
  const doc = JSON.parse(whole.out) as { counts: Record<string, number> };
  expect(doc.counts).toEqual(expected);
  // JUnit of the merge equals the unsharded run's but for the times.
  const direct = await run([...common(), '--format', 'junit']);
  const fromMerge = await run(['merge', ...files, '--format', 'junit']);
  const noTimes = (xml: string): string => xml.replace(/ time="[\d.]+"/g, '');
  expect(noTimes(fromMerge.out)).toBe(noTimes(direct.out));
  // The merged NDJSON merges again to the same document (a merge of merges is a merge).
  const ndjson = await run(['merge', ...files, '--ndjson']);
  writeFileSync(path.join(dir, 'all.ndjson'), ndjson.out);
  expect(timesAside((await run(['merge', path.join(dir, 'all.ndjson'), '--json'])).out)).toBe(timesAside(whole.out));
}, 600_000);

test('the shard of a target depends on its name alone, host case folded', () => {
  expect(shardOf({ display: 'Example.COM:443' }, 8)).toBe(shardOf({ display: 'example.com:443' }, 8));
  const spread = new Set(Array.from({ length: 64 }, (_, i) => shardOf({ display: `h${i}:443` }, 8)));
  expect(spread.size).toBe(8);
});

test('merge refuses a shard that did not finish, foreign JSON, mixed --warn-days and live-only flags', async () => {
  const good = path.join(dir, 'one.ndjson');
  const one = await run([...common().slice(0, 2), '--shard', '1/400', '--ndjson', '--servername', 'localhost', '--ca', pki.file('root.pem'), '--at', at]);
  writeFileSync(good, one.out);
  const cut = path.join(dir, 'cut.ndjson');
  writeFileSync(cut, one.out.split('\n').slice(0, -2).join('\n'));
  const r1 = await run(['merge', good, cut]);
  expect([r1.code, r1.err]).toEqual([2, expect.stringContaining('no summary line: the shard did not finish')]);
  const foreign = path.join(dir, 'foreign.ndjson');
  writeFileSync(foreign, '{"format":"tls-trace-scan","schemaVersion":"1"}\n');
  expect((await run(['merge', foreign])).code).toBe(2);
  const other = path.join(dir, 'other.ndjson');
  writeFileSync(other, one.out.replace(/"warnDays":30/, '"warnDays":21'));
  const r3 = await run(['merge', good, other]);
  expect([r3.code, r3.err]).toEqual([2, expect.stringContaining('different --warn-days')]);
  expect((await run(['merge', good, '--shard', '1/2'])).code).toBe(2);
  expect((await run(['merge'])).code).toBe(2);
}, 120_000);
