// Known-answer tests: RFC 8448 §3 (Simple 1-RTT Handshake) through every step of the TLS 1.3 key
// schedule, record protection, transcript, Finished and CertificateVerify; TLS 1.2 PRF vectors.

import { RFC8448 } from '../../fixtures/rfc8448/capture.js';
import { hkdfExpand, hkdfExtract, digest } from '../../src/decrypt/hkdf.js';
import { prf12 } from '../../src/decrypt/prf.js';
import { openTls13Record, perRecordNonce } from '../../src/decrypt/record-protection.js';
import { finishedKey, scheduleFromSharedSecret, trafficKeys, verifyData13 } from '../../src/decrypt/tls13.js';
import { transcriptHash } from '../../src/decrypt/transcript.js';
import { verifyCertificateVerify13 } from '../../src/decrypt/signatures.js';
import type { SuiteCrypto } from '../../src/decrypt/suites.js';

const V = RFC8448;
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const want = (s: string): string => s.replace(/\s+/g, '');

// The suite parameters are spelled out here rather than read from the registry, so this test
// checks the crypto alone.
const AES128: SuiteCrypto = {
  code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', tls13: true, cipher: 'aes-128-gcm', aead: true, stream: false, blockSize: 0,
  keyLength: 16, fixedIvLength: 12, explicitIvLength: 0, tagLength: 16, hash: 'sha256', macLength: 0,
};

const M = V.messages;
const th = (...names: string[]): Buffer => transcriptHash('sha256', names.map((n) => ({ msgType: h(M[n])[0], raw: h(M[n]) })));

describe('RFC 5869 HKDF', () => {
  test('A.1 extract and expand', () => {
    const prk = hkdfExtract('sha256', h('000102030405060708090a0b0c'), h('0b'.repeat(22)));
    expect(hex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(hex(hkdfExpand('sha256', prk, h('f0f1f2f3f4f5f6f7f8f9'), 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
  test('A.3 empty salt and info', () => {
    const prk = hkdfExtract('sha256', new Uint8Array(0), h('0b'.repeat(22)));
    expect(hex(prk)).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(hex(hkdfExpand('sha256', prk, new Uint8Array(0), 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('RFC 8448 §3 key schedule', () => {
  const helloHash = th('clientHello', 'serverHello');
  const serverFinishedHash = th('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify', 'serverFinished');
  const s = scheduleFromSharedSecret('sha256', h(V.secrets.ecdhe), helloHash, serverFinishedHash);

  test('transcript hashes', () => {
    expect(hex(helloHash)).toBe(want(V.secrets.helloHash));
    expect(hex(serverFinishedHash)).toBe(want(V.secrets.serverFinishedHash));
  });
  test.each([
    'early', 'derivedEarly', 'handshake', 'clientHandshakeTraffic', 'serverHandshakeTraffic', 'derivedHandshake',
    'master', 'clientApplicationTraffic', 'serverApplicationTraffic', 'exporter',
  ] as const)('%s secret', (name) => {
    expect(hex(s[name])).toBe(want(V.secrets[name]));
  });
  test.each([
    ['serverHandshake', 'serverHandshakeTraffic'],
    ['clientHandshake', 'clientHandshakeTraffic'],
    ['serverApplication', 'serverApplicationTraffic'],
    ['clientApplication', 'clientApplicationTraffic'],
  ] as const)('%s key and IV', (keyName, secretName) => {
    const k = trafficKeys('sha256', h(V.secrets[secretName]), 16);
    expect(hex(k.key)).toBe(want(V.keys[`${keyName}Key`]));
    expect(hex(k.iv)).toBe(want(V.keys[`${keyName}Iv`]));
  });
  test('finished keys and verify_data', () => {
    expect(hex(finishedKey('sha256', h(V.secrets.serverHandshakeTraffic)))).toBe(want(V.secrets.serverFinishedKey));
    expect(hex(finishedKey('sha256', h(V.secrets.clientHandshakeTraffic)))).toBe(want(V.secrets.clientFinishedKey));
    const beforeServerFinished = th('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify');
    expect(hex(verifyData13('sha256', h(V.secrets.serverHandshakeTraffic), beforeServerFinished))).toBe(want(V.verifyData.server));
    expect(hex(verifyData13('sha256', h(V.secrets.clientHandshakeTraffic), serverFinishedHash))).toBe(want(V.verifyData.client));
  });
});

describe('RFC 8448 §3 record protection', () => {
  const open = (rec: string, secret: string, seq: bigint) => {
    const r = h(V.records[rec]);
    return openTls13Record(AES128, trafficKeys('sha256', h(V.secrets[secret]), 16), seq, r.subarray(0, 5), r.subarray(5));
  };
  test('server flight decrypts to EncryptedExtensions, Certificate, CertificateVerify, Finished', () => {
    const o = open('serverFlight', 'serverHandshakeTraffic', 0n);
    if (!o.ok) throw new Error(o.reason);
    expect(o.contentType).toBe(22);
    expect(o.paddingLength).toBe(0);
    expect(hex(o.nonce)).toBe(want(V.keys.serverHandshakeIv));
    expect(hex(o.plaintext)).toBe(want(M.encryptedExtensions + M.certificate + M.certificateVerify + M.serverFinished));
  });
  test('client Finished', () => {
    const o = open('clientFinished', 'clientHandshakeTraffic', 0n);
    if (!o.ok) throw new Error(o.reason);
    expect(o.contentType).toBe(22);
    expect(hex(o.plaintext)).toBe(want(M.clientFinished));
  });
  test('NewSessionTicket (seq 0) and application data (seq 1) under the server application keys', () => {
    const nst = open('serverNewSessionTicket', 'serverApplicationTraffic', 0n);
    expect(nst.ok && nst.contentType === 22 && nst.plaintext[0] === 4).toBe(true);
    const app = open('serverApplicationData', 'serverApplicationTraffic', 1n);
    if (!app.ok) throw new Error(app.reason);
    expect(app.contentType).toBe(23);
    expect(hex(app.plaintext)).toBe(want(V.applicationPayload));
    const alert = open('serverAlert', 'serverApplicationTraffic', 2n);
    expect(alert.ok && alert.contentType === 21 && hex(alert.plaintext)).toBe('0100');
  });
  test('client application data and close_notify', () => {
    const app = open('clientApplicationData', 'clientApplicationTraffic', 0n);
    expect(app.ok && hex(app.plaintext)).toBe(want(V.applicationPayload));
    const alert = open('clientAlert', 'clientApplicationTraffic', 1n);
    expect(alert.ok && alert.contentType === 21 && hex(alert.plaintext)).toBe('0100');
  });
  test('a flipped ciphertext byte, a wrong sequence number and a wrong secret fail with a tag mismatch', () => {
    const r = h(V.records.clientFinished);
    r[20] ^= 0x01;
    const keys = trafficKeys('sha256', h(V.secrets.clientHandshakeTraffic), 16);
    expect(openTls13Record(AES128, keys, 0n, r.subarray(0, 5), r.subarray(5))).toEqual({
      ok: false, code: 'tag-mismatch', reason: 'decryption failed: authentication tag mismatch',
    });
    const wrongSeq = open('clientFinished', 'clientHandshakeTraffic', 1n);
    expect(wrongSeq.ok).toBe(false);
    const wrongSecret = open('clientFinished', 'serverHandshakeTraffic', 0n);
    expect(!wrongSecret.ok && wrongSecret.code).toBe('tag-mismatch');
  });
  test('nonce is IV XOR the left-padded sequence number', () => {
    expect(hex(perRecordNonce(h('000102030405060708090a0b'), 0x0102n))).toBe('000102030405060708090b09');
  });
});

describe('RFC 8448 §3 CertificateVerify', () => {
  const cert = h(M.certificate);
  // Certificate: 4-byte header, context length byte (0), 3-byte list length, 3-byte cert length, DER.
  const derLength = cert.readUIntBE(8, 3);
  const leaf = cert.subarray(11, 11 + derLength);
  const cv = h(M.certificateVerify);
  const scheme = cv.readUInt16BE(4);
  const signature = cv.subarray(8, 8 + cv.readUInt16BE(6));
  const hash = th('clientHello', 'serverHello', 'encryptedExtensions', 'certificate');
  test('rsa_pss_rsae_sha256 signature verifies with the RFC certificate', () => {
    expect(scheme).toBe(0x0804);
    expect(verifyCertificateVerify13(leaf, 'server', scheme, signature, hash).ok).toBe(true);
  });
  test('the client context string or a different transcript does not verify', () => {
    expect(verifyCertificateVerify13(leaf, 'client', scheme, signature, hash).ok).toBe(false);
    expect(verifyCertificateVerify13(leaf, 'server', scheme, signature, digest('sha256', Buffer.from('x'))).ok).toBe(false);
  });
});

describe('TLS 1.2 PRF known answers', () => {
  test('P_SHA256', () => {
    const out = prf12('sha256', h('9bbe436ba940f017b17652849a71db35'), 'test label', h('a0ba9f936cda311827a6f796ffd5198c'), 100);
    expect(hex(out)).toBe(want(`e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a
      6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab
      4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01 87 34 7b 66`));
  });
  test('P_SHA384', () => {
    const out = prf12('sha384', h('b80b733d6ceefcdc71566ea48e5567df'), 'test label', h('cd665cf6a8447dd6ff8b27555edb7465'), 148);
    expect(hex(out)).toBe(want(`7b 0c 18 e9 ce d4 10 ed 18 04 f2 cf a3 4a 33 6a 1c 14 df fb 49 00 bb 5f d7 94 21 07 e8 1c 83 cd
      e9 ca 0f aa 60 be 9f e3 4f 82 b1 23 3c 91 46 a0 e5 34 cb 40 0f ed 27 00 88 4f 9d c2 36 f8 0e dd
      8b fa 96 11 44 c9 e8 d7 92 ec a7 22 a7 b3 2f c3 d4 16 d4 73 eb c2 c5 fd 4a bf da d0 5d 91 84 25
      9b 5b f8 cd 4d 90 fa 0d 31 e2 de c4 79 e4 f1 a2 60 66 f2 ee a9 a6 92 36 a3 e5 26 55 c9 e9 ae e6
      91 c8 f3 a2 68 54 30 8d 5e aa 3b e8 5e 09 90 70 3d 73 e5 6f`));
  });
});
