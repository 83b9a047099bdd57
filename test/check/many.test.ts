// `check` over 200 loopback targets (mixed good and bad, TLS 1.2 and 1.3, two dead ports): every
// target gets its own correct verdict and a failing one never stops the others.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { main } from '../../src/cli/main.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { testPki } from '../chain/helpers/pki.js';
import { testContext } from './helpers.js';
import { parseValid } from '../helpers/schema.js';

const pki = testPki();
const mix: Array<[string, 'valid' | 'expiring' | 'invalid']> = [
  ['good-ecdsa', 'valid'],
  ['expired', 'invalid'],
  ['wronghost', 'invalid'],
  ['good-rsa', 'valid'],
  ['incomplete', 'invalid'],
  ['expiring', 'expiring'],
  ['untrusted', 'invalid'],
  ['ed25519', 'valid'],
];
const N = 200;
const servers: tls.Server[] = [];
const sockets = new Set<net.Socket>();
const expected = new Map<string, string>();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-many-'));
  for (let i = 0; i < N; i++) {
    const [variant, status] = mix[i % mix.length];
    const server = tls.createServer({ ...pki.serverOptions(variant), maxVersion: i % 2 ? 'TLSv1.3' : 'TLSv1.2' }, (s) => s.end());
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    servers.push(server);
    expected.set(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, status);
  }
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  rmSync(dir, { recursive: true, force: true });
});

test('200 targets plus two dead ones: correct verdict for each, exit 4 (connect failure outranks)', async () => {
  const dead = [servers[0], servers[1]].map(() => '127.0.0.1:1');
  const list = path.join(dir, 'targets.txt');
  writeFileSync(list, ['# 200 loopback servers', ...expected.keys(), '', '# nobody listens on port 1', ...dead].join('\n'));
  const ctx = testContext();
  // --revocation off: the test PKI's leaf names a responder on a .test host that must not be looked up.
  const code = await main(['check', '--targets', list, '--servername', 'localhost', '--ca', pki.file('root.pem'), '--concurrency', '32', '--timeout', '60000', '--revocation', 'off', '--json'], ctx);
  const doc = parseValid<CheckJson>('check', ctx.out());
  expect(doc.results).toHaveLength(N + 2);
  for (const r of doc.results) {
    if (r.port === 1) {
      expect(r.status).toBe('error');
      expect(r.exitCode).toBe(4);
    } else expect([r.target, r.status, r.error?.message]).toEqual([r.target, expected.get(r.target), undefined]);
  }
  expect(doc.counts).toEqual({ valid: 75, expiring: 25, critical: 0, invalid: 100, error: 2 });
  expect(code).toBe(4);
  // Sorted: failures first, then by days left.
  const days = doc.results.map((r) => (r.daysLeft === null ? -Infinity : r.daysLeft));
  expect([...days].sort((a, b) => a - b)).toEqual(days);
  // TLS 1.2 targets were judged from the Certificate message on the wire, TLS 1.3 from the
  // decrypted one.
  const sources = new Set(doc.results.filter((r) => r.chain).map((r) => `${r.protocol?.name}:${r.chain?.source}:${r.chain?.decrypted ?? false}`));
  expect([...sources].sort()).toEqual(['TLS 1.2:decoded:false', 'TLS 1.3:decoded:true']);
}, 120_000);

test('the lean paths give the same verdicts: NDJSON and CSV (each result printed as it comes, nothing kept) agree with the JSON document', async () => {
  const list = path.join(dir, 'targets-lean.txt');
  writeFileSync(list, [...expected.keys(), '127.0.0.1:1'].join('\n'));
  const run = async (format: string): Promise<{ code: number; out: string }> => {
    const ctx = testContext();
    const code = await main(['check', '--targets', list, '--servername', 'localhost', '--ca', pki.file('root.pem'), '--concurrency', '32', '--timeout', '60000', '--revocation', 'off', '--at', '2030-01-01', '--format', format], ctx);
    return { code, out: ctx.out() };
  };
  type Result = CheckJson['results'][number];
  const timeless = ({ durationMs: _d, ...rest }: Result): Omit<Result, 'durationMs'> => rest;
  const json = await run('json');
  const doc = parseValid<CheckJson>('check', json.out);
  const ndjson = await run('ndjson');
  const lines = ndjson.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Result & { type: string; format?: string; schemaVersion?: string; counts?: unknown; exitCode: number });
  const targets = lines.filter((l) => l.type === 'target').map(({ type: _t, format: _f, schemaVersion: _s, ...r }) => timeless(r as Result));
  const byTarget = (a: { target: string }, b: { target: string }): number => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);
  expect(targets.sort(byTarget)).toEqual(doc.results.map(timeless).sort(byTarget));
  const summary = lines.find((l) => l.type === 'summary');
  expect([summary?.counts, summary?.exitCode, ndjson.code]).toEqual([doc.counts, doc.exitCode, json.code]);
  const csv = await run('csv');
  // A live run's CSV rows come as the targets finish: compared in target order.
  const rows = csv.out.trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
  const cells = (r: string[][]): string[][] => r.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  expect(cells(rows.map((r) => [r[0], r[5], r[6]]))).toEqual(cells(doc.results.map((r) => [r.target, r.status, String(r.exitCode)])));
  expect(csv.code).toBe(json.code);
}, 120_000);
