// Revocation in trace's chain section (`tls-trace HOST --revocation soft|hard`, check's own code),
// and the revocation fetches of trace and check through an HTTP proxy (tinyproxy) with NO_PROXY
// honoured. Real components: the openssl test CA with `openssl ocsp` behind its HTTP handler,
// `openssl s_server`, tinyproxy. The revocation date expected is read from the CA's own index.txt.

import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TraceJson } from '../../src/report/json.js';
import { runCli } from '../helpers/cli.js';
import { startTinyproxy } from '../helpers/proxies.js';
import { describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { type LeafName, type RevocationPki, startRevocationPki } from './helpers/revocation-pki.js';

jest.setTimeout(120_000);

let pki: RevocationPki;
let proxy: TestServer;
const servers = new Map<LeafName, TestServer>();
const target = (leaf: LeafName): string => `127.0.0.1:${(servers.get(leaf) as TestServer).port}`;
const LEAVES: LeafName[] = ['ocsp-revoked', 'crl-good', 'crl-unavailable'];

/** The revocation time `openssl ca -revoke` wrote into index.txt for this leaf, as ISO 8601. */
function indexRevocationTime(leaf: LeafName): string {
  const serial = execFileSync('openssl', ['x509', '-in', pki.file(`${leaf}.pem`), '-noout', '-serial'], { encoding: 'utf8' }).trim().split('=')[1];
  const row = readFileSync(pki.file('int/index.txt'), 'utf8').split('\n').find((l) => l.split('\t')[3] === serial) ?? '';
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z/.exec(row.split('\t')[2]) ?? [];
  return new Date(`20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`).toISOString();
}

const trace = (leaf: LeafName, args: string[], env: Record<string, string> = {}): ReturnType<typeof runCli> =>
  runCli([target(leaf), '--no-color', '--no-ladder', '--servername', 'localhost', '--no-system-ca', '--ca', pki.file('root.pem'), '--timeout', '20000', ...args], { env });

const hits = (key: string): number => pki.hits.get(key) ?? 0;

describeWithTools('openssl', 'tinyproxy')('trace --revocation, and revocation fetches through a proxy', () => {
  beforeAll(async () => {
    pki = await startRevocationPki();
    for (const leaf of LEAVES) {
      servers.set(leaf, await startOpensslServer(['-cert', pki.file(`${leaf}.pem`), '-key', pki.file(`${leaf}.key`), '-cert_chain', pki.file('int.pem'), '-www']));
    }
    proxy = await startTinyproxy({ connectPorts: [...servers.values()].map((s) => s.port) });
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    await proxy?.close();
    await pki?.close();
  });

  test('soft: a revoked leaf is shown per certificate with reason and date, and the Verdict says REVOKED; the exit code stays 0', async () => {
    const r = await trace('ocsp-revoked', ['--revocation', 'soft']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Revocation of leaf: REVOKED — via OCSP http://127.0.0.1:${pki.port}/ocsp: OCSP says REVOKED at ${indexRevocationTime('ocsp-revoked')} (keyCompromise)`);
    expect(r.stdout).toContain(`Revocation of CN=int: good — via CRL http://127.0.0.1:${pki.port}/root.crl`);
    expect(r.stdout).toMatch(/^Verdict: REVOKED — leaf revocation revoked via OCSP/m);
  });

  test('the --html page says REVOKED as the text Verdict line does', async () => {
    const page = path.join(pki.dir, 'revoked.html');
    const r = await trace('ocsp-revoked', ['--revocation', 'soft', '--html', page]);
    expect(r.code).toBe(0);
    const body = readFileSync(page, 'utf8').replace(/<[^>]+>/g, '');
    expect(body).toContain(`revocation (leaf): REVOKED via OCSP http://127.0.0.1:${pki.port}/ocsp: OCSP says REVOKED at ${indexRevocationTime('ocsp-revoked')} (keyCompromise)`);
    expect(body).toContain('✖ verdict: REVOKED');
  });

  test('off is the default: no fetch, no revocation line, the verdict as before', async () => {
    const before = [hits('/ocsp'), hits('/root.crl')];
    const r = await trace('ocsp-revoked', []);
    expect(r.stdout).not.toContain('Revocation of');
    expect(r.stdout).toMatch(/^Verdict: VALID$/m);
    expect([hits('/ocsp'), hits('/root.crl')]).toEqual(before);
  });

  test('unavailable: soft warns (VALID), hard fails the verdict (REVOCATION UNAVAILABLE); JSON carries the facts', async () => {
    const soft = await trace('crl-unavailable', ['--revocation', 'soft']);
    expect(soft.stdout).toMatch(/^Verdict: VALID — warnings: leaf revocation unavailable: CRL HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/missing\.crl/m);
    const hard = await trace('crl-unavailable', ['--revocation', 'hard']);
    expect(hard.stdout).toMatch(/^Verdict: REVOCATION UNAVAILABLE — leaf revocation unavailable: CRL HTTP 404/m);
    const json = JSON.parse((await trace('crl-unavailable', ['--revocation', 'hard', '--json'])).stdout) as TraceJson;
    const chain = json.chain as unknown as { valid: boolean; revocation: Array<{ status: string; method: string }> };
    expect([chain.valid, chain.revocation.map((x) => [x.status, x.method])]).toEqual([false, [['unavailable', 'none'], ['good', 'crl']]]);
  });

  test('--demo is offline: --revocation soft is refused', async () => {
    const r = await runCli(['--demo', '--revocation', 'soft']);
    expect([r.code, r.stderr]).toEqual([2, 'tls-trace: --demo is offline: it looks up no revocation (hint: give --revocation soft|hard with a real target)\n']);
  });

  test('trace --proxy: the OCSP and CRL fetches go through tinyproxy (absolute-form GET/POST), the handshake by CONNECT', async () => {
    const before = [hits('via /ocsp'), hits('via /root.crl')];
    const r = await trace('ocsp-revoked', ['--revocation', 'soft', '--proxy', `http://127.0.0.1:${proxy.port}`]);
    expect(r.stdout).toContain('Revocation of leaf: REVOKED — via OCSP');
    expect([hits('via /ocsp') - before[0], hits('via /root.crl') - before[1]]).toEqual([1, 1]);
  });

  test('check with HTTPS_PROXY: fetches proxied; NO_PROXY naming the responder host:port sends them direct while the handshake stays proxied', async () => {
    const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` };
    const args = ['check', target('crl-good'), '--json', '--servername', 'localhost', '--no-system-ca', '--ca', pki.file('root.pem'), '--timeout', '20000'];
    const before = [hits('via /int.crl'), hits('/int.crl')];
    const proxied = await runCli(args, { env });
    const doc = JSON.parse(proxied.stdout) as { results: Array<{ proxy?: string; chain?: { revocation?: Array<{ status: string }> } }> };
    expect([proxied.code, doc.results[0].proxy, doc.results[0].chain?.revocation?.map((x) => x.status)]).toEqual([0, `127.0.0.1:${proxy.port}`, ['good', 'good']]);
    expect([hits('via /int.crl') - before[0], hits('/int.crl') - before[1]]).toEqual([1, 1]);
    const direct = await runCli(args, { env: { ...env, NO_PROXY: `127.0.0.1:${pki.port}` } });
    const doc2 = JSON.parse(direct.stdout) as typeof doc;
    expect([direct.code, doc2.results[0].proxy]).toEqual([0, `127.0.0.1:${proxy.port}`]);
    expect([hits('via /int.crl') - before[0], hits('/int.crl') - before[1]]).toEqual([1, 2]);
  });
});
