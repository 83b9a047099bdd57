// End to end: real handshakes against loopback Node tls, openssl s_server and gnutls-serv, recorded
// with their key logs, then decoded, decrypted and verified. For each suite: every protected
// record opens, the server Certificate we decode is byte-identical to Node's
// getPeerCertificate(true) chain, and every Finished and signature check passes.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { CertificateMessage, HandshakeMessage } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { captureHandshake } from '../../src/capture/capture.js';
import type { DecryptionResult } from '../../src/decrypt/index.js';
import { recordHandshake, type RecordOptions } from '../helpers/recorder.js';
import { demoCerts, describeWithTools, startGnutlsServer, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';

type Version = 'TLSv1.2' | 'TLSv1.3';

interface Expect {
  suite: string;
  encryptThenMac?: boolean;
  scheme?: RegExp;
  /** A client certificate was sent, so a client CertificateVerify is checked too. */
  clientAuth?: boolean;
}

async function capture(server: TestServer, version: Version, ciphers: string, extra: Partial<RecordOptions> = {}): Promise<Capture> {
  const cap = await recordHandshake({ host: server.host, port: server.port, minVersion: version, maxVersion: version, ciphers, lingerMs: 150, ...extra });
  if (cap.error) throw new Error(`handshake failed: ${cap.error.message}\n${server.output()}`);
  return cap;
}

function serverCertificate(messages: readonly { kind: string }[]): HandshakeMessage & { body: CertificateMessage } {
  const m = messages.find((x): x is HandshakeMessage & { body: CertificateMessage } => x.kind === 'handshake' && (x as HandshakeMessage).body?.type === 'certificate' && (x as HandshakeMessage).direction === 'server');
  if (!m) throw new Error('no server Certificate decoded');
  return m;
}

function check(cap: Capture, version: Version, want: Expect): DecryptionResult {
  const { trace, decryption } = decryptAndMerge(cap, decodeCapture(cap));
  expect(decryption.notes).toEqual([]);
  expect(decryption.records.filter((r) => !r.ok)).toEqual([]);
  expect(decryption.status).toBe('decrypted');
  expect(decryption.keySchedule?.suiteName).toBe(want.suite);
  expect(decryption.keySchedule?.version).toBe(version === 'TLSv1.3' ? 'TLS 1.3' : 'TLS 1.2');
  if (want.encryptThenMac !== undefined) expect(decryption.keySchedule?.encryptThenMac).toBe(want.encryptThenMac);
  const cert = serverCertificate(trace.messages);
  expect(cert.space.decrypted === true).toBe(version === 'TLSv1.3');
  expect(cert.body.entries.map((e) => e.der)).toEqual(cap.node?.peerCertificates);
  const checks = decryption.verifications.map((v) => [v.check, v.ok, v.reason]);
  const client = want.clientAuth ? ['client-certificate-verify'] : [];
  const expected =
    version === 'TLSv1.3'
      ? ['server-certificate-verify', 'server-finished', ...client, 'client-finished']
      : ['server-key-exchange', ...client, 'client-finished', 'server-finished'];
  expect(checks.map((c) => c[0])).toEqual(expected);
  for (const c of checks) expect(c).toEqual([c[0], true, c[2]]);
  if (want.scheme) expect(decryption.verifications[0].reason).toMatch(want.scheme);
  // The client Finished is always decrypted (TLS 1.2: the first record after ChangeCipherSpec).
  const fin = trace.messages.filter((m) => m.kind === 'handshake' && m.msgType === 20);
  expect(fin.every((m) => m.space.decrypted)).toBe(true);
  return decryption;
}

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12_RSA: Array<[string, Expect]> = [
  ['ECDHE-RSA-AES128-GCM-SHA256', { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }],
  ['ECDHE-RSA-AES256-GCM-SHA384', { suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' }],
  ['ECDHE-RSA-CHACHA20-POLY1305', { suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256' }],
  ['ECDHE-RSA-AES128-SHA', { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', encryptThenMac: true }],
  ['ECDHE-RSA-AES256-SHA384', { suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', encryptThenMac: true }],
];

describe('Node tls server', () => {
  let rsa: TestServer;
  let ecdsa: TestServer;
  beforeAll(async () => {
    rsa = await startNodeTlsServer({ response: 'hello from node\n' });
    const certs = demoCerts();
    ecdsa = await startNodeTlsServer({ ...certs.ecdsa, requestCert: true, rejectUnauthorized: false });
  });
  afterAll(async () => {
    await rsa?.close();
    await ecdsa?.close();
  });

  test.each(TLS13_SUITES)('TLS 1.3 %s', async (suite) => {
    check(await capture(rsa, 'TLSv1.3', suite), 'TLSv1.3', { suite, scheme: /rsa_pss_rsae_sha256/ });
  });
  test.each(TLS12_RSA)('TLS 1.2 %s', async (cipher, want) => {
    check(await capture(rsa, 'TLSv1.2', cipher), 'TLSv1.2', want);
  });
  test('TLS 1.2 with an RSA PKCS#1 ServerKeyExchange signature', async () => {
    const cap = await capture(rsa, 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', { sigalgs: 'RSA+SHA256' });
    check(cap, 'TLSv1.2', { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', scheme: /rsa_pkcs1_sha256/ });
  });
  test('ECDSA server certificate and an ECDSA client certificate, TLS 1.3 and 1.2', async () => {
    const client = demoCerts().ecdsa;
    const d13 = check(await capture(ecdsa, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', { cert: client.cert, key: client.key }), 'TLSv1.3', {
      suite: 'TLS_AES_128_GCM_SHA256',
      scheme: /ecdsa_secp256r1_sha256/,
      clientAuth: true,
    });
    expect(d13.verifications.find((v) => v.check === 'client-certificate-verify')?.reason).toMatch(/ecdsa_secp256r1_sha256 .* verified/);
    check(await capture(ecdsa, 'TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256', { cert: client.cert, key: client.key }), 'TLSv1.2', {
      suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      scheme: /ecdsa/,
      clientAuth: true,
    });
  });
  test('HelloRetryRequest: the transcript uses the message_hash rule', async () => {
    // The client's only key share is X25519; the server accepts P-256 only, so it asks again.
    const hrr = await startNodeTlsServer({ ecdhCurve: 'P-256' });
    try {
      const cap = await capture(hrr, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', { ecdhCurve: 'X25519:P-256' });
      const sh = decodeCapture(cap).messages.filter((m) => m.kind === 'handshake' && m.body?.type === 'server_hello');
      expect(sh.map((m) => m.kind === 'handshake' && m.body?.type === 'server_hello' && m.body.helloRetryRequest)).toEqual([true, false]);
      check(cap, 'TLSv1.3', { suite: 'TLS_AES_128_GCM_SHA256' });
    } finally {
      await hrr.close();
    }
  });
});

describe('Node tls server with an Ed25519 certificate', () => {
  let dir: string;
  let server: TestServer | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ed25519-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-days', '1', '-nodes'], { stdio: 'ignore', timeout: 10_000 });
    if (r.status !== 0) throw new Error('openssl could not make an Ed25519 certificate');
    server = await startNodeTlsServer({ cert: readFileSync(cert), key: readFileSync(key) });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  test('TLS 1.3 CertificateVerify with ed25519', async () => {
    check(await capture(server!, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'), 'TLSv1.3', { suite: 'TLS_AES_128_GCM_SHA256', scheme: /ed25519/ });
  });
});

describeWithTools('openssl')('openssl s_server', () => {
  let etm: TestServer;
  let noEtm: TestServer;
  beforeAll(async () => {
    etm = await startOpensslServer([]);
    noEtm = await startOpensslServer(['-no_etm']);
  });
  afterAll(async () => {
    await etm?.close();
    await noEtm?.close();
  });
  test.each(TLS13_SUITES)('TLS 1.3 %s', async (suite) => {
    check(await capture(etm, 'TLSv1.3', suite), 'TLSv1.3', { suite });
  });
  test.each(TLS12_RSA)('TLS 1.2 %s', async (cipher, want) => {
    check(await capture(etm, 'TLSv1.2', cipher), 'TLSv1.2', want);
  });
  test.each([
    ['ECDHE-RSA-AES128-SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
    ['ECDHE-RSA-AES128-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  ])('TLS 1.2 %s MAC-then-encrypt (-no_etm)', async (cipher, suite) => {
    check(await capture(noEtm, 'TLSv1.2', cipher), 'TLSv1.2', { suite, encryptThenMac: false });
  });
});

describeWithTools('gnutls-serv')('gnutls-serv', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startGnutlsServer([]);
  });
  afterAll(async () => {
    await server?.close();
  });
  test.each(TLS13_SUITES)('TLS 1.3 %s', async (suite) => {
    check(await capture(server, 'TLSv1.3', suite), 'TLSv1.3', { suite });
  });
  // gnutls' default priorities leave out the CBC SHA-384 suites.
  test.each(TLS12_RSA.filter(([c]) => !c.endsWith('SHA384') || c.includes('GCM')))('TLS 1.2 %s', async (cipher, want) => {
    check(await capture(server, 'TLSv1.2', cipher), 'TLSv1.2', want);
  });
});

describe('tampering with a live capture', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({ response: 'hello\n' });
  });
  afterAll(async () => {
    await server?.close();
  });

  function flipByte(cap: Capture, direction: 'server', streamOffset: number): Capture {
    const chunks: CaptureChunk[] = cap.chunks.map((c) => {
      if (c.direction !== direction || streamOffset < c.offset || streamOffset >= c.offset + c.bytes.length) return c;
      const bytes = Uint8Array.from(c.bytes);
      bytes[streamOffset - c.offset] ^= 0x01;
      return { ...c, bytes };
    });
    return { ...cap, chunks };
  }

  test('a flipped byte in the encrypted Certificate record and a wrong secret', async () => {
    const cap = await capture(server, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256');
    const decoded = decodeCapture(cap);
    const { trace } = decryptAndMerge(cap, decoded);
    const certRecord = serverCertificate(trace.messages).records[0];
    const rec = decoded.records.find((r) => r.index === certRecord)!;
    const tampered = flipByte(cap, 'server', rec.bodyOffset + 10);
    const t = decryptAndMerge(tampered, decodeCapture(tampered));
    const failed = t.decryption.records.filter((r) => !r.ok);
    expect(failed).toEqual([expect.objectContaining({ record: certRecord, error: 'decryption failed: authentication tag mismatch' })]);
    expect(t.decryption.records.filter((r) => r.ok).length).toBe(t.decryption.records.length - 1);
    expect(t.trace.messages.find((m) => m.records.includes(certRecord))?.issue?.reason).toBe('decryption failed: authentication tag mismatch');
    const byCheck = Object.fromEntries(t.decryption.verifications.map((v) => [v.check, v.ok]));
    expect(byCheck).toEqual({ 'server-certificate-verify': false, 'server-finished': false, 'client-finished': false });

    const wrong = { ...cap, keylog: cap.keylog.map((l) => (l.startsWith('CLIENT_HANDSHAKE') ? l.replace(/.$/, (c) => (c === '0' ? '1' : '0')) : l)) };
    const w = decryptAndMerge(wrong, decodeCapture(wrong));
    expect(w.decryption.records.filter((r) => !r.ok).map((r) => [r.direction, r.error])).toEqual([['client', 'decryption failed: authentication tag mismatch']]);
    expect(w.decryption.status).toBe('partial');
    expect(w.decryption.verifications.filter((v) => v.direction === 'server').every((v) => v.ok)).toBe(true);
  });

  test('TLS 1.2 without a key log: records stay encrypted, the ServerKeyExchange signature is still checked', async () => {
    const cap = { ...(await capture(server, 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')), keylog: [] };
    const { trace, decryption } = decryptAndMerge(cap, decodeCapture(cap));
    expect(decryption.status).toBe('no-keys');
    expect(decryption.verifications.map((v) => [v.check, v.ok])).toEqual([['server-key-exchange', true]]);
    expect(trace.messages.filter((m) => m.kind === 'encrypted').length).toBeGreaterThan(0);
  });
});

describeWithTools('openssl')('through the real capture layer (captureHandshake)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startOpensslServer([]);
  });
  afterAll(async () => {
    await server?.close();
  });
  test.each([
    ['1.3', 'TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3'],
    ['1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'TLSv1.2'],
  ] as const)('TLS %s %s', async (v, ciphers, version) => {
    const cap = await captureHandshake({ host: server.host, port: server.port, minVersion: v, maxVersion: v, ciphers, timeoutMs: 10_000 });
    if (cap.error) throw new Error(`capture failed: ${cap.error.message}`);
    expect(cap.keylog.length).toBeGreaterThan(0);
    const suite = version === 'TLSv1.3' ? ciphers : 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384';
    check(cap, version, { suite });
  });
});
