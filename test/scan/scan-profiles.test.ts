// `scan --profile` against real servers configured with the knobs Mozilla's guideline names
// (openssl s_server -cipher/-ciphersuites/-groups/-no_tls1_3/-serverpref, nginx ssl_protocols/
// ssl_ciphers/ssl_ecdh_curve): each rule a real server can show passes once and fails once, through
// the whole CLI (exit code, --json against the schema, the text section). The certificates are
// made here with openssl so their key, signature and lifetime are the ones each case needs.

import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';
import type { ScanJson } from '../../src/report/scan-json.js';
import { MOZILLA_GUIDELINES } from '../../src/scan/profiles/mozilla-guidelines.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';
import { describeWithTools, startNginx, startOpensslServer, type TestServer } from '../helpers/servers.js';

const opensslList = (name: 'intermediate' | 'old'): string => MOZILLA_GUIDELINES[name].ciphers.map(([, o]) => o).join(':');
const TLS13 = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
const GROUPS = 'X25519:P-256:P-384';

let dir = '';
const certs = { ec90: '', ec90Key: '', ec365: '', ec365Key: '', rsa365: '', rsa365Key: '', p521: '', p521Key: '', rsa1024: '', rsa1024Key: '' };

function selfSigned(dir: string, name: string, keyArgs: string[], days: number): [string, string] {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-new', ...keyArgs, '-sha256', '-nodes', '-days', String(days), '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return [cert, key];
}

interface ProfileRun {
  code: number;
  doc: ScanJson;
  ids: string[];
  reasons: string[];
}

async function scanProfile(server: TestServer, profile: string): Promise<ProfileRun> {
  try {
    const r = await runCli(['scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--json', '--profile', profile, '--concurrency', '6']);
    const doc = parseValid<ScanJson>('scan', r.stdout);
    const deviations = doc.mozilla!.profiles.find((p) => p.name === profile)!.deviations;
    return { code: r.code, doc, ids: [...new Set(deviations.map((d) => d.id))].sort(), reasons: deviations.map((d) => d.reason) };
  } finally {
    await server.close();
  }
}

describeWithTools('openssl')('scan --profile against openssl s_server', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-profiles-'));
    [certs.ec90, certs.ec90Key] = selfSigned(dir, 'ec90', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 90);
    [certs.ec365, certs.ec365Key] = selfSigned(dir, 'ec365', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 365);
    [certs.rsa365, certs.rsa365Key] = selfSigned(dir, 'rsa365', ['-newkey', 'rsa:2048'], 365);
    [certs.p521, certs.p521Key] = selfSigned(dir, 'p521', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], 90);
    [certs.rsa1024, certs.rsa1024Key] = selfSigned(dir, 'rsa1024', ['-newkey', 'rsa:1024'], 365);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('modern met: TLS 1.3 only, its three suites and groups, ECDSA P-256 for 90 days; exit 0', async () => {
    const server = await startOpensslServer(['-tls1_3', '-cert', certs.ec90, '-key', certs.ec90Key, '-ciphersuites', TLS13, '-groups', GROUPS]);
    const r = await scanProfile(server, 'modern');
    expect(r.ids).toEqual([]);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.doc.mozilla).toMatchObject({ guideline: '5.7', required: 'modern', best: 'modern' });
  });

  it('modern failed: TLS 1.2 offered, its suites and groups outside, a 365-day certificate; exit 8', async () => {
    const server = await startOpensslServer(['-cert', certs.ec365, '-key', certs.ec365Key, '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256', '-ciphersuites', `${TLS13}:TLS_AES_128_CCM_SHA256`, '-groups', `${GROUPS}:X448`]);
    const r = await scanProfile(server, 'modern');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.ids).toEqual(['mozilla-certificate-lifetime', 'mozilla-group-outside', 'mozilla-protocol-offered', 'mozilla-suite-outside']);
    expect(r.reasons).toEqual(expect.arrayContaining([
      'TLS 1.2 is offered; the profile allows TLS 1.3',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b) is accepted in TLS 1.2',
      'TLS_AES_128_CCM_SHA256 (0x1304) is accepted in TLS 1.3',
      'x448 (0x001e) is accepted; the profile allows x25519, secp256r1, secp384r1',
      expect.stringMatching(/is valid for 365 days; the profile allows at most 90$/),
    ]));
    // The same server meets intermediate apart from the extra TLS 1.3 suite and group.
    const inter = r.doc.mozilla!.profiles.find((p) => p.name === 'intermediate')!;
    expect(new Set(inter.deviations.map((d) => d.id))).toEqual(new Set(['mozilla-group-outside', 'mozilla-suite-outside']));
  });

  it('certificate curve: an ECDSA P-521 leaf fails modern on its curve alone', async () => {
    const server = await startOpensslServer(['-tls1_3', '-cert', certs.p521, '-key', certs.p521Key, '-ciphersuites', TLS13, '-groups', GROUPS]);
    const r = await scanProfile(server, 'modern');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.reasons).toEqual(['the EC P-521 certificate CN=localhost uses P-521; the profile allows P-256, P-384']);
  });

  it('certificate key size: an RSA 1024 leaf fails intermediate (and drags OpenSSL\'s automatic DH prime down to 1024)', async () => {
    const server = await startOpensslServer(['-no_tls1', '-no_tls1_1', '-cert', certs.rsa1024, '-key', certs.rsa1024Key, '-cipher', `${opensslList('intermediate')}:@SECLEVEL=0`, '-ciphersuites', TLS13, '-groups', GROUPS]);
    const r = await scanProfile(server, 'intermediate');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.ids).toEqual(['mozilla-certificate-key-size', 'mozilla-dh-size']);
    expect(r.reasons).toContain('the RSA 1024 certificate CN=localhost has 1024 bits; the profile needs at least 2048');
    // s_server's automatic DH parameters match the certificate's key size.
    expect(r.reasons).toContain('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009e) uses a 1024-bit prime; the profile needs at least 2048');
  });

  it('intermediate met: Mozilla\'s cipher string, TLS 1.2 and 1.3, RSA 2048 for 365 days, DHE at 2048 bits', async () => {
    const server = await startOpensslServer(['-no_tls1', '-no_tls1_1', '-cert', certs.rsa365, '-key', certs.rsa365Key, '-cipher', opensslList('intermediate'), '-ciphersuites', TLS13, '-groups', GROUPS]);
    const r = await scanProfile(server, 'intermediate');
    expect(r.ids).toEqual([]);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.doc.mozilla?.best).toBe('intermediate');
    // Modern fails only on what an RSA intermediate server is: TLS 1.2, its suites, the RSA certificate.
    const modern = r.doc.mozilla!.profiles.find((p) => p.name === 'modern')!;
    expect(new Set(modern.deviations.map((d) => d.id))).toEqual(new Set(['mozilla-protocol-offered', 'mozilla-suite-outside', 'mozilla-certificate-type', 'mozilla-certificate-signature', 'mozilla-certificate-lifetime']));
  });

  it('intermediate failed: TLS 1.3 missing and a CBC suite accepted', async () => {
    const server = await startOpensslServer(['-no_tls1_3', '-no_tls1', '-no_tls1_1', '-cert', certs.rsa365, '-key', certs.rsa365Key, '-cipher', `${opensslList('intermediate')}:ECDHE-RSA-AES128-SHA`, '-groups', GROUPS]);
    const r = await scanProfile(server, 'intermediate');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.ids).toEqual(['mozilla-protocol-missing', 'mozilla-suite-outside']);
    expect(r.reasons).toEqual(['TLS 1.3 is not offered; the profile expects TLS 1.2, TLS 1.3', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013) is accepted in TLS 1.2']);
  });

  it('DH size: a 1024-bit prime fails intermediate (2048) and meets old (1024)', async () => {
    // The 1024-bit parameters the other scan tests use (made once with `openssl dhparam 1024`).
    const dhFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dh1024.pem');
    const args = ['-no_tls1', '-no_tls1_1', '-cert', certs.rsa365, '-key', certs.rsa365Key, '-dhparam', dhFile, '-cipher', `DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0`, '-ciphersuites', TLS13, '-groups', GROUPS];
    const r = await scanProfile(await startOpensslServer(args), 'intermediate');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.reasons).toEqual(['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009e) uses a 1024-bit prime; the profile needs at least 2048']);
    const old = r.doc.mozilla!.profiles.find((p) => p.name === 'old')!;
    expect(old.deviations.map((d) => d.id)).not.toContain('mozilla-dh-size');
  });

  const oldArgs = (): string[] => ['-cert', certs.rsa365, '-key', certs.rsa365Key, '-ciphersuites', TLS13, '-groups', GROUPS];

  it('old met: TLS 1.0 to 1.3 with server preference in Mozilla\'s order', async () => {
    const server = await startOpensslServer([...oldArgs(), '-serverpref', '-cipher', `${opensslList('old')}:@SECLEVEL=0`]);
    const r = await scanProfile(server, 'old');
    expect(r.ids).toEqual([]);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.doc.mozilla?.best).toBe('old');
  });

  it('old failed: the server follows the client, and elsewhere its own order against Mozilla\'s', async () => {
    const client = await scanProfile(await startOpensslServer([...oldArgs(), '-cipher', `${opensslList('old')}:@SECLEVEL=0`]), 'old');
    expect(client.code).toBe(ExitCode.invalid);
    expect(client.ids).toEqual(['mozilla-suite-order']);
    expect(client.reasons).toContain("in TLS 1.2 the server follows the client's suite order; the profile asks for the server's");
    const reversed = MOZILLA_GUIDELINES.old.ciphers.map(([, o]) => o).reverse().join(':');
    const own = await scanProfile(await startOpensslServer([...oldArgs(), '-serverpref', '-cipher', `${reversed}:@SECLEVEL=0`]), 'old');
    expect(own.ids).toEqual(['mozilla-suite-order']);
    // One deviation per version: the first pair the server ranks against Mozilla's order.
    expect(own.reasons).toEqual([0, 1, 2].map((minor) => `in TLS 1.${minor} the server prefers TLS_RSA_WITH_AES_256_CBC_SHA (0x0035) to TLS_RSA_WITH_AES_128_CBC_SHA (0x002f); the profile orders them the other way`));
  });

  it('without --profile the scan exits 0 and the text names the best configuration met', async () => {
    const server = await startOpensslServer(['-no_tls1', '-no_tls1_1', '-cert', certs.rsa365, '-key', certs.rsa365Key, '-cipher', opensslList('intermediate'), '-ciphersuites', TLS13, '-groups', `${GROUPS}:P-521`]);
    try {
      const r = await runCli(['scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--concurrency', '6']);
      expect(r.code).toBe(ExitCode.ok);
      expect(r.stdout).toContain('Mozilla server-side TLS 5.7\n  best met: none\n  deviations: modern 11, intermediate 1, old 4');
      // intermediate's one deviation is P-521; modern adds TLS 1.2, its 6 suites and the RSA certificate's type, signature and lifetime; old adds TLS 1.0/1.1 missing and client order.
    } finally {
      await server.close();
    }
  });

  it('a wrong --profile is a usage error', async () => {
    const r = await runCli(['scan', '127.0.0.1:1', '--profile', 'strict']);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain('bad --profile "strict": give one of modern, intermediate, old');
  });
});

describeWithTools('openssl', 'nginx')('scan --profile against nginx', () => {
  let nginxDir = '';
  let cert = '';
  let key = '';
  beforeAll(() => {
    nginxDir = mkdtempSync(path.join(tmpdir(), 'tls-trace-profiles-nginx-'));
    [cert, key] = selfSigned(nginxDir, 'rsa365', ['-newkey', 'rsa:2048'], 365);
  });
  afterAll(() => rmSync(nginxDir, { recursive: true, force: true }));

  const block = (protocols: string, ciphers: string): string => `ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols ${protocols};
    ssl_ciphers ${ciphers};
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers off;`;

  it('Mozilla\'s intermediate nginx settings meet intermediate', async () => {
    const r = await scanProfile(await startNginx(block('TLSv1.2 TLSv1.3', opensslList('intermediate'))), 'intermediate');
    expect(r.ids).toEqual([]);
    expect(r.code).toBe(ExitCode.ok);
  });

  it('ssl_protocols with TLSv1.1 fails intermediate on the protocol', async () => {
    const r = await scanProfile(await startNginx(block('TLSv1.1 TLSv1.2 TLSv1.3', `${opensslList('intermediate')}:ECDHE-RSA-AES128-SHA:@SECLEVEL=0`)), 'intermediate');
    expect(r.code).toBe(ExitCode.invalid);
    expect(r.reasons).toContain('TLS 1.1 is offered; the profile allows TLS 1.2, TLS 1.3');
    expect(r.reasons).toContain('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013) is accepted in TLS 1.1');
  });
});
