// Known-answer tests against RFC 8448 §3 ("Simple 1-RTT Handshake"): every golden value below is
// read off the RFC's own octet dumps and its prose, not from our decoder.

import { decodeCapture, decodeHandshakeMessages, decodeStream, traceRecordCoverage } from '../../src/decode/index.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { captureOf, concat, findField, hex, invariantProblems, rfc8448, space, steps } from './helpers/util.js';

const v = rfc8448();

describe('RFC 8448 simple 1-RTT handshake', () => {
  const capture = captureOf([
    { direction: 'client', bytes: hex(v.records.clientHello) },
    { direction: 'server', bytes: concat([hex(v.records.serverHello), hex(v.records.serverFlight)]) },
    { direction: 'client', bytes: hex(v.records.clientFinished) },
    { direction: 'server', bytes: hex(v.records.serverNewSessionTicket) },
    { direction: 'client', bytes: hex(v.records.clientApplicationData) },
    { direction: 'server', bytes: hex(v.records.serverApplicationData) },
    { direction: 'client', bytes: hex(v.records.clientAlert) },
    { direction: 'server', bytes: hex(v.records.serverAlert) },
  ]);
  const trace = decodeCapture(capture);

  it('finds the records and steps in order', () => {
    expect(trace.records.map((r) => [r.direction, r.contentType, r.declaredLength, r.encrypted])).toEqual([
      ['client', 22, 196, false],
      ['server', 22, 90, false],
      ['server', 23, 674, true],
      ['client', 23, 53, true],
      ['server', 23, 222, true],
      ['client', 23, 67, true],
      ['server', 23, 67, true],
      ['client', 23, 19, true],
      ['server', 23, 19, true],
    ]);
    expect(steps(trace).slice(0, 4)).toEqual(['C client_hello', 'S server_hello', 'S encrypted(EncryptedExtensions)', 'C encrypted(Finished)']);
    expect(trace.records[0].legacyVersion).toBe(0x0301);
    expect(invariantProblems(trace, { coverage: true })).toEqual([]);
  });

  it('decodes the ClientHello field by field', () => {
    const ch = trace.messages[0] as HandshakeMessage;
    expect(ch.issue).toBeUndefined();
    expect(ch.offset).toBe(5);
    expect(ch.declaredLength).toBe(0xc0);
    if (ch.body?.type !== 'client_hello') throw new Error('not a ClientHello');
    const b = ch.body;
    expect(b.legacyVersion).toBe(0x0303);
    expect(b.random).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(b.sessionId).toBe('');
    expect(b.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(b.compressionMethods).toEqual([0]);
    expect(b.extensions.map((e) => e.type)).toEqual([0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
    const info = Object.fromEntries(b.extensions.map((e) => [e.type, e.info]));
    expect(info[0]).toEqual({ kind: 'server_name', names: ['server'] });
    expect(info[0xff01]).toEqual({ kind: 'renegotiation_info', renegotiatedConnection: '' });
    expect(info[10]).toEqual({ kind: 'supported_groups', groups: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104] });
    expect(info[35]).toEqual({ kind: 'session_ticket', ticketLength: 0 });
    expect(info[51]).toEqual({
      kind: 'key_share',
      shares: [{ group: 0x1d, keyExchange: '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c' }],
    });
    expect(info[43]).toEqual({ kind: 'supported_versions', versions: [0x0304] });
    expect(info[13]).toEqual({
      kind: 'signature_algorithms',
      schemes: [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202],
    });
    expect(info[45]).toEqual({ kind: 'psk_key_exchange_modes', modes: [1] });
    expect(info[28]).toEqual({ kind: 'record_size_limit', limit: 0x4001 });
    // Fields point at real stream bytes: the random sits after record header (5), handshake header (4), version (2).
    const random = findField(ch.fields, 'random')!;
    expect([random.offset, random.length]).toEqual([11, 32]);
    expect(findField(ch.fields, 'cipher_suite')!.display).toMatch(/\(0x1301\)$/);
  });

  it('decodes the ServerHello and takes version and suite from it', () => {
    const sh = trace.messages[1] as HandshakeMessage;
    if (sh.body?.type !== 'server_hello') throw new Error('not a ServerHello');
    expect(sh.body.random).toBe('a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
    expect(sh.body.cipherSuite).toBe(0x1301);
    expect(sh.body.helloRetryRequest).toBe(false);
    expect(sh.body.downgradeSentinel).toBeUndefined();
    expect(sh.body.extensions.map((e) => e.info)).toEqual([
      { kind: 'key_share_selected', group: 0x1d, keyExchange: 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f' },
      { kind: 'supported_versions_selected', version: 0x0304 },
    ]);
  });

  it('decodes the decrypted server flight with decodeHandshakeMessages', () => {
    const plain = concat([
      hex(v.messages.encryptedExtensions),
      hex(v.messages.certificate),
      hex(v.messages.certificateVerify),
      hex(v.messages.serverFinished),
    ]);
    const msgs = decodeHandshakeMessages({ ...space(plain, 'server'), segments: [], decrypted: true }, 0, plain.length, { version: 0x0304, cipherSuite: 0x1301 });
    expect(msgs.map((m) => m.body?.type)).toEqual(['encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
    expect(msgs.every((m) => m.issue === undefined)).toBe(true);
    const [ee, cert, cv, fin] = msgs.map((m) => m.body);
    if (ee?.type !== 'encrypted_extensions' || cert?.type !== 'certificate' || cv?.type !== 'certificate_verify' || fin?.type !== 'finished') throw new Error('types');
    expect(ee.extensions.map((e) => e.type)).toEqual([10, 28, 0]);
    expect(ee.extensions[2].info).toEqual({ kind: 'server_name', names: [] });
    expect(cert.tls13).toBe(true);
    expect(cert.requestContext).toBe('');
    expect(cert.entries).toHaveLength(1);
    expect(cert.entries[0].der.length / 2).toBe(0x1b0);
    expect(cert.entries[0].der.slice(0, 8)).toBe('308201ac');
    expect(cert.entries[0].extensions).toEqual([]);
    expect(cv.signatureScheme).toBe(0x0804);
    expect(cv.signature.length / 2).toBe(0x80);
    expect(fin.verifyData).toBe('9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718');
  });

  it('reads a server first flight on its own (decodeStream)', () => {
    const t = decodeStream('server', concat([hex(v.records.serverHello), hex(v.records.serverFlight)]));
    expect(steps(t)).toEqual(['S server_hello', 'S encrypted(EncryptedExtensions)']);
    for (const r of t.records) expect(traceRecordCoverage(t, r).exact).toBe(true);
  });
});
