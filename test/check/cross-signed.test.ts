// Path building with a cross-signed root: the server sends leaf, intermediate, and the new root
// cross-signed by an old root (expired at the checked time, or absent from the store), while the
// store holds the self-signed new root (same subject and key). The path must end at the
// self-signed root, as OpenSSL (X509_V_FLAG_TRUSTED_FIRST, its default) and browsers build it.
// Every verdict is compared with `openssl verify -CAfile … -untrusted …` on the same files.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { requireTool, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';
import { testContext } from './helpers.js';

const describeOpenssl = requireTool('openssl') ? describe : describe.skip;
const DAY = 86_400_000;
/** The clock of the cases where the old root has expired (it lives 30 days; the rest much longer). */
const LATER = new Date(Date.now() + 60 * DAY);

describeOpenssl('cross-signed root', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-cross-'));
  const file = (n: string): string => path.join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
  let server: TestServer;

  beforeAll(async () => {
    for (const k of ['old', 'new', 'int', 'leaf']) ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${k}.key`);
    writeFileSync(file('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    writeFileSync(file('leaf.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.cross.test\n');
    const root = (k: string, cn: string, days: string, out = `${k}-root.pem`): void => ssl('req', '-x509', '-new', '-key', `${k}.key`, '-subj', `/CN=${cn}`, '-days', days, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', out);
    const issue = (k: string, cn: string, ca: string, caKey: string, ext: string, days: string, out: string): void => {
      ssl('req', '-new', '-key', `${k}.key`, '-subj', `/CN=${cn}`, '-out', `${out}.csr`);
      ssl('x509', '-req', '-in', `${out}.csr`, '-CA', ca, '-CAkey', caKey, '-set_serial', String(Math.floor(Math.random() * 1e9)), '-days', days, '-extfile', ext, '-out', `${out}.pem`);
    };
    root('old', 'Cross Old Root', '30');
    root('new', 'Cross New Root', '3650');
    // The new root re-issued: same name and key, a short life (expired at LATER).
    root('new', 'Cross New Root', '30', 'new-short-root.pem');
    // The new root's subject and key, signed by the old root: what a server sends for old clients.
    issue('new', 'Cross New Root', 'old-root.pem', 'old.key', 'ca.ext', '3000', 'cross');
    issue('int', 'Cross Intermediate', 'new-root.pem', 'new.key', 'ca.ext', '3000', 'int');
    issue('leaf', 'www.cross.test', 'int.pem', 'int.key', 'leaf.ext', '200', 'leaf');
    const read = (n: string): string => readFileSync(file(n), 'utf8');
    writeFileSync(file('untrusted.pem'), read('int.pem') + read('cross.pem'));
    writeFileSync(file('both-roots.pem'), read('new-root.pem') + read('old-root.pem'));
    writeFileSync(file('reissued-roots.pem'), read('new-short-root.pem') + read('new-root.pem'));
    server = await startNodeTlsServer({ cert: read('leaf.pem') + read('int.pem') + read('cross.pem'), key: read('leaf.key'), maxVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function opensslVerifies(store: string, at?: Date): boolean {
    const attime = at ? ['-attime', String(Math.floor(at.getTime() / 1000))] : [];
    const r = spawnSync('openssl', ['verify', '-CAfile', file(store), '-untrusted', file('untrusted.pem'), '-purpose', 'sslserver', '-verify_hostname', 'www.cross.test', ...attime, file('leaf.pem')], { encoding: 'utf8', timeout: 10_000 });
    return r.status === 0;
  }

  async function check(store: string, at?: Date): Promise<{ code: number; doc: CheckJson }> {
    const ctx = testContext();
    const args = ['check', '--no-color', '--timeout', '5000', '--revocation', 'off', '--no-system-ca', '--ca', file(store), '--json', '--servername', 'www.cross.test', ...(at ? ['--at', at.toISOString()] : []), `127.0.0.1:${server.port}`];
    const code = await main(args, ctx);
    return { code, doc: parseValid<CheckJson>('check', ctx.out()) };
  }

  const pathOf = (doc: CheckJson): string[] => (doc.results[0].chain?.certificates ?? []).filter((c) => c.inPath).map((c) => `${c.certificate.subject}${c.sentIndex === null ? ' (store)' : ` (#${c.sentIndex})`}`);

  test.each<[string, string, Date | undefined]>([
    ['store holds only the self-signed new root', 'new-root.pem', undefined],
    ['store holds the new root and the old root, which has expired', 'both-roots.pem', LATER],
    ['store holds only the self-signed new root, old root expired', 'new-root.pem', LATER],
    ['store holds the new root twice (same name and key), the first one expired', 'reissued-roots.pem', LATER],
  ])('%s: valid through the self-signed root, as openssl verify says', async (_what, store, at) => {
    expect(opensslVerifies(store, at)).toBe(true);
    const { code, doc } = await check(store, at);
    expect(pathOf(doc)).toEqual(['CN=www.cross.test (#0)', 'CN=Cross Intermediate (#1)', 'CN=Cross New Root (store)']);
    expect(doc.results[0].chain?.anchor?.subject).toBe('CN=Cross New Root');
    expect(doc.results[0].status).toBe('valid');
    expect(code).toBe(0);
    // The cross-sign is off the path, sent on purpose for older clients: a note, not an extra.
    const facts = doc.results[0].chain?.facts ?? [];
    expect(facts.find((f) => f.check === 'sent.extra')?.ok).toBe(true);
    const note = facts.find((f) => f.check === 'sent.crossSigned');
    expect(note?.reason).toBe('#2 "CN=Cross New Root" is the trust anchor cross-signed by "CN=Cross Old Root": the path ends at the self-signed anchor with the same name and key instead; it serves clients that trust only the older root');
    const row = doc.results[0].chain?.certificates.find((c) => c.sentIndex === 2);
    expect([row?.role, row?.verdict, row?.problems]).toEqual(['extra', 'ok', []]);
  });

  test('store holds only the old root: the path goes through the cross-signed certificate (valid while the old root is)', async () => {
    expect(opensslVerifies('old-root.pem')).toBe(true);
    const { code, doc } = await check('old-root.pem');
    expect(pathOf(doc)).toEqual(['CN=www.cross.test (#0)', 'CN=Cross Intermediate (#1)', 'CN=Cross New Root (#2)', 'CN=Cross Old Root (store)']);
    expect(code).toBe(0);
  });

  test('store holds only the old root, expired: invalid, as openssl verify says', async () => {
    expect(opensslVerifies('old-root.pem', LATER)).toBe(false);
    const { code, doc } = await check('old-root.pem', LATER);
    expect(doc.results[0].status).toBe('invalid');
    expect(doc.results[0].chain?.errors.join('\n')).toMatch(/"CN=Cross Old Root" expired/);
    expect(code).toBe(8);
  });
});
