// The findings' shape on hand-made results: CVEs chosen by what was seen, evidence capped at
// tls-trace's own limits, the text line and the JSON carrying the same id, severity, CVE and evidence.

import { describe, expect, it } from '@jest/globals';
import { FINDING_DETAIL_CHARS, FINDING_EVIDENCE_BYTES } from '../../src/limits.js';
import { scanToJson } from '../../src/report/scan-json.js';
import { renderScanText } from '../../src/report/scan-table.js';
import { deriveFindings, FINDING_RULES } from '../../src/scan/findings.js';
import type { ScanResult } from '../../src/scan/types.js';
import { expectSchemaValid } from '../helpers/schema.js';

function result(suites: number[], heartbleedDetail = 'x', bytes = 64): ScanResult {
  return {
    target: { host: 'h', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    ssl2: false,
    versions: [{ version: 0x0303, supported: true, suites: suites.map((code) => ({ code })) }],
    groups: { tls12: null, tls13: null },
    signatureSchemes: { tls12: null, tls13: null },
    certificates: [],
    features: { alpn: null, ocspStapling: null, sessionTickets: null, secureRenegotiation: true, extendedMasterSecret: null, encryptThenMac: null, fallbackScsv: null, downgradeSentinel: null, compression: [] },
    probes: { heartbleed: { verdict: 'vulnerable', detail: heartbleedDetail, bytesHex: 'ab'.repeat(bytes), connections: 1 }, ccsInjection: null },
    findings: [],
    stats: { connections: 1, probes: 1, retries: 0, resets: 0, timeouts: 0, connectFailures: 0, nodeHandshakes: 0 },
    notes: [],
  };
}

describe('finding shape', () => {
  it('every rule has an id, an explanation and a probe; ids are unique; CVEs are well formed', () => {
    expect(new Set(FINDING_RULES.map((r) => r.id)).size).toBe(FINDING_RULES.length);
    for (const rule of FINDING_RULES) {
      expect(rule.explain.length).toBeGreaterThan(20);
      expect(rule.probe).toMatch(/^[a-z0-9-]+$/);
      for (const c of rule.cve ?? []) expect(c).toMatch(/^CVE-\d{4}-\d{4,}$/);
    }
  });

  it('export suites: FREAK for RSA export, Logjam for DHE export, both when both are accepted', () => {
    const cve = (suites: number[]): string[] | undefined => deriveFindings(result(suites)).find((f) => f.id === 'export-suites')?.cve;
    expect(cve([0x0003])).toEqual(['CVE-2015-0204']); // TLS_RSA_EXPORT_WITH_RC4_40_MD5
    expect(cve([0x0014])).toEqual(['CVE-2015-4000']); // TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
    expect(cve([0x0003, 0x0014])).toEqual(['CVE-2015-0204', 'CVE-2015-4000']);
  });

  it('caps the evidence detail and bytes at tls-trace limits', () => {
    const f = deriveFindings(result([0x009c], 'y'.repeat(1000), 200)).find((x) => x.id === 'heartbleed');
    expect(f?.evidence.detail).toHaveLength(FINDING_DETAIL_CHARS);
    expect(f?.evidence.detail.endsWith('…')).toBe(true);
    expect(f?.evidence.bytesHex).toBe('ab'.repeat(FINDING_EVIDENCE_BYTES));
  });

  it('text and JSON say the same id, severity, CVE and evidence; peer text escaped in both', () => {
    const r = result([0x000a], 'got \u001b[2J');
    r.findings = deriveFindings(r);
    const json = scanToJson(r);
    expectSchemaValid('scan', json);
    const hb = json.findings.find((f) => f.id === 'heartbleed');
    expect(hb).toEqual({
      id: 'heartbleed',
      severity: 'critical',
      title: 'Heartbleed',
      reason: 'the server answers a heartbeat with more bytes than it was sent: it reads past the request in its memory',
      explanation: expect.stringContaining('A heartbeat request names how many bytes to echo back'),
      cve: ['CVE-2014-0160'],
      evidence: { probe: 'heartbeat', detail: 'got \\x1b[2J', bytesHex: 'ab'.repeat(FINDING_EVIDENCE_BYTES) },
    });
    const sweet = json.findings.find((f) => f.id === '3des-suites');
    expect(sweet).toMatchObject({ severity: 'medium', cve: ['CVE-2016-2183'], evidence: { probe: 'cipher-suites', detail: 'accepted: TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a)' } });
    const text = renderScanText(r, { color: false, width: 400 });
    expect(text).toContain('CRITICAL Heartbleed [heartbleed, CVE-2014-0160]: the server answers a heartbeat');
    expect(text).toContain(`evidence (heartbeat): got \\x1b[2J — bytes ${'ab'.repeat(FINDING_EVIDENCE_BYTES)}`);
    expect(text).toContain('MEDIUM   64-bit block cipher suites (SWEET32) accepted [3des-suites, CVE-2016-2183]');
    expect(text).toContain('evidence (cipher-suites): accepted: TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a)');
    expect(text).not.toContain('\u001b');
  });
});
