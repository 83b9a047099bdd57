// JA3 / JA3S / JA4 on hand-built hellos. JA4's expected values are the FoxIO specification's worked
// example and strings written out here by hand from the specification's rules (hashed with Node's
// SHA-256 in the test, never taken from the code under test); JA3 is compared with tshark's
// `tls.handshake.ja3` / `ja3_full` on the same bytes (fingerprints-interop.test.ts does real clients).

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { ja4, type Fingerprints } from '../../src/analyse/fingerprints.js';
import type { ClientHello, Extension } from '../../src/decode/model.js';
import { buildClientHello, buildSslv2ClientHello, type ClientHelloSpec, type ExtensionSpec } from '../../src/scan/client-hello-builder.js';
import { captureOf } from '../decode/helpers/util.js';
import { captureToPcap } from '../helpers/pcap.js';
import { requireTool } from '../helpers/servers.js';

const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const hexList = (s: string): number[] => s.split(',').map((h) => parseInt(h, 16));

function fingerprintsOfBytes(bytes: Uint8Array): Fingerprints {
  const capture = { ...captureOf([{ direction: 'client', bytes }]), startedAt: '2026-01-01T00:00:00.000Z' };
  return analyseCapture(capture).analysis.fingerprints;
}

function hello(extensions: ExtensionSpec[], over: Partial<ClientHelloSpec> = {}): Uint8Array {
  return buildClientHello({ version: 0x0303, cipherSuites: [0x1301, 0xc02b, 0x002f], extensions, ...over });
}

const SIGS = [0x0403, 0x0804, 0x0401];
const BASE_EXTS: ExtensionSpec[] = [
  { type: 'server_name', host: 'example.com' },
  { type: 'supported_groups', groups: [0x001d, 0x0017] },
  { type: 'ec_point_formats', formats: [0] },
  { type: 'signature_algorithms', schemes: SIGS },
  { type: 'alpn', protocols: ['h2', 'http/1.1'] },
  { type: 'supported_versions', versions: [0x0304, 0x0303] },
];

describe('JA4: the specification worked example', () => {
  // The FoxIO JA4 specification's example hello: its suites, extensions and signature algorithms
  // in wire order (GREASE added, which must change nothing).
  const suites = hexList('1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035');
  const exts = hexList('001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015');
  const ext = (type: number): Extension => {
    const base = { type, offset: 0, length: 0, data: '' };
    if (type === 0x0010) return { ...base, data: '000c02683208687474702f312e31', info: { kind: 'alpn', protocols: ['h2', 'http/1.1'] } };
    if (type === 0x000d) return { ...base, info: { kind: 'signature_algorithms', schemes: [0x0a0a, ...hexList('0403,0804,0401,0503,0805,0501,0806,0601')] } };
    if (type === 0x002b) return { ...base, info: { kind: 'supported_versions', versions: [0x2a2a, 0x0304, 0x0303] } };
    return base;
  };
  const ch: ClientHello = { type: 'client_hello', legacyVersion: 0x0303, random: '', sessionId: '', cipherSuites: [0x0a0a, ...suites], compressionMethods: [0], extensions: [ext(0x1a1a), ...exts.map(ext)] };

  it('gives the four forms the specification prints', () => {
    expect(ja4(ch)).toEqual({
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      ja4_r: 't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
      ja4_o: 't13d1516h2_acb858a92679_18f69afefd3d',
      ja4_ro: 't13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601',
    });
  });
});

describe('JA4 on hand-built hellos', () => {
  it('a TLS 1.3 hello: version from supported_versions, sorted lists, SNI and ALPN only in section a', () => {
    const f = fingerprintsOfBytes(hello(BASE_EXTS));
    const c = '000a,000b,000d,002b_0403,0804,0401';
    expect(f.ja4).toEqual({
      ja4: `t13d0306h2_${sha12('002f,1301,c02b')}_${sha12(c)}`,
      ja4_r: `t13d0306h2_002f,1301,c02b_${c}`,
      ja4_o: `t13d0306h2_${sha12('1301,c02b,002f')}_${sha12('0000,000a,000b,000d,0010,002b_0403,0804,0401')}`,
      ja4_ro: 't13d0306h2_1301,c02b,002f_0000,000a,000b,000d,0010,002b_0403,0804,0401',
    });
  });

  it('GREASE in suites, extensions, groups, signature algorithms and versions changes nothing', () => {
    const greased = hello(
      [
        { type: 'raw', code: 0x3a3a, data: new Uint8Array(0) },
        { type: 'server_name', host: 'example.com' },
        { type: 'supported_groups', groups: [0x4a4a, 0x001d, 0x0017] },
        { type: 'ec_point_formats', formats: [0] },
        { type: 'signature_algorithms', schemes: [0x5a5a, ...SIGS] },
        { type: 'alpn', protocols: ['h2', 'http/1.1'] },
        { type: 'supported_versions', versions: [0x6a6a, 0x0304, 0x0303] },
        { type: 'raw', code: 0xfafa, data: Uint8Array.of(0) },
      ],
      { cipherSuites: [0x0a0a, 0x1301, 0xc02b, 0x002f] },
    );
    const f = fingerprintsOfBytes(greased);
    expect(f.ja4).toEqual(fingerprintsOfBytes(hello(BASE_EXTS)).ja4);
    // JA3 leaves GREASE out of suites, extensions and groups too.
    expect(f.ja3?.full).toBe('771,4865-49195-47,0-10-11-13-16-43,29-23,0');
    expect(f.ja3?.hash).toBe(md5('771,4865-49195-47,0-10-11-13-16-43,29-23,0'));
  });

  it('no SNI: "i"; no ALPN: "00"; TLS 1.2 without supported_versions: "12"', () => {
    const f = fingerprintsOfBytes(hello(BASE_EXTS.filter((e) => e.type !== 'server_name' && e.type !== 'alpn' && e.type !== 'supported_versions')));
    expect(f.ja4?.ja4).toBe(`t12i0303${'00'}_${sha12('002f,1301,c02b')}_${sha12('000a,000b,000d_0403,0804,0401')}`);
  });

  it.each([
    [0x0301, '10'],
    [0x0302, '11'],
    [0x0300, 's3'],
    [0x7f1c, '00'],
  ])('legacy version %s without supported_versions is "%s"', (version, name) => {
    expect(fingerprintsOfBytes(hello([], { version })).ja4?.ja4.slice(0, 4)).toBe(`t${name}i`);
  });

  it('no extensions at all: the extension hash is twelve zeros and the raw form ends empty', () => {
    const f = fingerprintsOfBytes(hello([], { version: 0x0301 }));
    expect(f.ja4?.ja4).toBe(`t10i0300${'00'}_${sha12('002f,1301,c02b')}_000000000000`);
    expect(f.ja4?.ja4_r).toBe('t10i030000_002f,1301,c02b_');
    expect(f.ja3?.full).toBe('769,4865-49195-47,,,');
  });

  it('no signature algorithms: the extension list is hashed without an underscore', () => {
    const f = fingerprintsOfBytes(hello([{ type: 'supported_groups', groups: [0x001d] }]));
    expect(f.ja4?.ja4).toBe(`t12i0301${'00'}_${sha12('002f,1301,c02b')}_${sha12('000a')}`);
  });

  it.each([
    ['alphanumeric ends', 'h2', [0x68, 0x32]],
    ['one character', 'xx', [0x78]],
    ['0xAB', 'ab', [0xab]],
    ['0xAB 0xCD', 'ad', [0xab, 0xcd]],
    ['0x30 0xAB', '3b', [0x30, 0xab]],
    ['0x30 0x31 0xAB 0xCD', '3d', [0x30, 0x31, 0xab, 0xcd]],
    ['0x30 0xAB 0xCD 0x31', '01', [0x30, 0xab, 0xcd, 0x31]],
  ])('ALPN first protocol %s gives "%s"', (_name, expected, bytes) => {
    const name = Uint8Array.from(bytes);
    const body = Uint8Array.from([0, name.length + 1 + 3, name.length, ...name, 2, 0x68, 0x32]);
    const f = fingerprintsOfBytes(hello([{ type: 'raw', code: 0x0010, data: body }]));
    expect(f.ja4?.ja4.slice(8, 10)).toBe(expected);
  });

  it('more than 99 suites or extensions: the counts stop at 99, the hashes keep every value', () => {
    const suites = Array.from({ length: 120 }, (_, i) => 0x0100 + i);
    const exts: ExtensionSpec[] = Array.from({ length: 105 }, (_, i) => ({ type: 'raw', code: 0x7000 + i, data: new Uint8Array(0) }));
    const f = fingerprintsOfBytes(hello(exts, { cipherSuites: suites }));
    const hex = (n: number): string => n.toString(16).padStart(4, '0');
    expect(f.ja4?.ja4).toBe(`t12i9999${'00'}_${sha12(suites.map(hex).join(','))}_${sha12(exts.map((_, i) => hex(0x7000 + i)).join(','))}`);
  });

  it('an SSL 2.0-compatible CLIENT-HELLO gets no JA3 and no JA4 (the reference implementations read TLS records only)', () => {
    const f = fingerprintsOfBytes(buildSslv2ClientHello([0x010080, 0x00002f, 0x000035], 0x0301));
    expect(f).toEqual({});
  });
});

const tshark = requireTool('tshark') ? describe : describe.skip;

tshark('JA3 agrees with tshark 4.x on hand-built hellos', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ja3-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** tshark's ja3 and ja3_full of every ClientHello in the bytes (none for an SSL 2.0 hello). */
  function tsharkJa3(bytes: Uint8Array, name: string): Promise<string[]> {
    const file = path.join(dir, `${name}.pcap`);
    writeFileSync(file, captureToPcap({ ...captureOf([{ direction: 'client', bytes }]), startedAt: '2026-01-01T00:00:00.000Z' }));
    return new Promise((resolve, reject) => {
      execFile('tshark', ['-r', file, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.ja3', '-e', 'tls.handshake.ja3_full'], (err, out) => (err ? reject(err) : resolve(out.split('\n').filter((l) => l.trim() !== ''))));
    });
  }

  const cases: Array<[string, Uint8Array]> = [
    ['tls13', hello(BASE_EXTS)],
    ['grease', hello([{ type: 'raw', code: 0x2a2a, data: new Uint8Array(0) }, { type: 'supported_groups', groups: [0x8a8a, 0x001d, 0x0017] }, ...BASE_EXTS.slice(2), { type: 'raw', code: 0xeaea, data: Uint8Array.of(0) }], { cipherSuites: [0xdada, 0x1301, 0x00ff] })],
    ['no-extensions', hello([], { version: 0x0301 })],
    ['many', hello(Array.from({ length: 105 }, (_, i): ExtensionSpec => ({ type: 'raw', code: 0x7000 + i, data: new Uint8Array(0) })), { cipherSuites: Array.from({ length: 120 }, (_, i) => 0x0100 + i) })],
    ['padding', hello([...BASE_EXTS, { type: 'padding', length: 40 }])],
  ];

  it.each(cases)('%s', async (name, bytes) => {
    const [line] = await tsharkJa3(bytes, name);
    const [hash, full] = line.split('\t');
    expect(fingerprintsOfBytes(bytes).ja3).toEqual({ full, hash });
  }, 30_000);

  it('an SSL 2.0-compatible hello: tshark computes no JA3 either', async () => {
    const bytes = buildSslv2ClientHello([0x010080, 0x00002f], 0x0301);
    const lines = await new Promise<string>((resolve, reject) => {
      const file = path.join(dir, 'v2.pcap');
      writeFileSync(file, captureToPcap({ ...captureOf([{ direction: 'client', bytes }]), startedAt: '2026-01-01T00:00:00.000Z' }));
      execFile('tshark', ['-r', file, '-T', 'fields', '-e', 'tls.handshake.ja3'], (err, out) => (err ? reject(err) : resolve(out)));
    });
    expect(lines.trim()).toBe('');
    expect(fingerprintsOfBytes(bytes).ja3).toBeUndefined();
  }, 30_000);
});
