// The shared opener of the server's TLS 1.3 flight (src/decrypt/server-flight13.ts), which check
// and the scan's hand-built handshake both use: RFC 8448 §3's server flight opens to its four
// messages with the Finished last; the same plaintext resealed as two records at every split point
// frames the same messages, the Finished only with the second record; and the framing alone holds
// to every prefix.

import { createCipheriv } from 'node:crypto';
import { RFC8448, unwrapHex } from '../../fixtures/rfc8448/capture.js';
import { perRecordNonce } from '../../src/decrypt/record-protection.js';
import { frameHandshake, ServerFlight13, type FramedHandshake } from '../../src/decrypt/server-flight13.js';
import { tls13SuiteCrypto, type SuiteCrypto } from '../../src/decrypt/suites.js';

const h = (s: string): Buffer => Buffer.from(unwrapHex(s), 'hex');
const M = RFC8448.messages;
const plaintext = Buffer.concat([h(M.encryptedExtensions), h(M.certificate), h(M.certificateVerify), h(M.serverFinished)]);
const suite = tls13SuiteCrypto(0x1301) as SuiteCrypto;
const secret = h(RFC8448.secrets.serverHandshakeTraffic);

/** A record sealed with RFC 8448's server handshake key (AES-128-GCM, RFC 8446 §5.2). */
function seal(seq: bigint, content: Buffer, type = 22): Buffer {
  const inner = Buffer.concat([content, Buffer.from([type])]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const cipher = createCipheriv('aes-128-gcm', h(RFC8448.keys.serverHandshakeKey), perRecordNonce(h(RFC8448.keys.serverHandshakeIv), seq));
  cipher.setAAD(header);
  return Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
}

const opener = (): ServerFlight13 => ServerFlight13.fromSecret(suite, secret)!;
const spans = (f: FramedHandshake | undefined): string[] => (f ? f.messages.map((m) => Buffer.from(f.bytes.subarray(m.start, m.end)).toString('hex')) : []);

describe('ServerFlight13', () => {
  test("RFC 8448 §3: the server's flight record opens to EncryptedExtensions, Certificate, CertificateVerify and Finished", () => {
    const record = h(RFC8448.records.serverFlight);
    const o = opener().open(record.subarray(0, 5), record.subarray(5));
    if (!o.ok) throw new Error(o.reason);
    expect(o.contentType).toBe(22);
    expect(o.finished).toBe(true);
    expect(o.handshake?.messages.map((m) => m.type)).toEqual([8, 11, 15, 20]);
    expect(spans(o.handshake)).toEqual([M.encryptedExtensions, M.certificate, M.certificateVerify, M.serverFinished].map(unwrapHex));
    expect(o.handshake?.rest.length).toBe(0);
    expect(o.handshake?.restDeclared).toBeUndefined();
  });

  test('resealed as two records at every split point: the same messages, the Finished with the second', () => {
    for (let cut = 1; cut < plaintext.length; cut++) {
      const f = opener();
      const [a, b] = [seal(0n, plaintext.subarray(0, cut)), seal(1n, plaintext.subarray(cut))];
      const first = f.open(a.subarray(0, 5), a.subarray(5));
      const second = f.open(b.subarray(0, 5), b.subarray(5));
      if (!first.ok || !second.ok) throw new Error(`cut ${cut} did not open`);
      expect(f.records).toBe(2);
      expect(first.finished).toBe(false);
      expect(second.finished).toBe(true);
      expect([...spans(first.handshake), ...spans(second.handshake)].join('')).toBe(plaintext.toString('hex'));
      expect(second.handshake?.rest.length).toBe(0);
    }
  });

  test('a record that does not open, or out of order, is a reason; an alert is not framed; a secret of the wrong length opens nothing', () => {
    const record = Buffer.from(h(RFC8448.records.serverFlight));
    record[20] ^= 1;
    expect(opener().open(record.subarray(0, 5), record.subarray(5))).toEqual({ ok: false, reason: 'decryption failed: authentication tag mismatch' });
    const late = seal(1n, plaintext);
    expect(opener().open(late.subarray(0, 5), late.subarray(5)).ok).toBe(false);
    const alert = seal(0n, Buffer.from([2, 40]), 21);
    const opened = opener().open(alert.subarray(0, 5), alert.subarray(5));
    expect(opened).toMatchObject({ ok: true, contentType: 21, finished: false });
    expect(opened.ok && opened.handshake).toBeUndefined();
    expect(ServerFlight13.fromSecret(suite, secret.subarray(1))).toBeUndefined();
  });
});

describe('frameHandshake', () => {
  test('every prefix: the whole messages in it, the rest with its declared length once the header is in', () => {
    const ends = [M.encryptedExtensions, M.certificate, M.certificateVerify, M.serverFinished].map((m) => h(m).length).reduce<number[]>((a, n) => [...a, (a.at(-1) ?? 0) + n], []);
    for (let n = 0; n <= plaintext.length; n++) {
      const f = frameHandshake(new Uint8Array(0), plaintext.subarray(0, n));
      const whole = ends.filter((e) => e <= n);
      expect(f.messages.map((m) => m.end)).toEqual(whole);
      const at = whole.at(-1) ?? 0;
      expect(f.rest.length).toBe(n - at);
      expect(f.restDeclared).toBe(n - at >= 4 ? plaintext.readUIntBE(at + 1, 3) : undefined);
      // What was left over frames on with the next bytes.
      expect(frameHandshake(f.rest, plaintext.subarray(n)).messages.length).toBe(4 - whole.length);
    }
  });
});
