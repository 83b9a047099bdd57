// Agreement with sslscan (the Debian package) on the same servers: protocol versions, every
// accepted suite per version, the preferred suite of a server-ordered server, and secure
// renegotiation. sslscan is an independent implementation, so agreement is evidence, not echo.

import { expect, it } from '@jest/globals';
import { scanServer } from '../../src/scan/scanner.js';
import type { ScanResult } from '../../src/scan/types.js';
import { describeWithTools, startOpensslServer } from '../helpers/servers.js';
import { parseSslscanXml, runSslscan, type SslscanResult } from '../helpers/sslscan.js';
import { withValidJson } from './helpers.js';

const NAMES: Record<number, string> = { 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' };

async function both(args: string[]): Promise<{ ours: ScanResult; theirs: SslscanResult }> {
  const server = await startOpensslServer(args);
  try {
    const ours = withValidJson(await scanServer({ host: '127.0.0.1', port: server.port, servername: false, timeoutMs: 5000, concurrency: 6 }));
    const theirs = parseSslscanXml((await runSslscan(`127.0.0.1:${server.port}`)).xml);
    return { ours, theirs };
  } finally {
    await server.close();
  }
}

function expectAgreement(ours: ScanResult, theirs: SslscanResult): void {
  for (const v of ours.versions) {
    const name = NAMES[v.version];
    if (theirs.protocols.has(name)) expect([name, v.supported]).toEqual([name, theirs.protocols.get(name)]);
    // Every suite sslscan saw, we saw, and nothing else: both tools try every suite they know, and
    // here (OpenSSL's own list on both sides) that is the same set.
    const mine = [...v.suites.map((s) => s.code)].sort((a, b) => a - b);
    const sslscans = [...(theirs.suites.get(name) ?? [])].sort((a, b) => a - b);
    expect([name, mine]).toEqual([name, sslscans]);
  }
  if (theirs.secureRenegotiation !== undefined) expect(ours.features.secureRenegotiation).toBe(theirs.secureRenegotiation);
  const sorted = (xs: readonly number[] | null | undefined): number[] => [...(xs ?? [])].sort((a, b) => a - b);
  // Groups: sslscan lists them per version; ours are the TLS 1.3 and the TLS ≤ 1.2 (ECDHE) lists.
  if (theirs.groups.has('TLS 1.3')) expect(sorted(ours.groups.tls13?.groups)).toEqual(sorted(theirs.groups.get('TLS 1.3')));
  if (theirs.groups.has('TLS 1.2')) expect(sorted(ours.groups.tls12?.groups)).toEqual(sorted(theirs.groups.get('TLS 1.2')));
  if (theirs.sigs.has('TLS 1.3')) expect(sorted(ours.signatureSchemes.tls13)).toEqual(sorted(theirs.sigs.get('TLS 1.3')));
  if (theirs.sigs.has('TLS 1.2')) expect(sorted(ours.signatureSchemes.tls12)).toEqual(sorted(theirs.sigs.get('TLS 1.2')));
  if (theirs.leaf) {
    expect(ours.certificates.map((c) => c.publicKey.label)).toContain(theirs.leaf.key);
    expect(ours.certificates.find((c) => c.publicKey.label === theirs.leaf!.key)?.signatureAlgorithm?.name).toBe(theirs.leaf.signature);
  }
}

describeWithTools('openssl', 'sslscan')('agreement with sslscan', () => {
  it('every version and suite of a permissive server (TLS 1.0–1.3, NULL, anonymous, CCM, ARIA, Camellia)', async () => {
    const { ours, theirs } = await both(['-cipher', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0']);
    expect(theirs.suites.get('TLS 1.2')?.length).toBeGreaterThan(40);
    expect(theirs.groups.get('TLS 1.3')?.length).toBeGreaterThan(4);
    expect(theirs.leaf).toEqual({ key: 'RSA 2048', signature: 'ecdsa-with-SHA256' });
    expectAgreement(ours, theirs);
  }, 120_000);

  it('a server-ordered TLS 1.2 + 1.3 server: same suites and the same preferred suite', async () => {
    const { ours, theirs } = await both([
      '-serverpref',
      '-cipher', 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256',
      '-ciphersuites', 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256',
    ]);
    expectAgreement(ours, theirs);
    for (const v of ours.versions.filter((x) => x.supported)) {
      expect([NAMES[v.version], v.suites[0].code]).toEqual([NAMES[v.version], theirs.preferred.get(NAMES[v.version])]);
    }
  }, 120_000);
});
