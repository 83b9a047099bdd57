// Unit tests: key log parsing, TLS 1.2 record opening and its failure sentences, transcript rules,
// suite parameters from the registry.

import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseKeyLog, keyLogLine } from '../../src/decrypt/keylog.js';
import { writeKeyLogFile } from '../../src/cli/keylog-file.js';
import { openTls12Record, openTls13Record } from '../../src/decrypt/record-protection.js';
import { suiteCrypto, isSupported, type SuiteCrypto } from '../../src/decrypt/suites.js';
import { verifyCertificateVerify13, verifyWithScheme } from '../../src/decrypt/signatures.js';
import { transcriptBytes } from '../../src/decrypt/transcript.js';

const R = 'aa'.repeat(32);

describe('parseKeyLog', () => {
  test('keys by client random, ignores comments and blank lines, lower-cases hex', () => {
    const log = parseKeyLog([
      '# SSL/TLS secrets log file',
      '',
      `CLIENT_RANDOM ${R.toUpperCase()} ${'0B'.repeat(48)}\n`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${R} ${'cd'.repeat(32)}`,
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${'bb'.repeat(32)} ${'ef'.repeat(48)}`,
    ]);
    expect(log.problems).toEqual([]);
    expect([...log.byClientRandom.keys()]).toEqual([R, 'bb'.repeat(32)]);
    expect(log.byClientRandom.get(R)?.get('CLIENT_RANDOM')).toBe('0b'.repeat(48));
    expect(log.byClientRandom.get(R)?.get('SERVER_HANDSHAKE_TRAFFIC_SECRET')).toBe('cd'.repeat(32));
  });
  test('reports lines it cannot use, with their numbers', () => {
    const log = parseKeyLog(`CLIENT_RANDOM ${R}\nCLIENT_RANDOM abcd ${'00'.repeat(48)}\nlower_case ${R} ${'00'.repeat(48)}\nCLIENT_RANDOM ${R} xyz${'0'.repeat(40)}\n`);
    expect(log.problems).toEqual([
      { line: 1, reason: 'expected 3 fields, found 2' },
      { line: 2, reason: 'client random is not 32 bytes of hex' },
      { line: 3, reason: 'label "lower_case" is not a key log label' },
      { line: 4, reason: 'secret is not hex' },
    ]);
    expect(log.byClientRandom.size).toBe(0);
  });
  test('keyLogLine round-trips', () => {
    const line = keyLogLine('EXPORTER_SECRET', R, '11'.repeat(32));
    expect(line.endsWith('\n')).toBe(true);
    expect(parseKeyLog(line).byClientRandom.get(R)?.get('EXPORTER_SECRET')).toBe('11'.repeat(32));
  });
});

function suite(code: number): SuiteCrypto {
  const s = suiteCrypto(code);
  if (!isSupported(s)) throw new Error(s.unsupported);
  return s;
}

describe('suiteCrypto', () => {
  test('parameters come from the registry entry', () => {
    expect(suite(0x1303)).toMatchObject({ cipher: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, hash: 'sha256', tls13: true });
    expect(suite(0x1302)).toMatchObject({ cipher: 'aes-256-gcm', hash: 'sha384' });
    expect(suite(0xc02f)).toMatchObject({ cipher: 'aes-128-gcm', fixedIvLength: 4, explicitIvLength: 8, hash: 'sha256', tls13: false });
    expect(suite(0xcca8)).toMatchObject({ cipher: 'chacha20-poly1305', fixedIvLength: 12, explicitIvLength: 0 });
    expect(suite(0xc013)).toMatchObject({ cipher: 'aes-128-cbc', macHash: 'sha1', macLength: 20, explicitIvLength: 16 });
    expect(suite(0xc028)).toMatchObject({ cipher: 'aes-256-cbc', macHash: 'sha384', hash: 'sha384' });
  });
  test('AES-CCM: nonces as GCM (TLS 1.3 IV XOR seq, TLS 1.2 salt + explicit nonce), an 8-byte tag for CCM_8', () => {
    expect(suite(0x1301)).toMatchObject({ tagLength: 16 });
    expect(suite(0x1304)).toMatchObject({ cipher: 'aes-128-ccm', keyLength: 16, fixedIvLength: 12, explicitIvLength: 0, tagLength: 16, tls13: true });
    expect(suite(0x1305)).toMatchObject({ cipher: 'aes-128-ccm', fixedIvLength: 12, tagLength: 8 });
    expect(suite(0xc09d)).toMatchObject({ cipher: 'aes-256-ccm', keyLength: 32, fixedIvLength: 4, explicitIvLength: 8, tagLength: 16, hash: 'sha256' });
    expect(suite(0xc0af)).toMatchObject({ cipher: 'aes-256-ccm', fixedIvLength: 4, explicitIvLength: 8, tagLength: 8 });
    expect(suite(0xc0b3)).toMatchObject({ cipher: 'aes-256-ccm', hash: 'sha384' });
    expect(suite(0xc013)).toMatchObject({ tagLength: 0 });
  });
  test('unsupported suites say why', () => {
    expect(suiteCrypto(0x0001)).toEqual({ unsupported: 'decrypting TLS_RSA_WITH_NULL_MD5 (NULL) is not supported' });
    expect(suiteCrypto(0x7777)).toEqual({ unsupported: 'cipher suite unknown (0x7777) is not in the registry' });
  });
});

const seq8 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const hdr = (type: number, len: number): Buffer => Buffer.from([type, 3, 3, len >> 8, len & 0xff]);

describe('openTls12Record', () => {
  const key16 = Buffer.alloc(16, 7);
  const content = Buffer.from('1400000c' + '11'.repeat(12), 'hex');

  test('AES-GCM: salt + explicit nonce, AAD with the plaintext length', () => {
    const s = suite(0xc02f);
    const salt = Buffer.from('01020304', 'hex');
    const explicit = Buffer.from('0000000000000005', 'hex');
    const aad = Buffer.concat([seq8(5n), Buffer.from([22, 3, 3, 0, content.length])]);
    const c = createCipheriv('aes-128-gcm', key16, Buffer.concat([salt, explicit]));
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(content), c.final()]);
    const body = Buffer.concat([explicit, ct, c.getAuthTag()]);
    const ok = openTls12Record(s, { key: key16, iv: salt }, 5n, hdr(22, body.length), body, { encryptThenMac: false });
    expect(ok.ok && ok.plaintext.equals(content)).toBe(true);
    const wrongSeq = openTls12Record(s, { key: key16, iv: salt }, 6n, hdr(22, body.length), body, { encryptThenMac: false });
    expect(wrongSeq).toEqual({ ok: false, code: 'tag-mismatch', reason: 'decryption failed: authentication tag mismatch' });
  });

  function cbcRecord(etm: boolean, macKey: Buffer, tweak?: (padded: Buffer) => void): { body: Buffer; iv: Buffer } {
    const iv = Buffer.alloc(16, 9);
    const macInput = (len: number): Buffer => Buffer.concat([seq8(0n), Buffer.from([22, 3, 3, len >> 8, len & 0xff])]);
    const withMac = etm ? content : Buffer.concat([content, createHmac('sha1', macKey).update(macInput(content.length)).update(content).digest()]);
    const padLen = 16 - ((withMac.length + 1) % 16);
    const padded = Buffer.concat([withMac, Buffer.alloc(padLen + 1, padLen)]);
    tweak?.(padded);
    const c = createCipheriv('aes-128-cbc', key16, iv);
    c.setAutoPadding(false);
    const ct = Buffer.concat([iv, c.update(padded), c.final()]);
    if (!etm) return { body: ct, iv };
    return { body: Buffer.concat([ct, createHmac('sha1', macKey).update(macInput(ct.length)).update(ct).digest()]), iv };
  }

  test.each([false, true])('AES-CBC with HMAC-SHA1, encrypt_then_mac=%s', (etm) => {
    const s = suite(0xc013);
    const macKey = Buffer.alloc(20, 3);
    const { body } = cbcRecord(etm, macKey);
    const ok = openTls12Record(s, { key: key16, iv: Buffer.alloc(0), macKey }, 0n, hdr(22, body.length), body, { encryptThenMac: etm });
    if (!ok.ok) throw new Error(ok.reason);
    expect(ok.plaintext.equals(content)).toBe(true);
    const bad = openTls12Record(s, { key: key16, iv: Buffer.alloc(0), macKey: Buffer.alloc(20, 4) }, 0n, hdr(22, body.length), body, { encryptThenMac: etm });
    expect(bad).toEqual({ ok: false, code: 'mac-mismatch', reason: `decryption failed: record MAC mismatch${etm ? ' (encrypt-then-MAC)' : ''}` });
  });

  test('AES-CBC padding that is not uniform is reported as such', () => {
    const s = suite(0xc013);
    const macKey = Buffer.alloc(20, 3);
    const { body } = cbcRecord(false, macKey, (p) => {
      p[p.length - 2] ^= 0xff;
    });
    expect(openTls12Record(s, { key: key16, iv: Buffer.alloc(0), macKey }, 0n, hdr(22, body.length), body, { encryptThenMac: false })).toEqual({
      ok: false,
      code: 'bad-padding',
      reason: 'decryption failed: CBC padding bytes are not all equal to the padding length',
    });
  });

  test('short bodies are reported, not thrown', () => {
    expect(openTls12Record(suite(0xc013), { key: key16, iv: Buffer.alloc(0) }, 0n, hdr(22, 8), Buffer.alloc(8), { encryptThenMac: false }).ok).toBe(false);
    expect(openTls12Record(suite(0xc02f), { key: key16, iv: Buffer.alloc(4) }, 0n, hdr(22, 8), Buffer.alloc(8), { encryptThenMac: false }).ok).toBe(false);
    expect(openTls13Record(suite(0x1301), { key: key16, iv: Buffer.alloc(12) }, 0n, hdr(23, 3), Buffer.alloc(3))).toMatchObject({ ok: false, code: 'too-short' });
  });
});

describe('transcript', () => {
  test('HelloRetryRequest replaces ClientHello1 with message_hash', () => {
    const ch1 = Buffer.from('0100000101', 'hex');
    const hrr = Buffer.from('0200000102', 'hex');
    const ch2 = Buffer.from('0100000103', 'hex');
    const bytes = transcriptBytes('sha256', [
      { msgType: 1, raw: ch1 },
      { msgType: 2, raw: hrr, helloRetryRequest: true },
      { msgType: 1, raw: ch2 },
    ]);
    const expected = Buffer.concat([Buffer.from('fe000020', 'hex'), createHash('sha256').update(ch1).digest(), hrr, ch2]);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('writeKeyLogFile', () => {
  test('creates the file with mode 0600 and appends', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-keylog-'));
    try {
      const file = path.join(dir, 'keys.log');
      writeKeyLogFile(file, [`CLIENT_RANDOM ${R} ${'00'.repeat(48)}\n`]);
      writeKeyLogFile(file, [`EXPORTER_SECRET ${R} ${'11'.repeat(32)}`]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toBe(`CLIENT_RANDOM ${R} ${'00'.repeat(48)}\nEXPORTER_SECRET ${R} ${'11'.repeat(32)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('signature schemes (parameters from the registry entry)', () => {
  const junk = Uint8Array.from([1, 2, 3]);
  test('schemes this module cannot check say so before reading the certificate', () => {
    for (const [code, name] of [
      [0x0202, 'dsa_sha1 (0x0202)'],
      [0x0301, 'rsa_pkcs1_sha224 (0x0301)'],
      [0x0420, 'rsa_pkcs1_sha256_legacy (0x0420)'],
      [0x0904, 'mldsa44 (0x0904)'],
      [0x7777, 'unknown (0x7777)'],
    ] as const) {
      expect(verifyWithScheme(junk, code, junk, junk)).toEqual({ ok: false, reason: `signature scheme ${name} is not supported for verification` });
    }
  });
  test('checkable schemes read the leaf certificate', () => {
    for (const code of [0x0201, 0x0403, 0x0804, 0x0809, 0x0807, 0x0808, 0x081c]) {
      expect(verifyWithScheme(junk, code, junk, junk).reason).toMatch(/^the leaf certificate could not be read/);
    }
  });
  test('TLS 1.3 CertificateVerify refuses PKCS#1 v1.5 and SHA-1 schemes', () => {
    for (const code of [0x0201, 0x0203, 0x0401, 0x0501, 0x0601]) {
      expect(verifyCertificateVerify13(junk, 'server', code, junk, junk).reason).toMatch(/ is not allowed in a TLS 1\.3 CertificateVerify$/);
    }
    for (const code of [0x0403, 0x0804, 0x0807, 0x0420]) {
      expect(verifyCertificateVerify13(junk, 'server', code, junk, junk).reason).not.toMatch(/not allowed/);
    }
  });
});
