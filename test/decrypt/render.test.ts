// The key-schedule block of the text report, rendered from the RFC 8448 §3 trace.

import type { Capture } from '../../src/capture/types.js';
import { RFC8448, RFC8448_CLIENT_RANDOM, RFC8448_FLOW, rfc8448Capture, unwrapHex } from '../../fixtures/rfc8448/capture.js';
import { decodeCapture } from '../../src/decode/index.js';
import { decryptTrace } from '../../src/decrypt/index.js';
import { keyScheduleJson, renderKeySchedule, verificationMark } from '../../src/report/key-schedule.js';
import { factsForMessage } from '../../src/view/index.js';

const V = RFC8448;
const want = unwrapHex;
const RANDOM = RFC8448_CLIENT_RANDOM;

/** The first two flights of RFC 8448 §3; `flip` corrupts the client Finished record. */
function capture(keylog: string[], flip = false): Capture {
  const mutate = (name: string, bytes: Buffer): void => {
    if (name === 'clientFinished') bytes[10] ^= 1;
  };
  return rfc8448Capture({ keylog, flow: RFC8448_FLOW.slice(0, 4), ...(flip ? { mutate } : {}) });
}

const KEYLOG = [
  `SERVER_HANDSHAKE_TRAFFIC_SECRET ${RANDOM} ${want(V.secrets.serverHandshakeTraffic)}`,
  `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${RANDOM} ${want(V.secrets.clientHandshakeTraffic)}`,
];

describe('renderKeySchedule', () => {
  test('secrets hidden by default, marks for every check', () => {
    const c = capture(KEYLOG);
    const text = renderKeySchedule(decryptTrace(c, decodeCapture(c)), { color: false, showSecrets: false });
    expect(text).toContain('Key schedule · TLS 1.3 · TLS_AES_128_GCM_SHA256 (0x1301) · HKDF-SHA256 · AES-128-GCM');
    expect(text).toContain('◆ server handshake traffic secret (32 bytes) ← key log SERVER_HANDSHAKE_TRAFFIC_SECRET · opened 1 record');
    expect(text).toMatch(/ key +16 bytes {2}HKDF-Expand-Label\(secret, "key", "", 16\)/);
    expect(text).toMatch(/ iv +12 bytes {2}HKDF-Expand-Label\(secret, "iv", "", 12\)/);
    expect(text).toContain('secret values are hidden; --show-secrets prints them');
    expect(text).not.toContain(want(V.secrets.serverHandshakeTraffic));
    expect(text).not.toContain('3fce516009c21727d0f2e4e86ee403bc');
    expect(text).toContain('✔ Server CertificateVerify: rsa_pss_rsae_sha256 (0x0804) signature verified');
    expect(text).toContain('✔ Server Finished: verify_data equals HMAC(finished_key, transcript hash) over 5 handshake messages');
    expect(text).toContain('✔ Client Finished');
    expect(text).toContain('Decrypted records · 2 of 2');
    expect(text).toContain('! key log has no SERVER_TRAFFIC_SECRET_0: records protected with it stay encrypted');
    expect(text).not.toContain('\x1b[');
  });

  test('--show-secrets prints secret, key and IV values', () => {
    const c = capture(KEYLOG);
    const text = renderKeySchedule(decryptTrace(c, decodeCapture(c), { showSecrets: true }), { color: false, showSecrets: true });
    expect(text).toContain(want(V.secrets.serverHandshakeTraffic));
    expect(text).toContain('3fce516009c21727d0f2e4e86ee403bc');
    expect(text).toContain('5d313eb2671276ee13000b30');
    expect(text).not.toContain('hidden');
  });

  test('a failed record and a failed check are marked ✖ with the reason, in colour when asked', () => {
    const c = capture(KEYLOG, true);
    const result = decryptTrace(c, decodeCapture(c));
    const text = renderKeySchedule(result, { color: true, showSecrets: false });
    // Records are numbered from 1, as in the steps and --hex: the client Finished is the 4th record.
    expect(text).toContain('record #4 \x1b[36mclient');
    expect(text).toContain('decryption failed: authentication tag mismatch');
    expect(text).toContain('\x1b[31m✖\x1b[39m record #4');
    expect(text).not.toMatch(/record #0 /);
    const serverFin = result.verifications.find((v) => v.check === 'server-finished')!;
    // One record carries EncryptedExtensions … Finished: each fact belongs to its own message only.
    const inRecord = result.messages.filter((m) => m.direction === 'server' && m.records.join() === serverFin.records.join());
    const marks = inRecord.map((m) => [m.kind === 'handshake' ? m.body?.type : m.kind, factsForMessage(result, m, 'server').map((f) => f.check)]);
    expect(marks).toEqual([
      ['encrypted_extensions', []],
      ['certificate', []],
      ['certificate_verify', ['server-certificate-verify']],
      ['finished', ['server-finished']],
    ]);
    expect(verificationMark(serverFin, { color: false })).toMatch(/^✔ Server Finished: /);
  });

  test('no keys: a note only', () => {
    const c = capture([]);
    expect(renderKeySchedule(decryptTrace(c, decodeCapture(c)), { color: false, showSecrets: false })).toBe(
      'Decryption\n  ! no key for this connection: the capture carries no key log, so the protected records stay encrypted\n',
    );
  });
});

describe('keyScheduleJson', () => {
  test('round-trips through JSON without bytes or secret values', () => {
    const c = capture(KEYLOG);
    const json = keyScheduleJson(decryptTrace(c, decodeCapture(c)));
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(Object.keys(json)).toEqual(['status', 'notes', 'keySchedule', 'records', 'verifications']);
    expect(JSON.stringify(json)).not.toContain(want(V.secrets.clientHandshakeTraffic));
  });
});
