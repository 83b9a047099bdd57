// Offline replay of the golden captures in fixtures/captures (recorded by
// scripts/record-fixtures.ts; fixtures/README.md lists them): each decodes without issues, its
// records tile both streams exactly, and its key decoded values are what the recording server was
// configured to negotiate. No network, no external tools.

import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCapture } from '../../src/capture/capture-file.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace, Extension } from '../../src/decode/model.js';
import { streamBytes } from '../helpers/recorder.js';
import { expectHandshakeThenTail, handshakes, sequence, TLS12_ECDHE_SEQUENCE, TLS13_SEQUENCE } from '../helpers/sequence.js';
import { demoPaths, repoRoot } from '../helpers/servers.js';

const dir = path.join(repoRoot, 'fixtures', 'captures');

/** DER hex of every certificate in a PEM file, in order. */
function pemDers(file: string): string[] {
  const pem = readFileSync(file, 'utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]).raw.toString('hex'));
}
const rsaChain = pemDers(demoPaths.rsaChain);
const ecdsaChain = pemDers(demoPaths.ecdsaChain);

async function load(name: string): Promise<{ capture: Capture; decoded: DecodedTrace }> {
  const capture = await loadCapture(path.join(dir, `${name}.json`));
  return { capture, decoded: decodeCapture(capture) };
}

const ext = (exts: Extension[] | undefined, type: number): Extension | undefined => exts?.find((e) => e.type === type);

function serverHello(d: DecodedTrace, which = 0): { suite: number; version?: number; group?: number } {
  const b = handshakes(d, 2)[which]?.body;
  if (b?.type !== 'server_hello') throw new Error('no ServerHello');
  const v = ext(b.extensions, 43)?.info;
  const k = ext(b.extensions, 51)?.info;
  return { suite: b.cipherSuite, version: v?.kind === 'supported_versions_selected' ? v.version : undefined, group: k?.kind === 'key_share_selected' ? k.group : undefined };
}

function serverCertificates(d: DecodedTrace): string[] {
  const b = handshakes(d, 11, 'server')[0]?.body;
  return b?.type === 'certificate' ? b.entries.map((e) => e.der) : [];
}

function clientSni(d: DecodedTrace): string[] | undefined {
  const b = handshakes(d, 1)[0]?.body;
  const info = b?.type === 'client_hello' ? ext(b.extensions, 0)?.info : undefined;
  return info?.kind === 'server_name' ? info.names : undefined;
}

describe('golden captures replay offline', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(files)('%s decodes cleanly and its records tile both streams', async (file) => {
    const { capture, decoded } = await load(file.replace(/\.json$/, ''));
    expect(capture.error).toBeUndefined();
    expect(decoded.issues).toEqual([]);
    expect(decoded.notTls).toBeUndefined();
    for (const direction of ['client', 'server'] as const) {
      const records = decoded.records.filter((r) => r.direction === direction);
      let at = 0;
      for (const r of records) {
        expect(r.issue).toBeUndefined();
        expect(r.offset).toBe(at);
        expect(r.length).toBe(5 + r.declaredLength);
        at += r.length;
      }
      expect(at).toBe(streamBytes(capture, direction).length);
    }
    for (const m of decoded.messages) expect(m.issue).toBeUndefined();
    expect(clientSni(decoded)).toEqual(['localhost']);
  });

  it('node-tls13: TLS 1.3, AES-256-GCM, x25519, demo RSA chain', async () => {
    const { capture, decoded } = await load('node-tls13');
    expectHandshakeThenTail(sequence(decoded), TLS13_SEQUENCE);
    expect(serverHello(decoded)).toEqual({ suite: 0x1302, version: 0x0304, group: 0x001d });
    expect(capture.node?.peerCertificates).toEqual(rsaChain);
    expect(capture.keylog.length).toBeGreaterThan(0);
  });

  it('openssl-tls12-ecdhe-rsa: ECDHE-RSA-AES128-GCM-SHA256 with signed x25519 params', async () => {
    const { decoded } = await load('openssl-tls12-ecdhe-rsa');
    expectHandshakeThenTail(sequence(decoded), TLS12_ECDHE_SEQUENCE);
    expect(serverHello(decoded).suite).toBe(0xc02f);
    expect(serverCertificates(decoded)).toEqual(rsaChain);
    const ske = handshakes(decoded, 12)[0].body;
    expect(ske).toMatchObject({ type: 'server_key_exchange', form: 'ecdhe', curveType: 3, namedGroup: 0x001d, signatureScheme: 0x0804 });
    expect(ske?.type === 'server_key_exchange' && ske.publicKey?.length).toBe(64);
    // RSA-2048 signature: 256 bytes.
    expect(ske?.type === 'server_key_exchange' && ske.signature?.length).toBe(512);
    const cke = handshakes(decoded, 16)[0].body;
    expect(cke?.type === 'client_key_exchange' && [cke.form, cke.exchange.length]).toEqual(['ecdhe', 64]);
  });

  it('openssl-tls12-rsa-kx: plain RSA key exchange, no ServerKeyExchange', async () => {
    const { decoded } = await load('openssl-tls12-rsa-kx');
    expectHandshakeThenTail(sequence(decoded), TLS12_ECDHE_SEQUENCE.filter((s) => s !== 'S ServerKeyExchange'));
    expect(serverHello(decoded).suite).toBe(0x009c);
    expect(handshakes(decoded, 12)).toEqual([]);
    const cke = handshakes(decoded, 16)[0].body;
    expect(cke?.type === 'client_key_exchange' && [cke.form, cke.exchange.length]).toEqual(['rsa', 512]);
  });

  it('openssl-tls13: TLS_AES_128_GCM_SHA256', async () => {
    const { decoded } = await load('openssl-tls13');
    expectHandshakeThenTail(sequence(decoded), TLS13_SEQUENCE);
    expect(serverHello(decoded)).toEqual({ suite: 0x1301, version: 0x0304, group: 0x001d });
  });

  it('openssl-tls13-hrr: HelloRetryRequest to secp384r1', async () => {
    const { decoded } = await load('openssl-tls13-hrr');
    expectHandshakeThenTail(sequence(decoded), [
      'C ClientHello',
      'S HelloRetryRequest',
      'S ChangeCipherSpec (compat)',
      'C ChangeCipherSpec (compat)',
      'C ClientHello',
      'S ServerHello',
      ...TLS13_SEQUENCE.slice(3).filter((s) => !s.includes('ChangeCipherSpec')),
    ]);
    expect(serverHello(decoded, 0)).toEqual({ suite: 0x1302, version: 0x0304, group: 0x0018 });
    expect(serverHello(decoded, 1)).toEqual({ suite: 0x1302, version: 0x0304, group: 0x0018 });
    const hrr = handshakes(decoded, 2)[0].body;
    expect(hrr?.type === 'server_hello' && hrr.random).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
  });

  it('openssl-tls12-client-cert: CertificateRequest naming the demo root; client sends the ECDSA chain', async () => {
    const { decoded } = await load('openssl-tls12-client-cert');
    expectHandshakeThenTail(sequence(decoded), [
      ...TLS12_ECDHE_SEQUENCE.slice(0, 4),
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C CertificateVerify',
      ...TLS12_ECDHE_SEQUENCE.slice(6),
    ]);
    const req = handshakes(decoded, 13)[0].body;
    // OpenSSL asks for rsa_sign (1), dss_sign (2) and ecdsa_sign (64) certificates.
    expect(req).toMatchObject({ type: 'certificate_request', tls13: false, certificateTypes: [1, 2, 64] });
    expect(req?.type === 'certificate_request' && req.authorities.length).toBe(1);
    const rootSubject = new X509Certificate(readFileSync(demoPaths.root)).raw;
    // The DN listed is the root's subject, which sits inside the root certificate's DER.
    expect(req?.type === 'certificate_request' && rootSubject.toString('hex').includes(req.authorities[0])).toBe(true);
    const clientCert = handshakes(decoded, 11, 'client')[0].body;
    expect(clientCert?.type === 'certificate' && clientCert.entries.map((e) => e.der)).toEqual(ecdsaChain);
    expect(handshakes(decoded, 15)[0].body).toMatchObject({ type: 'certificate_verify', signatureScheme: 0x0403 });
  });

  it('openssl-tls13-client-cert: everything after the ServerHello is protected; the key log is kept', async () => {
    const { capture, decoded } = await load('openssl-tls13-client-cert');
    const seq = sequence(decoded);
    expect(seq.slice(0, 3)).toEqual(['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec (compat)']);
    // EE, CertificateRequest, Certificate, CertificateVerify, Finished: five server records.
    expect(seq.slice(3, 8)).toEqual(Array(5).fill('S encrypted application_data'));
    expect(capture.keylog.some((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET '))).toBe(true);
  });

  it('openssl-tls12-reframed: messages reassembled across 100-byte records and split out of shared ones', async () => {
    const { decoded } = await load('openssl-tls12-reframed');
    expectHandshakeThenTail(sequence(decoded), TLS12_ECDHE_SEQUENCE);
    const plain = decoded.records.filter((r) => r.direction === 'server' && r.contentType === 22 && !r.encrypted);
    expect(plain.every((r) => r.declaredLength <= 100)).toBe(true);
    const cert = handshakes(decoded, 11, 'server')[0];
    // 1397 bytes over 100-byte records, after the ServerHello in the first one: 15 records.
    expect(cert.records).toHaveLength(15);
    expect(cert.records[0]).toBe(handshakes(decoded, 2)[0].records[0]);
    expect(serverCertificates(decoded)).toEqual(rsaChain);
    // ServerKeyExchange's tail and ServerHelloDone share the last plaintext record.
    const [ske, done] = [handshakes(decoded, 12)[0], handshakes(decoded, 14)[0]];
    expect(done.records).toHaveLength(1);
    expect(ske.records).toContain(done.records[0]);
  });
});
