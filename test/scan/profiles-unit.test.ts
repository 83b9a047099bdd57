// Mozilla profile compliance on hand-made scan results: each rule once passing and once failing,
// for the rules no real server's knobs reach easily (certificate key size and curve, lifetime,
// signature, DH size, server order in Mozilla's order), plus the bundled table itself checked
// against the registry (each IANA name and its OpenSSL name are the same code point).

import { describe, expect, it } from '@jest/globals';
import { byName, cipherSuites } from '../../src/registry/index.js';
import { MOZILLA_GUIDELINES, GUIDELINE_VERSION, PROFILE_NAMES } from '../../src/scan/profiles/mozilla-guidelines.js';
import { PROFILES } from '../../src/scan/profiles/profiles.js';
import { checkProfile, mozillaCompliance } from '../../src/scan/profiles/compliance.js';
import type { CertificateSeen, ScanResult } from '../../src/scan/types.js';
import { renderScanText } from '../../src/report/scan-table.js';
import { scanToJson } from '../../src/report/scan-json.js';
import { expectSchemaValid } from '../helpers/schema.js';

const DAY = 86_400_000;

function cert(over: Partial<CertificateSeen> = {}, days = 90): CertificateSeen {
  const notBefore = '2026-01-01T00:00:00.000Z';
  return {
    fingerprint256: 'ab'.repeat(32),
    subject: 'CN=example.test',
    issuer: 'CN=ca',
    serial: '01',
    publicKey: { type: 'ec', curve: 'P-256', label: 'EC P-256' },
    signatureAlgorithm: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'sha256' },
    notBefore,
    notAfter: new Date(Date.parse(notBefore) + days * DAY).toISOString(),
    san: { dns: ['example.test'], ip: [], email: [], uri: [] },
    chainLength: 2,
    servedFor: ['TLS 1.3'],
    ...over,
  };
}

/** A server that meets modern: TLS 1.3 only, the three suites, X25519/P-256/P-384, ECDSA P-256 for 90 days. */
function modernServer(): ScanResult {
  return {
    target: { host: 'example.test', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    ssl2: false,
    versions: [
      { version: 0x0301, supported: false, suites: [] },
      { version: 0x0302, supported: false, suites: [] },
      { version: 0x0303, supported: false, suites: [] },
      { version: 0x0304, supported: true, suites: [{ code: 0x1301 }, { code: 0x1302 }, { code: 0x1303 }], order: 'client' },
    ],
    groups: { tls12: null, tls13: { groups: [0x001d, 0x0017, 0x0018], order: 'client' } },
    signatureSchemes: { tls12: null, tls13: [0x0403] },
    certificates: [cert()],
    features: { alpn: [], ocspStapling: false, sessionTickets: true, secureRenegotiation: null, extendedMasterSecret: null, encryptThenMac: null, fallbackScsv: null, downgradeSentinel: null, compression: null },
    findings: [],
    stats: { connections: 0, probes: 1, retries: 0, resets: 0, timeouts: 0, connectFailures: 0, nodeHandshakes: 0 },
    notes: [],
  };
}

/** An old-profile server: TLS 1.0–1.3, server order in Mozilla's order, RSA 2048 for a year. */
function oldServer(): ScanResult {
  const r = modernServer();
  const tls12 = [0xc02f, 0xc030, 0x009e, 0xc013, 0x002f];
  r.versions = [0x0301, 0x0302, 0x0303].map((version) => ({ version, supported: true, suites: tls12.map((code) => ({ code })), order: 'server' as const }));
  r.versions.push({ version: 0x0304, supported: true, suites: [{ code: 0x1301 }], order: 'single' });
  r.versions[2].suites[2].dhBits = 2048;
  r.groups.tls12 = { groups: [0x001d, 0x0017], order: 'server' };
  r.certificates = [cert({ publicKey: { type: 'rsa', bits: 2048, label: 'RSA 2048' }, signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption' } }, 366)];
  return r;
}

const ids = (r: ScanResult, name: 'modern' | 'intermediate' | 'old'): string[] => checkProfile(r, name).deviations.map((d) => d.id);

describe('Mozilla guideline table', () => {
  it('is version 5.7 and every suite pair (IANA, OpenSSL) is one code point in the registry', () => {
    expect(GUIDELINE_VERSION).toBe('5.7');
    for (const name of PROFILE_NAMES) {
      for (const [iana, openssl] of MOZILLA_GUIDELINES[name].ciphers) expect([iana, byName(cipherSuites, iana)?.openssl]).toEqual([iana, openssl]);
    }
    expect(PROFILES.intermediate.suites.map((c) => c.toString(16))).toEqual(['c02b', 'c02f', 'c02c', 'c030', 'cca9', 'cca8', '9e', '9f', 'ccaa']);
    expect(PROFILES.old.suites).toHaveLength(26);
    expect(PROFILES.modern.tls13Suites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(PROFILES.modern.groups).toEqual([0x001d, 0x0017, 0x0018]);
    expect(PROFILES.old.versions).toEqual([0x0301, 0x0302, 0x0303, 0x0304]);
  });
});

describe('checkProfile', () => {
  it('a modern server meets modern and is reported as the best; intermediate misses TLS 1.2', () => {
    const r = modernServer();
    expect(checkProfile(r, 'modern')).toEqual({ name: 'modern', deviations: [], unchecked: [] });
    expect(ids(r, 'intermediate')).toEqual(['mozilla-protocol-missing']);
    expect(mozillaCompliance(r, 'modern')).toMatchObject({ guideline: '5.7', required: 'modern', best: 'modern' });
  });

  it('protocols: an extra version and a missing one are each a deviation', () => {
    const r = modernServer();
    r.versions[2] = { version: 0x0303, supported: true, suites: [{ code: 0xc02b }], order: 'single' };
    expect(ids(r, 'modern')).toEqual(['mozilla-protocol-offered', 'mozilla-suite-outside']);
    expect(ids(r, 'intermediate')).toEqual([]);
    r.ssl2 = true;
    expect(checkProfile(r, 'old').deviations.map((d) => d.reason)).toEqual(expect.arrayContaining(['SSL 2.0 is offered', expect.stringMatching(/^TLS 1\.0 is not offered/)]));
  });

  it('certificate key type, curve and RSA size', () => {
    const r = modernServer();
    r.certificates = [cert({ publicKey: { type: 'ec', curve: 'P-521', label: 'EC P-521' } })];
    expect(ids(r, 'modern')).toEqual(['mozilla-certificate-curve']);
    r.certificates = [cert({ publicKey: { type: 'rsa', bits: 2048, label: 'RSA 2048' }, signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption' } })];
    expect(ids(r, 'modern')).toEqual(['mozilla-certificate-type', 'mozilla-certificate-signature']);
    const old = oldServer();
    expect(ids(old, 'old')).toEqual([]);
    old.certificates[0].publicKey = { type: 'rsa', bits: 1024, label: 'RSA 1024' };
    const d = checkProfile(old, 'old').deviations;
    expect(d.map((x) => x.id)).toEqual(['mozilla-certificate-key-size']);
    expect(d[0]).toMatchObject({ severity: 'high', reason: 'the RSA 1024 certificate CN=example.test has 1024 bits; the profile needs at least 2048' });
  });

  it('signature algorithm: SHA-1 is outside every profile', () => {
    const old = oldServer();
    old.certificates[0].signatureAlgorithm = { oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption' };
    expect(ids(old, 'old')).toEqual(['mozilla-certificate-signature']);
  });

  it('lifetime: 90 days passes modern, 91 does not; 366 passes old, 367 does not', () => {
    const r = modernServer();
    r.certificates = [cert({}, 91)];
    expect(checkProfile(r, 'modern').deviations.map((d) => d.reason)).toEqual(['the EC P-256 certificate CN=example.test is valid for 91 days; the profile allows at most 90']);
    const old = oldServer();
    old.certificates[0].notAfter = new Date(Date.parse(old.certificates[0].notBefore) + 367 * DAY).toISOString();
    expect(ids(old, 'old')).toEqual(['mozilla-certificate-lifetime']);
  });

  it('DH prime size: 1024 meets old, not intermediate', () => {
    const old = oldServer();
    old.versions[2].suites[2].dhBits = 1024;
    expect(ids(old, 'old')).toEqual([]);
    old.versions = old.versions.filter((v) => v.version >= 0x0303);
    old.versions[0].suites = [{ code: 0xc02f }, { code: 0x009e, dhBits: 1024 }];
    expect(ids(old, 'intermediate')).toEqual(['mozilla-dh-size']);
    old.versions[0].suites[1].dhBits = 2048;
    expect(ids(old, 'intermediate')).toEqual([]);
  });

  it('order (old only): client order, and a server order against Mozilla\'s, are deviations', () => {
    const old = oldServer();
    old.versions[1].order = 'client';
    expect(ids(old, 'old')).toEqual(['mozilla-suite-order']);
    expect(ids(old, 'intermediate')).not.toContain('mozilla-suite-order');
    old.versions[1].order = 'server';
    old.versions[1].suites.reverse();
    expect(checkProfile(old, 'old').deviations.map((d) => d.reason)).toEqual([
      'in TLS 1.1 the server prefers TLS_RSA_WITH_AES_128_CBC_SHA (0x002f) to TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013); the profile orders them the other way',
    ]);
  });

  it('groups: one outside the profile is a deviation; unknown groups are said to be unchecked', () => {
    const r = modernServer();
    r.groups.tls13!.groups.push(0x001e);
    expect(checkProfile(r, 'modern').deviations.map((d) => d.reason)).toEqual(['x448 (0x001e) is accepted; the profile allows x25519, secp256r1, secp384r1']);
    r.groups.tls13 = null;
    expect(checkProfile(r, 'modern')).toMatchObject({ deviations: [], unchecked: ['groups (the scan could not list them)'] });
  });

  it('no profile met: best is null', () => {
    const r = modernServer();
    r.certificates = [cert({ publicKey: { type: 'rsa', bits: 1024, label: 'RSA 1024' } }, 900)];
    expect(mozillaCompliance(r).best).toBeNull();
    expect(mozillaCompliance(r).required).toBeUndefined();
  });
});

describe('the Mozilla section in text and JSON', () => {
  it('lists the required profile\'s deviations with the peer\'s subject escaped; JSON is schema-valid', () => {
    const r = modernServer();
    r.certificates = [cert({ subject: 'CN=evil\u001b[2J' }, 91)];
    r.mozilla = mozillaCompliance(r, 'modern');
    const text = renderScanText(r, { color: false, width: 120 });
    expect(text).toContain('Mozilla server-side TLS 5.7: modern — 1 deviation(s)\n  best met: none\n  deviations: modern 1, intermediate 1, old 5\n');
    expect(text).toContain('LOW      certificate lifetime too long (Mozilla modern) [mozilla-certificate-lifetime, evidence: mozilla-modern]: the EC P-256 certificate CN=evil\\x1b[2J is valid for 91 days');
    expect(text).not.toContain('\u001b');
    const json = scanToJson(r);
    expectSchemaValid('scan', json);
    expect(json.mozilla).toMatchObject({ guideline: '5.7', source: 'https://ssl-config.mozilla.org/guidelines/5.7.json', required: 'modern', best: null });
    expect(json.mozilla?.profiles.map((p) => [p.name, p.compliant, p.deviations.length])).toEqual([['modern', false, 1], ['intermediate', false, 1], ['old', false, 5]]);
    expect(JSON.stringify(json)).not.toContain('\u001b');
  });
});
