// The vulnerability probes and the findings with CVE and evidence, both ways: a scripted server
// that has each old behaviour (Heartbleed echo, early CCS taken, DEFLATE, fallback SCSV ignored, no
// renegotiation_info, legacy suites, SSL 3.0) and real openssl s_server instances that have none.
// Every scan also checks its connection count against the connections the server side accepted.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/errors.js';
import type { ScanJson } from '../../src/report/scan-json.js';
import { renderScanText } from '../../src/report/scan-table.js';
import { scanServer } from '../../src/scan/scanner.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';
import { describeWithTools, startGnutlsServer, startNginx, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { withValidJson } from './helpers.js';
import { startVulnerableServer, type VulnerableServer, type VulnerableServerOptions } from './vulnerable-server.js';

const SSL3 = 0x0300;
const scan = async (port: number): Promise<ScanResult> => withValidJson(await scanServer({ host: '127.0.0.1', port, servername: 'localhost', timeoutMs: 4000, concurrency: 6 }));
const finding = (r: ScanResult, id: string): Finding | undefined => r.findings.find((f) => f.id === id);
const ids = (r: ScanResult): string[] => r.findings.map((f) => f.id);
const hex = (s: string): string => Buffer.from(s, 'ascii').toString('hex');

/** Counts the connections that reach `port` through it: the scan's count, seen from outside. */
async function countingProxy(port: number): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    count++;
    const up = net.connect(port, '127.0.0.1');
    for (const s of [c, up]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (c.destroy(), up.destroy()));
    }
    c.pipe(up);
    up.pipe(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    count: () => count,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

const VULNERABLE: VulnerableServerOptions = {
  // Server order: AES128-SHA, DES-CBC3-SHA, RC4-SHA, EXP-RC4-MD5, ADH-RC4-MD5, NULL-SHA.
  suites: [0x002f, 0x000a, 0x0005, 0x0003, 0x0018, 0x0002],
  minVersion: SSL3,
  heartbeat: 'vulnerable',
  ccs: 'vulnerable',
  deflate: true,
  honourFallbackScsv: false,
  renegotiationInfo: false,
};

describe('probes against a scripted vulnerable server', () => {
  let server: VulnerableServer;
  let r: ScanResult;
  beforeAll(async () => {
    server = await startVulnerableServer(VULNERABLE);
    r = await scan(server.port);
  }, 120_000);
  afterAll(() => server.close());

  it('Heartbleed: the 16 extra declared bytes come back (our own padding), one connection', () => {
    expect(r.probes?.heartbleed).toMatchObject({ verdict: 'vulnerable', connections: 1 });
    const f = finding(r, 'heartbleed');
    expect(f).toMatchObject({ severity: 'critical', cve: ['CVE-2014-0160'], title: 'Heartbleed' });
    expect(f?.evidence.probe).toBe('heartbeat');
    expect(f?.evidence.detail).toBe('a heartbeat request declaring 32 payload bytes but carrying 16 was answered with a heartbeat response of 32 payload bytes');
    // Record header (heartbeat, TLS 1.2, 51 bytes), response type 2, length 32, our payload, our padding.
    expect(f?.evidence.bytesHex).toBe(`1803030033020020${hex('tls-trace probe!')}${'00'.repeat(16)}` + f!.evidence.bytesHex!.slice(-32));
    expect(f?.evidence.bytesHex).toHaveLength(2 * 56);
  });

  it('CCS injection: bad_record_mac after the early CCS, one connection', () => {
    expect(r.probes?.ccsInjection).toMatchObject({ verdict: 'vulnerable', connections: 1 });
    const f = finding(r, 'ccs-injection');
    expect(f).toMatchObject({ severity: 'high', cve: ['CVE-2014-0224'], evidence: { probe: 'early-ccs', bytesHex: '15030300020214' } });
    expect(f?.evidence.detail).toContain('got alert bad_record_mac (20)');
  });

  it('CRIME, fallback SCSV, renegotiation: each with its CVE and what was sent', () => {
    expect(r.features.compression).toEqual([1]);
    expect(finding(r, 'tls-compression')).toMatchObject({
      severity: 'high',
      cve: ['CVE-2012-4929'],
      evidence: { probe: 'compression', detail: 'the ClientHello offered DEFLATE (1) and null (0); the ServerHello chose DEFLATE (1)' },
    });
    expect(finding(r, 'no-fallback-scsv')).toMatchObject({
      severity: 'medium',
      evidence: { probe: 'fallback-scsv', detail: "a TLS 1.1 ClientHello with TLS_FALLBACK_SCSV (0x5600), below the server's TLS 1.2, got a ServerHello instead of an inappropriate_fallback alert" },
    });
    expect(finding(r, 'no-fallback-scsv')?.cve).toBeUndefined();
    expect(finding(r, 'insecure-renegotiation')).toMatchObject({
      severity: 'medium',
      cve: ['CVE-2009-3555'],
      evidence: { probe: 'renegotiation-info', detail: 'the TLS 1.2 ServerHello carried no renegotiation_info extension (the ClientHello offered an empty renegotiation_info extension)' },
    });
  });

  it('suite-derived findings: SWEET32, RC4, FREAK, anonymous, NULL, POODLE, BEAST and Lucky13 notes', () => {
    expect(finding(r, '3des-suites')).toMatchObject({ severity: 'medium', cve: ['CVE-2016-2183'], evidence: { probe: 'cipher-suites', detail: 'accepted: TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a)' } });
    expect(finding(r, 'rc4-suites')).toMatchObject({ severity: 'high', cve: ['CVE-2013-2566', 'CVE-2015-2808'] });
    expect(finding(r, 'rc4-suites')?.evidence.detail).toMatch(/^accepted: TLS_RSA_WITH_RC4_128_SHA \(0x0005\), TLS_RSA_EXPORT_WITH_RC4_40_MD5 \(0x0003\), TLS_DH_anon_WITH_RC4_128_MD5 \(0x0018\)/);
    // Only RSA export is accepted: FREAK's CVE, not Logjam's.
    expect(finding(r, 'export-suites')).toMatchObject({ severity: 'critical', cve: ['CVE-2015-0204'] });
    expect(finding(r, 'anon-suites')).toMatchObject({ severity: 'high', evidence: { detail: 'accepted: TLS_DH_anon_WITH_RC4_128_MD5 (0x0018)' } });
    expect(finding(r, 'null-suites')).toMatchObject({ severity: 'critical', evidence: { detail: 'accepted: TLS_RSA_WITH_NULL_SHA (0x0002)' } });
    expect(r.versions.find((v) => v.version === SSL3)?.supported).toBe(true);
    expect(finding(r, 'poodle')).toMatchObject({ severity: 'high', cve: ['CVE-2014-3566'] });
    expect(finding(r, 'poodle')?.evidence.detail).toBe('CBC suites accepted in SSL 3.0: TLS_RSA_WITH_AES_128_CBC_SHA (0x002f), TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a)');
    expect(finding(r, 'beast')).toMatchObject({ severity: 'info', cve: ['CVE-2011-3389'] });
    expect(finding(r, 'lucky13')).toMatchObject({ severity: 'info', cve: ['CVE-2013-0169'] });
  });

  it('counts every connection it made, and the server saw exactly that many', () => {
    expect(r.stats.connections).toBe(server.connections());
    expect(r.stats.connections).toBe(r.stats.probes + r.stats.nodeHandshakes);
    const text = renderScanText(r, { color: false, width: 200 });
    expect(text).toContain(`${r.stats.connections} connections (${r.stats.probes} probes, ${r.stats.nodeHandshakes} full handshakes)`);
    expect(text).toContain('CRITICAL Heartbleed [heartbleed, CVE-2014-0160]: the server answers a heartbeat with more bytes than it was sent');
    expect(text).toContain(`evidence (heartbeat): a heartbeat request declaring 32 payload bytes but carrying 16 was answered with a heartbeat response of 32 payload bytes — bytes 1803030033020020${hex('tls-trace probe!')}`);
  });
});

describe('probes against a scripted server that follows the RFCs where the probes look', () => {
  it('discards the overclaiming heartbeat and refuses the early CCS: not vulnerable, no findings', async () => {
    const server = await startVulnerableServer({ heartbeat: 'rfc', ccs: 'rfc', honourFallbackScsv: true, renegotiationInfo: true });
    try {
      const r = await scan(server.port);
      expect(r.probes?.heartbleed).toEqual({ verdict: 'not-vulnerable', detail: 'a heartbeat request declaring 32 payload bytes but carrying 16 got a close without an alert, not the overclaimed bytes', connections: 1 });
      expect(r.probes?.ccsInjection).toEqual({
        verdict: 'not-vulnerable',
        detail: 'a ChangeCipherSpec right after ServerHelloDone, then a 2-byte application_data record, got alert unexpected_message (10): the early CCS was refused',
        bytesHex: '1503030002020a',
        connections: 1,
      });
      for (const id of ['heartbleed', 'ccs-injection', 'tls-compression', 'no-fallback-scsv', 'insecure-renegotiation', 'poodle']) expect(ids(r)).not.toContain(id);
      expect(r.stats.connections).toBe(server.connections());
      // The text says the probes ran even when they found nothing.
      const probes = renderScanText(r, { color: false, width: 400 }).split('\n\n').find((s) => s.startsWith('Probes'));
      expect(probes?.split('\n')).toEqual([
        'Probes',
        `  Heartbleed (CVE-2014-0160): not vulnerable — ${r.probes?.heartbleed?.detail ?? ''} (1 connection)`,
        `  CCS injection (CVE-2014-0224): not vulnerable — ${r.probes?.ccsInjection?.detail ?? ''} (1 connection)`,
      ]);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe('a heartbeat response that only claims the bytes', () => {
  it('is not Heartbleed: the record must carry more than was sent', async () => {
    const server = await startVulnerableServer({ heartbeat: 'claims', ccs: 'rfc', honourFallbackScsv: true, renegotiationInfo: true });
    try {
      const r = await scan(server.port);
      expect(r.probes?.heartbleed).toMatchObject({
        verdict: 'not-vulnerable',
        detail: 'a heartbeat request declaring 32 payload bytes but carrying 16 got a heartbeat response declaring 32 payload bytes it does not carry, not the overclaimed bytes',
        bytesHex: '180303000702002001020304',
      });
      expect(ids(r)).not.toContain('heartbleed');
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe('hostile answers to the probes stay within tls-trace limits', () => {
  it('a flood after the heartbeat is read up to 4 KiB; silence after the early CCS waits out the deadline only', async () => {
    const server = await startVulnerableServer({ heartbeat: 'flood', ccs: 'silent', honourFallbackScsv: true, renegotiationInfo: true });
    try {
      const r = await scan(server.port);
      expect(r.probes?.heartbleed).toMatchObject({ verdict: 'not-vulnerable', detail: 'a heartbeat request declaring 32 payload bytes but carrying 16 got more than tls-trace reads after a probe (4096 bytes), not the overclaimed bytes', connections: 1 });
      expect(r.probes?.heartbleed?.bytesHex).toBe(`1703030400${'41'.repeat(59)}`);
      expect(r.probes?.ccsInjection).toEqual({
        verdict: 'not-vulnerable',
        detail: 'a ChangeCipherSpec right after ServerHelloDone, then a 2-byte application_data record, got no answer within 4000 ms (counted as not vulnerable, as sslyze and testssl.sh count it)',
        connections: 1,
      });
      expect(r.stats.connections).toBe(server.connections());
    } finally {
      await server.close();
    }
  }, 120_000);
});

describeWithTools('openssl')('probes against openssl s_server (not vulnerable)', () => {
  const dhFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dh1024.pem');
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('no heartbeat, early CCS refused, no compression, fallback SCSV honoured, secure renegotiation, DHE 2048', async () => {
    server = await startOpensslServer(['-no_tls1_3', '-no_tls1', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0']);
    proxy = await countingProxy(server.port);
    const r = await scan(proxy.port);
    expect(r.probes?.heartbleed).toEqual({ verdict: 'not-vulnerable', detail: 'the ServerHello did not accept the heartbeat extension (RFC 6520), so no heartbeat was sent', connections: 1 });
    expect(r.probes?.ccsInjection?.verdict).toBe('not-vulnerable');
    expect(r.probes?.ccsInjection?.detail).toContain('got alert unexpected_message (10): the early CCS was refused');
    expect(r.probes?.ccsInjection?.bytesHex).toBe('1503030002020a');
    expect(r.features).toMatchObject({ compression: [], fallbackScsv: 'protected', secureRenegotiation: true });
    expect(r.versions.flatMap((v) => v.suites).find((s) => s.code === 0x009e)?.dhBits).toBe(2048);
    for (const id of ['heartbleed', 'ccs-injection', 'tls-compression', 'no-fallback-scsv', 'insecure-renegotiation', 'weak-dh', 'poodle', 'beast', '3des-suites', 'rc4-suites']) expect(ids(r)).not.toContain(id);
    // AES128-SHA is CBC in TLS 1.1 and 1.2: the Lucky13 note, nothing more.
    expect(finding(r, 'lucky13')?.evidence.detail).toBe('CBC suites accepted in TLS 1.1: TLS_RSA_WITH_AES_128_CBC_SHA (0x002f); TLS 1.2: TLS_RSA_WITH_AES_128_CBC_SHA (0x002f)');
    expect(r.stats.connections).toBe(proxy.count());
    await proxy.close();
    await server.close();
  }, 120_000);

  it('Logjam: a 1024-bit DHE group is weak-dh with its CVE and the ServerKeyExchange as evidence', async () => {
    server = await startOpensslServer(['-tls1_2', '-cipher', 'DHE-RSA-AES128-SHA:@SECLEVEL=0', '-dhparam', dhFile]);
    proxy = await countingProxy(server.port);
    const r = await scan(proxy.port);
    expect(finding(r, 'weak-dh')).toMatchObject({
      severity: 'high',
      cve: ['CVE-2015-4000'],
      evidence: { probe: 'server-key-exchange', detail: 'the ServerKeyExchange for TLS_DHE_RSA_WITH_AES_128_CBC_SHA (0x0033) in TLS 1.2 carried a 1024-bit prime' },
    });
    expect(r.stats.connections).toBe(proxy.count());
  }, 120_000);
});

describeWithTools('gnutls-serv', 'nginx')('probes against gnutls-serv --heartbeat and nginx (not vulnerable)', () => {
  it('gnutls-serv accepts heartbeats, discards the overclaiming request and refuses the early CCS', async () => {
    const server = await startGnutlsServer(['--heartbeat', '--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1']);
    const proxy = await countingProxy(server.port);
    try {
      const r = await scan(proxy.port);
      // The extension was accepted, so the request went out: what came back was not the overclaim.
      expect(r.probes?.heartbleed?.verdict).toBe('not-vulnerable');
      expect(r.probes?.heartbleed?.detail).toMatch(/^a heartbeat request declaring 32 payload bytes but carrying 16 got .*, not the overclaimed bytes$/);
      expect(r.probes?.ccsInjection?.verdict).toBe('not-vulnerable');
      expect(r.features).toMatchObject({ compression: [], fallbackScsv: 'protected', secureRenegotiation: true });
      for (const id of ['heartbleed', 'ccs-injection', 'tls-compression', 'no-fallback-scsv', 'insecure-renegotiation']) expect(ids(r)).not.toContain(id);
      expect(r.stats.connections).toBe(proxy.count());
    } finally {
      await proxy.close();
      await server.close();
    }
  }, 120_000);

  it('nginx: the early CCS is refused with unexpected_message, no heartbeat extension', async () => {
    const server = await startNginx('ssl_protocols TLSv1.2 TLSv1.3;');
    try {
      const r = await scan(server.port);
      expect(r.probes?.heartbleed?.detail).toBe('the ServerHello did not accept the heartbeat extension (RFC 6520), so no heartbeat was sent');
      expect(r.probes?.ccsInjection).toMatchObject({ verdict: 'not-vulnerable', bytesHex: '1503030002020a', connections: 1 });
      for (const id of ['heartbleed', 'ccs-injection', 'tls-compression', 'insecure-renegotiation']) expect(ids(r)).not.toContain(id);
    } finally {
      await server.close();
    }
  }, 120_000);
});

/** sslscan's Heartbleed verdict for TLS 1.2 (its XML, nothing else tested). */
function sslscanHeartbleed(port: number): Promise<string | undefined> {
  const args = ['--no-colour', '--no-ciphersuites', '--no-groups', '--no-fallback', '--no-renegotiation', '--no-compression', '--no-check-certificate', '--xml=-', `127.0.0.1:${port}`];
  return new Promise((resolve) => {
    execFile('sslscan', args, { timeout: 60_000 }, (_e, stdout) => resolve(/<heartbleed sslversion="TLSv1\.2" vulnerable="(\d)"/.exec(stdout)?.[1]));
  });
}

describeWithTools('sslscan', 'gnutls-serv')('Heartbleed verdict agrees with sslscan', () => {
  it('vulnerable on the scripted server, not vulnerable on gnutls-serv --heartbeat', async () => {
    const sim = await startVulnerableServer({ heartbeat: 'vulnerable', ccs: 'rfc', honourFallbackScsv: true, renegotiationInfo: true });
    const gnutls = await startGnutlsServer(['--heartbeat', '--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2']);
    try {
      // sslscan reads each record with a single recv(), so now and then it takes a short read for
      // the end of the flight and reports "not vulnerable" (about 1 run in 8 here): up to 3 runs.
      let theirs = await sslscanHeartbleed(sim.port);
      for (let i = 0; i < 2 && theirs !== '1'; i++) theirs = await sslscanHeartbleed(sim.port);
      expect(theirs).toBe('1');
      expect((await scan(sim.port)).probes?.heartbleed?.verdict).toBe('vulnerable');
      expect(await sslscanHeartbleed(gnutls.port)).toBe('0');
      expect((await scan(gnutls.port)).probes?.heartbleed?.verdict).toBe('not-vulnerable');
    } finally {
      await sim.close();
      await gnutls.close();
    }
  }, 120_000);
});

describe('scan --fail-on applies to the probes findings', () => {
  it('exits 8 on the critical Heartbleed finding, and the JSON carries id, severity, CVE and evidence', async () => {
    const server = await startVulnerableServer({ heartbeat: 'vulnerable', ccs: 'rfc', honourFallbackScsv: true, renegotiationInfo: true, suites: [0x009c] });
    try {
      const r = await runCli(['scan', `127.0.0.1:${server.port}`, '--json', '--fail-on', 'critical', '--no-progress']);
      expect(r.code).toBe(ExitCode.invalid);
      const doc = parseValid<ScanJson>('scan', r.stdout);
      expect(doc.findings.filter((f) => f.severity === 'critical').map((f) => f.id)).toEqual(['heartbleed']);
      expect(doc.findings[0]).toMatchObject({ id: 'heartbleed', severity: 'critical', cve: ['CVE-2014-0160'], evidence: { probe: 'heartbeat' } });
      expect(doc.probes.heartbleed?.verdict).toBe('vulnerable');
      expect(doc.stats.connections).toBe(server.connections());
      const quiet = await runCli(['scan', `127.0.0.1:${server.port}`, '--json', '--no-progress']);
      expect(quiet.code).toBe(0);
    } finally {
      await server.close();
    }
  }, 120_000);
});
