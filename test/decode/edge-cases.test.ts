// Hand-built inputs for the cases live servers do not produce: non-TLS peers, fragmentation,
// oversized and malformed records, GREASE/unknown/duplicate extensions, sentinels, ECH, alerts.

import { demoCerts, startNodeTlsServer } from '../helpers/servers.js';
import { record } from './helpers/record.js';
import { decodeCapture, decodeHandshakeMessage, decodeStream, MAX_HANDSHAKE_MESSAGE } from '../../src/decode/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeExtension } from '../../src/decode/extensions/index.js';
import { ByteReader } from '../../src/decode/reader.js';
import type { ClientHello, DecodedTrace, HandshakeMessage } from '../../src/decode/model.js';
import { captureOf, concat, findField, hex, invariantProblems, recordBytes, rfc8448, space, steps } from './helpers/util.js';

const u16 = (n: number) => [n >> 8, n & 0xff];
const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];

function handshake(type: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([type, ...u24(body.length)]), body]);
}

/** A ClientHello with the given extensions ([type, body hex]). */
function clientHello(exts: Array<[number, string]>): Uint8Array {
  const extBytes = concat(exts.map(([t, b]) => concat([Uint8Array.from([...u16(t), ...u16(b.length / 2)]), hex(b)])));
  const body = concat([
    Uint8Array.from([3, 3]),
    new Uint8Array(32).fill(7),
    Uint8Array.from([0]),
    Uint8Array.from([0, 4, 0x13, 0x01, 0x0a, 0x0a]),
    Uint8Array.from([1, 0]),
    Uint8Array.from(u16(extBytes.length)),
    extBytes,
  ]);
  return handshake(1, body);
}

function decodeHello(exts: Array<[number, string]>): HandshakeMessage {
  const b = clientHello(exts);
  return decodeHandshakeMessage(space(b), 0, b.length, {});
}

describe('peers that do not speak TLS', () => {
  const cases: Array<[string, string, string]> = [
    ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', 'http', 'HTTP/1.1 400 Bad Request'],
    ['SSH-2.0-OpenSSH_9.6\r\n', 'ssh', 'SSH-2.0-OpenSSH_9.6'],
    ['220 mail.example.com ESMTP Postfix\r\n', 'smtp', '220 mail.example.com ESMTP Postfix'],
    ['220 ProFTPD Server (FTP) ready\r\n', 'ftp', '220 ProFTPD Server (FTP) ready'],
    ['+OK POP3 ready\r\n', 'pop3', '+OK POP3 ready'],
    ['* OK IMAP4rev1 ready\r\n', 'imap', '* OK IMAP4rev1 ready'],
    // The model holds the real characters; the report escapes them once, at output (issue 9 item 11).
    ['hello\x1b[31mred\x07\n', 'unknown', 'hello\x1b[31mred\x07'],
  ];
  it.each(cases)('%j', (text, protocol, firstLine) => {
    const t = decodeStream('server', new Uint8Array(Buffer.from(text, 'latin1')));
    expect(t.notTls).toEqual({ direction: 'server', protocol, firstLine });
    expect(t.records).toEqual([]);
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ kind: 'opaque', offset: 0, length: text.length });
    if (firstLine) expect(t.issues[0].reason).toContain(`"${firstLine}"`);
  });

  it('recognises an SSL 2.0 record header', () => {
    const t = decodeStream('server', hex('8046 04 00 01 0002 0030 0003 0010'));
    expect(t.notTls?.protocol).toBe('sslv2');
  });

  it('keeps decoding the other direction', () => {
    const v = rfc8448();
    const t = decodeCapture(captureOf([
      { direction: 'client', bytes: hex(v.records.clientHello) },
      { direction: 'server', bytes: new Uint8Array(Buffer.from('HTTP/1.0 200 OK\r\n\r\n')) },
    ]));
    expect(steps(t)).toEqual(['C client_hello', 'S opaque']);
    expect(t.notTls?.protocol).toBe('http');
  });
});

describe('record layer', () => {
  it('decodes a capture that ends inside a record as incomplete', () => {
    const rec = hex(rfc8448().records.clientHello);
    const t = decodeStream('client', rec.subarray(0, 100));
    expect(t.records[0]).toMatchObject({ declaredLength: 196, bodyLength: 95, issue: { kind: 'incomplete' } });
    expect(t.messages[0].issue?.kind).toBe('incomplete');
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });

  it('flags a record longer than 2^14 + 2048 but still shows it', () => {
    const t = decodeStream('server', recordBytes(23, new Uint8Array(18433)));
    expect(t.records[0].issue).toMatchObject({ kind: 'malformed', offset: 3, length: 2 });
    expect(t.records[0].fields[2].issue).toBeDefined();
    expect(t.messages).toHaveLength(1);
  });

  it('flags a plaintext record longer than 2^14', () => {
    const body = concat([Uint8Array.from([11, ...u24(16400 - 4)]), new Uint8Array(16400 - 4)]);
    const t = decodeStream('server', recordBytes(22, body));
    expect(t.records[0].issue?.reason).toMatch(/plaintext record length 16400 exceeds 2\^14/);
  });

  it('notes a zero-length handshake record', () => {
    const t = decodeStream('client', recordBytes(22, new Uint8Array()));
    expect(t.records[0].issue?.reason).toMatch(/zero-length/);
  });

  it('keeps an unknown content type as opaque and carries on', () => {
    // (As the very first bytes, an unknown type would make the whole stream "not TLS".)
    const t = decodeStream('server', concat([recordBytes(21, hex('0100')), recordBytes(99, hex('0102')), recordBytes(21, hex('0228'))]));
    expect(steps(t)).toEqual(['S alert(1,0)', 'S opaque', 'S alert(2,40)']);
    expect(t.messages[1]).toMatchObject({ kind: 'opaque', reason: 'unknown content type 99' });
    const alert = t.messages[2];
    expect(alert.fields.map((f) => [f.name, f.value, f.display])).toEqual([
      ['level', 2, expect.stringContaining('(0x02)')],
      ['description', 40, 'handshake_failure (0x28)'],
    ]);
  });

  it('stops at a broken record header mid-stream', () => {
    const t = decodeStream('server', concat([recordBytes(21, hex('0100')), hex('474554202f')]));
    expect(steps(t)).toEqual(['S alert(1,0)', 'S opaque']);
    expect(t.issues[0]).toMatchObject({ direction: 'server', offset: 7, kind: 'malformed' });
  });
});

describe('handshake reassembly', () => {
  let capture: Capture;
  let original: DecodedTrace;

  beforeAll(async () => {
    const certs = demoCerts();
    const s = await startNodeTlsServer({ ...certs.rsa, maxVersion: 'TLSv1.2' });
    try {
      capture = await record({ port: s.port, servername: 'localhost', maxVersion: 'TLSv1.2' });
    } finally {
      await s.close();
    }
    original = decodeCapture(capture);
  });

  /** The server's plaintext handshake bytes re-framed into records of `size` bytes. */
  function reframed(size: number): DecodedTrace {
    const server = original.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === 'server' && m.body?.type !== 'new_session_ticket');
    const flight = concat(server.map((m) => hex(m.raw)));
    const records: Uint8Array[] = [];
    for (let at = 0; at < flight.length; at += size) records.push(recordBytes(22, flight.subarray(at, at + size)));
    const client = original.messages.find((m) => m.kind === 'handshake' && m.direction === 'client') as HandshakeMessage;
    return decodeCapture(captureOf([
      { direction: 'client', bytes: recordBytes(22, hex(client.raw), 0x0301) },
      { direction: 'server', bytes: concat(records) },
    ]));
  }

  it.each([[7], [100], [3000]])('gives the same messages when the flight is cut into %i-byte records', (size) => {
    const t = reframed(size);
    // Offsets inside bodies are positions in their byte space, which re-framing changes.
    const noOffsets = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, val: unknown) => (k === 'offset' ? undefined : val)));
    const bodies = (x: DecodedTrace) =>
      x.messages
        .filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === 'server' && m.body?.type !== 'new_session_ticket')
        .map((m) => [m.raw, noOffsets(m.body)]);
    expect(bodies(t)).toEqual(bodies(original));
    expect(t.messages.every((m) => !m.issue)).toBe(true);
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
    const cert = t.messages.find((m) => m.kind === 'handshake' && m.body?.type === 'certificate') as HandshakeMessage;
    if (size < 3000) {
      // Spans records: decoded in a derived space whose segments point back into the stream.
      expect(cert.space.id).toMatch(/^server\/hs#\d+$/);
      expect(cert.records.length).toBeGreaterThan(1);
      const seg = cert.space.segments[0];
      const stream = t.spaces.find((s) => s.id === 'server')!.bytes;
      expect(stream.subarray(seg.streamOffset, seg.streamOffset + seg.length)).toEqual(cert.space.bytes.subarray(0, seg.length));
    } else {
      // Several messages in one record: decoded in place on the stream.
      expect(cert.space.id).toBe('server');
      expect(t.records.filter((r) => r.direction === 'server')).toHaveLength(1);
    }
  });

  it('refuses to buffer a message longer than the cap', () => {
    const hdr = Uint8Array.from([11, ...u24(MAX_HANDSHAKE_MESSAGE + 1)]);
    const t = decodeStream('server', concat([recordBytes(22, concat([hdr, new Uint8Array(100)])), recordBytes(22, new Uint8Array(50))]));
    expect(t.messages[0].issue).toMatchObject({ kind: 'malformed', offset: 6, length: 3 });
    expect(t.messages[0].issue?.reason).toMatch(/limit/);
    expect(t.messages[1]).toMatchObject({ kind: 'opaque' });
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });
});

describe('extensions', () => {
  it('labels GREASE and unknown types and keeps their bytes', () => {
    const m = decodeHello([[0x0a0a, ''], [0x1234, 'cafe'], [0x3a3a, '00']]);
    expect(m.issue).toBeUndefined();
    const ch = m.body as ClientHello;
    expect(ch.extensions.map((e) => [e.type, e.info, e.data])).toEqual([
      [0x0a0a, { kind: 'grease' }, ''],
      [0x1234, { kind: 'unknown' }, 'cafe'],
      [0x3a3a, { kind: 'grease' }, '00'],
    ]);
    const types = m.fields[2].children!.find((f) => f.name === 'extensions')!.children!.filter((f) => f.name === 'extension');
    expect(types.map((f) => f.children![0].display)).toEqual(['GREASE (0x0a0a)', 'unknown (0x1234)', 'GREASE (0x3a3a)']);
    expect(findField(m.fields, 'cipher_suite')).toBeDefined();
    const suites = m.fields[2].children!.find((f) => f.name === 'cipher_suites')!.children!.filter((f) => f.name === 'cipher_suite');
    expect(suites[1].display).toBe('GREASE (0x0a0a)');
  });

  it('flags a duplicate extension on the later copy', () => {
    const m = decodeHello([[23, ''], [23, '']]);
    const ch = m.body as ClientHello;
    expect(ch.extensions[0].issue).toBeUndefined();
    expect(ch.extensions[1].issue?.reason).toMatch(/duplicate/);
    expect(m.issue?.reason).toMatch(/duplicate/);
  });

  it('flags trailing bytes in an extension that must be empty', () => {
    const m = decodeHello([[23, '00']]);
    expect(m.issue).toMatchObject({ kind: 'malformed' });
    expect((m.body as ClientHello).extensions[0].issue?.reason).toMatch(/trailing/);
  });

  it('flags non-zero padding and a record_size_limit below 64', () => {
    expect(decodeHello([[21, '000100']]).issue?.reason).toMatch(/padding/);
    expect(decodeHello([[28, '003f']]).issue?.reason).toMatch(/record_size_limit/);
    expect((decodeHello([[21, '000000']]).body as ClientHello).extensions[0].info).toEqual({ kind: 'padding', length: 3 });
  });

  it('decodes the outer encrypted_client_hello fields', () => {
    const ech = '00' + '0001' + '0001' + '2a' + '0004' + 'aabbccdd' + '0003' + '010203';
    const ch = decodeHello([[0xfe0d, ech]]).body as ClientHello;
    expect(ch.extensions[0].info).toEqual({ kind: 'encrypted_client_hello', echType: 0, configId: 42, encLength: 4, payloadLength: 3 });
  });

  it('decodes ALPN, status_request, compress_certificate, psk, early_data, cookie, post_handshake_auth, SCT request', () => {
    const ch = decodeHello([
      [16, '000c02683208687474702f312e31'],
      [5, '0100000000'],
      [27, '0400020001'],
      [42, ''],
      [44, '0003abcdef'],
      [49, ''],
      [18, ''],
      [50, '000404030804'],
      [41, '000a0004aabbccdd0000002a0021' + '20' + '11'.repeat(32)],
    ]).body as ClientHello;
    expect(ch.extensions.map((e) => e.info)).toEqual([
      { kind: 'alpn', protocols: ['h2', 'http/1.1'] },
      { kind: 'status_request', statusType: 1 },
      { kind: 'compress_certificate', algorithms: [2, 1] },
      { kind: 'early_data' },
      { kind: 'cookie', cookieLength: 3 },
      { kind: 'post_handshake_auth' },
      { kind: 'signed_certificate_timestamp' },
      { kind: 'signature_algorithms_cert', schemes: [0x0403, 0x0804] },
      { kind: 'pre_shared_key', identities: 1 },
    ]);
    expect(ch.extensions.every((e) => !e.issue)).toBe(true);
  });

  it('keeps a server name as sent, one character per byte (escaped only at output)', () => {
    const ch = decodeHello([[0, '000900000661620a63641b']]).body as ClientHello;
    expect(ch.extensions[0].info).toEqual({ kind: 'server_name', names: ['ab\ncd\x1b'] });
  });
});

describe('ServerHello specials', () => {
  function serverHello(random: string, version = 0x0303): HandshakeMessage {
    const body = concat([Uint8Array.from([version >> 8, version & 0xff]), hex(random), Uint8Array.from([0, 0xc0, 0x2f, 0])]);
    const b = handshake(2, body);
    return decodeHandshakeMessage(space(b, 'server'), 0, b.length, {});
  }

  it('recognises the TLS 1.2 and 1.1 downgrade sentinels, each only with its own version', () => {
    const base = '11'.repeat(24);
    expect(serverHello(base + '444f574e47524401').body).toMatchObject({ downgradeSentinel: 'tls12', helloRetryRequest: false });
    expect(serverHello(base + '444f574e47524400', 0x0302).body).toMatchObject({ downgradeSentinel: 'tls11' });
    // The TLS 1.1-or-below value in a TLS 1.2 answer (and the reverse) is not a sentinel
    // (test/analyse/downgrade.test.ts covers every pairing, TLS 1.3 included).
    expect(serverHello(base + '444f574e47524400').body).not.toHaveProperty('downgradeSentinel');
    expect(serverHello(base + '444f574e47524401', 0x0302).body).not.toHaveProperty('downgradeSentinel');
    expect(serverHello(base + '444f574e47524402').body).not.toHaveProperty('downgradeSentinel');
  });
});

describe('less common messages', () => {
  const tls13 = { version: 0x0304, cipherSuite: 0x1301 };
  const one = (h: string, ctx = {}) => {
    const b = hex(h);
    return decodeHandshakeMessage(space(b, 'server'), 0, b.length, ctx);
  };

  it('decodes CertificateStatus, KeyUpdate, HelloRequest, EndOfEarlyData', () => {
    expect(one('16000007 01 000003 300100').body).toEqual({ type: 'certificate_status', statusType: 1, response: '300100' });
    expect(one('18000001 01').body).toEqual({ type: 'key_update', requestUpdate: 1 });
    expect(one('18000001 02').issue?.reason).toMatch(/request_update/);
    expect(one('00000000').body).toEqual({ type: 'hello_request' });
    expect(one('05000000', tls13).body).toEqual({ type: 'end_of_early_data' });
    expect(one('0e000001 00').issue?.reason).toMatch(/trailing/);
  });

  it('decodes the TLS 1.3 CertificateRequest and NewSessionTicket forms', () => {
    expect(one('0d00000d 00 000a 000d 0006 0004 0403 0804', tls13).body).toMatchObject({
      type: 'certificate_request',
      tls13: true,
      requestContext: '',
      signatureSchemes: [0x0403, 0x0804],
      authorities: [],
    });
    expect(one('0400001a 00001c20 11223344 0100 0004aabbccdd 0008 002a000400004000', tls13).body).toEqual({
      type: 'new_session_ticket',
      lifetime: 7200,
      ageAdd: 0x11223344,
      nonce: '00',
      ticket: 'aabbccdd',
      extensions: [{ type: 42, offset: 22, length: 8, data: '00004000', info: { kind: 'early_data', maxEarlyDataSize: 16384 } }],
    });
  });

  it('keeps an unknown handshake type with its body', () => {
    const m = one('fe000002 abcd');
    expect(m.body).toEqual({ type: 'unknown', body: 'abcd' });
    expect(m.issue).toBeUndefined();
  });
});

describe('status_request in a TLS 1.3 certificate entry', () => {
  it('carries the stapled OCSPResponse as its info, with the DER labelled', () => {
    const staple = Uint8Array.from([0x30, 0x03, 0x0a, 0x01, 0x00]); // OCSPResponse{successful}
    const body = concat([Uint8Array.from([1, ...u24(staple.length)]), staple]);
    const ext = concat([Uint8Array.from([...u16(5), ...u16(body.length)]), body]);
    const r = new ByteReader(ext);
    const decoded = decodeExtension(r, 'certificate');
    expect(decoded.info).toEqual({ kind: 'status_request', statusType: 1, ocspResponse: '30030a0100' });
    expect(r.done).toBe(true);
  });
});
