import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseTrace } from '../../src/analyse/index.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { loadCapture } from '../../src/capture/capture-file.js';
import { repoRoot } from '../helpers/servers.js';
import { renderJson, renderJsonText, type TraceJson } from '../../src/report/index.js';
import { captureFromJson, type CaptureFileJson } from '../../src/capture/capture-file.js';
import type { Capture } from '../../src/capture/types.js';
import { serverOnlyCapture } from './helpers/big-captures.js';
import { handshakeRecords, serverHello as tlsServerHello } from '../robustness/tls-bytes.js';
import { buildTrace, clientHello, ext, serverHello } from './helpers/build.js';
import { traceValidator } from './helpers/checks.js';

function sampleJson(): TraceJson {
  const { capture, decoded } = buildTrace(
    [
      {
        dir: 'client',
        t: 1,
        hs: clientHello({
          cipherSuites: [0x2a2a, 0x1301, 0xc02f],
          extensions: [
            ext(0x2a2a, { kind: 'grease' }),
            ext(0, { kind: 'server_name', names: ['example.test'] }),
            ext(43, { kind: 'supported_versions', versions: [0x0304, 0x0303] }),
            ext(51, { kind: 'key_share', shares: [{ group: 29, keyExchange: '01'.repeat(32) }] }),
          ],
        }),
      },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 29 })] }) },
      { dir: 'server', t: 2.1, ccs: true, compatibility: true },
      { dir: 'server', t: 2.2, hs: { type: 'encrypted_extensions', extensions: [] }, decrypted: true },
      { dir: 'server', t: 2.3, encrypted: 300 },
      { dir: 'client', t: 3, encrypted: 53 },
      { dir: 'server', t: 3.5, alert: [1, 0] },
    ],
    { node: { protocol: 'TLSv1.3', alpn: undefined } },
  );
  return renderJson({ capture, decoded, analysis: analyseTrace(capture, decoded) });
}

describe('JSON report', () => {
  it('validates against schema/trace.schema.json', () => {
    const check = traceValidator()(sampleJson());
    expect(check.errors).toBe('No errors');
    expect(check.ok).toBe(true);
  });

  it('an empty capture with an error also validates', () => {
    const { capture, decoded } = buildTrace([], { error: { code: 'timeout', message: 'no answer within 100 ms' } });
    const json = renderJson({ capture, decoded, analysis: analyseTrace(capture, decoded) });
    expect(traceValidator()(JSON.parse(JSON.stringify(json))).errors).toBe('No errors');
  });

  it('the schema rejects a trace with a broken code point or a missing section', () => {
    const validate = traceValidator();
    const json = JSON.parse(JSON.stringify(sampleJson())) as Record<string, unknown> & { records: Array<Record<string, unknown>> };
    json.records[0].contentType = 22;
    expect(validate(json).ok).toBe(false);
    const json2 = JSON.parse(JSON.stringify(sampleJson())) as Record<string, unknown>;
    delete json2.steps;
    expect(validate(json2).ok).toBe(false);
  });

  it('writes code points as { code, hex, name }, record bytes as hex, and typed bodies', () => {
    const json = sampleJson();
    expect(json.format).toBe('tls-trace');
    expect(json.records[0].contentType).toEqual({ code: 22, hex: '0x16', name: 'handshake' });
    expect(json.records[0].hex.slice(0, 10)).toBe('160303000c');
    expect(json.records[0].hex.length / 2).toBe(json.records[0].length);
    const ch = json.messages[0];
    expect(ch.msgType).toEqual({ code: 1, hex: '0x01', name: 'client_hello' });
    const body = ch.body as { cipherSuites: unknown[]; extensions: Array<{ type: unknown; info?: Record<string, unknown> }> };
    expect(body.cipherSuites).toEqual([
      { code: 0x2a2a, hex: '0x2a2a', name: 'GREASE' },
      { code: 0x1301, hex: '0x1301', name: 'TLS_AES_128_GCM_SHA256' },
      { code: 0xc02f, hex: '0xc02f', name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
    ]);
    expect(body.extensions[0].type).toEqual({ code: 0x2a2a, hex: '0x2a2a', name: 'GREASE' });
    expect(body.extensions[2].info).toEqual({ kind: 'supported_versions', versions: [{ code: 0x0304, hex: '0x0304', name: 'TLS 1.3' }, { code: 0x0303, hex: '0x0303', name: 'TLS 1.2' }] });
    expect(body.extensions[3].info).toEqual({ kind: 'key_share', shares: [{ group: { code: 29, hex: '0x001d', name: 'x25519' }, keyExchange: '01'.repeat(32) }] });
    expect(json.messages[6]).toMatchObject({ kind: 'alert', level: { code: 1, name: 'warning' }, description: { code: 0, name: 'close_notify' } });
    // The decrypted message points into a plaintext space whose bytes are included.
    expect(json.messages[3]).toMatchObject({ name: 'EncryptedExtensions', decrypted: true });
    expect(json.spaces.find((s) => s.id === json.messages[3].space)?.hex).toBe('08000008080f161d242b3239');
    // Steps carry their explanation; flights their labels; the table its words.
    expect(json.steps.map((s) => s.name)).toEqual(['ClientHello', 'ServerHello', 'ChangeCipherSpec', 'EncryptedExtensions', 'Encrypted record', 'Encrypted record', 'Alert']);
    expect(json.flights.map((f) => [f.label, f.steps])).toEqual([
      ['C1', [1]],
      ['S1', [2, 3, 4, 5]],
      ['C2', [6]],
      ['S2', [7]],
    ]);
    expect(json.table.find((r) => r.key === 'version')).toEqual({ key: 'version', label: 'Protocol version', value: 'TLS 1.3 (0x0304)', source: 'decoded', note: 'from supported_versions' });
    expect(json.negotiated.group).toEqual({ value: { code: 29, hex: '0x001d', name: 'x25519' }, source: 'decoded', note: 'from key_share' });
  });
});

describe('JSON of every recorded fixture, through the whole pipeline (decryption and chain included)', () => {
  const dir = path.join(repoRoot, 'fixtures', 'captures');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const validate = traceValidator();

  it.each(files)('%s validates against schema/trace.schema.json', async (file) => {
    const capture = await loadCapture(path.join(dir, file));
    const view = analyseCapture(capture, { trustStore: buildTrustStore([]), at: new Date(capture.startedAt) });
    const json = renderJson(view);
    expect(json.decryption?.status).toBe('decrypted');
    const result = validate(JSON.parse(JSON.stringify(json)));
    expect(result.ok ? '' : result.errors).toBe('');
  });
});

describe('the vocabulary trace shares with check and scan', () => {
  it('schemaVersion beside format; the chain leaf as the shared certificate summary, cross-checked with Node', async () => {
    const capture = await loadCapture(path.join(repoRoot, 'fixtures', 'captures', 'openssl-tls13.json'));
    const json = JSON.parse(JSON.stringify(renderJson(analyseCapture(capture, { trustStore: buildTrustStore([]), at: new Date('2027-01-15T00:00:00Z') }))));
    expect([json.format, json.schemaVersion, json.version]).toEqual(['tls-trace', '1', undefined]);
    // Node's own summary keeps Node's words; it is the one place `TLSv1.3` appears.
    expect(json.node.protocol).toBe('TLSv1.3');
    const x = new X509Certificate(Buffer.from(capture.node?.peerCertificates?.[0] ?? '', 'hex'));
    const leaf = json.chain.certificates[0];
    expect(Object.keys(leaf)).toEqual(['sentIndex', 'role', 'inPath', 'certificate', 'verdict', 'problems']);
    expect(leaf.certificate).toMatchObject({
      subject: 'CN=localhost',
      serial: x.serialNumber.toLowerCase(),
      notAfter: new Date(x.validTo).toISOString(),
      daysLeft: Math.floor((Date.parse(x.validTo) - Date.parse('2027-01-15T00:00:00Z')) / 86_400_000),
      publicKey: { type: x.publicKey.asymmetricKeyType, bits: x.publicKey.asymmetricKeyDetails?.modulusLength, label: 'RSA 2048' },
      fingerprint256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
      sans: [
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ],
    });
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect([leaf.certificate.san, leaf.info, leaf.daysLeft, json.chain.expiresAt]).toEqual([undefined, undefined, undefined, undefined]);
    expect(json.chain.notAfter).toBe(leaf.certificate.notAfter);
    // Chain facts on the scale scan findings use.
    for (const f of json.chain.facts) expect(['critical', 'high', 'medium', 'low', 'info']).toContain(f.severity);
    expect(json.chain.facts.find((f: { check: string }) => f.check === 'link.keyId').severity).toBe('medium');
    // And the schema holds that shape: the old chain row (`info`, SANs by type) is rejected.
    expect(traceValidator()(json).ok).toBe(true);
    json.chain.certificates[0].info = { ...leaf.certificate, san: { dns: ['localhost'], ip: [], email: [], uri: [] } };
    delete json.chain.certificates[0].certificate;
    expect(traceValidator()(json).ok).toBe(false);
    expect(json.chain.facts.find((f: { check: string }) => f.check === 'trust').severity).toBe('critical');
  });
});

describe('renderJsonText: the streamed --json', () => {
  // Written entry by entry so a capture of thousands of records never holds the whole document;
  // it must be exactly JSON.stringify of the document (the golden tests pin the fixtures too).
  const cases: Array<[string, () => Capture]> = [
    ['a decrypted TLS 1.3 fixture', () => captureFromJson(JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/captures/openssl-tls13-hrr.json'), 'utf8')) as CaptureFileJson)],
    ['no records at all (every long list empty)', () => captureFromJson(serverOnlyCapture(new Uint8Array(0)))],
    ['2,000 application-data records and a ServerHello', () => captureFromJson(serverOnlyCapture(manyRecords(2000)))],
  ];
  it.each(cases)('%s: the pieces join to JSON.stringify(renderJson(view), null, 2)', (_name, make) => {
    const view = analyseCapture(make(), { at: new Date(0) });
    const streamed = [...renderJsonText(view)];
    expect(streamed.join('')).toBe(JSON.stringify(renderJson(view), null, 2));
  });

  it('writes no piece larger than one entry: the long lists are not built into one string', () => {
    const view = analyseCapture(captureFromJson(serverOnlyCapture(manyRecords(2000))), { at: new Date(0) });
    const pieces = [...renderJsonText(view)];
    const total = pieces.reduce((n, p) => n + p.length, 0);
    expect(pieces.length).toBeGreaterThan(6000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(total / 100);
  });
});

/** A ServerHello record, then `n` application-data records of 300 bytes. */
function manyRecords(n: number): Uint8Array {
  const record = Buffer.concat([Buffer.from([23, 3, 3, 0x01, 0x27]), Buffer.alloc(295, 0x41)]);
  const hello = handshakeRecords(tlsServerHello({ sessionId: Buffer.alloc(0), suite: 0xc02f }));
  return Buffer.concat([hello, ...Array<Buffer>(n).fill(record)]);
}
