// The builder is the decoder's inverse: what it writes, our decoder and Wireshark's dissector must
// both read back field for field.

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeStream } from '../../src/decode/index.js';
import type { ClientHello, HandshakeMessage } from '../../src/decode/model.js';
import { buildClientHello, buildSslv2ClientHello, MAX_RECORD_BODY, SSL2_CIPHER_SPECS, type ClientHelloSpec } from '../../src/scan/client-hello-builder.js';
import { keyShareFor } from '../../src/scan/key-shares.js';
import type { Capture } from '../../src/capture/types.js';
import { extensionNumbers, hex, num, tsharkDecode, tsharkHandshakes } from '../helpers/tshark.js';
import { requireTool } from '../helpers/servers.js';

const random = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const sessionId = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + (i % 16));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function fullSpec(): ClientHelloSpec {
  return {
    version: 0x0303,
    random,
    sessionId,
    cipherSuites: [0x1301, 0x1302, 0xc02f, 0x009c, 0x00ff, 0x5600],
    compressionMethods: [1, 0],
    extensions: [
      { type: 'server_name', host: 'scan.example' },
      { type: 'supported_versions', versions: [0x0304, 0x0303] },
      { type: 'supported_groups', groups: [0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x11ec] },
      { type: 'ec_point_formats', formats: [0] },
      { type: 'signature_algorithms', schemes: [0x0403, 0x0804, 0x0401, 0x0807] },
      { type: 'key_share', shares: [0x001d, 0x001e, 0x0017, 0x0018, 0x0019].map((g) => ({ group: g, keyExchange: keyShareFor(g)! })) },
      { type: 'psk_key_exchange_modes', modes: [1] },
      { type: 'status_request' },
      { type: 'alpn', protocols: ['h2', 'http/1.1'] },
      { type: 'session_ticket' },
      { type: 'extended_master_secret' },
      { type: 'encrypt_then_mac' },
      { type: 'renegotiation_info' },
      { type: 'raw', code: 0x0a0a, data: Uint8Array.of(0) },
      { type: 'padding', length: 7 },
    ],
  };
}

function decodeHello(bytes: Uint8Array): { hello: ClientHello; msg: HandshakeMessage } {
  const trace = decodeStream('client', bytes);
  expect(trace.issues).toEqual([]);
  const msg = trace.messages.find((m): m is HandshakeMessage => m.kind === 'handshake');
  expect(msg?.issue).toBeUndefined();
  expect(msg?.body?.type).toBe('client_hello');
  return { hello: msg!.body as ClientHello, msg: msg! };
}

describe('ClientHello builder → decoder round trip', () => {
  it('reads back every field and extension', () => {
    const spec = fullSpec();
    const { hello } = decodeHello(buildClientHello(spec));
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.random).toBe(toHex(random));
    expect(hello.sessionId).toBe(toHex(sessionId));
    expect(hello.cipherSuites).toEqual([0x1301, 0x1302, 0xc02f, 0x009c, 0x00ff, 0x5600]);
    expect(hello.compressionMethods).toEqual([1, 0]);
    const info = (type: number) => hello.extensions.find((e) => e.type === type)?.info;
    expect(hello.extensions.map((e) => e.type)).toEqual([0, 43, 10, 11, 13, 51, 45, 5, 16, 35, 23, 22, 0xff01, 0x0a0a, 21]);
    expect(info(0)).toEqual({ kind: 'server_name', names: ['scan.example'] });
    expect(info(43)).toEqual({ kind: 'supported_versions', versions: [0x0304, 0x0303] });
    expect(info(10)).toEqual({ kind: 'supported_groups', groups: [0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x11ec] });
    expect(info(11)).toEqual({ kind: 'ec_point_formats', formats: [0] });
    expect(info(13)).toEqual({ kind: 'signature_algorithms', schemes: [0x0403, 0x0804, 0x0401, 0x0807] });
    const ks = info(51);
    expect(ks?.kind).toBe('key_share');
    if (ks?.kind === 'key_share') {
      expect(ks.shares.map((s) => [s.group, s.keyExchange.length / 2])).toEqual([
        [0x001d, 32],
        [0x001e, 56],
        [0x0017, 65],
        [0x0018, 97],
        [0x0019, 133],
      ]);
      // Uncompressed points start with 04 (RFC 8446 §4.2.8.2).
      expect(ks.shares[2].keyExchange.slice(0, 2)).toBe('04');
    }
    expect(info(45)).toEqual({ kind: 'psk_key_exchange_modes', modes: [1] });
    expect(info(16)).toEqual({ kind: 'alpn', protocols: ['h2', 'http/1.1'] });
    expect(info(0xff01)).toEqual({ kind: 'renegotiation_info', renegotiatedConnection: '' });
    expect(info(21)).toEqual({ kind: 'padding', length: 7 });
  });

  it('round-trips random hellos', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom(0x0300, 0x0301, 0x0302, 0x0303),
          random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          sessionId: fc.uint8Array({ maxLength: 32 }),
          suites: fc.array(u16, { minLength: 1, maxLength: 400 }),
          groups: fc.array(u16, { minLength: 1, maxLength: 60 }),
          schemes: fc.array(u16, { minLength: 1, maxLength: 60 }),
          alpn: fc.array(fc.stringMatching(/^[a-z0-9./-]{1,20}$/), { minLength: 1, maxLength: 6 }),
          host: fc.domain(),
        }),
        (g) => {
          const bytes = buildClientHello({
            version: g.version,
            random: g.random,
            sessionId: g.sessionId,
            cipherSuites: g.suites,
            extensions: [
              { type: 'server_name', host: g.host },
              { type: 'supported_groups', groups: g.groups },
              { type: 'signature_algorithms', schemes: g.schemes },
              { type: 'alpn', protocols: g.alpn },
              { type: 'padding' },
            ],
          });
          const { hello } = decodeHello(bytes);
          expect(hello.legacyVersion).toBe(g.version);
          expect(hello.random).toBe(toHex(g.random));
          expect(hello.sessionId).toBe(toHex(g.sessionId));
          expect(hello.cipherSuites).toEqual(g.suites);
          const infos = hello.extensions.map((e) => e.info);
          expect(infos.slice(0, 4)).toEqual([
            { kind: 'server_name', names: [g.host] },
            { kind: 'supported_groups', groups: g.groups },
            { kind: 'signature_algorithms', schemes: g.schemes },
            { kind: 'alpn', protocols: g.alpn },
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes an SSL 3.0 hello without an extensions block', () => {
    const bytes = buildClientHello({ recordVersion: 0x0300, version: 0x0300, random, cipherSuites: [0x000a, 0x00ff] });
    expect(toHex(bytes.subarray(0, 3))).toBe('160300');
    const { hello } = decodeHello(bytes);
    expect(hello.legacyVersion).toBe(0x0300);
    expect(hello.extensions).toEqual([]);
    // header 4 + version 2 + random 32 + sid 1 + suites 2+4 + compression 2 = 47 bytes
    expect(bytes.length).toBe(5 + 47);
  });

  it('pads a 256–511 byte hello to 512 bytes (RFC 7685)', () => {
    const hello = (n: number) =>
      buildClientHello({ version: 0x0303, random, cipherSuites: Array.from({ length: n }, (_, i) => 0x0001 + i), extensions: [{ type: 'padding' }] });
    const padded = hello(110); // 4 + 2 + 32 + 1 + 222 + 2 + 2 + 4 = 269 bytes before padding
    expect(padded.length - 5).toBe(512);
    const info = decodeHello(padded).hello.extensions[0].info;
    expect(info).toEqual({ kind: 'padding', length: 512 - 269 });
    // 249 bytes is below the problematic range: an empty padding extension.
    expect(hello(100).length - 5).toBe(249);
  });

  it('splits a hello larger than one record over several records', () => {
    const groups = Array.from({ length: 9000 }, (_, i) => i & 0xffff);
    const bytes = buildClientHello({ version: 0x0303, random, cipherSuites: [0x002f], extensions: [{ type: 'supported_groups', groups }] });
    const trace = decodeStream('client', bytes);
    expect(trace.records.length).toBe(2);
    expect(trace.records[0].declaredLength).toBe(MAX_RECORD_BODY);
    const msg = trace.messages.find((m): m is HandshakeMessage => m.kind === 'handshake');
    const info = (msg?.body as ClientHello).extensions[0].info;
    expect(info?.kind === 'supported_groups' && info.groups.length).toBe(9000);
  });

  it('gives each hello bytes of its own and a fresh random (one reused buffer, randoms drawn in batches)', () => {
    const spec = (n: number): ClientHelloSpec => ({ version: 0x0303, cipherSuites: Array.from({ length: n }, (_, i) => 0x0001 + i), extensions: [{ type: 'padding' }] });
    const first = buildClientHello(spec(3));
    const copy = Uint8Array.from(first);
    const later = Array.from({ length: 200 }, (_, i) => buildClientHello(spec(1 + (i % 40))));
    // Building more hellos (over a grown and reused buffer) leaves an earlier one as it was.
    expect(toHex(first)).toBe(toHex(copy));
    const randoms = [first, ...later].map((b) => decodeHello(b).hello.random);
    expect(randoms.every((r) => /^[0-9a-f]{64}$/.test(r))).toBe(true);
    expect(new Set(randoms).size).toBe(201);
    expect(decodeHello(later[5]).hello.cipherSuites).toHaveLength(6);
  });

  it('writes an SSL 2.0 CLIENT-HELLO header and cipher specs', () => {
    const challenge = new Uint8Array(16).fill(7);
    const b = buildSslv2ClientHello(SSL2_CIPHER_SPECS, 0x0002, challenge);
    const len = ((b[0] & 0x7f) << 8) | b[1];
    expect(b[0] & 0x80).toBe(0x80);
    expect(len).toBe(b.length - 2);
    expect(b[2]).toBe(1); // CLIENT-HELLO
    expect((b[3] << 8) | b[4]).toBe(0x0002);
    expect((b[5] << 8) | b[6]).toBe(SSL2_CIPHER_SPECS.length * 3);
    expect(toHex(b.subarray(11, 14))).toBe('010080');
  });
});

const itTshark = requireTool('tshark') ? it : it.skip;

describe('ClientHello builder → tshark', () => {
  itTshark('Wireshark dissects the same fields', async () => {
    const bytes = buildClientHello(fullSpec());
    const capture: Capture = {
      format: 'tls-trace-capture',
      version: 1,
      target: { host: 'scan.example', port: 443 },
      startedAt: new Date(0).toISOString(),
      timings: { totalMs: 0 },
      options: {},
      chunks: [{ direction: 'client', timeMs: 0, offset: 0, bytes }],
      keylog: [],
    };
    const hs = tsharkHandshakes(await tsharkDecode(capture));
    expect(hs).toHaveLength(1);
    const h = hs[0];
    expect(h.type).toBe(1);
    expect(h.length).toBe(bytes.length - 5 - 4);
    expect(num(h.fields['tls.handshake.version']?.[0])).toBe(0x0303);
    expect(hex(h.fields['tls.handshake.random']?.[0])).toBe(toHex(random));
    expect(hex(h.fields['tls.handshake.session_id']?.[0])).toBe(toHex(sessionId));
    expect((h.fields['tls.handshake.ciphersuite'] ?? []).map(num)).toEqual([0x1301, 0x1302, 0xc02f, 0x009c, 0x00ff, 0x5600]);
    expect((h.fields['tls.handshake.comp_method'] ?? []).map(num)).toEqual([1, 0]);
    expect(h.extensions.map((e) => e.type)).toEqual([0, 43, 10, 11, 13, 51, 45, 5, 16, 35, 23, 22, 0xff01, 0x0a0a, 21]);
    expect(h.extensions.find((e) => e.type === 0)?.fields['tls.handshake.extensions_server_name']).toEqual(['scan.example']);
    expect(extensionNumbers(h, 43, 'tls.handshake.extensions.supported_version')).toEqual([0x0304, 0x0303]);
    expect(extensionNumbers(h, 10, 'tls.handshake.extensions_supported_group')).toEqual([0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x11ec]);
    expect(extensionNumbers(h, 13, 'tls.handshake.sig_hash_alg')).toEqual([0x0403, 0x0804, 0x0401, 0x0807]);
    expect(extensionNumbers(h, 51, 'tls.handshake.extensions_key_share_group')).toEqual([0x001d, 0x001e, 0x0017, 0x0018, 0x0019]);
    expect(h.extensions.find((e) => e.type === 16)?.fields['tls.handshake.extensions_alpn_str']).toEqual(['h2', 'http/1.1']);
    expect(h.extensions.find((e) => e.type === 21)?.length).toBe(7);
  });
});
