// What each check output calls a target whose revocation failed: revoked (exit 14) and, under
// --revocation hard, revocation unavailable (exit 15) are named as such in the text, JUnit, GitHub,
// CSV and OpenMetrics outputs, not as a plain "invalid"; the JSON keeps status "invalid" with the
// exit code and the revocation facts. Real components: the openssl test CA and its CRL server, and
// `openssl s_server`.

import { jest } from '@jest/globals';
import { main } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { parseValid } from '../helpers/schema.js';
import { describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { testContext } from './helpers.js';
import { type LeafName, type RevocationPki, startRevocationPki } from './helpers/revocation-pki.js';

jest.setTimeout(120_000);

let pki: RevocationPki;
const servers = new Map<LeafName, TestServer>();
const target = (leaf: LeafName): string => `127.0.0.1:${(servers.get(leaf) as TestServer).port}`;
const LEAVES: LeafName[] = ['crl-good', 'crl-revoked', 'crl-unavailable'];

async function check(targets: string[], args: string[]): Promise<{ code: number; out: string }> {
  const ctx = testContext();
  const code = await main(['check', '--no-color', '--timeout', '20000', '--servername', 'localhost', '--ca', pki.file('root.pem'), '--revocation', 'hard', ...args, ...targets], ctx);
  return { code, out: ctx.out() };
}

const all = (): string[] => LEAVES.map(target);

describeWithTools('openssl')('revoked and revocation unavailable, named in every format', () => {
  beforeAll(async () => {
    pki = await startRevocationPki();
    for (const leaf of LEAVES) {
      servers.set(leaf, await startOpensslServer(['-cert', pki.file(`${leaf}.pem`), '-key', pki.file(`${leaf}.key`), '-cert_chain', pki.file('int.pem'), '-www']));
    }
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    await pki?.close();
  });

  test('json: status stays "invalid"; the exit codes and revocation facts tell them apart', async () => {
    const r = await check(all(), ['--json']);
    const doc = parseValid<CheckJson>('check', r.out);
    const by = Object.fromEntries(doc.results.map((x) => [x.target, [x.status, x.exitCode, x.chain?.revocation?.[0].status]]));
    expect(by).toEqual({
      [target('crl-good')]: ['valid', 0, 'good'],
      [target('crl-revoked')]: ['invalid', ExitCode.revoked, 'revoked'],
      [target('crl-unavailable')]: ['invalid', ExitCode.revocationUnavailable, 'unavailable'],
    });
    expect(r.code).toBe(ExitCode.revoked);
  });

  test('text: the table, the closing list and a lone target\'s Verdict line say REVOKED / REVOCATION UNAVAILABLE', async () => {
    const r = await check(all(), ['--format', 'text']);
    const row = (leaf: LeafName): string => r.out.split('\n').find((l) => l.includes(target(leaf)) && l.includes('│')) ?? '';
    expect(row('crl-good').split('│')[2].trim()).toBe('VALID');
    expect(row('crl-revoked').split('│')[2].trim()).toBe('REVOKED');
    expect(row('crl-unavailable').split('│')[2].trim()).toBe('REVOCATION UNAVAILABLE');
    expect(r.out).toContain(`  ${target('crl-unavailable')} — REVOCATION UNAVAILABLE: leaf revocation unavailable: CRL HTTP 404`);
    expect(r.out).toContain(`  ${target('crl-revoked')} — REVOKED: leaf revocation revoked via CRL`);
    const lone = await check([target('crl-unavailable')], ['--format', 'text']);
    expect(lone.code).toBe(ExitCode.revocationUnavailable);
    expect(lone.out).toContain(`${target('crl-unavailable')} — REVOCATION UNAVAILABLE`);
    expect(lone.out).toMatch(/^Verdict: REVOCATION UNAVAILABLE — leaf revocation unavailable: CRL HTTP 404/m);
    expect(lone.out).not.toContain('INVALID');
  });

  test('junit: the failure type names it', async () => {
    const r = await check(all(), ['--format', 'junit']);
    const failureType = (leaf: LeafName): string | undefined => new RegExp(`name="${target(leaf)}"[^>]*>\\s*<failure type="([^"]+)"`).exec(r.out)?.[1];
    expect([failureType('crl-revoked'), failureType('crl-unavailable'), failureType('crl-good')]).toEqual(['revoked', 'revocation-unavailable', undefined]);
  });

  test('github: the annotation says it', async () => {
    const r = await check(all(), ['--format', 'github']);
    const annotation = (leaf: LeafName): string => r.out.split('\n').find((l) => l.includes(`tls-trace check ${target(leaf).replace(':', '%3A')}`)) ?? '';
    expect(annotation('crl-unavailable')).toMatch(/^::error title=[^:]+::revocation unavailable \(\d+ days left\): leaf revocation unavailable: CRL HTTP 404/);
    expect(annotation('crl-revoked')).toMatch(/^::error title=[^:]+::revoked \(\d+ days left\): leaf revocation revoked via CRL/);
  });

  test('csv: the verdict column says it (status stays the JSON word)', async () => {
    const r = await check(all(), ['--format', 'csv']);
    const lines = r.out.trimEnd().split('\r\n');
    const verdict = lines[0].split(',').indexOf('verdict');
    expect(verdict).toBeGreaterThan(5);
    const row = (leaf: LeafName): string[] => (lines.find((l) => l.startsWith(`${target(leaf)},`)) ?? '').split(',');
    expect([row('crl-good')[5], row('crl-good')[verdict]]).toEqual(['valid', 'valid']);
    expect([row('crl-revoked')[5], row('crl-revoked')[verdict]]).toEqual(['invalid', 'revoked']);
    expect([row('crl-unavailable')[5], row('crl-unavailable')[verdict]]).toEqual(['invalid', 'revocation-unavailable']);
  });

  test('openmetrics: tls_trace_revocation_ok 0/1 beside the exit code; absent with --revocation off', async () => {
    const r = await check(all(), ['--format', 'openmetrics']);
    const value = (metric: string, leaf: LeafName): string | undefined => new RegExp(`^${metric}\\{target="${target(leaf)}"[^}]*\\} (\\S+)$`, 'm').exec(r.out)?.[1];
    expect(LEAVES.map((l) => value('tls_trace_revocation_ok', l))).toEqual(['1', '0', '0']);
    expect(LEAVES.map((l) => value('tls_trace_exit_code', l))).toEqual(['0', String(ExitCode.revoked), String(ExitCode.revocationUnavailable)]);
    const off = await check(all(), ['--format', 'openmetrics', '--revocation', 'off']);
    expect(off.out).not.toMatch(/^tls_trace_revocation_ok\{/m);
  });
});
