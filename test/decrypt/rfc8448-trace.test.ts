// Integration on RFC 8448 §3's published records: a Capture is built from the wire bytes and a key
// log from the published secrets, then decoded, decrypted and verified like a live trace. Also
// the failure paths: a flipped ciphertext byte, a wrong secret, no key log.

import type { Capture } from '../../src/capture/types.js';
import { RFC8448, RFC8448_CLIENT_RANDOM, RFC8448_FLOW, RFC8448_KEYLOG, rfc8448Capture, unwrapHex } from '../../fixtures/rfc8448/capture.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import type { Direction } from '../../src/decode/types.js';
import { createCipheriv } from 'node:crypto';
import { decryptAndMerge, mergeDecrypted, decryptTrace } from '../../src/decrypt/index.js';
import { perRecordNonce } from '../../src/decrypt/record-protection.js';
import { nextTrafficSecret, trafficKeys } from '../../src/decrypt/tls13.js';
import { MAX_HANDSHAKE_MESSAGE } from '../../src/limits.js';

// The test reads the vectors under short names; the capture is built by the fixture's own builder.
const V = RFC8448;
const want = unwrapHex;
const h = (s: string): Buffer => Buffer.from(unwrapHex(s), 'hex');
const CLIENT_RANDOM = RFC8448_CLIENT_RANDOM;
const FLOW = RFC8448_FLOW;
const KEYLOG = RFC8448_KEYLOG;

function rfcCapture(
  keylog: readonly string[],
  mutate?: (name: string, bytes: Buffer) => void,
  flow: ReadonlyArray<[Direction, string]> = FLOW,
  extra: Record<string, Buffer> = {},
): Capture {
  return rfc8448Capture({ keylog, flow, extra, ...(mutate ? { mutate } : {}) });
}

const handshakes = (msgs: readonly { kind: string }[]): HandshakeMessage[] => msgs.filter((m): m is HandshakeMessage => m.kind === 'handshake');

describe('RFC 8448 §3 trace, decrypted', () => {
  const capture = rfcCapture(KEYLOG);
  const decoded = decodeCapture(capture);
  const { trace, decryption } = decryptAndMerge(capture, decoded);

  test('every protected record opens, in its epoch and sequence', () => {
    expect(decryption.status).toBe('decrypted');
    expect(decryption.notes).toEqual([]);
    expect(decryption.records.map((r) => [r.direction, r.epoch, r.seq, r.contentType])).toEqual([
      ['server', 'handshake', 0, 22],
      ['client', 'handshake', 0, 22],
      ['server', 'application', 0, 22],
      ['client', 'application', 0, 23],
      ['server', 'application', 1, 23],
      ['client', 'application', 1, 21],
      ['server', 'application', 2, 21],
    ]);
  });

  test('decrypted messages are the RFC plaintexts, in order, in decrypted spaces', () => {
    const hs = handshakes(trace.messages);
    expect(hs.map((m) => m.body?.type)).toEqual([
      'client_hello', 'server_hello', 'encrypted_extensions', 'certificate', 'certificate_verify', 'finished', 'finished', 'new_session_ticket',
    ]);
    const byName = ['encryptedExtensions', 'certificate', 'certificateVerify', 'serverFinished', 'clientFinished'];
    expect(hs.slice(2, 7).map((m) => m.raw)).toEqual(byName.map((n) => want(V.messages[n])));
    for (const m of hs.slice(2)) {
      expect(m.space.decrypted).toBe(true);
      expect(m.space.segments).toEqual([]);
    }
    // Offsets are inside the decrypted plaintext: the four server messages share one space.
    expect(hs.slice(2, 6).map((m) => [m.space.id, m.offset])).toEqual([
      ['server/plain#2', 0], ['server/plain#2', 40], ['server/plain#2', 485], ['server/plain#2', 621],
    ]);
    expect(trace.messages.some((m) => m.kind === 'encrypted')).toBe(false);
    const alerts = trace.messages.filter((m) => m.kind === 'alert');
    expect(alerts.map((a) => (a.kind === 'alert' ? [a.direction, a.level, a.description] : []))).toEqual([
      ['client', 1, 0],
      ['server', 1, 0],
    ]);
  });

  test('Finished and CertificateVerify checks pass with the RFC values', () => {
    expect(decryption.verifications.map((v) => [v.check, v.ok])).toEqual([
      ['server-certificate-verify', true],
      ['server-finished', true],
      ['client-finished', true],
    ]);
    const fin = decryption.verifications.filter((v) => v.check.endsWith('finished'));
    expect(fin.map((v) => v.expected)).toEqual([want(V.verifyData.server), want(V.verifyData.client)]);
  });

  test('key schedule names its secrets and lengths but no values by default', () => {
    const ks = decryption.keySchedule!;
    expect(ks.suiteName).toBe('TLS_AES_128_GCM_SHA256');
    expect(ks.steps.map((s) => [s.name, s.recordsOpened])).toEqual([
      ['server handshake traffic secret', 1],
      ['client handshake traffic secret', 1],
      ['server application traffic secret 0', 3],
      ['client application traffic secret 0', 2],
    ]);
    expect(JSON.stringify(decryption)).not.toContain(want(V.secrets.serverHandshakeTraffic));
    const shown = decryptTrace(capture, decoded, { showSecrets: true }).keySchedule!;
    expect(shown.steps[0].secret).toBe(want(V.secrets.serverHandshakeTraffic));
    expect(shown.steps[0].outputs.map((o) => [o.name, o.length, o.value])).toEqual([
      ['key', 16, '3fce516009c21727d0f2e4e86ee403bc'],
      ['iv', 12, '5d313eb2671276ee13000b30'],
      ['finished_key', 32, want(V.secrets.serverFinishedKey)],
    ]);
  });
});

describe('RFC 8448 §3 trace, failures', () => {
  test('a flipped ciphertext byte fails that record with a tag mismatch; the trace goes on', () => {
    const capture = rfcCapture(KEYLOG, (name, b) => {
      if (name === 'serverFlight') b[100] ^= 0x80;
    });
    const decoded = decodeCapture(capture);
    const { trace, decryption } = decryptAndMerge(capture, decoded);
    expect(decryption.status).toBe('partial');
    const failed = decryption.records.filter((r) => !r.ok);
    expect(failed.map((r) => [r.record, r.error])).toEqual([[2, 'decryption failed: authentication tag mismatch']]);
    // The server's next records are under its application keys, and still open.
    expect(decryption.records.filter((r) => r.ok).length).toBe(6);
    const kept = trace.messages.find((m) => m.kind === 'encrypted');
    expect(kept?.issue?.reason).toBe('decryption failed: authentication tag mismatch');
    expect(handshakes(trace.messages).map((m) => m.body?.type)).toEqual(['client_hello', 'server_hello', 'finished', 'new_session_ticket']);
    // Without the server's flight the client Finished cannot match its transcript.
    expect(decryption.verifications.map((v) => [v.check, v.ok])).toEqual([['client-finished', false]]);
    expect(decryption.verifications[0].reason).toMatch(/: 1 protected record was not decrypted, so the transcript is incomplete$/);
  });

  test('a wrong handshake secret fails those records; the application records still open', () => {
    const wrong = KEYLOG.map((l) => (l.startsWith('SERVER_HANDSHAKE') ? l.slice(0, -2) + (l.endsWith('00') ? '01' : '00') : l));
    const capture = rfcCapture(wrong);
    const decryption = decryptTrace(capture, decodeCapture(capture));
    expect(decryption.records.filter((r) => !r.ok).map((r) => [r.direction, r.error])).toEqual([
      ['server', 'decryption failed: authentication tag mismatch'],
    ]);
    expect(decryption.records.filter((r) => r.ok).length).toBe(6);
  });

  test('no key log: records stay encrypted with a note', () => {
    const capture = rfcCapture([]);
    const decoded = decodeCapture(capture);
    const { trace, decryption } = decryptAndMerge(capture, decoded);
    expect(decryption.status).toBe('no-keys');
    expect(decryption.notes).toEqual(['no key for this connection: the capture carries no key log, so the protected records stay encrypted']);
    expect(trace).toBe(decoded);
    expect(trace.messages.filter((m) => m.kind === 'encrypted').length).toBe(7);
  });

  test('a key log for another connection says so', () => {
    const capture = rfcCapture(KEYLOG.map((l) => l.replace(CLIENT_RANDOM, 'ab'.repeat(32))));
    const decryption = decryptTrace(capture, decodeCapture(capture));
    expect(decryption.status).toBe('no-keys');
    expect(decryption.notes[0]).toMatch(/^no key for this connection: the key log has no secrets for client random cb34ecb1e78163ba/);
  });

  test('merging is a no-op without attempts', () => {
    const capture = rfcCapture([]);
    const decoded = decodeCapture(capture);
    expect(mergeDecrypted(decoded, { messages: [], spaces: [], records: [] })).toBe(decoded);
  });
});

/** A TLS 1.3 record sealed with AES-128-GCM, for flows the RFC does not show. */
function seal13(secret: Buffer, seq: bigint, type: number, content: Buffer): Buffer {
  const { key, iv } = trafficKeys('sha256', secret, 16);
  const inner = Buffer.concat([content, Buffer.from([type]), Buffer.alloc(3)]); // 3 bytes of padding
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const c = createCipheriv('aes-128-gcm', key, perRecordNonce(iv, seq));
  c.setAAD(header);
  return Buffer.concat([header, c.update(inner), c.final(), c.getAuthTag()]);
}

describe('RFC 8448 §3 trace with a server KeyUpdate', () => {
  const sAp = h(V.secrets.serverApplicationTraffic);
  const flow: Array<[Direction, string]> = [...FLOW.slice(0, 7), ['server', 'keyUpdate'], ['server', 'afterUpdate']];
  const extra = {
    keyUpdate: seal13(sAp, 2n, 22, Buffer.from('1800000100', 'hex')),
    afterUpdate: seal13(nextTrafficSecret('sha256', sAp), 0n, 23, Buffer.from('after update')),
  };
  const capture = rfcCapture(KEYLOG, undefined, flow, extra);
  const decryption = decryptTrace(capture, decodeCapture(capture));

  test('the record after KeyUpdate opens with the next traffic secret at sequence 0', () => {
    expect(decryption.records.filter((r) => !r.ok)).toEqual([]);
    const server = decryption.records.filter((r) => r.direction === 'server').map((r) => [r.epoch, r.seq, r.contentType, r.paddingLength]);
    expect(server.slice(-2)).toEqual([
      ['application', 2, 22, 3],
      ['application (update 1)', 0, 23, 3],
    ]);
    const app = decryption.messages.filter((m) => m.kind === 'application_data' && m.direction === 'server');
    expect(Buffer.from(app[app.length - 1].space.bytes).toString()).toBe('after update');
    const ku = decryption.messages.find((m) => m.kind === 'handshake' && m.body?.type === 'key_update');
    expect(ku?.kind === 'handshake' && ku.body?.type === 'key_update' && ku.body.requestUpdate).toBe(0);
    expect(decryption.keySchedule?.steps.at(-1)).toMatchObject({
      name: 'server application traffic secret 1',
      source: 'HKDF-Expand-Label(previous secret, "traffic upd", "", 32) after KeyUpdate',
      recordsOpened: 1,
    });
  });
});

describe('RFC 8448 §3 server flight split across two records', () => {
  const sHs = h(V.secrets.serverHandshakeTraffic);
  const plain = h(V.messages.encryptedExtensions + V.messages.certificate + V.messages.certificateVerify + V.messages.serverFinished);
  // Cut inside the Certificate message (which starts at 40).
  const extra = { flightA: seal13(sHs, 0n, 22, plain.subarray(0, 100)), flightB: seal13(sHs, 1n, 22, plain.subarray(100)) };
  const flow: Array<[Direction, string]> = [FLOW[0], FLOW[1], ['server', 'flightA'], ['server', 'flightB'], FLOW[3]];
  const capture = rfcCapture(KEYLOG, undefined, flow, extra);
  const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));

  test('the message spanning both records is reassembled and lists both records', () => {
    const hs = handshakes(trace.messages).filter((m) => m.space.decrypted);
    expect(hs.map((m) => [m.body?.type, m.records])).toEqual([
      ['encrypted_extensions', [2]],
      ['certificate', [2, 3]],
      ['certificate_verify', [3]],
      ['finished', [3]],
      ['finished', [4]],
    ]);
    expect(hs[1].raw).toBe(want(V.messages.certificate));
    expect(hs[1].space.id).toBe('server/plain#3');
    expect(decryption.verifications.every((v) => v.ok)).toBe(true);
    expect(decryption.verifications.length).toBe(3);
  });

  test('a capture that ends inside the message says so', () => {
    const cut = rfcCapture(KEYLOG, undefined, flow.slice(0, 3), extra);
    const d = decryptTrace(cut, decodeCapture(cut));
    // The Certificate message starts at 40 and the first record holds 100 bytes: 60 wait for more.
    expect(d.notes).toEqual(['60 bytes of a server handshake message were decrypted but the capture ends before the message does']);
  });
});

describe('a decrypted handshake message declaring more than MAX_HANDSHAKE_MESSAGE', () => {
  const sHs = h(V.secrets.serverHandshakeTraffic);
  const ee = h(V.messages.encryptedExtensions);
  const certBody = h(V.messages.certificate).subarray(4);
  // A Certificate header declaring one byte over the cap, then what the record has room for.
  const over = MAX_HANDSHAKE_MESSAGE + 1;
  const oversized = Buffer.concat([Buffer.from([11, over >> 16, (over >> 8) & 0xff, over & 0xff]), certBody]);
  const rest = h(V.messages.certificateVerify + V.messages.serverFinished);
  const cut = ee.length + 2; // first record ends inside the oversized header
  // Record numbers in notes count from 1, as in the steps (records[3] is record #4).
  const note = `a decrypted server handshake message in record #4 declares ${over} bytes, more than the ${MAX_HANDSHAKE_MESSAGE}-byte reassembly limit: it is not reassembled and the rest of the server handshake is not decoded`;

  const run = (records: Buffer[]) => {
    const extra: Record<string, Buffer> = {};
    const flow: Array<[Direction, string]> = [FLOW[0], FLOW[1]];
    records.forEach((content, i) => {
      extra[`flight${i}`] = seal13(sHs, BigInt(i), 22, content);
      flow.push(['server', `flight${i}`]);
    });
    const capture = rfcCapture(KEYLOG, undefined, flow, extra);
    return decryptTrace(capture, decodeCapture(capture));
  };

  test('is not buffered: it is shown with an issue on its length, a note, and later handshake bytes stay undecoded', () => {
    const plain = Buffer.concat([ee, oversized]);
    const d = run([plain.subarray(0, cut), plain.subarray(cut), rest]);
    expect(d.records.map((r) => [r.record, r.ok])).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ]);
    // Nothing waits for the declared 256 KiB: no "capture ends before the message does" note.
    expect(d.notes).toEqual([note]);
    const hs = handshakes(d.messages);
    // The Certificate is cut short, so it keeps its header fields but has no decoded body.
    expect(hs.map((m) => [m.msgType, m.declaredLength, m.records])).toEqual([
      [8, ee.length - 4, [2]],
      [11, over, [2, 3]],
    ]);
    const cert = hs[1];
    expect(cert.space.id).toBe('server/plain#3');
    expect(cert.length).toBe(oversized.length);
    expect(cert.issue).toEqual({
      kind: 'malformed',
      offset: cert.offset + 1,
      length: 3,
      reason: `handshake message declares ${over} bytes, more than the ${MAX_HANDSHAKE_MESSAGE}-byte reassembly limit; the rest of this direction's handshake is not decoded`,
      expected: `<= ${MAX_HANDSHAKE_MESSAGE}`,
      actual: String(over),
    });
    const after = d.messages.filter((m) => m.records.includes(4));
    expect(after.map((m) => [m.kind, m.kind === 'opaque' ? m.reason : '', m.length])).toEqual([
      ['opaque', 'handshake bytes after an oversized handshake message (not decoded)', rest.length],
    ]);
  });

  test('a message of exactly the cap is still waited for', () => {
    const cap = MAX_HANDSHAKE_MESSAGE;
    const d = run([Buffer.concat([ee, Buffer.from([11, cap >> 16, (cap >> 8) & 0xff, cap & 0xff]), certBody])]);
    expect(d.notes).toEqual([`${4 + certBody.length} bytes of a server handshake message were decrypted but the capture ends before the message does`]);
    expect(handshakes(d.messages).map((m) => m.body?.type)).toEqual(['encrypted_extensions']);
  });
});

describe('robustness', () => {
  test('mutated records and key logs never throw (seeded)', () => {
    let seed = 0x1234567;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = FLOW.map(([, n]) => n);
    for (let i = 0; i < 300; i++) {
      const target = names[rand(names.length)];
      const keylog = rand(4) === 0 ? KEYLOG.map((l) => (rand(2) ? l.slice(0, rand(l.length)) : l)) : KEYLOG;
      const capture = rfcCapture(keylog, (name, b) => {
        if (name !== target) return;
        const edits = 1 + rand(3);
        for (let e = 0; e < edits; e++) b[rand(b.length)] ^= 1 << rand(8);
      });
      const decoded = decodeCapture(capture);
      const { trace, decryption } = decryptAndMerge(capture, decoded, { showSecrets: rand(2) === 0 });
      expect(trace.records).toBe(decoded.records);
      for (const r of decryption.records) expect(r.ok || (r.error ?? '').length > 0).toBe(true);
    }
  });
});

describe('fixtures/rfc8448/simple-1rtt.capture.json (the replay fixture)', () => {
  test('loads as a capture file and decrypts with every check ✔', async () => {
    const { loadCapture } = await import('../../src/capture/capture-file.js');
    const capture = await loadCapture(new URL('../../fixtures/rfc8448/simple-1rtt.capture.json', import.meta.url).pathname);
    const { decryption } = decryptAndMerge(capture, decodeCapture(capture));
    expect(decryption.status).toBe('decrypted');
    expect(decryption.verifications.map((v) => [v.check, v.ok])).toEqual([
      ['server-certificate-verify', true],
      ['server-finished', true],
      ['client-finished', true],
    ]);
  });
});
