// End to end against nginx (ssl_protocols / ssl_ciphers / ssl_prefer_server_ciphers, two
// certificates) and gnutls-serv (a priority string). Expected suite lists come from the
// configuration, or from `gnutls-cli -l --priority`, GnuTLS's own expansion of the same string.

import { expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { scanServer } from '../../src/scan/scanner.js';
import type { ScanResult } from '../../src/scan/types.js';
import { describeWithTools, startGnutlsServer, startNginx, type TestServer } from '../helpers/servers.js';
import { withValidJson } from './helpers.js';

const TLS12 = 0x0303;
const TLS13 = 0x0304;

async function scan(server: Promise<TestServer>): Promise<ScanResult> {
  const s = await server;
  try {
    return withValidJson(await scanServer({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 5000, concurrency: 6 }));
  } finally {
    await s.close();
  }
}

const supported = (r: ScanResult): number[] => r.versions.filter((v) => v.supported).map((v) => v.version);
const version = (r: ScanResult, v: number) => r.versions.find((x) => x.version === v)!;

describeWithTools('nginx')('scan against nginx', () => {
  it('server-preferred suites, dual RSA/ECDSA certificates, ALPN h2', async () => {
    const r = await scan(
      startNginx(`listen 127.0.0.1:{{PORT}} ssl http2;
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:AES256-SHA;
ssl_prefer_server_ciphers on;
ssl_ecdh_curve X25519:prime256v1;
ssl_certificate {{CERTS}}/chain-rsa.pem;
ssl_certificate_key {{CERTS}}/leaf-rsa.key;
ssl_certificate {{CERTS}}/chain-ecdsa.pem;
ssl_certificate_key {{CERTS}}/leaf-ecdsa.key;`),
    );
    expect(supported(r)).toEqual([TLS12, TLS13]);
    expect(version(r, TLS12).suites.map((s) => s.code)).toEqual([0xc02b, 0xc030, 0xc013, 0x0035]);
    expect(version(r, TLS12).order).toBe('server');
    expect(new Set(version(r, TLS13).suites.map((s) => s.code))).toEqual(new Set([0x1301, 0x1302, 0x1303]));
    expect(r.groups.tls12?.groups).toEqual([0x001d, 0x0017]);
    expect(r.groups.tls13?.groups).toEqual([0x001d, 0x0017]);
    // nginx selects from h2 (with http2) and its built-in "http/1.1, http/1.0, http/0.9" list.
    expect(r.features.alpn).toEqual(['h2', 'http/1.1', 'http/1.0', 'http/0.9']);
    expect(r.features.sessionTickets).toBe(true);
    expect(r.features.fallbackScsv).toBe('protected');
    // Both certificates, each for the suites of its key type, in TLS 1.2 and TLS 1.3.
    const keys = r.certificates.map((c) => c.publicKey.label).sort();
    expect(keys).toEqual(['EC P-256', 'RSA 2048']);
    const ec = r.certificates.find((c) => c.publicKey.label === 'EC P-256')!;
    expect(ec.servedFor).toEqual(expect.arrayContaining(['TLS 1.2 ECDSA suites, SNI localhost', 'TLS 1.2 ECDSA suites, no SNI', 'TLS 1.3, SNI localhost']));
    expect(r.signatureSchemes.tls13).toEqual(expect.arrayContaining([0x0403, 0x0804]));
    expect(r.signatureSchemes.tls12).toEqual(expect.arrayContaining([0x0403, 0x0804, 0x0401]));
  });

  it('client order without ssl_prefer_server_ciphers', async () => {
    const r = await scan(startNginx('ssl_protocols TLSv1.2;\nssl_ciphers AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256;'));
    expect(supported(r)).toEqual([TLS12]);
    expect(new Set(version(r, TLS12).suites.map((s) => s.code))).toEqual(new Set([0x0035, 0xc02f]));
    expect(version(r, TLS12).order).toBe('client');
    expect(r.features.alpn).toEqual(['http/1.1', 'http/1.0', 'http/0.9']);
  });
});

describeWithTools('gnutls-serv', 'gnutls-cli')('scan against gnutls-serv', () => {
  it('accepts exactly the suites the priority string expands to, in its order', async () => {
    const priority = 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-CBC:+CHACHA20-POLY1305:-KX-ALL:+ECDHE-RSA:+RSA:%SERVER_PRECEDENCE';
    const listing = execFileSync('gnutls-cli', ['-l', '--priority', priority], { encoding: 'utf8', timeout: 10_000 });
    const expected = [...listing.matchAll(/^TLS_\S+\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s/gm)].map((m) => parseInt(m[1] + m[2], 16));
    expect(expected.length).toBeGreaterThan(3);
    const r = await scan(startGnutlsServer([`--priority=${priority}`]));
    expect(supported(r)).toEqual([TLS12]);
    expect(version(r, TLS12).suites.map((s) => s.code)).toEqual(expected);
    expect(version(r, TLS12).order).toBe('server');
  });

  it('sees secure renegotiation, extended master secret and encrypt-then-MAC switched off', async () => {
    const off = await scan(startGnutlsServer(['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:%DISABLE_SAFE_RENEGOTIATION:%NO_SESSION_HASH:%NO_ETM']));
    expect(supported(off)).toEqual([0x0302, TLS12]);
    expect(off.features).toMatchObject({ secureRenegotiation: false, extendedMasterSecret: false, encryptThenMac: false, fallbackScsv: 'protected' });
    expect(off.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['insecure-renegotiation', 'tls11-enabled']));
    const on = await scan(startGnutlsServer(['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2']));
    expect(on.features).toMatchObject({ secureRenegotiation: true, extendedMasterSecret: true, encryptThenMac: true });
  });
});
