// tls-trace `scan`, sslscan and testssl.sh against the same real server (nginx, the one
// bench/scan.ts times): on every check two of them report, their verdicts must be the same —
// protocols offered, suites accepted per version (IANA codes; the tools' OpenSSL names go through
// the registry and must name the code they print), ECDHE groups, the smallest DH prime, and the
// yes/no checks (secure renegotiation, TLS_FALLBACK_SCSV, compression, Heartbleed, CCS injection,
// client-initiated renegotiation) wherever both tools have a verdict. Three independent
// implementations agreeing is evidence; on top, the suites and their order are held to what
// `openssl ciphers` says the server's configuration means.
//
// testssl.sh takes a minute or more, so it runs once for the whole file, with only the checks
// shared with tls-trace (-p -E -f -H -I -R -C -Z), at the same time as the two fast tools.

import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { BENCH_SERVER_CIPHERS, startScanBenchServer } from '../helpers/scan-bench-server.js';
import { describeWithTools, type TestServer } from '../helpers/servers.js';
import { parseSslscanXml, runSslscan, sslscanVerdicts, type SslscanResult } from '../helpers/sslscan.js';
import { runTestssl, testsslVerdicts, type TestsslRun, type TestsslVerdicts } from '../helpers/testssl.js';
import { compareVerdicts, tlsTraceVerdicts, type ScanJson, type Verdicts } from '../helpers/tool-verdicts.js';

/** testssl.sh's checks that tls-trace also makes: protocols, ciphers per protocol, FS (curves, DH),
 * Heartbleed, CCS, renegotiation, CRIME (compression), TLS_FALLBACK_SCSV. */
const TESTSSL_AGREEMENT_CHECKS = ['-p', '-E', '-f', '-H', '-I', '-R', '-C', '-Z'];
const TESTSSL_TIMEOUT_MS = 240_000;
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** What `openssl ciphers -s -V` makes of a cipher string for one version: codes, in preference order. */
function opensslOrder(versionFlag: string, ciphers: string): number[] {
  const r = spawnSync('openssl', ['ciphers', '-s', versionFlag, '-V', '-ciphersuites', TLS13_SUITES, ciphers], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/0x([0-9A-F]{2}),0x([0-9A-F]{2}) - /g)].map((m) => parseInt(m[1] + m[2], 16));
}

describeWithTools('nginx', 'openssl', 'sslscan', 'testssl')('tls-trace scan, sslscan and testssl.sh agree on the shared checks', () => {
  let server: TestServer | undefined;
  let doc: ScanJson;
  let ours: Verdicts;
  let sslscanXml: SslscanResult;
  let sslscan: Verdicts;
  let testsslRun: TestsslRun;
  let testssl: TestsslVerdicts;

  beforeAll(async () => {
    server = await startScanBenchServer();
    const target = `127.0.0.1:${server.port}`;
    const slow = runTestssl(target, TESTSSL_AGREEMENT_CHECKS, TESTSSL_TIMEOUT_MS);
    const cli = await runCli(['scan', target, '--json', '--no-progress']);
    if (cli.code !== 0) throw new Error(`tls-trace scan exited ${cli.code}: ${cli.stderr}`);
    doc = JSON.parse(cli.stdout) as ScanJson;
    ours = tlsTraceVerdicts(doc);
    const run = await runSslscan(target);
    sslscanXml = parseSslscanXml(run.xml);
    sslscan = sslscanVerdicts(run);
    testsslRun = await slow;
    testssl = testsslVerdicts(testsslRun.findings);
  }, TESTSSL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('testssl.sh finished offline and reported every check asked for', () => {
    expect({ code: testsslRun.code, tail: testsslRun.findings.length ? '' : testsslRun.output.slice(-2000) }).toEqual({ code: 0, tail: '' });
    const ids = new Set(testsslRun.findings.map((f) => f.id));
    for (const id of ['TLS1_3', 'cipher-tls1_2_xc02f', 'PFS_ECDHE_curves', 'heartbleed', 'CCS', 'secure_renego', 'secure_client_renego', 'CRIME_TLS', 'fallback_SCSV']) expect([id, ids.has(id)]).toEqual([id, true]);
  });

  it('every suite name sslscan and testssl.sh print maps, through the registry, to the code they print', () => {
    expect(sslscanXml.nameMismatches).toEqual([]);
    expect(testssl.nameMismatches).toEqual([]);
  });

  it('tls-trace finds exactly the suites the configuration allows, in its order (openssl ciphers -s -V)', () => {
    const byVersion = new Map(doc.protocols.map((p) => [p.version.name, p.suites.map((s) => s.code)]));
    expect(byVersion.get('TLS 1.0')).toEqual(opensslOrder('-tls1', BENCH_SERVER_CIPHERS));
    expect(byVersion.get('TLS 1.1')).toEqual(opensslOrder('-tls1_1', BENCH_SERVER_CIPHERS));
    expect(byVersion.get('TLS 1.2')).toEqual(opensslOrder('-tls1_2', BENCH_SERVER_CIPHERS));
    expect(byVersion.get('TLS 1.3')).toEqual(opensslOrder('-tls1_3', BENCH_SERVER_CIPHERS));
    expect(byVersion.get('TLS 1.2')?.length).toBeGreaterThanOrEqual(12);
  });

  const versions = ['SSL 3.0', 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3'];
  const suites = ['TLS 1.0 suites', 'TLS 1.1 suites', 'TLS 1.2 suites', 'TLS 1.3 suites'];

  it('tls-trace and sslscan: versions, suites per version, groups per version, DH prime, renegotiation, fallback', () => {
    const c = compareVerdicts(ours, sslscan);
    expect(c.disagreements).toEqual([]);
    const shared = [...versions.map((v) => `${v} offered`), ...suites, 'TLS 1.2 ECDHE groups', 'TLS 1.3 ECDHE groups', 'smallest DH prime', 'secureRenegotiation', 'fallbackScsv', 'heartbleed'];
    expect(c.compared).toEqual(expect.arrayContaining(shared));
  });

  it('tls-trace and testssl.sh: versions, suites per version, curves, DH prime and every yes/no check both make', () => {
    const c = compareVerdicts(ours, testssl);
    expect(c.disagreements).toEqual([]);
    const shared = [
      ...versions.map((v) => `${v} offered`),
      ...suites,
      'any version ECDHE groups',
      'smallest DH prime',
      'secureRenegotiation',
      'fallbackScsv',
      'compression',
      'heartbleed',
      'ccsInjection',
      'clientRenegotiation',
    ];
    expect(c.compared).toEqual(expect.arrayContaining(shared));
  });

  it('sslscan and testssl.sh agree with each other as well (so a shared mistake of the two is unlikely)', () => {
    const c = compareVerdicts(sslscan, testssl);
    expect(c.disagreements).toEqual([]);
    expect(c.compared).toEqual(expect.arrayContaining(['TLS 1.2 suites', 'any version ECDHE groups', 'heartbleed']));
  });

  it('the verdicts themselves: what the configuration means', () => {
    expect(Object.fromEntries(ours.protocols)).toEqual({ 'SSL 2.0': false, 'SSL 3.0': false, 'TLS 1.0': true, 'TLS 1.1': true, 'TLS 1.2': true, 'TLS 1.3': true });
    // X25519, prime256v1, secp384r1, X448 (ssl_ecdh_curve).
    expect(ours.groups.get('TLS 1.2')).toEqual([0x17, 0x18, 0x1d, 0x1e]);
    expect(ours.dhBits).toBe(1024);
    const notVulnerable = { secureRenegotiation: true, fallbackScsv: true, compression: false, heartbleed: false, ccsInjection: false, clientRenegotiation: false };
    expect(Object.fromEntries(testssl.flags)).toEqual(notVulnerable);
    expect(Object.fromEntries(ours.flags)).toEqual(notVulnerable);
  });
});
