// End to end against `openssl s_server` instances whose configuration each test sets: the scan
// must report exactly the versions, suites, order, groups and signature schemes configured.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanServer } from '../../src/scan/scanner.js';
import type { ScanResult } from '../../src/scan/types.js';
import { demoPaths, describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { withValidJson } from './helpers.js';

const TLS10 = 0x0301;
const TLS11 = 0x0302;
const TLS12 = 0x0303;
const TLS13 = 0x0304;

async function scanWith(args: string[]): Promise<ScanResult> {
  const server: TestServer = await startOpensslServer(args);
  try {
    return withValidJson(await scanServer({ host: '127.0.0.1', port: server.port, servername: 'localhost', timeoutMs: 5000, concurrency: 6 }));
  } finally {
    await server.close();
  }
}

const supported = (r: ScanResult): number[] => r.versions.filter((v) => v.supported).map((v) => v.version);
const suites = (r: ScanResult, version: number): number[] => r.versions.find((v) => v.version === version)!.suites.map((s) => s.code);
const order = (r: ScanResult, version: number): string | undefined => r.versions.find((v) => v.version === version)!.order;
const findingIds = (r: ScanResult): string[] => r.findings.map((f) => f.id);

describeWithTools('openssl')('scan against openssl s_server', () => {
  it('TLS 1.2 only, server order: exact suites in the configured order, groups, signature schemes', async () => {
    const r = await scanWith([
      '-tls1_2',
      '-serverpref',
      '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305',
      '-groups', 'P-384:X25519',
      '-sigalgs', 'RSA-PSS+SHA384:RSA+SHA256',
      '-alpn', 'http/1.1,h2',
    ]);
    expect(supported(r)).toEqual([TLS12]);
    expect(suites(r, TLS12)).toEqual([0xc030, 0x002f, 0x009e, 0xcca8]);
    expect(order(r, TLS12)).toBe('server');
    expect(r.groups.tls12?.groups).toEqual([0x0018, 0x001d]);
    expect(r.groups.tls12?.order).toBe('server');
    expect(r.groups.tls13).toBeNull();
    expect(r.signatureSchemes.tls12).toEqual([0x0805, 0x0401]);
    expect(r.signatureSchemes.tls13).toBeNull();
    // The ECDHE suites were negotiated with the server's first group, DHE with OpenSSL's 2048-bit default.
    const byCode = new Map(r.versions.find((v) => v.version === TLS12)!.suites.map((s) => [s.code, s]));
    expect(byCode.get(0xc030)?.group).toBe(0x0018);
    expect(byCode.get(0x009e)?.dhBits).toBe(2048);
    expect(r.features.fallbackScsv).toBeNull(); // one version: nothing to fall back to
    expect(r.features.secureRenegotiation).toBe(true);
    expect(r.features.extendedMasterSecret).toBe(true);
    expect(r.features.encryptThenMac).toBe(true); // offered with the CBC suite AES128-SHA
    expect(r.features.compression).toEqual([]);
    expect(r.features.alpn).toEqual(['http/1.1', 'h2']); // s_server picks by its own list's order
    expect(r.certificates).toHaveLength(1);
    expect(r.certificates[0]).toMatchObject({ publicKey: { type: 'rsa', bits: 2048, label: 'RSA 2048' }, subject: 'CN=localhost', chainLength: 2 });
    expect(findingIds(r)).toEqual(expect.arrayContaining(['no-tls13', 'static-key-exchange']));
    expect(findingIds(r)).not.toContain('no-forward-secrecy');
  });

  it('client order: the same suites, reported as following the client', async () => {
    const r = await scanWith(['-tls1_2', '-cipher', 'AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256']);
    expect(new Set(suites(r, TLS12))).toEqual(new Set([0xc030, 0x002f, 0x009e]));
    expect(order(r, TLS12)).toBe('client');
  });

  it('TLS 1.3 only: suites, groups with HelloRetryRequest, signature schemes of an ECDSA certificate', async () => {
    const r = await scanWith([
      '-tls1_3',
      '-serverpref',
      '-cert', demoPaths.ecdsaLeaf, '-key', demoPaths.ecdsaKey, '-cert_chain', demoPaths.intermediate,
      '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256',
      '-groups', 'X448:P-384:ffdhe2048',
      '-alpn', 'h2,http/1.1',
    ]);
    expect(supported(r)).toEqual([TLS13]);
    expect(suites(r, TLS13)).toEqual([0x1303, 0x1301]);
    expect(order(r, TLS13)).toBe('server');
    expect(r.groups.tls13?.groups).toEqual([0x001e, 0x0018, 0x0100]);
    expect(r.groups.tls13?.order).toBe('server');
    // A client with x25519/P-256 shares must be sent back for one of the server's groups.
    expect(r.groups.tls13?.typicalClient).toEqual({ group: 0x001e, helloRetryRequest: true });
    // A P-256 key signs only with ecdsa_secp256r1_sha256 in TLS 1.3 (RFC 8446 §4.2.3).
    expect(r.signatureSchemes.tls13).toEqual([0x0403]);
    expect(r.certificates.map((c) => c.publicKey.label)).toEqual(['EC P-256']);
    expect(r.features.fallbackScsv).toBeNull();
    expect(r.features.alpn).toEqual(['h2', 'http/1.1']); // through Node handshakes: 1.3 encrypts ALPN
    expect(findingIds(r)).not.toContain('no-tls13');
  });

  it('default configuration: TLS 1.2 + 1.3 with downgrade protection and the sentinel', async () => {
    const r = await scanWith([]);
    expect(supported(r)).toEqual([TLS12, TLS13]);
    expect(suites(r, TLS13)).toEqual(expect.arrayContaining([0x1301, 0x1302, 0x1303]));
    expect(suites(r, TLS13)).toHaveLength(3);
    expect(r.features.fallbackScsv).toBe('protected');
    expect(r.features.downgradeSentinel).toBe('present');
    expect(r.ssl2).toBe(false);
    expect(r.signatureSchemes.tls13).toEqual(expect.arrayContaining([0x0804, 0x0805, 0x0806]));
    expect(r.signatureSchemes.tls13).toHaveLength(3);
  });

  it('a different certificate with SNI than without', async () => {
    // s_server answers SNI "localhost" from its second context (ECDSA), everything else with RSA.
    const r = await scanWith(['-tls1_2', '-servername', 'localhost', '-cert2', demoPaths.ecdsaLeaf, '-key2', demoPaths.ecdsaKey]);
    const byKey = new Map(r.certificates.map((c) => [c.publicKey.label, c.servedFor]));
    expect([...byKey.keys()].sort()).toEqual(['EC P-256', 'RSA 2048']);
    expect(byKey.get('EC P-256')).toEqual(['TLS 1.2 ECDSA suites, SNI localhost']);
    expect(byKey.get('RSA 2048')).toEqual(['TLS 1.2 RSA suites, no SNI']);
  });

  describe('OCSP stapling', () => {
    let dir: string;
    let response: string;
    beforeAll(() => {
      // A real OCSP response for the demo RSA leaf, signed by the demo intermediate.
      dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-scan-ocsp-'));
      const sh = (args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
      const serial = sh(['x509', '-in', demoPaths.rsaLeaf, '-noout', '-serial']).trim().split('=')[1];
      const subject = sh(['x509', '-in', demoPaths.rsaLeaf, '-noout', '-subject', '-nameopt', 'compat']).trim().replace(/^subject=/, '');
      writeFileSync(path.join(dir, 'index.txt'), `V\t361119000000Z\t\t${serial}\tunknown\t${subject}\n`);
      sh(['ocsp', '-issuer', demoPaths.intermediate, '-cert', demoPaths.rsaLeaf, '-reqout', 'req.der', '-no_nonce']);
      sh(['ocsp', '-index', 'index.txt', '-rsigner', demoPaths.intermediate, '-rkey', path.join(path.dirname(demoPaths.intermediate), 'intermediate.key'),
        '-CA', demoPaths.intermediate, '-reqin', 'req.der', '-respout', 'resp.der', '-ndays', '2']);
      response = path.join(dir, 'resp.der');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is seen in TLS 1.2 (CertificateStatus) and on a TLS 1.3-only server (through Node)', async () => {
      const mixed = await scanWith(['-status_file', response]);
      expect(mixed.features.ocspStapling).toBe(true);
      const only13 = await scanWith(['-tls1_3', '-status_file', response]);
      expect(only13.features.ocspStapling).toBe(true);
      expect(only13.features.sessionTickets).toBe(true);
      const none = await scanWith(['-tls1_3']);
      expect(none.features.ocspStapling).toBe(false);
    });
  });

  describe('an Ed25519 certificate', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-scan-ed25519-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-subj', '/CN=localhost', '-days', '2',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore', timeout: 20_000 });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('signs with ed25519 in TLS 1.2 (ECDSA-auth suites) and TLS 1.3', async () => {
      const r = await scanWith(['-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'), '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
      expect(supported(r)).toEqual([TLS12, TLS13]);
      expect(suites(r, TLS12)).toEqual([0xc02b]);
      expect(r.signatureSchemes.tls12).toEqual([0x0807]);
      expect(r.signatureSchemes.tls13).toEqual([0x0807]);
      expect(r.certificates.map((c) => c.publicKey.label)).toEqual(['Ed25519']);
      expect(r.certificates[0].signatureAlgorithm?.name).toBe('Ed25519');
    });
  });

  describe('legacy and weak configuration', () => {
    // 1024-bit DH parameters made once with `openssl dhparam -out dh1024.pem 1024` (generating them
    // takes seconds, too slow for every run).
    const dhFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dh1024.pem');

    it('TLS 1.0 and 1.1 with NULL, anonymous and 1024-bit DHE suites', async () => {
      const r = await scanWith([
        '-no_tls1_3',
        '-no_tls1_2',
        '-serverpref',
        '-cipher', 'DHE-RSA-AES128-SHA:NULL-SHA:ADH-AES256-SHA:CAMELLIA128-SHA:@SECLEVEL=0',
        '-dhparam', dhFile,
      ]);
      expect(supported(r)).toEqual([TLS10, TLS11]);
      for (const v of [TLS10, TLS11]) {
        expect(suites(r, v)).toEqual([0x0033, 0x0002, 0x003a, 0x0041]);
        expect(order(r, v)).toBe('server');
      }
      expect(r.versions.find((v) => v.version === TLS10)!.suites[0].dhBits).toBe(1024);
      expect(r.features.fallbackScsv).toBe('protected');
      expect(findingIds(r)).toEqual(
        expect.arrayContaining(['tls10-enabled', 'tls11-enabled', 'no-tls13', 'null-suites', 'anon-suites', 'weak-dh', 'cbc-only']),
      );
      expect(r.findings.find((f) => f.id === 'weak-dh')?.reason).toContain('1024-bit');
      // (Debian's OpenSSL 3 has no 3DES or RC4 at all; those rules are covered in findings.test.ts.)
      // Findings come sorted, most severe first.
      expect(r.findings[0].severity).toBe('critical');
    });
  });
});
