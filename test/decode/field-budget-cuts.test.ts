// The field budget may run out at any field of a message (a direction's earlier messages spend
// it). Wherever it runs out, decoding must neither throw nor change what was decoded: the
// decoders that label or annotate the field they just read (SNI and ALPN text, the Heartbleed
// length, an SCT's extent, a draft ServerHello's version, the HelloRetryRequest random) must not
// take an earlier field, or nothing, for it. Each message is decoded once per possible cut point.

import { decodeHandshakeMessage } from '../../src/decode/handshake.js';
import { decodeHeartbeat } from '../../src/decode/heartbeat.js';
import type { FieldBudget } from '../../src/decode/reader.js';
import type { ByteSpace } from '../../src/decode/types.js';
import { decodeStream } from '../../src/decode/index.js';
import { MAX_FIELDS_PER_DIRECTION } from '../../src/limits.js';
import { buildClientHello, buildClientHelloMessage } from '../../src/scan/client-hello-builder.js';

function space(bytes: Uint8Array, direction: 'client' | 'server'): ByteSpace {
  return { id: direction, direction, bytes, segments: [{ at: 0, streamOffset: 0, length: bytes.length }], decrypted: false };
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const u24 = (n: number): string => n.toString(16).padStart(6, '0');
const vec16 = (h: string): string => u16(h.length / 2) + h;
const handshake = (type: number, body: string): Uint8Array => hex(type.toString(16).padStart(2, '0') + u24(body.length / 2) + body);

const clientHello = buildClientHelloMessage({
  version: 0x0303,
  cipherSuites: [0x1301, 0x1302, 0xc02f, 0x0a0a],
  extensions: [
    { type: 'server_name', host: 'example.com' },
    { type: 'alpn', protocols: ['h2', 'http/1.1'] },
    { type: 'supported_groups', groups: [29, 23] },
    { type: 'signature_algorithms', schemes: [0x0403, 0x0804] },
    { type: 'supported_versions', versions: [0x0304, 0x0303] },
    { type: 'key_share', shares: [{ group: 29, keyExchange: new Uint8Array(32) }] },
    { type: 'raw', code: 0x0a0a, data: new Uint8Array() },
    { type: 'raw', code: 0x0010, data: hex('0003026832') }, // a duplicate ALPN
  ],
});

// One SCT: version 0, 32-byte log id, timestamp, no extensions, an ECDSA-SHA256 signature.
const sct = '00' + 'ab'.repeat(32) + '0000018c00000000' + '0000' + '0403' + vec16('30'.repeat(8));
const sctExtension = u16(18) + vec16(vec16(vec16(sct)));
const random = 'cd'.repeat(24) + '444f574e47524401'; // ends in the TLS 1.2 downgrade sentinel
const serverHello12 = handshake(2, '0303' + random + '00' + 'c02f' + '00' + vec16(sctExtension + 'ff01' + vec16('00')));
const hrrRandom = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const helloRetry = handshake(2, '0303' + hrrRandom + '00' + '1301' + '00' + vec16('002b' + vec16('0304') + '0033' + vec16('001d')));
const draftServerHello = handshake(2, '7f12' + 'ee'.repeat(32) + '1301' + vec16('0033' + vec16('001d' + vec16('11'.repeat(32)))));

const messages: Array<[string, Uint8Array, 'client' | 'server']> = [
  ['ClientHello (SNI, ALPN, GREASE, a duplicate extension)', clientHello, 'client'],
  ['TLS 1.2 ServerHello (SCT list, downgrade sentinel)', serverHello12, 'server'],
  ['HelloRetryRequest', helloRetry, 'server'],
  ['TLS 1.3 draft-18 ServerHello', draftServerHello, 'server'],
];

function fieldsOf(bytes: Uint8Array, direction: 'client' | 'server'): number {
  const budget: FieldBudget = { left: 1e9, exhausted: false };
  decodeHandshakeMessage(space(bytes, direction), 0, bytes.length, {}, budget);
  return 1e9 - budget.left;
}

describe('field budget spent at every field of a message', () => {
  it.each(messages)('%s: decodes the same wherever the budget ends', (_name, bytes, direction) => {
    const full = decodeHandshakeMessage(space(bytes, direction), 0, bytes.length, {});
    expect(full.issue === undefined || full.issue.reason.includes('duplicate')).toBe(true);
    const total = fieldsOf(bytes, direction);
    expect(total).toBeGreaterThan(10);
    for (let left = 0; left <= total; left++) {
      const budget: FieldBudget = { left, exhausted: false };
      const cut = decodeHandshakeMessage(space(bytes, direction), 0, bytes.length, {}, budget);
      expect(cut.body).toEqual(full.body);
      expect(cut.issue).toEqual(full.issue);
    }
  });

  it('the decoded values the annotating decoders set are those of their own fields', () => {
    const m = decodeHandshakeMessage(space(clientHello, 'client'), 0, clientHello.length, {}, { left: 1e9, exhausted: false });
    const json = JSON.stringify(m.fields);
    expect(json).toContain('"value":"example.com"');
    expect(json).toContain('"value":"http/1.1"');
  });

  it('a Heartbleed-shaped heartbeat is flagged on its own payload_length field', () => {
    // type 1 (request), declared payload 0x4000, 3 bytes of payload, 16 of padding.
    const body = hex('01' + '4000' + 'aabbcc' + '00'.repeat(16));
    const s = space(body, 'client');
    const full = decodeHeartbeat(s, { offset: 0, length: body.length }, [], 0);
    expect(full.heartbleed).toBe(true);
    expect(full.fields.find((f) => f.name === 'payload_length')?.issue?.reason).toContain('Heartbleed');
  });

  it('a ClientHello of 25,000 suites over several records spends the budget inside itself and still decodes', () => {
    const suites = Array.from({ length: 25_000 }, (_, i) => 0x1000 + (i % 20_000));
    const wire = buildClientHello({ version: 0x0303, cipherSuites: suites, extensions: [{ type: 'server_name', host: 'example.com' }, { type: 'alpn', protocols: ['h2'] }] });
    expect(suites.length).toBeGreaterThan(MAX_FIELDS_PER_DIRECTION);
    const trace = decodeStream('client', wire);
    const hello = trace.messages.find((m) => m.kind === 'handshake');
    expect(hello?.kind === 'handshake' && hello.body?.type === 'client_hello' && hello.body.cipherSuites.length).toBe(25_000);
    expect(trace.issues.map((i) => i.reason).join('\n')).toContain('field cap');
  });
});
