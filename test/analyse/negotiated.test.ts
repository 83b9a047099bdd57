import { analyseTrace } from '../../src/analyse/index.js';
import type { CertificateMessage } from '../../src/decode/model.js';
import { buildTrace, clientHello, ext, serverHello, type Spec } from '../report/helpers/build.js';

const SID_A = 'aa'.repeat(32);
const SID_B = 'bb'.repeat(32);
const emptyCert: CertificateMessage = { type: 'certificate', tls13: false, entries: [] };

function tls12Ecdhe(): Spec[] {
  return [
    {
      dir: 'client',
      t: 1,
      hs: clientHello({
        cipherSuites: [0xc02f, 0x009c, 0x00ff],
        extensions: [
          ext(0, { kind: 'server_name', names: ['example.test'] }),
          ext(10, { kind: 'supported_groups', groups: [29, 23] }),
          ext(23, { kind: 'extended_master_secret' }),
          ext(16, { kind: 'alpn', protocols: ['h2', 'http/1.1'] }),
        ],
      }),
    },
    {
      dir: 'server',
      t: 2,
      hs: serverHello({
        sessionId: SID_B,
        cipherSuite: 0xc02f,
        extensions: [ext(0xff01, { kind: 'renegotiation_info', renegotiatedConnection: '' }), ext(23, { kind: 'extended_master_secret' }), ext(16, { kind: 'alpn', protocols: ['h2'] })],
      }),
    },
    { dir: 'server', t: 2.1, hs: emptyCert },
    { dir: 'server', t: 2.2, hs: { type: 'server_key_exchange', form: 'ecdhe', curveType: 3, namedGroup: 29, publicKey: '04'.repeat(32), signatureScheme: 0x0804, signature: '00'.repeat(256) } },
    { dir: 'server', t: 2.3, hs: { type: 'server_hello_done' } },
    { dir: 'client', t: 3, hs: { type: 'client_key_exchange', form: 'ecdhe', exchange: '05'.repeat(32) } },
    { dir: 'client', t: 3.1, ccs: true },
    { dir: 'client', t: 3.2, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
    { dir: 'server', t: 4, ccs: true },
    { dir: 'server', t: 4.1, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
  ];
}

describe('negotiated parameters', () => {
  it('TLS 1.2 ECDHE: every fact comes from the decoded messages', () => {
    const { capture, decoded } = buildTrace(tls12Ecdhe());
    const a = analyseTrace(capture, decoded);
    const n = a.negotiated;
    expect(n.version).toEqual({ value: { code: 0x0303, hex: '0x0303', name: 'TLS 1.2' }, source: 'decoded' });
    expect(n.cipherSuite.value).toMatchObject({
      code: 0xc02f,
      hex: '0xc02f',
      name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
      kx: 'ECDHE',
      auth: 'RSA',
      enc: 'AES_128_GCM',
      tls13: false,
    });
    expect(n.group.value).toEqual({ code: 29, hex: '0x001d', name: 'x25519' });
    expect(n.group.note).toBe('from ServerKeyExchange');
    expect(n.signatureScheme.value).toEqual({ code: 0x0804, hex: '0x0804', name: 'rsa_pss_rsae_sha256' });
    expect(n.alpn).toMatchObject({ value: 'h2', source: 'decoded' });
    expect(n.resumed.value).toBe(false);
    expect(n.forwardSecrecy.value).toBe(true);
    expect(n.ocspStapled).toMatchObject({ value: false, note: 'not requested' });
    expect(n.sni.value).toBe('example.test');
    expect(n.extendedMasterSecret.value).toBe(true);
    // Offered through the SCSV (0x00ff), confirmed by the server's renegotiation_info.
    expect(n.secureRenegotiation.value).toBe(true);
    expect(n.encryptThenMac).toMatchObject({ value: false, note: 'not needed: AEAD cipher' });
    expect(n.helloRetryRequest.value).toBe(false);
    expect(n.downgradeSentinel.value).toBe(false);
    expect(a.tls13).toBe(false);
    expect(a.outcome).toMatchObject({ complete: true, summary: 'Handshake complete' });
    expect(a.crossChecks).toEqual([]);
  });

  it('TLS 1.2 RSA key exchange: no forward secrecy, no group, no server signature', () => {
    const specs = tls12Ecdhe().filter((s) => !('hs' in s && s.hs.type === 'server_key_exchange'));
    const sh = specs[1];
    if (!('hs' in sh) || sh.hs.type !== 'server_hello') throw new Error('fixture');
    sh.hs.cipherSuite = 0x009c;
    sh.hs.extensions = [];
    const { capture, decoded } = buildTrace(specs);
    const n = analyseTrace(capture, decoded).negotiated;
    expect(n.cipherSuite.value).toMatchObject({ name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', openssl: 'AES128-GCM-SHA256', kx: 'RSA' });
    expect(n.forwardSecrecy).toMatchObject({ value: false, source: 'decoded', note: 'RSA key exchange' });
    expect(n.group).toEqual({ source: 'decoded', note: 'none: RSA key exchange' });
    expect(n.signatureScheme.value).toBeUndefined();
    expect(n.signatureScheme.note).toMatch(/RSA key exchange is not signed/);
    expect(n.extendedMasterSecret).toMatchObject({ value: false, note: 'offered, server declined' });
    expect(n.secureRenegotiation.value).toBe(false);
    expect(n.alpn).toMatchObject({ value: undefined, note: 'server chose none' });
  });

  it('TLS 1.3: version from supported_versions, group from key_share, encrypted parts marked', () => {
    const { capture, decoded } = buildTrace([
      {
        dir: 'client',
        t: 1,
        hs: clientHello({
          sessionId: SID_A,
          cipherSuites: [0x1301, 0x1302],
          extensions: [
            ext(43, { kind: 'supported_versions', versions: [0x0304, 0x0303] }),
            ext(51, { kind: 'key_share', shares: [{ group: 29, keyExchange: '01'.repeat(32) }] }),
            ext(16, { kind: 'alpn', protocols: ['h2'] }),
            ext(5, { kind: 'status_request', statusType: 1 }),
          ],
        }),
      },
      {
        dir: 'server',
        t: 2,
        hs: serverHello({
          sessionId: SID_A,
          cipherSuite: 0x1301,
          extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 29, keyExchange: '02'.repeat(32) })],
        }),
      },
      { dir: 'server', t: 2.1, ccs: true, compatibility: true },
      { dir: 'server', t: 2.2, encrypted: 900 },
      { dir: 'client', t: 3, ccs: true, compatibility: true },
      { dir: 'client', t: 3.1, encrypted: 53 },
    ], { node: { protocol: 'TLSv1.3', alpn: 'h2', cipher: { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256' }, ocspResponse: undefined, sessionReused: false } });
    const a = analyseTrace(capture, decoded);
    const n = a.negotiated;
    expect(n.version).toMatchObject({ value: { code: 0x0304, name: 'TLS 1.3' }, note: 'from supported_versions' });
    expect(a.tls13).toBe(true);
    expect(n.cipherSuite.value).toMatchObject({ name: 'TLS_AES_128_GCM_SHA256', tls13: true });
    expect(n.group).toMatchObject({ value: { code: 29, name: 'x25519' }, source: 'decoded', note: 'from key_share' });
    expect(n.signatureScheme).toEqual({ source: 'unknown', note: 'encrypted (see decryption)' });
    // ALPN travels in the encrypted EncryptedExtensions: Node's answer, labelled as such.
    expect(n.alpn).toMatchObject({ value: 'h2', source: 'node' });
    expect(n.ocspStapled).toMatchObject({ value: false, source: 'node' });
    // Echoed legacy session id is middlebox compatibility in 1.3, not resumption.
    expect(n.resumed.value).toBe(false);
    expect(n.forwardSecrecy.value).toBe(true);
    expect(n.extendedMasterSecret.source).toBe('not-applicable');
    expect(n.secureRenegotiation.source).toBe('not-applicable');
    expect(a.outcome.complete).toBe(true);
  });

  it('TLS 1.3 with decrypted messages reads the CertificateVerify, ALPN and staple from them', () => {
    const { capture, decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello({ cipherSuites: [0x1301], extensions: [ext(16, { kind: 'alpn', protocols: ['http/1.1'] })] }) },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'server', t: 2.2, hs: { type: 'encrypted_extensions', extensions: [ext(16, { kind: 'alpn', protocols: ['http/1.1'] })] }, decrypted: true },
      { dir: 'server', t: 2.3, hs: { type: 'certificate', tls13: true, requestContext: '', entries: [{ der: '', offset: 0, length: 0, extensions: [ext(5, undefined, '01')] }] }, decrypted: true },
      { dir: 'server', t: 2.4, hs: { type: 'certificate_verify', signatureScheme: 0x0403, signature: '30'.repeat(70) }, decrypted: true },
      { dir: 'server', t: 2.5, hs: { type: 'finished', verifyData: 'ff'.repeat(32) }, decrypted: true },
      { dir: 'client', t: 3, hs: { type: 'finished', verifyData: 'ee'.repeat(32) }, decrypted: true },
    ]);
    const a = analyseTrace(capture, decoded);
    expect(a.negotiated.signatureScheme).toEqual({ value: { code: 0x0403, hex: '0x0403', name: 'ecdsa_secp256r1_sha256' }, source: 'decrypted', note: 'from CertificateVerify' });
    expect(a.negotiated.alpn).toMatchObject({ value: 'http/1.1', source: 'decrypted' });
    expect(a.negotiated.ocspStapled).toMatchObject({ value: true, source: 'decrypted' });
    expect(a.negotiated.group.value?.name).toBe('secp256r1');
    expect(a.steps.filter((s) => s.decrypted).map((s) => s.name)).toEqual(['EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'Finished']);
  });

  it('HelloRetryRequest: recognised, the requested group named, the second ClientHello used', () => {
    const { capture, decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello({ cipherSuites: [0x1301], extensions: [ext(51, { kind: 'key_share', shares: [{ group: 29, keyExchange: '01'.repeat(32) }] })] }) },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, helloRetryRequest: true, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'server', t: 2.1, ccs: true, compatibility: true },
      { dir: 'client', t: 3, ccs: true, compatibility: true },
      { dir: 'client', t: 3.1, hs: clientHello({ cipherSuites: [0x1301], extensions: [ext(0, { kind: 'server_name', names: ['second.test'] }), ext(51, { kind: 'key_share', shares: [{ group: 23, keyExchange: '04'.repeat(65) }] })] }) },
      { dir: 'server', t: 4, hs: serverHello({ cipherSuite: 0x1301, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'server', t: 4.1, encrypted: 700 },
      { dir: 'client', t: 5, encrypted: 53 },
    ]);
    const a = analyseTrace(capture, decoded);
    expect(a.negotiated.helloRetryRequest).toEqual({ value: true, source: 'decoded', note: 'server asked for a secp256r1 key share' });
    expect(a.negotiated.group.value).toEqual({ code: 23, hex: '0x0017', name: 'secp256r1' });
    expect(a.steps.map((s) => s.name)).toEqual(['ClientHello', 'HelloRetryRequest', 'ChangeCipherSpec', 'ChangeCipherSpec', 'ClientHello', 'ServerHello', 'Encrypted record', 'Encrypted record']);
    expect(a.flights.map((f) => f.label)).toEqual(['C1', 'S1', 'C2', 'S2', 'C3']);
  });

  it('TLS 1.2 resumption: echoed session id, abbreviated handshake; Node disagreeing is reported', () => {
    const { capture, decoded } = buildTrace(
      [
        { dir: 'client', t: 1, hs: clientHello({ sessionId: SID_A }) },
        { dir: 'server', t: 2, hs: serverHello({ sessionId: SID_A }) },
        { dir: 'server', t: 2.1, ccs: true },
        { dir: 'server', t: 2.2, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
        { dir: 'client', t: 3, ccs: true },
        { dir: 'client', t: 3.1, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
      ],
      { node: { protocol: 'TLSv1.2', sessionReused: false } },
    );
    const a = analyseTrace(capture, decoded);
    expect(a.negotiated.resumed).toMatchObject({ value: true, source: 'decoded', note: 'session id echoed' });
    expect(a.crossChecks).toEqual(['Node reports session not reused but the handshake bytes say resumed']);
    expect(a.negotiated.signatureScheme.value).toBeUndefined();
  });

  it('TLS 1.3 resumption: pre_shared_key selected in the ServerHello', () => {
    const { capture, decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello({ cipherSuites: [0x1301], extensions: [ext(41, { kind: 'pre_shared_key', identities: 1 })] }) },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 29 }), ext(41, { kind: 'pre_shared_key', selected: 0 })] }) },
      { dir: 'server', t: 2.1, encrypted: 80 },
      { dir: 'client', t: 3, encrypted: 53 },
    ]);
    const n = analyseTrace(capture, decoded).negotiated;
    expect(n.resumed).toEqual({ value: true, source: 'decoded', note: 'pre_shared_key selected (identity 0)' });
    expect(n.forwardSecrecy.value).toBe(true);
    expect(n.signatureScheme.note).toBe('none: resumed with a pre-shared key');
  });

  it('a fatal alert instead of a ServerHello: outcome names it, facts are unknown', () => {
    const { capture, decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello() },
      { dir: 'server', t: 2, alert: [2, 40] },
    ]);
    const a = analyseTrace(capture, decoded);
    expect(a.outcome).toMatchObject({ complete: false, summary: 'Server sent fatal alert handshake_failure (0x28)' });
    expect(a.outcome.alert?.description).toEqual({ code: 40, hex: '0x28', name: 'handshake_failure' });
    expect(a.negotiated.version).toEqual({ source: 'unknown', note: 'no ServerHello' });
    expect(a.table.find((r) => r.key === 'version')?.value).toBe('unknown');
  });

  it('downgrade sentinel and Node cross-check on the version', () => {
    const { capture, decoded } = buildTrace(
      [
        { dir: 'client', t: 1, hs: clientHello() },
        { dir: 'server', t: 2, hs: serverHello({ downgradeSentinel: 'tls12' }) },
      ],
      { node: { protocol: 'TLSv1.3' } },
    );
    const a = analyseTrace(capture, decoded);
    expect(a.negotiated.downgradeSentinel.value).toBe('tls12');
    expect(a.table.find((r) => r.key === 'downgradeSentinel')?.value).toBe('yes (DOWNGRD 01: offered TLS 1.2)');
    expect(a.crossChecks).toEqual(['Node reports TLSv1.3 but the ServerHello selects TLS 1.2 (0x0303)']);
  });
});

describe('downgrade sentinel judgement', () => {
  it('flags the sentinel as an attack only when the client offered TLS 1.3', () => {
    const run = (versions: number[]) => {
      const { capture, decoded } = buildTrace([
        { dir: 'client', t: 1, hs: clientHello({ extensions: [ext(43, { kind: 'supported_versions', versions })] }) },
        { dir: 'server', t: 2, hs: serverHello({ downgradeSentinel: 'tls12' }) },
      ]);
      return analyseTrace(capture, decoded).negotiated.downgradeSentinel;
    };
    expect(run([0x0304, 0x0303])).toEqual({ value: 'tls12', source: 'decoded', note: 'client offered TLS 1.3: possible downgrade attack' });
    expect(run([0x0303])).toEqual({ value: 'tls12', source: 'decoded', note: 'expected: the server speaks TLS 1.3 but the client offered less' });
  });
});
