// Real handshakes against a loopback Node tls server, recorded by the test helpers' recording
// client, decoded by the decoder and analysed/rendered here. Expected values come from the
// server's configuration and from Node's own view of the connection (an independent source).

import { decodeCapture, recordCoverage } from '../../src/decode/index.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import type { Capture } from '../../src/capture/types.js';
import { analyseTrace, recordSpans, renderJson, renderText, type TraceView } from '../../src/report/index.js';
import { recordHandshake } from '../helpers/recorder.js';
import { demoCerts, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { expectExactCover, traceValidator } from './helpers/checks.js';

const certs = demoCerts();
let ecdsa: TestServer;
let rsa: TestServer;
let p256only: TestServer;
let clientAuth: TestServer;

beforeAll(async () => {
  [ecdsa, rsa, p256only, clientAuth] = await Promise.all([
    startNodeTlsServer({ ...certs.ecdsa, ALPNProtocols: ['h2', 'http/1.1'] }),
    startNodeTlsServer({ ...certs.rsa }),
    startNodeTlsServer({ ...certs.ecdsa, ecdhCurve: 'P-256' }),
    startNodeTlsServer({ ...certs.rsa, requestCert: true, rejectUnauthorized: false, ca: certs.root }),
  ]);
});

afterAll(async () => {
  await Promise.all([ecdsa?.close(), rsa?.close(), p256only?.close(), clientAuth?.close()]);
});

function view(capture: Capture): TraceView {
  expect(capture.error).toBeUndefined();
  const decoded = decodeCapture(capture);
  return { capture, decoded, analysis: analyseTrace(capture, decoded) };
}

/** Checks that hold for every real trace: exact hex coverage, schema-valid JSON, clean text. */
function commonChecks(v: TraceView): void {
  const stream = (d: 'client' | 'server') => v.decoded.spaces.find((s) => s.id === d)!;
  for (const r of v.decoded.records) {
    expectExactCover(recordSpans(v.decoded, r), r.offset, r.length);
    // The decoder's own coverage check agrees (it does not know about decrypted plaintext).
    const decrypted = v.decoded.messages.some((m) => m.space.decrypted && m.records.includes(r.index));
    if (!decrypted) expect(recordCoverage(r, v.decoded.messages, stream(r.direction)).exact).toBe(true);
  }
  const json = renderJson(v);
  const check = traceValidator()(JSON.parse(JSON.stringify(json)));
  expect(check.errors).toBe('No errors');
  const text = renderText(v, { color: false, hex: true });
  expect(text).not.toContain('not explained by any field');
  // eslint-disable-next-line no-control-regex -- no escapes when colour is off
  expect(text).not.toMatch(/\u001b\[/);
}

const names = (v: TraceView): string[] => v.analysis.steps.map((s) => `${s.direction === 'client' ? '→' : '←'} ${s.name}`);

describe('trace report on real loopback handshakes', () => {
  it('TLS 1.2 ECDHE-ECDSA', async () => {
    const v = view(
      await recordHandshake({ host: ecdsa.host, port: ecdsa.port, servername: 'localhost', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'], ecdhCurve: 'X25519:P-256' }),
    );
    expect(names(v).slice(0, 11)).toEqual([
      '→ ClientHello',
      '← ServerHello',
      '← Certificate',
      '← ServerKeyExchange',
      '← ServerHelloDone',
      '→ ClientKeyExchange',
      '→ ChangeCipherSpec',
      '→ Encrypted record',
      '← NewSessionTicket',
      '← ChangeCipherSpec',
      '← Encrypted record',
    ]);
    // Both Finished messages are recognised by position; what follows is the closing alerts.
    expect(v.analysis.steps.filter((s) => s.kind === 'encrypted').slice(0, 2).map((s) => s.guess)).toEqual([{ kind: 'finished' }, { kind: 'finished' }]);
    expect(v.analysis.flights.slice(0, 4).map((f) => f.label)).toEqual(['C1', 'S1', 'C2', 'S2']);
    const n = v.analysis.negotiated;
    const node = v.capture.node!;
    expect(n.version.value?.name).toBe('TLS 1.2');
    expect(n.cipherSuite.value?.name).toBe(node.cipher?.standardName);
    expect(n.cipherSuite.value).toMatchObject({ kx: 'ECDHE', auth: 'ECDSA' });
    expect(n.group).toMatchObject({ value: { name: 'x25519', code: 29 }, source: 'decoded' });
    expect(n.signatureScheme.value?.name).toMatch(/^ecdsa_/);
    expect(n.alpn).toMatchObject({ value: 'h2', source: 'decoded' });
    expect(n.sni.value).toBe('localhost');
    expect(n.forwardSecrecy.value).toBe(true);
    expect(n.extendedMasterSecret.value).toBe(true);
    expect(n.secureRenegotiation.value).toBe(true);
    expect(n.resumed.value).toBe(false);
    expect(v.analysis.crossChecks).toEqual([]);
    expect(v.analysis.outcome.complete).toBe(true);
    expect(v.analysis.steps[2].certificates?.[0]).toMatchObject({ subject: 'CN=localhost', key: 'EC P-256' });
    commonChecks(v);
  });

  it('TLS 1.2 plain RSA key exchange: no ServerKeyExchange, no forward secrecy', async () => {
    const v = view(await recordHandshake({ host: rsa.host, port: rsa.port, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }));
    expect(names(v).slice(0, 7)).toEqual(['→ ClientHello', '← ServerHello', '← Certificate', '← ServerHelloDone', '→ ClientKeyExchange', '→ ChangeCipherSpec', '→ Encrypted record']);
    const n = v.analysis.negotiated;
    expect(n.cipherSuite.value).toMatchObject({ name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', openssl: 'AES128-GCM-SHA256', kx: 'RSA' });
    expect(n.forwardSecrecy.value).toBe(false);
    expect(n.group.value).toBeUndefined();
    expect(n.sni.value).toBeUndefined();
    const text = renderText(v, { color: false, hex: false });
    expect(text).toContain('The pre-master secret, encrypted with the server\'s RSA public key');
    commonChecks(v);
  });

  it('TLS 1.3: compatibility CCS and the encrypted server flight', async () => {
    const v = view(await recordHandshake({ host: ecdsa.host, port: ecdsa.port, servername: 'localhost', ALPNProtocols: ['http/1.1'], ecdhCurve: 'X25519' }));
    const steps = names(v);
    expect(steps.slice(0, 4)).toEqual(['→ ClientHello', '← ServerHello', '← ChangeCipherSpec', '← Encrypted record']);
    expect(steps).toContain('→ ChangeCipherSpec');
    const ccs = v.analysis.steps.filter((s) => s.kind === 'change_cipher_spec').map((s) => v.decoded.messages[s.message]);
    expect(ccs.every((m) => m.kind === 'change_cipher_spec' && m.compatibility)).toBe(true);
    const n = v.analysis.negotiated;
    expect(n.version).toMatchObject({ value: { code: 0x0304 }, note: 'from supported_versions' });
    expect(n.cipherSuite.value?.name).toBe(v.capture.node?.cipher?.standardName);
    expect(n.group).toMatchObject({ value: { name: 'x25519' }, source: 'decoded' });
    // ALPN is inside EncryptedExtensions: without decryption it is Node's word, marked as such.
    expect(n.alpn).toMatchObject({ value: 'http/1.1', source: 'node' });
    expect(n.signatureScheme.note).toBe('encrypted (see decryption)');
    expect(v.analysis.flights[0].label).toBe('C1');
    expect(v.analysis.flights[1]).toMatchObject({ label: 'S1', direction: 'server' });
    commonChecks(v);
  });

  it('TLS 1.3 HelloRetryRequest when the client guesses the wrong key share', async () => {
    const v = view(await recordHandshake({ host: p256only.host, port: p256only.port, servername: 'localhost', ecdhCurve: 'X25519:P-256' }));
    expect(names(v).slice(0, 2)).toEqual(['→ ClientHello', '← HelloRetryRequest']);
    expect(names(v)).toContain('← ServerHello');
    const n = v.analysis.negotiated;
    expect(n.helloRetryRequest).toMatchObject({ value: true, note: 'server asked for a secp256r1 key share' });
    expect(n.group.value).toMatchObject({ name: 'secp256r1', code: 23 });
    commonChecks(v);
  });

  it('TLS 1.3 decrypted with the key log: inner messages become ordinary steps marked decrypted', async () => {
    const capture = await recordHandshake({ host: ecdsa.host, port: ecdsa.port, servername: 'localhost', ALPNProtocols: ['h2'], ecdhCurve: 'X25519' });
    expect(capture.keylog.length).toBeGreaterThan(0);
    const decoded = decryptAndMerge(capture, decodeCapture(capture)).trace;
    const v: TraceView = { capture, decoded, analysis: analyseTrace(capture, decoded) };
    const decrypted = v.analysis.steps.filter((s) => s.decrypted).map((s) => `${s.direction === 'client' ? '→' : '←'} ${s.name}`);
    expect(decrypted.slice(0, 5)).toEqual(['← EncryptedExtensions', '← Certificate', '← CertificateVerify', '← Finished', '→ Finished']);
    const n = v.analysis.negotiated;
    expect(n.signatureScheme).toEqual({ value: { code: 0x0403, hex: '0x0403', name: 'ecdsa_secp256r1_sha256' }, source: 'decrypted', note: 'from CertificateVerify' });
    expect(n.alpn).toMatchObject({ value: 'h2', source: 'decrypted' });
    expect(v.analysis.steps.find((s) => s.name === 'Certificate')?.certificates?.map((c) => c.subject)).toEqual(['CN=localhost', 'O=tls-trace demo, CN=tls-trace Demo Intermediate CA']);
    const text = renderText(v, { color: false, hex: true });
    expect(text).toMatch(/← EncryptedExtensions \[decrypted\]/);
    expect(text).toContain('Encrypted body (decrypted plaintext');
    commonChecks(v);
  });

  it('TLS 1.2 with a CertificateRequest: the client answers with an empty Certificate', async () => {
    const v = view(await recordHandshake({ host: clientAuth.host, port: clientAuth.port, maxVersion: 'TLSv1.2' }));
    expect(names(v).slice(0, 9)).toEqual([
      '→ ClientHello',
      '← ServerHello',
      '← Certificate',
      '← ServerKeyExchange',
      '← CertificateRequest',
      '← ServerHelloDone',
      '→ Certificate',
      '→ ClientKeyExchange',
      '→ ChangeCipherSpec',
    ]);
    const text = renderText(v, { color: false, hex: false });
    expect(text).toContain('The server asks the client to authenticate with a certificate of its own.');
    expect(text).toMatch(/the client has none to offer and sends an empty\s+list/);
    expect(v.analysis.negotiated.cipherSuite.value?.kx).toBe('ECDHE');
    commonChecks(v);
  });
});
