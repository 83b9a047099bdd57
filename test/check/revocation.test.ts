// Revocation and missing intermediates in `check`, against real components only: a test CA made by
// openssl per run (URLs point at this run's HTTP port), `openssl ocsp` answering behind a node:http
// handler, CRLs from `openssl ca -gencrl`, and `openssl s_server` serving each leaf. Every status
// tls-trace reports is first confirmed by openssl itself (`openssl ocsp -respin`, `openssl verify
// -crl_check`) on the same certificates.

import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { parseValid } from '../helpers/schema.js';
import { describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { testContext } from './helpers.js';
import { answerOcsp, type LeafName, type RevocationPki, startRevocationPki } from './helpers/revocation-pki.js';

jest.setTimeout(120_000);

let pki: RevocationPki;
const servers = new Map<string, TestServer>();

async function serve(name: LeafName, sendIntermediate = true, extra: string[] = []): Promise<TestServer> {
  const key = `${name}:${sendIntermediate}:${extra.join(' ')}`;
  const have = servers.get(key);
  if (have) return have;
  const chain = sendIntermediate ? ['-cert_chain', pki.file('int.pem')] : [];
  const s = await startOpensslServer(['-cert', pki.file(`${name}.pem`), '-key', pki.file(`${name}.key`), ...chain, '-www', ...extra]);
  servers.set(key, s);
  return s;
}

async function check(targets: string[], args: string[] = []): Promise<{ code: number; doc: CheckJson }> {
  const ctx = testContext();
  const code = await main(['check', '--no-color', '--timeout', '20000', '--servername', 'localhost', '--ca', pki.file('root.pem'), '--json', ...args, ...targets], ctx);
  return { code, doc: parseValid<CheckJson>('check', ctx.out()) };
}

/** `openssl ocsp` as a client: its own request, the responder's answer, its own verdict. */
function opensslOcspStatus(name: LeafName): string {
  const req = pki.file(`${name}.req.der`);
  execFileSync('openssl', ['ocsp', '-issuer', pki.file('int.pem'), '-cert', pki.file(`${name}.pem`), '-reqout', req, '-no_nonce'], { stdio: 'ignore' });
  const resp = pki.file(`${name}.resp.der`);
  execFileSync('sh', ['-c', 'cat > "$1"', 'sh', resp], { input: answerOcsp(pki.dir, readFileSync(req)) });
  const out = execFileSync('openssl', ['ocsp', '-issuer', pki.file('int.pem'), '-cert', pki.file(`${name}.pem`), '-respin', resp, '-CAfile', pki.file('root.pem'), '-verify_other', pki.file('int.pem')], { encoding: 'utf8' });
  return /: (good|revoked|unknown)/.exec(out)?.[1] ?? out;
}

/** `openssl verify -crl_check`: OK, or the error it names. */
function opensslCrlVerdict(name: LeafName): string {
  const r = spawnSync('openssl', ['verify', '-crl_check', '-CAfile', pki.file('root.pem'), '-untrusted', pki.file('int.pem'), '-CRLfile', pki.file('int.crl.pem'), pki.file(`${name}.pem`)], { encoding: 'utf8' });
  return r.status === 0 ? 'good' : /certificate revoked/.test(r.stdout + r.stderr) ? 'revoked' : `error: ${r.stdout}${r.stderr}`;
}

const describeOpenssl = describeWithTools('openssl');

describeOpenssl('check --revocation: OCSP and CRL against openssl', () => {
  beforeAll(async () => {
    pki = await startRevocationPki();
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    await pki?.close();
  });

  const cases: Array<{ leaf: LeafName; method: 'ocsp' | 'crl' | 'none'; status: string; exit: number; openssl?: string }> = [
    { leaf: 'ocsp-good', method: 'ocsp', status: 'good', exit: ExitCode.ok, openssl: 'good' },
    { leaf: 'ocsp-revoked', method: 'ocsp', status: 'revoked', exit: ExitCode.revoked, openssl: 'revoked' },
    { leaf: 'ocsp-unknown', method: 'ocsp', status: 'unknown', exit: ExitCode.ok, openssl: 'unknown' },
    { leaf: 'ocsp-unavailable', method: 'none', status: 'unavailable', exit: ExitCode.ok },
    { leaf: 'crl-good', method: 'crl', status: 'good', exit: ExitCode.ok, openssl: 'good' },
    { leaf: 'crl-revoked', method: 'crl', status: 'revoked', exit: ExitCode.revoked, openssl: 'revoked' },
    { leaf: 'crl-unavailable', method: 'none', status: 'unavailable', exit: ExitCode.ok },
  ];

  test.each(cases)('$leaf → $status via $method (exit $exit)', async ({ leaf, method, status, exit, openssl }) => {
    if (openssl) expect(method === 'crl' ? opensslCrlVerdict(leaf) : opensslOcspStatus(leaf)).toBe(openssl);
    const s = await serve(leaf);
    const { code, doc } = await check([`127.0.0.1:${s.port}`]);
    const chain = doc.results[0].chain;
    const [leafResult, intResult] = chain?.revocation ?? [];
    expect(leafResult).toMatchObject({ status, method, serial: execFileSync('openssl', ['x509', '-in', pki.file(`${leaf}.pem`), '-noout', '-serial'], { encoding: 'utf8' }).trim().replace('serial=', '').toLowerCase().replace(/^(00)+/, '') });
    // The intermediate is checked too: its CRL Distribution Point is the root's CRL.
    expect(intResult).toMatchObject({ status: 'good', method: 'crl', url: `http://127.0.0.1:${pki.port}/root.crl` });
    if (status === 'revoked') expect(leafResult).toMatchObject({ reason: 'keyCompromise' });
    const fact = chain?.facts.find((f) => f.check === 'revocation' && f.cert === 0);
    expect(fact?.ok).toBe(status === 'good');
    expect(code).toBe(exit);
    expect(doc.exitCode).toBe(exit);
  });

  test('text: one revocation line per certificate and the fetched row, as separate facts', async () => {
    const ctx = testContext();
    const revoked = await serve('crl-revoked');
    const leafOnly = await serve('leaf-only', false);
    const code = await main(['check', '--no-color', '--chains', '--timeout', '20000', '--servername', 'localhost', '--ca', pki.file('root.pem'), `127.0.0.1:${revoked.port}`, `127.0.0.1:${leafOnly.port}`], ctx);
    const out = ctx.out();
    expect(code).toBe(ExitCode.revoked);
    const crlText = execFileSync('openssl', ['crl', '-in', pki.file('int.crl.pem'), '-noout', '-text'], { encoding: 'utf8' });
    const serial = execFileSync('openssl', ['x509', '-in', pki.file('crl-revoked.pem'), '-noout', '-serial'], { encoding: 'utf8' }).trim().split('=')[1];
    const date = new RegExp(`Serial Number: ${serial}\\s+Revocation Date: ([^\\n]+)`).exec(crlText)?.[1] ?? '';
    expect(out).toContain(`Revocation of leaf: REVOKED — via CRL http://127.0.0.1:${pki.port}/int.crl: CRL lists it REVOKED at ${new Date(date).toISOString()} (keyCompromise)`);
    expect(out).toContain(`Revocation of CN=int: good — via CRL http://127.0.0.1:${pki.port}/root.crl`);
    expect(out).toContain('Revocation of leaf: good — via OCSP');
    // The chain table keeps to 100 columns (no terminal): the position column may break its words.
    const positions = out.split('\n').filter((l) => l.startsWith('│')).map((l) => (l.split('│')[1] ?? '').replace(/\s+/g, '')).join('');
    expect(positions).toContain('fetchedintermediate');
    expect(out).toContain('incomplete chain: intermediate "CN=int" fetched from');
  });

  test('--revocation hard: unavailable fails with 13; off: no revocation checked', async () => {
    const s = await serve('crl-unavailable');
    const hard = await check([`127.0.0.1:${s.port}`], ['--revocation', 'hard']);
    expect(hard.code).toBe(ExitCode.revocationUnavailable);
    expect(hard.doc.results[0].chain?.revocation?.[0].detail).toMatch(/HTTP 404/);
    const off = await check([`127.0.0.1:${s.port}`], ['--revocation', 'off']);
    expect(off.code).toBe(ExitCode.ok);
    expect(off.doc.results[0].chain?.revocation).toBeUndefined();
  });

  test('revoked beats invalid and unavailable in the run exit code; one CRL fetch serves the run', async () => {
    const before = pki.hits.get('/int.crl') ?? 0;
    const targets = await Promise.all((['crl-good', 'crl-revoked', 'ocsp-unavailable'] as const).map(async (n) => `127.0.0.1:${(await serve(n)).port}`));
    const { code, doc } = await check(targets, ['--revocation', 'hard', '--concurrency', '1']);
    expect(code).toBe(ExitCode.revoked);
    expect(doc.results.map((r) => r.exitCode).sort()).toEqual([ExitCode.ok, ExitCode.revoked, ExitCode.revocationUnavailable].sort());
    expect((pki.hits.get('/int.crl') ?? 0) - before).toBe(1);
  });

  test('leaf-only server: intermediate fetched from caIssuers, valid, with the incomplete-chain finding', async () => {
    const s = await serve('leaf-only', false);
    const { code, doc } = await check([`127.0.0.1:${s.port}`]);
    const chain = doc.results[0].chain;
    expect(code).toBe(ExitCode.ok);
    expect(doc.results[0].status).toBe('valid');
    const fetched = chain?.certificates.find((c) => c.fetchedFrom);
    expect(fetched).toMatchObject({ sentIndex: null, role: 'intermediate', fetchedFrom: `http://127.0.0.1:${pki.port}/int.der` });
    const intFingerprint = execFileSync('openssl', ['x509', '-in', pki.file('int.pem'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1].trim().replace(/:/g, '').toLowerCase();
    expect(fetched?.certificate.fingerprint256).toBe(intFingerprint);
    const finding = chain?.facts.find((f) => f.check === 'chain.incomplete');
    expect(finding).toMatchObject({ ok: false, severity: 'medium' });
    expect(finding?.reason).toContain(`incomplete chain: intermediate "CN=int" fetched from http://127.0.0.1:${pki.port}/int.der`);
    expect(doc.results[0].problems.some((p) => p.startsWith('incomplete chain'))).toBe(true);
    expect(chain?.revocation?.[0]).toMatchObject({ status: 'good', method: 'ocsp' });
  });

  test('leaf-only server whose caIssuers URL fails: still invalid, and the error says why', async () => {
    const s = await serve('aia-dead', false);
    const { code, doc } = await check([`127.0.0.1:${s.port}`]);
    expect(code).toBe(ExitCode.invalid);
    const trust = doc.results[0].chain?.facts.find((f) => f.check === 'trust');
    expect(trust?.ok).toBe(false);
    expect(trust?.reason).toContain(`missing intermediate: issuer "CN=int"`);
    expect(trust?.reason).toContain(`AIA CA Issuers: http://127.0.0.1:${pki.port}/missing.der (fetch failed: caIssuers HTTP 404 from http://127.0.0.1:${pki.port}/missing.der)`);
  });

  test('a stapled REVOKED response exits 14 even with --revocation off', async () => {
    const req = pki.file('rv.req.der');
    execFileSync('openssl', ['ocsp', '-issuer', pki.file('int.pem'), '-cert', pki.file('ocsp-revoked.pem'), '-reqout', req, '-no_nonce'], { stdio: 'ignore' });
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', pki.file('rv.resp.der')], { input: answerOcsp(pki.dir, readFileSync(req)) });
    const s = await serve('ocsp-revoked', true, ['-status_file', pki.file('rv.resp.der')]);
    const { code, doc } = await check([`127.0.0.1:${s.port}`], ['--revocation', 'off']);
    expect(doc.results[0].chain?.facts.find((f) => f.check === 'ocsp.status')).toMatchObject({ ok: false, severity: 'critical' });
    expect(code).toBe(ExitCode.revoked);
    const soft = await check([`127.0.0.1:${s.port}`]);
    expect(soft.doc.results[0].chain?.revocation?.[0]).toMatchObject({ status: 'revoked', method: 'ocsp-staple', reason: 'keyCompromise' });
    expect(soft.code).toBe(ExitCode.revoked);
  });

  test('OCSP Must-Staple: no staple fails (exit 8); a stapled good response passes and is used', async () => {
    const bare = await serve('must-staple');
    const failed = await check([`127.0.0.1:${bare.port}`]);
    expect(failed.code).toBe(ExitCode.invalid);
    expect(failed.doc.results[0].chain?.facts.find((f) => f.check === 'ocsp.mustStaple')?.ok).toBe(false);
    const req = pki.file('ms.req.der');
    execFileSync('openssl', ['ocsp', '-issuer', pki.file('int.pem'), '-cert', pki.file('must-staple.pem'), '-reqout', req, '-no_nonce'], { stdio: 'ignore' });
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', pki.file('ms.resp.der')], { input: answerOcsp(pki.dir, readFileSync(req)) });
    const stapling = await serve('must-staple', true, ['-status_file', pki.file('ms.resp.der')]);
    const ok = await check([`127.0.0.1:${stapling.port}`]);
    expect(ok.doc.results[0].chain?.facts.find((f) => f.check === 'ocsp.mustStaple')?.ok).toBe(true);
    expect(ok.doc.results[0].chain?.revocation?.[0]).toMatchObject({ status: 'good', method: 'ocsp-staple' });
    expect(ok.code).toBe(ExitCode.ok);
  });
});
