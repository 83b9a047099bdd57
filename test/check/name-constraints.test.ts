// RFC 5280 name constraints in `check`: each variant's chain (a CA with nameConstraints, made by
// openssl) served from a loopback TLS server and checked in-process. The verdict must be the one
// `openssl verify -CAfile … -untrusted …` gives on the same files (independent golden), and an
// invalid one must fail exactly the nameConstraints fact, naming the CA and the offending name,
// with the exit code of every other chain failure (8).

import { spawnSync } from 'node:child_process';
import { isIP } from 'node:net';
import { main } from '../../src/cli/main.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { requireTool, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';
import { testContext } from './helpers.js';
import { NC_VARIANTS, ncPki } from './helpers/nc-pki.js';

const describeOpenssl = requireTool('openssl') ? describe : describe.skip;

describeOpenssl('name constraints', () => {
  const pki = ncPki();
  const servers = new Map<string, TestServer>();

  beforeAll(async () => {
    // TLS 1.2 so the chain is read as sent, from the decoded Certificate message.
    for (const v of Object.keys(NC_VARIANTS)) servers.set(v, await startNodeTlsServer({ ...pki.serverOptions(v), maxVersion: 'TLSv1.2' }));
  });
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  async function check(variant: string): Promise<{ code: number; doc: CheckJson }> {
    const { host } = NC_VARIANTS[variant];
    const port = (servers.get(variant) as TestServer).port;
    const target = isIP(host) ? [`${host}:${port}`] : [`127.0.0.1:${port}`, '--servername', host];
    const ctx = testContext();
    const code = await main(['check', '--no-color', '--timeout', '5000', '--revocation', 'off', '--no-system-ca', '--ca', pki.file('roots.pem'), '--json', ...target], ctx);
    return { code, doc: parseValid<CheckJson>('check', ctx.out()) };
  }

  /** The independent judge: openssl verify with the same anchors, purpose and reference identity. */
  function opensslVerify(variant: string): { ok: boolean; out: string } {
    const { host } = NC_VARIANTS[variant];
    const untrusted = pki.untrusted(variant) ? ['-untrusted', pki.file(`${variant}.untrusted.pem`)] : [];
    const identity = isIP(host) ? ['-verify_ip', host] : ['-verify_hostname', host];
    const r = spawnSync('openssl', ['verify', '-CAfile', pki.file('roots.pem'), ...untrusted, '-purpose', 'sslserver', ...identity, pki.file(`${variant}.pem`)], { encoding: 'utf8', timeout: 10_000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  }

  test.each(Object.keys(NC_VARIANTS))('%s: openssl verify gives the expected verdict, for name constraints', (variant) => {
    const r = opensslVerify(variant);
    expect(r.ok).toBe(NC_VARIANTS[variant].valid);
    // Failing for another reason would make openssl no judge of constraints. OpenSSL cannot load
    // the CA whose extension is not a NameConstraints at all, so it finds no issuer there.
    if (!r.ok) expect(r.out).toMatch(variant === 'broken-below' ? /unable to get local issuer certificate/ : /subtree violation|name constraint/);
  });

  test.each(Object.keys(NC_VARIANTS))('%s: check agrees, with the reason and exit code', async (variant) => {
    const v = NC_VARIANTS[variant];
    const { code, doc } = await check(variant);
    const chain = doc.results[0].chain;
    const failed = [...new Set((chain?.facts ?? []).filter((f) => !f.ok && f.severity !== 'info').map((f) => f.check))];
    const nc = (chain?.facts ?? []).filter((f) => f.check === 'nameConstraints');
    expect(chain?.source).toBe('decoded');
    expect(nc.length).toBeGreaterThan(0);
    if (v.valid) {
      expect(failed).toEqual([]);
      expect(doc.results[0].status).toBe('valid');
      expect(code).toBe(0);
      expect(nc.every((f) => f.ok)).toBe(true);
    } else {
      expect(failed).toEqual(['nameConstraints']);
      expect(doc.results[0].status).toBe('invalid');
      expect(code).toBe(8);
      const bad = nc.filter((f) => !f.ok);
      expect(bad).toHaveLength(1);
      expect(bad[0].reason).toMatch(v.reason as RegExp);
      // The finding sits on the leaf's row (or the CA's, when its constraints cannot be applied).
      const row = v.onCa ? 1 : 0;
      expect(bad[0].cert).toBe(row);
      expect(chain?.certificates[row].problems).toContain(bad[0].reason);
    }
  });

  test('a trace judges the chain the same way (its chain section, exit 0)', async () => {
    const ctx = testContext();
    const port = (servers.get('dns-outside') as TestServer).port;
    const code = await main([`127.0.0.1:${port}`, '--servername', 'www.other.test', '--no-system-ca', '--ca', pki.file('roots.pem'), '--json', '--timeout', '5000'], ctx);
    expect(code).toBe(0);
    const doc = JSON.parse(ctx.out()) as { chain: { valid: boolean; errors: string[] } };
    expect(doc.chain.valid).toBe(false);
    expect(doc.chain.errors).toEqual(['leaf name DNS:www.other.test is not within "CN=NC dns"\'s permitted subtrees (DNS:example.test)']);
  });
});
