// TLS 1.0/1.1 pieces against independent implementations: the MD5 ⊕ SHA-1 PRF against OpenSSL's
// TLS1-PRF KDF (`openssl kdf`), record opening against records sealed here with Node's ciphers
// (TLS 1.0 chained IVs across records, TLS 1.1 explicit IVs, 3DES's 8-byte blocks, Camellia,
// HMAC-MD5), and the suite parameters each version gets.

import { spawnSync } from 'node:child_process';
import { createCipheriv, createHmac, getCiphers } from 'node:crypto';
import { prf12, verifyData12 } from '../../src/decrypt/prf.js';
import { chainedIvAfter, openTls12Record, type DirectionKeys } from '../../src/decrypt/record-protection.js';
import { isSupported, suiteCrypto, type SuiteCrypto } from '../../src/decrypt/suites.js';
import { describeWithTools } from '../helpers/servers.js';

function suite(code: number, version: number): SuiteCrypto {
  const s = suiteCrypto(code, version);
  if (!isSupported(s)) throw new Error(s.unsupported);
  return s;
}

function opensslTls1Prf(secret: Buffer, label: string, seed: Buffer, length: number): string {
  const r = spawnSync('openssl', ['kdf', '-keylen', String(length), '-kdfopt', 'digest:MD5-SHA1', '-kdfopt', `hexsecret:${secret.toString('hex')}`, '-kdfopt', `hexseed:${Buffer.concat([Buffer.from(label), seed]).toString('hex')}`, 'TLS1-PRF'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().replaceAll(':', '').toLowerCase();
}

describeWithTools('openssl')('TLS 1.0/1.1 PRF (P_MD5 ⊕ P_SHA1) agrees with OpenSSL TLS1-PRF', () => {
  test.each([
    ['48-byte master secret, key block of 104 bytes', Buffer.alloc(48, 0x5a), 'key expansion', Buffer.alloc(64, 0x11), 104],
    ['odd-length secret (the halves share the middle byte)', Buffer.from('0102030405', 'hex'), 'master secret', Buffer.from('aabbcc', 'hex'), 48],
    ['Finished verify_data', Buffer.alloc(48, 0xc3), 'client finished', Buffer.alloc(36, 0x77), 12],
  ])('%s', (_name, secret, label, seed, length) => {
    expect(prf12('md5-sha1', secret, label, seed, length).toString('hex')).toBe(opensslTls1Prf(secret, label, seed, length));
  });
  test('verifyData12 with md5-sha1 is the TLS 1.0 Finished PRF', () => {
    const master = Buffer.alloc(48, 1);
    const hash = Buffer.alloc(36, 2);
    expect(verifyData12('md5-sha1', master, 'server', hash).toString('hex')).toBe(opensslTls1Prf(master, 'server finished', hash, 12));
  });
});

describe('suite parameters by version', () => {
  test('TLS 1.0 CBC: IV from the key block, none in the record; 1.1: explicit IV, none in the key block', () => {
    expect(suite(0x002f, 0x0301)).toMatchObject({ cipher: 'aes-128-cbc', hash: 'md5-sha1', blockSize: 16, fixedIvLength: 16, explicitIvLength: 0, macHash: 'sha1' });
    expect(suite(0x002f, 0x0302)).toMatchObject({ hash: 'md5-sha1', fixedIvLength: 0, explicitIvLength: 16 });
    expect(suite(0x002f, 0x0303)).toMatchObject({ hash: 'sha256', fixedIvLength: 0, explicitIvLength: 16 });
    expect(suite(0x000a, 0x0301)).toMatchObject({ cipher: 'des-ede3-cbc', keyLength: 24, blockSize: 8, fixedIvLength: 8 });
    expect(suite(0x0041, 0x0302)).toMatchObject({ cipher: 'camellia-128-cbc', explicitIvLength: 16 });
  });
  test('suites a version cannot use say so', () => {
    expect(suiteCrypto(0xc02f, 0x0301)).toEqual({ unsupported: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is an AEAD suite, which TLS 1.0 (0x0301) cannot use' });
    expect(suiteCrypto(0x003c, 0x0302)).toEqual({ unsupported: 'TLS_RSA_WITH_AES_128_CBC_SHA256 (HMAC-SHA256) is a TLS 1.2 suite, which TLS 1.1 (0x0302) cannot use' });
  });
  test('RC4 and the other legacy-provider ciphers: decrypted when this Node has them, otherwise a note naming the way to enable them', () => {
    const rc4 = suiteCrypto(0x0005, 0x0301);
    if (getCiphers().includes('rc4')) expect(rc4).toMatchObject({ cipher: 'rc4', stream: true, fixedIvLength: 0, explicitIvLength: 0, macLength: 20 });
    else expect(rc4).toEqual({ unsupported: 'TLS_RSA_WITH_RC4_128_SHA needs the rc4 cipher, which is not available in this Node (its OpenSSL keeps it in the legacy provider: run with NODE_OPTIONS=--openssl-legacy-provider)' });
  });
});

const seq8 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const hdr = (type: number, version: number, len: number): Buffer => Buffer.from([type, version >> 8, version & 0xff, len >> 8, len & 0xff]);

/** Seals one record the RFC 2246/4346 way (MAC-then-encrypt or RFC 7366 encrypt-then-MAC). */
function seal(s: SuiteCrypto, keys: { key: Buffer; macKey: Buffer }, iv: Buffer, seq: bigint, version: number, content: Buffer, etm: boolean): Buffer {
  const mac = (data: Buffer): Buffer => createHmac(s.macHash!, keys.macKey).update(Buffer.concat([seq8(seq), hdr(23, version, data.length)])).update(data).digest();
  const withMac = etm ? content : Buffer.concat([content, mac(content)]);
  const padLen = s.blockSize - ((withMac.length + 1) % s.blockSize);
  const c = createCipheriv(s.cipher, keys.key, iv);
  c.setAutoPadding(false);
  const ct = Buffer.concat([c.update(Buffer.concat([withMac, Buffer.alloc(padLen + 1, padLen)])), c.final()]);
  const sent = s.explicitIvLength > 0 ? Buffer.concat([iv, ct]) : ct;
  return etm ? Buffer.concat([sent, mac(sent)]) : sent;
}

describe.each([
  ['AES-128-CBC', 0x002f],
  ['3DES-EDE-CBC (8-byte blocks)', 0x000a],
  ['Camellia-256-CBC', 0x0084],
])('opening %s records', (_name, code) => {
  test.each([false, true])('TLS 1.0: the second record opens only with the first record\'s last block as IV (encrypt-then-MAC %s)', (etm) => {
    const s = suite(code, 0x0301);
    const keys = { key: Buffer.alloc(s.keyLength, 7), macKey: Buffer.alloc(s.macLength, 3) };
    const iv0 = Buffer.alloc(s.blockSize, 9);
    const one = seal(s, keys, iv0, 0n, 0x0301, Buffer.from('first record'), etm);
    const iv1 = chainedIvAfter(s, one, etm)!;
    expect(iv1).toEqual(one.subarray(one.length - (etm ? s.macLength : 0) - s.blockSize, one.length - (etm ? s.macLength : 0)));
    const two = seal(s, keys, iv1, 1n, 0x0301, Buffer.from('the second, longer record of the direction'), etm);
    const dk: DirectionKeys = { key: keys.key, iv: iv0, macKey: keys.macKey };
    const r1 = openTls12Record(s, dk, 0n, hdr(23, 0x0301, one.length), one, { encryptThenMac: etm });
    expect(r1.ok && r1.plaintext.toString()).toBe('first record');
    // With the key block's IV again the first block comes out wrong: MAC-then-encrypt catches it;
    // encrypt-then-MAC authenticates only the ciphertext, so the garbled block shows in the plaintext.
    const stale = openTls12Record(s, dk, 1n, hdr(23, 0x0301, two.length), two, { encryptThenMac: etm });
    expect(stale.ok && stale.plaintext.toString()).not.toBe('the second, longer record of the direction');
    const r2 = openTls12Record(s, { ...dk, iv: iv1 }, 1n, hdr(23, 0x0301, two.length), two, { encryptThenMac: etm });
    expect(r2.ok && r2.plaintext.toString()).toBe('the second, longer record of the direction');
  });
  test('TLS 1.1: the IV travels in the record; chainedIvAfter has nothing to carry', () => {
    const s = suite(code, 0x0302);
    const keys = { key: Buffer.alloc(s.keyLength, 1), macKey: Buffer.alloc(s.macLength, 2) };
    const body = seal(s, keys, Buffer.alloc(s.blockSize, 5), 4n, 0x0302, Buffer.from('hello'), false);
    const r = openTls12Record(s, { key: keys.key, iv: Buffer.alloc(0), macKey: keys.macKey }, 4n, hdr(23, 0x0302, body.length), body, { encryptThenMac: false });
    expect(r.ok && r.plaintext.toString()).toBe('hello');
    expect(chainedIvAfter(s, body, false)).toBeUndefined();
    const wrongSeq = openTls12Record(s, { key: keys.key, iv: Buffer.alloc(0), macKey: keys.macKey }, 5n, hdr(23, 0x0302, body.length), body, { encryptThenMac: false });
    expect(wrongSeq).toEqual({ ok: false, code: 'mac-mismatch', reason: 'decryption failed: record MAC mismatch' });
  });
});

test('a TLS 1.0 body that is not whole blocks is reported, not thrown', () => {
  const s = suite(0x000a, 0x0301);
  const r = openTls12Record(s, { key: Buffer.alloc(24), iv: Buffer.alloc(8), macKey: Buffer.alloc(20) }, 0n, hdr(23, 0x0301, 12), Buffer.alloc(12), { encryptThenMac: false });
  expect(r).toEqual({ ok: false, code: 'too-short', reason: 'decryption failed: CBC body of 12 bytes is not whole 8-byte blocks' });
});

/** RC4 by hand (Node's OpenSSL keeps it in the legacy provider), checked against RFC 6229's first vector. */
function rc4(key: Uint8Array): { update(data: Uint8Array): Buffer } {
  const S = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i] + key[i % key.length]) & 255;
    [S[i], S[j]] = [S[j], S[i]];
  }
  let i = 0;
  let j = 0;
  return {
    update(data: Uint8Array): Buffer {
      const out = Buffer.alloc(data.length);
      for (let n = 0; n < data.length; n++) {
        i = (i + 1) & 255;
        j = (j + S[i]) & 255;
        [S[i], S[j]] = [S[j], S[i]];
        out[n] = data[n] ^ S[(S[i] + S[j]) & 255];
      }
      return out;
    },
  };
}

describe('RC4 records (the key stream runs across records)', () => {
  // The suite as suiteCrypto gives it when Node has rc4 (spelled out: this Node may not).
  const RC4_SHA: SuiteCrypto = { code: 0x0005, name: 'TLS_RSA_WITH_RC4_128_SHA', tls13: false, cipher: 'rc4', aead: false, stream: true, keyLength: 16, blockSize: 0, fixedIvLength: 0, explicitIvLength: 0, tagLength: 0, hash: 'md5-sha1', macHash: 'sha1', macLength: 20 };
  test('the hand-written RC4 matches RFC 6229 (key 0102030405, offset 0)', () => {
    expect(rc4(Buffer.from('0102030405', 'hex')).update(Buffer.alloc(16)).toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });
  test('two records in a row open with one running key stream; MAC covers seq and header', () => {
    const key = Buffer.alloc(16, 0x42);
    const macKey = Buffer.alloc(20, 0x24);
    const sender = rc4(key);
    const seal = (seq: bigint, content: Buffer): Buffer => {
      const mac = createHmac('sha1', macKey).update(Buffer.concat([seq8(seq), hdr(23, 0x0301, content.length)])).update(content).digest();
      return sender.update(Buffer.concat([content, mac]));
    };
    const one = seal(0n, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    const two = seal(1n, Buffer.from('second'));
    const keys: DirectionKeys = { key, iv: Buffer.alloc(0), macKey, stream: rc4(key) };
    const r1 = openTls12Record(RC4_SHA, keys, 0n, hdr(23, 0x0301, one.length), one, { encryptThenMac: false });
    expect(r1.ok && r1.plaintext.toString()).toBe('GET / HTTP/1.0\r\n\r\n');
    const r2 = openTls12Record(RC4_SHA, keys, 1n, hdr(23, 0x0301, two.length), two, { encryptThenMac: false });
    expect(r2.ok && r2.plaintext.toString()).toBe('second');
    // A fresh key stream (as if the first record were skipped) cannot open the second one.
    const fresh = openTls12Record(RC4_SHA, { ...keys, stream: rc4(key) }, 1n, hdr(23, 0x0301, two.length), two, { encryptThenMac: false });
    expect(fresh).toEqual({ ok: false, code: 'mac-mismatch', reason: 'decryption failed: record MAC mismatch' });
  });
});
