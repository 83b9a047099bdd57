// RFC 5280 name constraints in `check`: each variant's chain (a CA with nameConstraints, made by
// openssl) served from a loopback TLS server and checked in-process. The verdict must be the one
// `openssl verify -CAfile … -untrusted …` gives on the same files (independent golden), and an
// invalid one must fail exactly the nameConstraints fact, naming the CA and the offending name,
// with the exit code of every other chain failure (8).

import { execFileSync } from 'node:child_process';
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
  function opensslVerifies(variant: string): boolean {
    const { host } = NC_VARIANTS[variant];
    const untrusted = pki.untrusted(variant) ? ['-untrusted', pki.file(`${variant}.untrusted.pem`)] : [];
    const identity = isIP(host) ? ['-verify_ip', host] : ['-verify_hostname', host];
    try {
      execFileSync('openssl', ['verify', '-CAfile', pki.file('roots.pem'), ...untrusted, '-purpose', 'sslserver', ...identity, pki.file(`${variant}.pem`)], { stdio: 'pipe', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  }

  test.each(Object.keys(NC_VARIANTS))('%s: openssl verify gives the expected verdict', (variant) => {
    expect(opensslVerifies(variant)).toBe(NC_VARIANTS[variant].valid);
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
      // The finding sits on the leaf's row, whose problems list it.
      expect(bad[0].cert).toBe(0);
      expect(chain?.certificates[0].problems).toContain(bad[0].reason);
    }
  });
});
