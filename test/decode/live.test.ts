// Real handshakes on loopback (Node's TLS client against Node's TLS server), recorded through a
// small tap and decoded. Golden values come from what the test configured and from what Node's
// own TLS stack reports about the same connection (suite, group, DH size), and the certificate
// bytes from the PEM files the server was given.

import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import forge from 'node-forge';
import { demoCerts, startNodeTlsServer } from '../helpers/servers.js';
import { record } from './helpers/record.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { Capture } from '../../src/capture/types.js';
import type { DecodedTrace, HandshakeBody, HandshakeMessage } from '../../src/decode/model.js';
import { invariantProblems, steps } from './helpers/util.js';

const certs = demoCerts();

/** The DER of a certificate's subject Name (tbsCertificate field 6, after the [0] version). */
function subjectDer(pem: string): string {
  const cert = forge.asn1.fromDer(forge.util.createBuffer(new X509Certificate(pem).raw.toString('binary')));
  const tbs = (cert.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  return Buffer.from(forge.asn1.toDer(tbs[5]).getBytes(), 'binary').toString('hex');
}

function derChain(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).raw.toString('hex'));
}

async function handshake(server: tls.TlsOptions, client: tls.ConnectionOptions): Promise<{ capture: Capture; trace: DecodedTrace }> {
  const s = await startNodeTlsServer({ ...server, response: 'hello' });
  try {
    const capture = await record({ port: s.port, servername: 'localhost', ...client });
    if (capture.error) throw new Error(`handshake failed: ${capture.error.message}\n${s.output()}`);
    return { capture, trace: decodeCapture(capture) };
  } finally {
    await s.close();
  }
}

function body<T extends HandshakeBody['type']>(trace: DecodedTrace, type: T, nth = 0): Extract<HandshakeBody, { type: T }> {
  const found = trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.body?.type === type);
  if (!found[nth]) throw new Error(`no ${type} #${nth} in ${steps(trace).join(', ')}`);
  return found[nth].body as Extract<HandshakeBody, { type: T }>;
}

const tls12Tail = ['C client_key_exchange', 'C ccs', 'C encrypted(Finished)', 'S new_session_ticket', 'S ccs', 'S encrypted(Finished)'];

interface Case {
  name: string;
  server: tls.TlsOptions;
  client: tls.ConnectionOptions;
  steps: string[];
  suite: number;
  check?: (t: DecodedTrace, c: Capture) => void;
}

const cases: Case[] = [
  {
    name: 'TLS 1.2 ECDHE-RSA',
    server: { ...certs.rsa, maxVersion: 'TLSv1.2' },
    client: { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' },
    steps: ['C client_hello', 'S server_hello', 'S certificate', 'S server_key_exchange', 'S server_hello_done', ...tls12Tail],
    suite: 0xc02f,
    check: (t, c) => {
      const ske = body(t, 'server_key_exchange');
      expect(ske.form).toBe('ecdhe');
      expect(ske.curveType).toBe(3);
      expect(c.node?.ephemeralKey?.name).toBe('X25519');
      expect(ske.namedGroup).toBe(0x1d);
      expect(ske.publicKey).toHaveLength(64);
      expect([0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806]).toContain(ske.signatureScheme);
      expect(ske.signature!.length / 2).toBe(256); // 2048-bit RSA key
      const cke = body(t, 'client_key_exchange');
      expect(cke.form).toBe('ecdhe');
      expect(cke.exchange).toHaveLength(64);
      expect(body(t, 'certificate').entries.map((e) => e.der)).toEqual(derChain(certs.rsa.cert));
      expect(body(t, 'certificate').tls13).toBe(false);
    },
  },
  {
    name: 'TLS 1.2 ECDHE-ECDSA on P-256',
    server: { ...certs.ecdsa, maxVersion: 'TLSv1.2', ecdhCurve: 'P-256' },
    client: { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' },
    steps: ['C client_hello', 'S server_hello', 'S certificate', 'S server_key_exchange', 'S server_hello_done', ...tls12Tail],
    suite: 0xc02b,
    check: (t, c) => {
      const ske = body(t, 'server_key_exchange');
      expect(c.node?.ephemeralKey?.name).toBe('prime256v1');
      expect(ske.namedGroup).toBe(0x17);
      expect(ske.publicKey).toMatch(/^04[0-9a-f]{128}$/); // uncompressed P-256 point
      expect(body(t, 'certificate').entries.map((e) => e.der)).toEqual(derChain(certs.ecdsa.cert));
      expect(body(t, 'client_key_exchange').exchange).toMatch(/^04[0-9a-f]{128}$/);
    },
  },
  {
    name: 'TLS 1.2 plain RSA key exchange',
    server: { ...certs.rsa, maxVersion: 'TLSv1.2' },
    client: { ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' },
    steps: ['C client_hello', 'S server_hello', 'S certificate', 'S server_hello_done', ...tls12Tail],
    suite: 0x009c,
    check: (t) => {
      const cke = body(t, 'client_key_exchange');
      expect(cke.form).toBe('rsa');
      // The RSA-encrypted pre-master secret is as long as the 2048-bit modulus.
      expect(cke.exchange.length / 2).toBe(256);
    },
  },
  {
    name: 'TLS 1.2 DHE-RSA',
    server: { ...certs.rsa, maxVersion: 'TLSv1.2', dhparam: 'auto' },
    client: { ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' },
    steps: ['C client_hello', 'S server_hello', 'S certificate', 'S server_key_exchange', 'S server_hello_done', ...tls12Tail],
    suite: 0x009e,
    check: (t, c) => {
      const ske = body(t, 'server_key_exchange');
      expect(ske.form).toBe('dhe');
      expect(ske.dh?.pBits).toBe(c.node?.ephemeralKey?.size);
      expect(ske.dh?.g).toBe('02');
      expect(ske.dh?.gBits).toBe(2);
      expect(ske.dh!.ysBits).toBeGreaterThan(2000);
      expect(ske.signatureScheme).toBeDefined();
      expect(body(t, 'client_key_exchange').exchange.length / 2).toBe(ske.dh!.p.length / 2);
    },
  },
  {
    name: 'TLS 1.0 ECDHE (no signature scheme field)',
    server: { ...certs.rsa, ciphers: 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', minVersion: 'TLSv1', maxVersion: 'TLSv1' },
    client: { ciphers: 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', minVersion: 'TLSv1', maxVersion: 'TLSv1' },
    steps: ['C client_hello', 'S server_hello', 'S certificate', 'S server_key_exchange', 'S server_hello_done', ...tls12Tail],
    suite: 0xc013,
    check: (t) => {
      expect(body(t, 'server_hello').legacyVersion).toBe(0x0301);
      const ske = body(t, 'server_key_exchange');
      expect(ske.signatureScheme).toBeUndefined();
      expect(ske.signature!.length / 2).toBe(256);
    },
  },
  {
    name: 'TLS 1.3',
    server: { ...certs.ecdsa },
    client: { ciphers: 'TLS_AES_128_GCM_SHA256', ALPNProtocols: ['h2', 'http/1.1'] },
    steps: [
      'C client_hello',
      'S server_hello',
      'S ccs(compat)',
      'S encrypted(EncryptedExtensions)',
      'S encrypted(Certificate)',
      'S encrypted(CertificateVerify)',
      'S encrypted(Finished)',
      'C ccs(compat)',
      'C encrypted(Finished)',
    ],
    suite: 0x1301,
    check: (t) => {
      const ch = body(t, 'client_hello');
      const info = Object.fromEntries(ch.extensions.map((e) => [e.type, e.info]));
      expect(info[16]).toEqual({ kind: 'alpn', protocols: ['h2', 'http/1.1'] });
      expect(info[0]).toEqual({ kind: 'server_name', names: ['localhost'] });
      expect((info[43] as { versions: number[] }).versions).toContain(0x0304);
      expect(ch.sessionId).toHaveLength(64); // middlebox compatibility mode
      const sh = body(t, 'server_hello');
      expect(sh.sessionId).toBe(ch.sessionId);
      expect(sh.extensions.find((e) => e.type === 43)?.info).toEqual({ kind: 'supported_versions_selected', version: 0x0304 });
      const ks = sh.extensions.find((e) => e.type === 51)?.info;
      expect(ks).toMatchObject({ kind: 'key_share_selected', group: 0x1d });
      expect(t.records.filter((r) => r.contentType === 23).every((r) => r.encrypted)).toBe(true);
    },
  },
  {
    name: 'TLS 1.3 HelloRetryRequest (client shares X25519, server only takes P-256)',
    server: { ...certs.ecdsa, ecdhCurve: 'P-256' },
    client: { ecdhCurve: 'X25519:P-256' },
    steps: ['C client_hello', 'S server_hello', 'S ccs(compat)', 'C ccs(compat)', 'C client_hello', 'S server_hello', 'S encrypted(EncryptedExtensions)'],
    suite: -1,
    check: (t) => {
      const hrr = body(t, 'server_hello', 0);
      expect(hrr.helloRetryRequest).toBe(true);
      expect(hrr.random).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
      expect(hrr.extensions.find((e) => e.type === 51)?.info).toEqual({ kind: 'key_share_selected', group: 0x17 });
      const first = body(t, 'client_hello', 0);
      const second = body(t, 'client_hello', 1);
      const shares = (ch: typeof first) => (ch.extensions.find((e) => e.type === 51)?.info as { shares: Array<{ group: number }> }).shares.map((s) => s.group);
      expect(shares(first)).toEqual([0x1d]);
      expect(shares(second)).toEqual([0x17]);
      expect(second.random).toBe(first.random);
      expect(body(t, 'server_hello', 1).helloRetryRequest).toBe(false);
    },
  },
  {
    name: 'TLS 1.2 client certificate request',
    server: { ...certs.rsa, maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false, ca: certs.root },
    client: { ...certs.ecdsa, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
    steps: [
      'C client_hello',
      'S server_hello',
      'S certificate',
      'S server_key_exchange',
      'S certificate_request',
      'S server_hello_done',
      'C certificate',
      'C client_key_exchange',
      'C certificate_verify',
      'C ccs',
      'C encrypted(Finished)',
    ],
    suite: 0xc02f,
    check: (t) => {
      const cr = body(t, 'certificate_request');
      expect(cr.tls13).toBe(false);
      expect(cr.certificateTypes).toEqual(expect.arrayContaining([1, 64])); // rsa_sign, ecdsa_sign
      expect(cr.signatureSchemes).toContain(0x0403);
      // The server was given the demo root as its CA list: its subject DN is the one authority.
      expect(cr.authorities).toEqual([subjectDer(certs.root)]);
      expect(body(t, 'certificate', 1).entries.map((e) => e.der)).toEqual(derChain(certs.ecdsa.cert));
      expect(body(t, 'certificate_verify').signatureScheme).toBeGreaterThan(0);
    },
  },
  {
    name: 'TLS 1.3 client certificate request (encrypted flight shape)',
    server: { ...certs.rsa, requestCert: true, rejectUnauthorized: false },
    client: { ...certs.ecdsa },
    steps: [
      'C client_hello',
      'S server_hello',
      'S ccs(compat)',
      'S encrypted(EncryptedExtensions)',
      'S encrypted(CertificateRequest)',
      'S encrypted(Certificate)',
      'S encrypted(CertificateVerify)',
      'S encrypted(Finished)',
      'C ccs(compat)',
      'C encrypted(Certificate)',
      'C encrypted(CertificateVerify)',
      'C encrypted(Finished)',
    ],
    suite: -1,
  },
];

describe('session resumption', () => {
  async function resumed(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<DecodedTrace> {
    const s = await startNodeTlsServer({ ...certs.ecdsa, response: 'hello' });
    try {
      let session: Buffer | undefined;
      await record({ port: s.port, servername: 'localhost', maxVersion, onSession: (x) => (session ??= x) });
      if (!session) throw new Error('no session issued');
      const capture = await record({ port: s.port, servername: 'localhost', maxVersion, session });
      return decodeCapture(capture);
    } finally {
      await s.close();
    }
  }

  it('TLS 1.2 abbreviated handshake: the server switches keys first', async () => {
    const t = await resumed('TLSv1.2');
    // (A server may re-issue a ticket before its CCS; OpenSSL does not when the ticket is fresh.)
    expect(steps(t).filter((x) => x !== 'S new_session_ticket').slice(0, 6)).toEqual([
      'C client_hello',
      'S server_hello',
      'S ccs',
      'S encrypted(Finished)',
      'C ccs',
      'C encrypted(Finished)',
    ]);
    const ch = body(t, 'client_hello');
    expect(ch.extensions.find((e) => e.type === 35)?.info).toMatchObject({ kind: 'session_ticket' });
    expect((ch.extensions.find((e) => e.type === 35)?.info as { ticketLength: number }).ticketLength).toBeGreaterThan(0);
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });

  it('TLS 1.3 PSK resumption: pre_shared_key offered and accepted, no Certificate flight', async () => {
    const t = await resumed('TLSv1.3');
    const ch = body(t, 'client_hello');
    const last = ch.extensions[ch.extensions.length - 1];
    // RFC 8446 §4.2.11: pre_shared_key must be the last extension.
    expect(last.type).toBe(41);
    expect(last.info).toEqual({ kind: 'pre_shared_key', identities: 1 });
    expect(last.issue).toBeUndefined();
    expect(ch.extensions.find((e) => e.type === 45)?.info).toEqual({ kind: 'psk_key_exchange_modes', modes: [1] });
    expect(body(t, 'server_hello').extensions.find((e) => e.type === 41)?.info).toEqual({ kind: 'pre_shared_key', selected: 0 });
    expect(steps(t).slice(0, 6)).toEqual([
      'C client_hello',
      'S server_hello',
      'S ccs(compat)',
      'S encrypted(EncryptedExtensions)',
      'S encrypted(Finished)',
      'C ccs(compat)',
    ]);
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });
});

describe('decoding recorded loopback handshakes', () => {
  const results = new Map<string, { capture: Capture; trace: DecodedTrace }>();

  beforeAll(async () => {
    for (const c of cases) results.set(c.name, await handshake(c.server, c.client));
  });

  it.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const { trace, capture } = results.get(c.name)!;
    expect(steps(trace).slice(0, c.steps.length)).toEqual(c.steps);
    const sh = body(trace, 'server_hello', trace.messages.filter((m) => m.kind === 'handshake' && m.body?.type === 'server_hello').length - 1);
    if (c.suite >= 0) expect(sh.cipherSuite).toBe(c.suite);
    expect(capture.node?.cipher?.standardName).toBeDefined();
    // Every record: header + message fields tile the bytes exactly; every message decoded cleanly.
    expect(invariantProblems(trace, { coverage: true })).toEqual([]);
    expect(trace.messages.filter((m) => m.issue).map((m) => m.issue!.reason)).toEqual([]);
    expect(trace.records.reduce((n, r) => n + r.length, 0)).toBe(capture.chunks.reduce((n, ch) => n + ch.bytes.length, 0));
    c.check?.(trace, capture);
  });
});
