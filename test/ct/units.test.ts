// The CT pieces on their own: the bundled log list (real data: every log_id is the SHA-256 of its
// key), the v3 parser's refusals, the SCT list decoder (offsets, every truncation, random bytes),
// the precertificate rebuild when the SCT list was the only extension, and the policy counts.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { LogListError, bundledLogList, parseLogList } from '../../src/analyse/ct/log-list.js';
import { applePolicy, chromePolicy } from '../../src/analyse/ct/policy.js';
import { analyseCt } from '../../src/analyse/ct/index.js';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { precertTbs } from '../../src/analyse/ct/precert.js';
import { judgeSct, type SctResult } from '../../src/analyse/ct/verify.js';
import { decodeSctList } from '../../src/decode/sct.js';
import { MAX_CT_LOGS } from '../../src/limits.js';
import { BUNDLED_CT_LOG_LIST } from '../../src/registry/ct-log-list.data.js';
import * as ct from './helpers/ct-pki.js';
import { describeWithTools } from '../helpers/servers.js';

describe('bundled CT log list', () => {
  test('is v59.1 of 2025-07-10 with 30 logs, each log_id the SHA-256 of its key (checked here without the parser)', () => {
    const raw = BUNDLED_CT_LOG_LIST as { operators: Array<{ name: string; logs: Array<{ log_id: string; key: string }>; tiled_logs: Array<{ log_id: string; key: string }> }> };
    const all = raw.operators.flatMap((o) => [...o.logs, ...o.tiled_logs]);
    expect(all).toHaveLength(30);
    for (const l of all) expect(createHash('sha256').update(Buffer.from(l.key, 'base64')).digest('base64')).toBe(l.log_id);
    const list = bundledLogList();
    expect([list.version, list.timestamp, list.logs.size]).toEqual(['59.1', '2025-07-10T12:53:11Z', 30]);
    expect(raw.operators.map((o) => o.name)).toEqual(['Google', 'Cloudflare', 'DigiCert', 'Sectigo', "Let's Encrypt", 'TrustAsia', 'Geomys']);
    const yeti = [...list.logs.values()].find((l) => l.description === 'DigiCert Yeti2025 Log');
    expect([yeti?.state, yeti?.stateAt, yeti?.key?.asymmetricKeyType]).toEqual(['retired', '2025-07-24T00:00:00Z', 'ec']);
  });
});

describe('parseLogList refuses what is not a v3 list', () => {
  const key = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2FxhT6xq0iCATopC9gStS9SxHHmOKTLeaVNZ661488Aq8tARXQV+6+jB0983v5FkRm4OJxPqu29GJ1iG70Ahow==';
  test.each([
    [[], 'not a v3 CT log list (no "operators" array)'],
    [{ operators: [1] }, 'operators[0] is not an object'],
    [{ operators: [{ logs: {} }] }, 'operators[0].logs is not an array'],
    [{ operators: [{ name: 'x', logs: [{ key, log_id: 'AAAA' }] }] }, 'operators[0].logs[0] ("?"): log_id is not the SHA-256 of its key'],
  ])('%j', (json, message) => {
    expect(() => parseLogList(json, 'f')).toThrow(new LogListError(message));
  });

  test(`more than MAX_CT_LOGS (${MAX_CT_LOGS}) logs is tls-trace's own limit`, () => {
    const logs = Array.from({ length: MAX_CT_LOGS + 1 }, (_, i) => ({ key: Buffer.from(String(i)).toString('base64') }));
    expect(() => parseLogList({ operators: [{ name: 'big', logs }] }, 'f')).toThrow(/the most tls-trace reads/);
  });
});

describe('decodeSctList', () => {
  // Two SCTs by hand: v1, log id 0x11…, timestamp 1, no extensions, sha256/ecdsa, 2-byte signature.
  const sct = (id: number): Buffer => Buffer.concat([Buffer.from([0]), Buffer.alloc(32, id), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from([0, 0, 4, 3, 0, 2, 0xaa, 0xbb])]);
  const list = ct.sctList([sct(0x11), sct(0x22)]);

  test('decodes each field with its offset', () => {
    const d = decodeSctList(list);
    expect(d.issue).toBeUndefined();
    expect(d.scts.map((s) => [s.offset, s.length, s.version, s.logId?.slice(0, 4), s.timestamp, s.hashAlgorithm, s.signatureAlgorithm, s.signature])).toEqual([
      [4, 49, 0, '1111', 1, 4, 3, 'aabb'],
      [55, 49, 0, '2222', 1, 4, 3, 'aabb'],
    ]);
    expect(list[d.scts[1].offset + 1]).toBe(0x22);
  });

  test('every truncation is an issue, never an exception', () => {
    for (let n = 0; n < list.length; n++) {
      const d = decodeSctList(list.subarray(0, n));
      expect(d.issue ?? d.scts.find((s) => s.issue)?.issue).toBeDefined();
    }
  });

  test('a timestamp past what a Date holds is said, not thrown, and the SCT is malformed', () => {
    const huge = Buffer.from(list);
    huge.fill(0xff, 4 + 33, 4 + 41);
    const d = decodeSctList(huge);
    expect(d.fields[0].children?.[1].children?.[3].display).toBe('18446744073709552000 ms (out of range)');
    expect(judgeSct(d.scts[0], 'tls', { leaf: Buffer.alloc(1) }, bundledLogList(), new Date()).status).toBe('malformed');
  });

  test('trailing bytes after the list are an issue', () => {
    expect(decodeSctList(Buffer.concat([list, Buffer.from([0])])).issue?.reason).toBe('1 bytes after the SCT list');
  });

  test('random mutations never throw', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(list);
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const d = decodeSctList(b.subarray(0, Math.floor(rand() * b.length) + 1));
      // Whatever was decoded can be judged without an exception too.
      for (const s of d.scts) expect(() => judgeSct(s, 'tls', { leaf: Buffer.alloc(1) }, bundledLogList(), new Date(0))).not.toThrow();
    }
  });
});

describeWithTools('openssl')('precertTbs', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-precert-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('undoes embedScts byte for byte, and drops [3] when the SCT list was the only extension', () => {
    const ca = ct.makeCa(dir);
    const leaf = ct.issueLeaf(ca, 'leaf');
    const list = ct.sctList([Buffer.alloc(60, 1)]);
    expect(precertTbs(ct.embedScts(leaf.der, list, ca, 0))).toEqual(ct.tbsOf(leaf.der));
    expect(precertTbs(ct.embedScts(leaf.der, list, ca, 99))).toEqual(ct.tbsOf(leaf.der));
    // Only the SCT list: the expected precertificate TBS has no extensions field at all (built with forge).
    const only = ct.embedScts(leaf.der, list, ca, 0, (fields) => {
      const wrapper = fields.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
      ((wrapper?.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[]).length = 0;
    });
    const tbs = forge.asn1.fromDer(ct.tbsOf(only).toString('binary'));
    tbs.value = (tbs.value as forge.asn1.Asn1[]).filter((f) => !(f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 3));
    expect(precertTbs(only)).toEqual(Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'));
  }, 60_000);
});

describeWithTools('openssl')('analyseCt on broken SCT extensions', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ct-broken-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an extension value that is not an OCTET STRING, and a list cut short, are issues, not exceptions', () => {
    const ca = ct.makeCa(dir);
    const leaf = ct.issueLeaf(ca, 'leaf');
    const issuer = parseCertificate(ca.caDer);
    const list = bundledLogList();
    // A broken SCT list extension ahead of embedScts's own (added last): the first one is read.
    const notOctets = ct.embedScts(leaf.der, Buffer.alloc(0), ca, 99, (fields) => {
      const wrapper = fields.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
      const exts = (wrapper?.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
      exts.push(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
        forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(ct.SCT_LIST_OID).getBytes()),
        forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, '\x05\x00'),
      ]));
    });
    expect(analyseCt({ leaf: parseCertificate(notOctets), issuer, list, at: new Date() }).issues).toEqual(['certificate SCT list: not an OCTET STRING']);
    const cut = ct.embedScts(leaf.der, Buffer.from([0x00, 0x03, 0x00, 0x2e, 0x00]), ca);
    const report = analyseCt({ leaf: parseCertificate(cut), issuer, list, at: new Date() });
    expect(report.issues).toEqual([]);
    expect(report.scts.map((s) => [s.status, s.detail])).toEqual([['malformed', expect.stringMatching(/^SCT could not be read: /)]]);
  }, 60_000);
});

describe('CT policies', () => {
  const r = (operator: string, id: string, source: SctResult['source'] = 'certificate', state = 'usable', status: SctResult['status'] = 'valid', extra: Partial<SctResult> = {}): SctResult => ({
    source,
    logId: Buffer.from(id.padEnd(32, '.')).toString('base64'),
    log: { description: id, operator, state, stateAt: '2024-01-01T00:00:00Z' },
    timestamp: '2023-06-01T00:00:00.000Z',
    version: 0,
    status,
    detail: '',
    ...extra,
  });
  // Every log the SCTs name is an RFC 6962 log (Apple wants at least one SCT from one).
  const ids = ['a1', 'a2', 'a3', 'b1'].map((id) => Buffer.from(id.padEnd(32, '.')).toString('hex'));
  const list = { source: 't', logs: new Map(ids.map((logId) => [logId, { logId, description: '', operator: '', tiled: false }])) };

  test('Chrome, embedded: 2 SCTs for ≤180 days, 3 beyond, from 2 operators, one log current', () => {
    expect(chromePolicy([r('A', 'a1'), r('B', 'b1')], 90).met).toBe(true);
    expect(chromePolicy([r('A', 'a1'), r('A', 'a2')], 90).met).toBe(false);
    expect(chromePolicy([r('A', 'a1'), r('B', 'b1')], 181).met).toBe(false);
    expect(chromePolicy([r('A', 'a1'), r('B', 'b1'), r('A', 'a2')], 181).met).toBe(true);
    // The same log twice counts once.
    expect(chromePolicy([r('A', 'a1'), r('B', 'b1'), r('B', 'b1')], 181).met).toBe(false);
    // A retired log counts if its SCT predates the retirement, but one log must be current.
    const retired = (id: string, op: string): SctResult => r(op, id, 'certificate', 'retired', 'retired-log');
    expect(chromePolicy([retired('a1', 'A'), retired('b1', 'B')], 90).met).toBe(false);
    expect(chromePolicy([retired('a1', 'A'), r('B', 'b1')], 90).met).toBe(true);
    expect(chromePolicy([r('A', 'a1'), r('B', 'b1', 'certificate', 'usable', 'invalid-signature')], 90).met).toBe(false);
  });

  test('Chrome, TLS/OCSP: 2 from current logs of 2 operators; embedded and delivered SCTs are not mixed', () => {
    expect(chromePolicy([r('A', 'a1', 'tls'), r('B', 'b1', 'ocsp')], 400).met).toBe(true);
    expect(chromePolicy([r('A', 'a1', 'tls'), r('A', 'a2', 'tls')], 400).met).toBe(false);
    expect(chromePolicy([r('A', 'a1', 'tls'), r('B', 'b1')], 90).met).toBe(false);
  });

  test('a certificate of exactly 180 days: 2 SCTs for Chrome (notAfter − notBefore), 181 days and 3 for Apple (inclusive)', () => {
    const two = [r('A', 'a1'), r('B', 'b1')];
    expect(chromePolicy(two, 180).met).toBe(true);
    expect(applePolicy(two, 180, list)).toEqual({ met: false, reason: expect.stringContaining('needs 3 for a 181-day certificate') });
    expect(applePolicy(two, 179.99, list).met).toBe(true);
  });

  test('Apple: per-operator cap on embedded SCTs, or two current SCTs with one by TLS/OCSP', () => {
    expect(applePolicy([r('A', 'a1'), r('A', 'a2'), r('B', 'b1')], 200, list).met).toBe(true);
    expect(applePolicy([r('A', 'a1'), r('A', 'a2'), r('A', 'a3')], 200, list).met).toBe(false);
    expect(applePolicy([r('A', 'a1'), r('A', 'a2')], 90, list).met).toBe(false);
    expect(applePolicy([r('A', 'a1', 'tls'), r('A', 'a2')], 400, list).met).toBe(true);
    expect(applePolicy([r('A', 'a1')], 90, list).reason).toBe('not met: 1 SCT from approved logs (needs at least 2)');
  });
});
