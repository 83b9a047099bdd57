// SCT verification in all three places against openssl as the golden: SCTs embedded by the
// precertificate flow, sent in the TLS extension (openssl s_server -serverinfo, TLS 1.2 and 1.3)
// and in an OCSP staple (s_server -status_file). For each, valid SCTs verify and each tampered
// field (version, log ID, timestamp, extensions, signature, and the certificate) fails, with
// `openssl s_client -ct -ctlogfile` giving the same verdict on the same server.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyseCt, type CtReport } from '../../src/analyse/ct/index.js';
import { parseLogListText, type CtLogList } from '../../src/analyse/ct/log-list.js';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { decodeSctList } from '../../src/decode/sct.js';
import { walkFields } from '../../src/decode/reader.js';
import { decodeAndDecrypt } from '../../src/analyse/pipeline.js';
import { chainReportFromCapture } from '../../src/analyse/chain/from-capture.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import * as ct from './helpers/ct-pki.js';
import { parseOpensslScts, recordingRelay, sClientCt, x509Scts } from './helpers/openssl-ct.js';

type Tamper = NonNullable<ct.SctSpec['tamper']> | 'certificate';
const TAMPERS: Tamper[] = ['version', 'logId', 'timestamp', 'extensions', 'signature', 'certificate'];
/** What tls-trace must say about each tampered SCT, and what openssl says. */
const EXPECT: Record<Tamper, { ours: string; openssl: string }> = {
  version: { ours: 'malformed', openssl: 'unknown version' },
  logId: { ours: 'unknown-log', openssl: 'unknown log' },
  timestamp: { ours: 'invalid-signature', openssl: 'invalid' },
  extensions: { ours: 'invalid-signature', openssl: 'invalid' },
  signature: { ours: 'invalid-signature', openssl: 'invalid' },
  certificate: { ours: 'invalid-signature', openssl: 'invalid' },
};

const hex = (b: Buffer): string => b.toString('hex');

describeWithTools('openssl')('SCT verification (openssl as golden)', () => {
  let dir: string;
  let logs: ReturnType<typeof ct.makeLogs>;
  let ca: ct.TestCa;
  let list: CtLogList;
  let logFile: string;
  let leaf: { der: Buffer; keyFile: string };
  let other: { der: Buffer; keyFile: string };
  const now = Date.now() - 120_000;
  const at = new Date(now + 60_000);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ct-'));
    logs = ct.makeLogs();
    ca = ct.makeCa(dir);
    leaf = ct.issueLeaf(ca, 'leaf');
    other = ct.issueLeaf(ca, 'other');
    list = parseLogListText(ct.logListJson([logs.ec, logs.rsa, logs.retired]), 'test list');
    logFile = path.join(dir, 'logs.cnf');
    writeFileSync(logFile, ct.opensslLogFile([logs.ec, logs.rsa, logs.retired]));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const precertOf = (der: Buffer): ct.SignedEntry => ({ type: 'precert', issuerKeyHash: ct.issuerKeyHashOf(ca), tbs: ct.tbsOf(der) });

  /** A final certificate with a valid EC SCT and an RSA SCT tampered as asked (or valid). */
  function embedded(tamper?: Tamper): { der: Buffer; scts: Buffer[] } {
    const good = ct.signSct({ log: logs.ec, timestamp: now }, precertOf(leaf.der));
    // "certificate": the RSA log signed another precertificate than the one that became this certificate.
    const signedOver = tamper === 'certificate' ? precertOf(other.der) : precertOf(leaf.der);
    const second = ct.signSct({ log: logs.rsa, timestamp: now + 7, ...(tamper && tamper !== 'certificate' ? { tamper } : {}) }, signedOver);
    return { der: ct.embedScts(leaf.der, ct.sctList([good, second]), ca), scts: [good, second] };
  }

  function ours(der: Buffer, extra: { tls?: Buffer; ocsp?: Buffer } = {}): CtReport {
    return analyseCt({
      leaf: parseCertificate(der),
      issuer: parseCertificate(ca.caDer),
      ...(extra.tls ? { tlsScts: decodeSctList(extra.tls).scts } : {}),
      ...(extra.ocsp ? { ocspSctList: octetWrapped(extra.ocsp) } : {}),
      list,
      at,
    });
  }

  /** s_client's verdicts for the SCTs `pem` (plus server args) presents, keyed by log ID hex. */
  async function opensslVerdicts(args: string[], version?: '-tls1_2' | '-tls1_3', trustCa = true): Promise<Map<string, string>> {
    const server: TestServer = await startOpensslServer(args);
    try {
      const out = await sClientCt(server.port, { logFile, ...(trustCa ? { caFile: ca.caFile } : {}), ...(version ? { version } : {}) });
      return new Map(parseOpensslScts(out).map((s) => [s.logId, s.status ?? 'none']));
    } finally {
      await server.close();
    }
  }

  test('embedded SCTs: decoded as openssl x509 -text decodes them, valid by openssl s_client -ct and by us', async () => {
    const { der } = embedded();
    const pem = ct.writePem(dir, 'valid', der);
    const theirs = x509Scts(pem);
    const report = ours(der);
    expect(report.scts.map((s) => Buffer.from(s.logId ?? '', 'base64').toString('hex'))).toEqual(theirs.map((s) => s.logId));
    expect(theirs.map((s) => s.signature)).toEqual(['ecdsa-with-SHA256', 'sha256WithRSAEncryption']);
    expect(report.scts.map((s) => s.signatureAlgorithm)).toEqual(['ecdsa-sha256', 'rsa-sha256']);
    // openssl prints milliseconds: the same instant.
    expect(report.scts.map((s) => s.timestamp?.slice(11, 23))).toEqual(theirs.map((s) => /\d\d:\d\d:\d\d\.\d{3}/.exec(s.timestamp)?.[0]));
    expect(report.scts.map((s) => s.status)).toEqual(['valid', 'valid']);
    const verdicts = await opensslVerdicts(['-cert', pem, '-key', leaf.keyFile]);
    expect([...verdicts.values()]).toEqual(['valid', 'valid']);
    expect(report.chrome.met).toBe(true);
    expect(report.apple.met).toBe(true);
  }, 60_000);

  test.each(TAMPERS)('embedded SCT with a tampered %s fails, as openssl says', async (tamper) => {
    const { der } = embedded(tamper);
    const pem = ct.writePem(dir, `tampered-${tamper}`, der);
    const report = ours(der);
    expect(report.scts.map((s) => s.status)).toEqual(['valid', EXPECT[tamper].ours]);
    const verdicts = await opensslVerdicts(['-cert', pem, '-key', leaf.keyFile]);
    expect(verdicts.get(hex(logs.ec.logId))).toBe('valid');
    // openssl prints no log ID for an SCT of an unknown version, only its status.
    if (tamper === 'version') return expect([...verdicts.values()].sort()).toEqual(['unknown version', 'valid']);
    const tamperedId = tamper === 'logId' ? report.scts[1].logId : logs.rsa.logId.toString('base64');
    expect(verdicts.get(Buffer.from(tamperedId ?? '', 'base64').toString('hex'))).toBe(EXPECT[tamper].openssl);
    // One valid SCT from one operator meets neither policy.
    expect(report.chrome.met).toBe(false);
  }, 60_000);

  test('an embedded SCT whose issuer is unknown is unverifiable (openssl: not judged), counted neither valid nor invalid', async () => {
    const { der } = embedded();
    const pem = ct.writePem(dir, 'no-issuer', der);
    // No -CAfile: openssl's chain stops at the leaf, so it has no issuer either, and judges
    // neither SCT ("not set"): the same SCTs with the issuer are valid by openssl (test above).
    const verdicts = await opensslVerdicts(['-cert', pem, '-key', leaf.keyFile], undefined, false);
    expect([...verdicts.values()]).toEqual(['not set', 'not set']);
    const report = analyseCt({ leaf: parseCertificate(der), list, at });
    expect(report.scts.map((s) => [s.status, s.signatureValid, s.log?.description])).toEqual([
      ['unverifiable', undefined, 'Test EC log'],
      ['unverifiable', undefined, 'Test RSA log'],
    ]);
    expect(report.scts[0].detail).toBe('embedded SCT from "Test EC log" (Operator A) is not verifiable: the issuer is unknown (not sent, not fetched), so the precertificate cannot be rebuilt');
    // The same SCTs with the issuer meet both policies; without it neither, and the reason says why.
    expect(report.chrome).toEqual({ met: false, reason: expect.stringMatching(/^not met: 0 embedded SCTs from qualifying logs .*; 2 embedded SCTs not verifiable \(the issuer is unknown\), not counted;/) });
    expect(report.apple).toEqual({ met: false, reason: 'not met: 0 SCTs from approved logs (needs at least 2); 2 embedded SCTs not verifiable (the issuer is unknown), not counted' });
  }, 60_000);

  /** The TLS-extension SCT list for the leaf (x509 entries): EC valid, RSA tampered as asked. */
  function x509List(tamper?: Tamper): Buffer {
    const entry: ct.SignedEntry = { type: 'x509', leaf: leaf.der };
    const wrong: ct.SignedEntry = { type: 'x509', leaf: other.der };
    return ct.sctList([
      ct.signSct({ log: logs.ec, timestamp: now }, entry),
      ct.signSct({ log: logs.rsa, timestamp: now + 7, ...(tamper && tamper !== 'certificate' ? { tamper } : {}) }, tamper === 'certificate' ? wrong : entry),
    ]);
  }

  test.each(['-tls1_2', '-tls1_3'] as const)('TLS extension (%s): s_client asks, the relay records, tls-trace decodes and verifies as openssl does', async (version) => {
    const leafPem = ct.writePem(dir, 'plain', leaf.der);
    const info = ct.serverinfoFile(dir, x509List('timestamp'));
    const server = await startOpensslServer(['-cert', leafPem, '-key', leaf.keyFile, '-serverinfo', info]);
    const relay = await recordingRelay(server.port);
    const keylogFile = path.join(dir, `keylog${version}.txt`);
    try {
      const out = await sClientCt(relay.port, { logFile, caFile: ca.caFile, version, keylogFile });
      const theirs = new Map(parseOpensslScts(out).map((s) => [s.logId, s.status]));
      expect(theirs.get(hex(logs.ec.logId))).toBe('valid');
      expect(theirs.get(hex(logs.rsa.logId))).toBe('invalid');
      const capture = relay.capture(readFileSync(keylogFile, 'utf8').split('\n').filter(Boolean));
      const { trace } = decodeAndDecrypt(capture);
      const trustStore = buildTrustStore([{ origin: 'ca-file', pem: ca.caPem, file: ca.caFile }]);
      const report = chainReportFromCapture(capture, { trace, trustStore, at, ctLogList: list });
      const scts = report?.ct?.scts ?? [];
      expect(scts.map((s) => [s.source, s.log?.description, s.status])).toEqual([
        ['tls', 'Test EC log', 'valid'],
        ['tls', 'Test RSA log', 'invalid-signature'],
      ]);
      // The decoded message itemises each SCT, and the log_id field's offset points at the log ID's bytes.
      const message = trace.messages.find((m) => [...walkFields(m.fields)].some((f) => f.name === 'sct'));
      const sctFields = [...walkFields(message?.fields ?? [])].filter((f) => f.name === 'sct');
      expect(sctFields).toHaveLength(2);
      expect(sctFields[0].children?.map((f) => f.name)).toEqual(['length', 'version', 'log_id', 'timestamp', 'extensions', 'hash_algorithm', 'signature_algorithm', 'signature']);
      const logIdField = sctFields[0].children?.find((f) => f.name === 'log_id');
      const space = message?.space.bytes ?? new Uint8Array();
      expect(hex(Buffer.from(space.subarray(logIdField?.offset, (logIdField?.offset ?? 0) + 32)))).toBe(hex(logs.ec.logId));
      expect(message?.space.decrypted === true).toBe(version === '-tls1_3');
    } finally {
      await relay.close();
      await server.close();
    }
  }, 60_000);

  test.each(TAMPERS)('TLS extension SCT with a tampered %s fails', (tamper) => {
    const report = ours(leaf.der, { tls: x509List(tamper) });
    expect(report.scts.map((s) => [s.source, s.status])).toEqual([
      ['tls', 'valid'],
      ['tls', EXPECT[tamper].ours],
    ]);
  });

  test('OCSP staple: SCTs in the single response verify over the leaf, by openssl and by check', async () => {
    const leafPem = ct.writePem(dir, 'stapled', leaf.der);
    const ocspFile = path.join(dir, 'ocsp.der');
    writeFileSync(ocspFile, ct.ocspWithScts(leaf.der, ca, x509List(), new Date(now)));
    const verdicts = await opensslVerdicts(['-cert', leafPem, '-key', leaf.keyFile, '-status_file', ocspFile]);
    expect([...verdicts.values()]).toEqual(['valid', 'valid']);
    const report = ours(leaf.der, { ocsp: x509List() });
    expect(report.scts.map((s) => [s.source, s.status])).toEqual([
      ['ocsp', 'valid'],
      ['ocsp', 'valid'],
    ]);
    expect(report.chrome).toEqual({ met: true, reason: expect.stringContaining('TLS/OCSP') });
  }, 60_000);

  test.each(TAMPERS)('OCSP staple SCT with a tampered %s fails', (tamper) => {
    const report = ours(leaf.der, { ocsp: x509List(tamper) });
    expect(report.scts.map((s) => [s.source, s.status])).toEqual([
      ['ocsp', 'valid'],
      ['ocsp', EXPECT[tamper].ours],
    ]);
  });

  test('an unknown log, a retired log and a timestamp in the future are each named', () => {
    const pre = precertOf(leaf.der);
    const der = ct.embedScts(
      leaf.der,
      ct.sctList([
        ct.signSct({ log: logs.stranger, timestamp: now }, pre),
        ct.signSct({ log: logs.retired, timestamp: Date.parse('2021-01-01T00:00:00Z') }, pre),
        ct.signSct({ log: logs.ec, timestamp: now + 86_400_000 }, pre),
      ]),
      ca,
    );
    const report = ours(der);
    expect(report.scts.map((s) => s.status)).toEqual(['unknown-log', 'retired-log', 'future-timestamp']);
    expect(report.scts[1].detail).toContain('retired 2021-06-01T00:00:00Z');
    expect(report.chrome.met).toBe(false);
  });
});

/** An extnValue as a CA writes it: the TLS list inside an OCTET STRING (short or long length form). */
function octetWrapped(list: Buffer): Buffer {
  const n = list.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([0x04]), len, list]);
}
