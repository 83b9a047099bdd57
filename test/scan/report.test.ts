// The scan's text and JSON views: names from the registry, colour only when asked, and peer text
// (certificate names, ALPN) escaped so a hostile server cannot write to the user's terminal.

import { describe, expect, it } from '@jest/globals';
import { renderScanProgress, renderScanText } from '../../src/report/scan-table.js';
import { scanToJson } from '../../src/report/scan-json.js';
import type { ScanResult } from '../../src/scan/types.js';
import { expectSchemaValid, schemaValidator } from '../helpers/schema.js';

function result(): ScanResult {
  return {
    target: { host: 'example.test', port: 443, address: '127.0.0.1', family: 4, servername: 'example.test' },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 123,
    ssl2: false,
    versions: [
      { version: 0x0301, supported: false, suites: [], refusal: 'alert protocol_version (70)' },
      { version: 0x0303, supported: true, suites: [{ code: 0xc02f, group: 0x001d }, { code: 0x009e, dhBits: 2048 }], order: 'server' },
      { version: 0x0304, supported: true, suites: [{ code: 0x1301 }], order: 'single' },
    ],
    groups: { tls12: { groups: [0x001d, 0x0017], order: 'client' }, tls13: { groups: [0x001d], order: 'single', typicalClient: { group: 0x001d, helloRetryRequest: false } } },
    signatureSchemes: { tls12: [0x0804], tls13: [0x0804] },
    certificates: [
      {
        fingerprint256: 'ab'.repeat(32),
        subject: 'CN=evil\u001b[2J\u202e',
        issuer: 'CN=ca',
        serial: '0a1b',
        publicKey: { type: 'rsa', bits: 2048, label: 'RSA 2048' },
        signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'sha256' },
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter: '2027-01-01T00:00:00.000Z',
        san: { dns: ['example.test', 'evil\u001b.test'], ip: ['127.0.0.1'], email: [], uri: [] },
        chainLength: 2,
        servedFor: ['TLS 1.2 RSA suites, SNI example.test'],
      },
    ],
    features: {
      alpn: ['h2'],
      ocspStapling: false,
      sessionTickets: true,
      secureRenegotiation: true,
      extendedMasterSecret: true,
      encryptThenMac: null,
      fallbackScsv: 'protected',
      downgradeSentinel: 'present',
      compression: [],
    },
    findings: [{ id: 'no-tls13', severity: 'low', title: 'TLS 1.3 not supported', reason: 'because', explanation: 'plain words', evidence: { probe: 'versions', detail: 'a TLS 1.3 ClientHello got no TLS 1.3 ServerHello' } }],
    stats: { connections: 13, probes: 10, retries: 0, resets: 0, timeouts: 0, connectFailures: 0, nodeHandshakes: 3 },
    notes: [],
  };
}

describe('scan report', () => {
  it('text: tables with registry names, no colour unless asked, peer text escaped', () => {
    const plain = renderScanText(result(), { color: false, width: 100 });
    expect(plain).toContain('Cipher suites — TLS 1.2 (2; server order)');
    expect(plain).toContain('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(plain).toContain('x25519');
    expect(plain).toContain('DH 2048');
    expect(plain).toContain('TLS 1.0  no  (alert protocol_version (70))');
    expect(plain).toContain('CN=evil\\x1b[2J\\u{202e}');
    // eslint-disable-next-line no-control-regex
    expect(plain).not.toMatch(/\x1b/);
    expect(plain).not.toContain('\u202e');
    expect(renderScanText(result(), { color: true })).toContain('\x1b[');
  });

  it('JSON: code points as {code, hex, name} like the trace, schemaVersion beside format, strings escaped', () => {
    const j = scanToJson(result());
    expect(j.format).toBe('tls-trace-scan');
    expect(j.schemaVersion).toBe('1');
    expect(j.protocols[1].version).toEqual({ code: 0x0303, hex: '0x0303', name: 'TLS 1.2' });
    expect(j.protocols[1].suites[0]).toMatchObject({ code: 0xc02f, hex: '0xc02f', name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: { code: 0x1d, hex: '0x001d', name: 'x25519' } });
    expect(j.groups.tls13?.typicalClient).toEqual({ group: { code: 0x1d, hex: '0x001d', name: 'x25519' }, helloRetryRequest: false });
    expect(j.signatureSchemes.tls12).toEqual([{ code: 0x0804, hex: '0x0804', name: 'rsa_pss_rsae_sha256' }]);
    expect(j.certificates[0].subject).toBe('CN=evil\\x1b[2J\\u{202e}');
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    expectSchemaValid('scan', j);
  });

  it('TLS 1.3 signature schemes name how they were found, and no method when the server has no TLS 1.3', () => {
    const r = result();
    const cv = { ...r, signatureSchemes: { tls12: [0x0804], tls13: [0x0804], tls13Method: 'certificate-verify' as const } };
    expect(scanToJson(cv).signatureSchemes.tls13Method).toMatch(/^certificate-verify: /);
    expect(renderScanText(cv, { color: false, width: 100 })).toContain('TLS 1.3 (from CertificateVerify): rsa_pss_rsae_sha256');
    const node = { ...r, signatureSchemes: { tls12: [0x0804], tls13: [0x0804], tls13Method: 'node-sigalgs' as const } };
    expect(scanToJson(node).signatureSchemes.tls13Method).toMatch(/^node-tls-sigalgs: /);
    // A TLS 1.2-only server: no TLS 1.3 handshake was made, so neither method may be named.
    const only12 = { ...r, signatureSchemes: { tls12: [0x0804], tls13: null } };
    const j = scanToJson(only12);
    expect(j.signatureSchemes.tls13Method).toBe('none: the server does not support TLS 1.3');
    expectSchemaValid('scan', j);
    const text = renderScanText(only12, { color: false, width: 100 });
    expect(text).toContain('TLS 1.3: n/a');
    expect(text).not.toContain('full handshakes, one scheme each');
  });

  it('JSON: the certificate summary trace and check write (SANs as {type, value}, days left from the scan start)', () => {
    const j = scanToJson({ ...result(), startedAt: '2026-12-01T12:00:00.000Z' });
    expect(j.certificates[0]).toEqual({
      subject: 'CN=evil\\x1b[2J\\u{202e}',
      issuer: 'CN=ca',
      serial: '0a1b',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      // 30.5 days from the scan start: whole days, rounded toward zero as in check.
      daysLeft: 30,
      publicKey: { type: 'rsa', bits: 2048, label: 'RSA 2048' },
      fingerprint256: 'ab'.repeat(32),
      sans: [
        { type: 'dns', value: 'example.test' },
        { type: 'dns', value: 'evil\\x1b.test' },
        { type: 'ip', value: '127.0.0.1' },
      ],
      signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'sha256' },
      chainLength: 2,
      servedFor: ['TLS 1.2 RSA suites, SNI example.test'],
    });
  });

  it('scan.schema.json rejects the old vocabulary: {value, hex, name}, sha256, a SAN string, an unknown severity', () => {
    const validate = schemaValidator('scan');
    const fresh = (): ReturnType<typeof scanToJson> => JSON.parse(JSON.stringify(scanToJson(result())));
    expect(validate(fresh()).ok).toBe(true);
    const oldCode = fresh() as unknown as { protocols: Array<{ version: Record<string, unknown> }> };
    oldCode.protocols[0].version = { value: 0x0301, hex: '0x0301', name: 'TLS 1.0' };
    const oldCert = fresh() as unknown as { certificates: Array<Record<string, unknown>> };
    oldCert.certificates[0].sha256 = oldCert.certificates[0].fingerprint256;
    delete oldCert.certificates[0].fingerprint256;
    const sanString = fresh() as unknown as { certificates: Array<Record<string, unknown>> };
    sanString.certificates[0].sans = 'DNS:example.test';
    const severity = fresh() as unknown as { findings: Array<Record<string, unknown>> };
    severity.findings[0].severity = 'error';
    const version = fresh() as unknown as Record<string, unknown>;
    version.version = 1;
    delete version.schemaVersion;
    expect([oldCode, oldCert, sanString, severity, version].map((doc) => validate(doc).ok)).toEqual([false, false, false, false, false]);
  });

  it('progress line', () => {
    expect(renderScanProgress(3, 6, 20, 10)).toBe('\r[#####.....] 3/6 steps, 20 probes');
  });
});
