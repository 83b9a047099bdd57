// End to end: real handshakes against loopback servers (Node `tls`, `openssl s_server`), captured by
// captureHandshake and decoded by decodeCapture, must show exactly the message sequence each
// protocol flow defines. Labels come from test/helpers/sequence.ts (`C`/`S` = who sent it).

import { captureHandshake, type CaptureOptions } from '../../src/capture/capture.js';
import type { Capture } from '../../src/capture/types.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace, EncryptedMessage, HandshakeMessage } from '../../src/decode/model.js';
import { runCli } from '../helpers/cli.js';
import { expectHandshakeThenTail, handshakes, sequence, TLS12_ECDHE_SEQUENCE, TLS13_SEQUENCE } from '../helpers/sequence.js';
import { demoCerts, demoPaths, describeWithTools, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';

async function trace(server: TestServer, opts: Partial<CaptureOptions> = {}): Promise<{ capture: Capture; decoded: DecodedTrace; seq: string[] }> {
  const capture = await captureHandshake({ host: server.host, port: server.port, servername: 'localhost', timeoutMs: 10_000, ...opts });
  if (capture.error) throw new Error(`capture failed: ${capture.error.code} ${capture.error.message}\n${server.output()}`);
  const decoded = decodeCapture({ ...capture, keylog: [] });
  return { capture, decoded, seq: sequence(decoded) };
}

function expectEncryptedFinished(decoded: DecodedTrace): void {
  const finished = decoded.messages.filter((m): m is EncryptedMessage => m.kind === 'encrypted' && m.contentType === 22);
  expect(finished.map((m) => m.direction)).toEqual(['client', 'server']);
  for (const m of finished) {
    for (const r of m.records) expect(decoded.records[r].encrypted).toBe(true);
    if (m.guess !== undefined) expect(m.guess).toEqual({ kind: 'finished' });
  }
}

describeWithTools('openssl')('handshake step sequences', () => {
  const servers: Record<string, TestServer> = {};
  beforeAll(async () => {
    const entries = await Promise.all([
      ['ossl12', startOpensslServer(['-tls1_2', '-no_ticket', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'])],
      ['ossl12rsa', startOpensslServer(['-tls1_2', '-no_ticket', '-cipher', 'AES128-GCM-SHA256'])],
      ['ossl13', startOpensslServer(['-tls1_3'])],
      ['osslHrr', startOpensslServer(['-tls1_3', '-groups', 'P-384'])],
      ['osslClientCert', startOpensslServer(['-tls1_2', '-no_ticket', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-Verify', '1', '-CAfile', demoPaths.root])],
      ['node12', startNodeTlsServer({ maxVersion: 'TLSv1.2' })],
      ['node13', startNodeTlsServer({ minVersion: 'TLSv1.3' })],
      ['nodeClientCert', startNodeTlsServer({ maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false, ca: demoCerts().root })],
      ['nodeClientCert13', startNodeTlsServer({ minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false, ca: demoCerts().root })],
    ].map(async ([name, p]) => [name, await p] as const));
    for (const [name, s] of entries) servers[name as string] = s as TestServer;
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('TLS 1.2 ECDHE-RSA (openssl s_server)', async () => {
    const { decoded, seq } = await trace(servers.ossl12);
    expectHandshakeThenTail(seq, TLS12_ECDHE_SEQUENCE);
    expectEncryptedFinished(decoded);
    const sh = handshakes(decoded, 2)[0];
    expect(sh.body?.type === 'server_hello' && sh.body.cipherSuite).toBe(0xc02f);
    const ske = handshakes(decoded, 12)[0];
    expect(ske.body?.type === 'server_key_exchange' && ske.body.form).toBe('ecdhe');
    expect(handshakes(decoded, 16)[0].body).toMatchObject({ type: 'client_key_exchange', form: 'ecdhe' });
  });

  it('TLS 1.2 ECDHE-RSA (Node tls server, which also issues a session ticket)', async () => {
    const { decoded, seq } = await trace(servers.node12);
    expectHandshakeThenTail(seq, [...TLS12_ECDHE_SEQUENCE.slice(0, 8), 'S NewSessionTicket', ...TLS12_ECDHE_SEQUENCE.slice(8)]);
    expectEncryptedFinished(decoded);
  });

  it('TLS 1.2 plain RSA key exchange: no ServerKeyExchange', async () => {
    const { decoded, seq } = await trace(servers.ossl12rsa);
    expectHandshakeThenTail(seq, TLS12_ECDHE_SEQUENCE.filter((s) => s !== 'S ServerKeyExchange'));
    const cke = handshakes(decoded, 16)[0];
    expect(cke.body).toMatchObject({ type: 'client_key_exchange', form: 'rsa' });
    // RSA-2048 demo key: the encrypted pre-master secret is 256 bytes.
    expect(cke.body?.type === 'client_key_exchange' && cke.body.exchange.length).toBe(512);
  });

  it('TLS 1.3 (openssl s_server): compatibility CCS, then the encrypted flight', async () => {
    const { decoded, seq } = await trace(servers.ossl13);
    expectHandshakeThenTail(seq, TLS13_SEQUENCE);
    const sh = handshakes(decoded, 2)[0];
    expect(sh.body?.type === 'server_hello' && sh.body.extensions.find((e) => e.type === 43)?.info).toEqual({ kind: 'supported_versions_selected', version: 0x0304 });
    // Everything after the ServerHello (except the CCS) is protected.
    const after = decoded.messages.slice(decoded.messages.indexOf(sh) + 1).filter((m) => m.kind !== 'change_cipher_spec');
    expect(after.every((m) => m.kind === 'encrypted')).toBe(true);
  });

  it('TLS 1.3 (Node tls server)', async () => {
    const { decoded, seq } = await trace(servers.node13);
    // Node's server also sends each encrypted handshake message in its own record.
    expectHandshakeThenTail(seq, TLS13_SEQUENCE);
    expect(decoded.records.filter((r) => r.direction === 'server' && r.encrypted).length).toBeGreaterThanOrEqual(4);
  });

  it('TLS 1.3 HelloRetryRequest: the server takes only P-384, the client offered an x25519 share', async () => {
    const { decoded, seq } = await trace(servers.osslHrr);
    expectHandshakeThenTail(seq, [
      'C ClientHello',
      'S HelloRetryRequest',
      'S ChangeCipherSpec (compat)',
      'C ChangeCipherSpec (compat)',
      'C ClientHello',
      'S ServerHello',
      'S encrypted application_data',
      'S encrypted application_data',
      'S encrypted application_data',
      'S encrypted application_data',
      'C encrypted application_data',
    ]);
    const [hello1, hello2] = handshakes(decoded, 1);
    const [hrr, sh] = handshakes(decoded, 2);
    const shareGroups = (m: HandshakeMessage): unknown => {
      const b = m.body;
      const exts = b && (b.type === 'client_hello' || b.type === 'server_hello') ? b.extensions : [];
      const info = exts.find((e) => e.type === 51)?.info;
      return info?.kind === 'key_share' ? info.shares.map((s) => s.group) : info?.kind === 'key_share_selected' ? info.group : undefined;
    };
    expect(shareGroups(hello1)).toEqual([0x001d]);
    expect(shareGroups(hrr)).toBe(0x0018);
    expect(shareGroups(hello2)).toEqual([0x0018]);
    expect(shareGroups(sh)).toBe(0x0018);
    // RFC 8446 §4.1.2: the second ClientHello keeps the random.
    expect(hello1.body?.type === 'client_hello' && hello2.body?.type === 'client_hello' && hello1.body.random === hello2.body.random).toBe(true);
  });

  it('TLS 1.2 client-certificate request (openssl -Verify 1), client sends a chain', async () => {
    const { decoded, seq } = await trace(servers.osslClientCert, { clientCert: demoCerts().ecdsa });
    expectHandshakeThenTail(seq, [
      'C ClientHello',
      'S ServerHello',
      'S Certificate',
      'S ServerKeyExchange',
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C CertificateVerify',
      'C ChangeCipherSpec',
      'C encrypted handshake',
      'S ChangeCipherSpec',
      'S encrypted handshake',
    ]);
    const req = handshakes(decoded, 13)[0].body;
    expect(req?.type === 'certificate_request' && req.authorities.length).toBe(1);
    const clientCert = handshakes(decoded, 11, 'client')[0].body;
    expect(clientCert?.type === 'certificate' && clientCert.entries.length).toBe(2);
    expect(handshakes(decoded, 15)[0].body).toMatchObject({ type: 'certificate_verify', signatureScheme: 0x0403 });
  });

  it('TLS 1.2 client-certificate request (Node requestCert), client has none: empty Certificate, no CertificateVerify', async () => {
    const { decoded, seq } = await trace(servers.nodeClientCert);
    expectHandshakeThenTail(seq, [
      'C ClientHello',
      'S ServerHello',
      'S Certificate',
      'S ServerKeyExchange',
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C ChangeCipherSpec',
      'C encrypted handshake',
      'S NewSessionTicket',
      'S ChangeCipherSpec',
      'S encrypted handshake',
    ]);
    const clientCert = handshakes(decoded, 11, 'client')[0].body;
    expect(clientCert?.type === 'certificate' && clientCert.entries).toEqual([]);
  });

  it('TLS 1.3 client-certificate request (Node requestCert), seen by decrypting with the key log', async () => {
    const { capture, decoded } = await trace(servers.nodeClientCert13, { clientCert: demoCerts().ecdsa });
    // Without keys the request is invisible: the flight after the ServerHello is protected.
    const opaque = sequence(decoded);
    const clientCcs = opaque.indexOf('C ChangeCipherSpec (compat)');
    expect(opaque.slice(0, 3)).toEqual(TLS13_SEQUENCE.slice(0, 3));
    expect(new Set(opaque.slice(3, clientCcs))).toEqual(new Set(['S encrypted application_data']));
    const { trace: merged, decryption } = decryptAndMerge(capture, decoded);
    expect(decryption.status).toBe('decrypted');
    const seq = sequence(merged);
    const marked = merged.messages.map((m, i) => `${seq[i]}${m.space.decrypted ? ' *' : ''}`);
    expect(marked.slice(0, 12)).toEqual([
      'C ClientHello',
      'S ServerHello',
      'S ChangeCipherSpec (compat)',
      'S EncryptedExtensions *',
      'S CertificateRequest *',
      'S Certificate *',
      'S CertificateVerify *',
      'S Finished *',
      'C ChangeCipherSpec (compat)',
      'C Certificate *',
      'C CertificateVerify *',
      'C Finished *',
    ]);
    const req = handshakes(merged, 13)[0].body;
    expect(req).toMatchObject({ type: 'certificate_request', tls13: true });
    const clientCert = handshakes(merged, 11, 'client')[0].body;
    expect(clientCert?.type === 'certificate' && clientCert.entries.length).toBe(2);
  });

  describe('through the CLI: `tls-trace HOST:PORT --json` steps', () => {
    interface StepOut {
      name: string;
      direction: string;
      kind: string;
      decrypted: boolean;
    }
    async function cliSteps(server: TestServer): Promise<string[]> {
      const { code, stdout: out, stderr: err } = await runCli([`${server.host}:${server.port}`, '--servername', 'localhost', '--json']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const steps = parseValid<{ steps: StepOut[] }>('trace', out).steps;
      // A protected record shows as encrypted unless the report decrypted it; either way it was
      // protected on the wire, which is what this sequence asserts.
      return steps.map((s) => `${s.direction === 'client' ? 'C' : 'S'} ${s.kind === 'encrypted' || s.decrypted ? 'protected' : s.name}`);
    }

    it('TLS 1.2 ECDHE (openssl)', async () => {
      const seq = await cliSteps(servers.ossl12);
      expect(seq.slice(0, 10)).toEqual([
        'C ClientHello',
        'S ServerHello',
        'S Certificate',
        'S ServerKeyExchange',
        'S ServerHelloDone',
        'C ClientKeyExchange',
        'C ChangeCipherSpec',
        'C protected',
        'S ChangeCipherSpec',
        'S protected',
      ]);
    });

    it('TLS 1.3 (Node)', async () => {
      const seq = await cliSteps(servers.node13);
      expect(seq.slice(0, 3)).toEqual(['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec']);
      const clientCcs = seq.indexOf('C ChangeCipherSpec');
      expect(clientCcs).toBeGreaterThan(3);
      expect(new Set(seq.slice(3, clientCcs))).toEqual(new Set(['S protected']));
      expect(seq[clientCcs + 1]).toBe('C protected');
    });
  });
});
