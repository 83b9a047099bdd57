// analyseChain over every generated variant: the exact failing facts, and the verdict
// cross-checked against `openssl verify` on the same files.

import { execFileSync } from 'node:child_process';
import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import type { ChainReport } from '../../src/analyse/chain/types.js';
import { testPki } from './helpers/pki.js';

const pki = testPki();
const store = buildTrustStore([{ origin: 'ca-file', pem: pki.pem('root.pem'), file: 'root.pem' }]);
const at = new Date();

interface Case {
  host: string;
  valid: boolean;
  /** Failed facts of severity error or warning, sorted. */
  failed: string[];
}

const cases: Record<string, Case> = {
  'good-rsa': { host: 'localhost', valid: true, failed: [] },
  'good-ecdsa': { host: 'localhost', valid: true, failed: [] },
  ed25519: { host: 'localhost', valid: true, failed: [] },
  expired: { host: 'localhost', valid: false, failed: ['validity'] },
  notyet: { host: 'localhost', valid: false, failed: ['validity'] },
  expiring: { host: 'localhost', valid: true, failed: ['expiry.soon'] },
  selfsigned: { host: 'localhost', valid: false, failed: ['trust'] },
  wronghost: { host: 'localhost', valid: false, failed: ['hostname'] },
  untrusted: { host: 'localhost', valid: false, failed: ['trust'] },
  incomplete: { host: 'localhost', valid: false, failed: ['trust'] },
  outoforder: { host: 'localhost', valid: true, failed: ['sent.order'] },
  rsa1024: { host: 'localhost', valid: false, failed: ['weak.key'] },
  sha1: { host: 'localhost', valid: false, failed: ['weak.signature'] },
  wildcard: { host: 'www.tls-trace.test', valid: true, failed: [] },
  ipsan: { host: '127.0.0.1', valid: true, failed: [] },
  clientauth: { host: 'localhost', valid: false, failed: ['leaf.eku'] },
  longvalid: { host: 'localhost', valid: true, failed: [] },
  pathlen: { host: 'localhost', valid: false, failed: ['link.pathLen'] },
  duplicate: { host: 'localhost', valid: true, failed: ['sent.duplicates'] },
  extra: { host: 'localhost', valid: true, failed: ['sent.extra'] },
};

function analyse(variant: string, extra: Partial<Parameters<typeof analyseChain>[0]> = {}): ChainReport {
  return analyseChain({ certificates: pki.chain(variant), source: 'decoded', at, host: cases[variant]?.host ?? 'localhost', trustStore: store, warnDays: 30, ...extra });
}

const failedChecks = (r: ChainReport): string[] =>
  [...new Set(r.facts.filter((f) => !f.ok && f.severity !== 'info').map((f) => f.check))].sort();

/** openssl verify with the same trust, purpose, host and a security level that rejects weak crypto. */
function opensslVerifies(variant: string, host: string, attime?: Date): boolean {
  const hostArgs = /^[0-9.]+$/.test(host) ? ['-verify_ip', host] : ['-verify_hostname', host];
  const args = ['verify', '-CAfile', pki.file('root.pem'), '-untrusted', pki.file(`${variant}.chain.pem`), '-purpose', 'sslserver', '-auth_level', '2', ...hostArgs];
  if (attime) args.push('-attime', String(Math.floor(attime.getTime() / 1000)));
  args.push(pki.file(`${variant}.pem`));
  try {
    execFileSync('openssl', args, { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

test('the manifest lists every variant the tests know', () => {
  expect([...pki.variants].sort()).toEqual(Object.keys(cases).sort());
});

describe.each(Object.entries(cases))('%s', (variant, c) => {
  const r = analyse(variant);
  test(`verdict ${c.valid ? 'valid' : 'invalid'}, failing ${c.failed.join(', ') || 'nothing'}`, () => {
    expect(failedChecks(r)).toEqual(c.failed);
    expect(r.valid).toBe(c.valid);
    expect(r.errors.length === 0).toBe(c.valid);
  });
  test('agrees with openssl verify', () => {
    expect(opensslVerifies(variant, c.host)).toBe(c.valid);
  });
});

describe('details of the facts', () => {
  test('good chain: path, roles, anchor, links', () => {
    const r = analyse('good-rsa');
    expect(r.certificates.map((c) => [c.sentIndex, c.role, c.inPath])).toEqual([
      [0, 'leaf', true],
      [1, 'intermediate', true],
      [null, 'anchor', true],
    ]);
    expect(r.anchor).toMatchObject({ subject: 'O=tls-trace test, CN=tls-trace Test Root CA', origin: 'ca-file', sent: false, file: 'root.pem' });
    const links = r.facts.filter((f) => f.check.startsWith('link.'));
    expect(links.every((f) => f.ok)).toBe(true);
    expect(links.map((f) => f.check).sort()).toEqual(
      ['link.signature', 'link.signature', 'link.name', 'link.name', 'link.keyId', 'link.keyId', 'link.issuerCa', 'link.issuerCa', 'link.keyCertSign', 'link.keyCertSign', 'link.pathLen'].sort(),
    );
    expect(r.daysLeft).toBe(89);
    expect(r.problems).toEqual([]);
    expect(r.certificates.every((c) => c.verdict === 'ok')).toBe(true);
  });

  test('missing intermediate names the issuer and the AIA URL', () => {
    const r = analyse('incomplete');
    expect(r.errors).toEqual([
      'missing intermediate: issuer "O=tls-trace test, CN=tls-trace Test Intermediate CA" of "O=tls-trace test, CN=localhost" was neither sent nor in the trust store; AIA CA Issuers: http://ca.tls-trace.test/intermediate.der',
    ]);
    expect(r.anchor).toBeUndefined();
  });

  test('untrusted root is named; self-signed leaf is recognised', () => {
    expect(analyse('untrusted').errors[0]).toBe('chain ends at root "O=tls-trace other, CN=tls-trace Untrusted Root CA", which is not in the trust store');
    const self = analyse('selfsigned');
    expect(self.errors[0]).toMatch(/^self-signed certificate "O=tls-trace test, CN=localhost"/);
    expect(self.certificates[0].verdict).toBe('error');
  });

  test('out of order: order and root-included facts, still valid', () => {
    const r = analyse('outoforder');
    expect(r.facts.find((f) => f.check === 'sent.order')?.reason).toContain('#0 → #2 → #1');
    expect(r.facts.find((f) => f.check === 'sent.root')).toMatchObject({ ok: false, severity: 'info' });
    expect(r.anchor).toMatchObject({ sent: true });
    expect(r.certificates.map((c) => c.role)).toEqual(['leaf', 'intermediate', 'root']);
  });

  test('duplicates and unrelated extras are named', () => {
    const dup = analyse('duplicate');
    expect(dup.problems).toEqual(['duplicate certificates sent: #2 duplicates #1']);
    // Facts about the intermediate belong to its path row, not to the duplicate.
    expect(dup.certificates.map((c) => [c.sentIndex, c.role])).toEqual([[0, 'leaf'], [1, 'intermediate'], [null, 'anchor'], [2, 'extra']]);
    expect(dup.facts.filter((f) => f.check === 'link.issuerCa').map((f) => f.cert)).toEqual([1, 2]);
    const extra = analyse('extra');
    expect(extra.problems).toEqual(['certificates sent that are not on the path: #2 "O=tls-trace other, CN=tls-trace Untrusted Root CA"']);
    expect(extra.certificates[3]).toMatchObject({ role: 'extra', inPath: false, sentIndex: 2, verdict: 'warning', problems: ['sent, but not on the path to a trust anchor'] });
    expect(dup.certificates[3]).toMatchObject({ verdict: 'warning', problems: ['duplicate of #1'] });
    expect(dup.certificates[1]).toMatchObject({ verdict: 'ok', problems: [] });
  });

  test('pathLen: the intermediate allows 0 CAs below it', () => {
    expect(analyse('pathlen').errors).toEqual([`path length 1 exceeds "O=tls-trace test, CN=tls-trace Test Intermediate CA"'s pathLen 0`]);
  });

  test('hostname rules on live variants', () => {
    expect(analyse('wildcard', { host: 'a.b.tls-trace.test' }).errors[0]).toContain('does not match the SANs (*.tls-trace.test)');
    expect(analyse('ipsan', { host: 'localhost' }).errors[0]).toBe('localhost does not match: no DNS SANs, and the CN is not used when there are IP SANs (127.0.0.1)');
    expect(analyse('good-ecdsa', { host: '::1' }).valid).toBe(true);
    expect(analyse('good-ecdsa', { host: '0:0::1' }).valid).toBe(true);
    expect(analyse('good-ecdsa', { host: 'LOCALHOST.' }).valid).toBe(true);
    expect(analyse('good-ecdsa', { host: undefined }).facts.some((f) => f.check === 'hostname')).toBe(false);
  });

  test('leaf lifetime over 398 days: a note for private anchors, an error for public ones', () => {
    expect(analyse('longvalid').facts.find((f) => f.check === 'leaf.lifetime')).toMatchObject({ ok: false, severity: 'info' });
    const publicStore = buildTrustStore([{ origin: 'system', pem: pki.pem('root.pem') }]);
    const r = analyse('longvalid', { trustStore: publicStore });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatch(/^leaf lifetime 50\d days exceeds 398 days/);
    expect(analyse('good-ecdsa', { trustStore: publicStore }).valid).toBe(true);
  });

  test('the pinned clock: --at in 100 days expires the good leaf, as openssl -attime agrees', () => {
    const later = new Date(at.getTime() + 100 * 86_400_000);
    const r = analyse('good-ecdsa', { at: later });
    expect(failedChecks(r)).toEqual(['validity']);
    expect(r.at).toBe(later.toISOString());
    expect(opensslVerifies('good-ecdsa', 'localhost', later)).toBe(false);
    // And the not-yet-valid leaf becomes valid in 20 days.
    const soon = new Date(at.getTime() + 20 * 86_400_000);
    expect(analyse('notyet', { at: soon }).valid).toBe(true);
    expect(opensslVerifies('notyet', 'localhost', soon)).toBe(true);
  });

  test('expiry threshold: expiring leaf has 9 whole days left', () => {
    const r = analyse('expiring');
    expect(r.daysLeft).toBe(9);
    expect(analyse('expiring', { warnDays: 5 }).problems).toEqual([]);
  });

  test("Node's chain: order checks are not claimed", () => {
    const r = analyse('outoforder', { source: 'node' });
    expect(r.source).toBe('node');
    expect(r.facts.find((f) => f.check === 'sent.order')).toMatchObject({ ok: true, severity: 'info' });
    expect(r.facts.some((f) => f.check === 'sent.root')).toBe(false);
  });

  test('no certificates, garbage certificates', () => {
    expect(analyseChain({ certificates: [], source: 'decoded', at, trustStore: store }).errors).toEqual(['the server sent no certificate']);
    const r = analyseChain({ certificates: ['3003020100'], source: 'decoded', at, trustStore: store });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatch(/^certificate #0 could not be parsed/);
  });

  test('trust from the system store: the private chain is untrusted', () => {
    const system = buildTrustStore([]);
    const r = analyse('good-ecdsa', { trustStore: system });
    expect(r.errors[0]).toMatch(/^missing issuer: issuer "O=tls-trace test, CN=tls-trace Test Root CA"/);
    expect(r.errors[0]).toContain('AIA CA Issuers: http://ca.tls-trace.test/root.der');
  });
});
