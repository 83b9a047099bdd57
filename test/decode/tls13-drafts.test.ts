// TLS 1.3 Internet-Draft versions: named by the registry (0x7f00 + N → "TLS 1.3 draft-N"; other
// pre-standard values such as Facebook's 0xfb1a stay unknown), and the ServerHello layout of drafts
// before -22 (version, random, cipher_suite, extensions: no session id, no compression method)
// decoded when its version says so. Hand-built vectors, checked against tshark's decode of the same
// bytes written as a pcap by text2pcap.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeStream } from '../../src/decode/index.js';
import type { ClientHello, HandshakeMessage, ServerHello } from '../../src/decode/model.js';
import { versionName } from '../../src/registry/index.js';
import { run } from '../helpers/pcap-tools.js';
import { describeWithTools } from '../helpers/servers.js';
import { hex as tsharkHex } from '../helpers/tshark.js';
import { captureOf, concat, findField, invariantProblems, recordBytes, steps } from './helpers/util.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';

const RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
const SESSION = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xc0 + i));
const KEY_SHARE = Buffer.concat([Buffer.from('001d0020', 'hex'), Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i))]);

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), u16(body.length), body]);
const handshake = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);

/** draft-18: version 0x7f12, random, suite, extensions (key_share under its draft code 40). */
function draft18ServerHello(): Buffer {
  const exts = ext(40, KEY_SHARE);
  return handshake(2, Buffer.concat([u16(0x7f12), RANDOM, u16(0x1301), u16(exts.length), exts]));
}

/** draft-23: the final layout, the draft version in supported_versions. */
function draft23ServerHello(): Buffer {
  const exts = Buffer.concat([ext(43, u16(0x7f17)), ext(51, KEY_SHARE)]);
  return handshake(2, Buffer.concat([u16(0x0303), RANDOM, Buffer.from([32]), SESSION, u16(0x1301), Buffer.from([0]), u16(exts.length), exts]));
}

function serverHello(stream: Uint8Array): HandshakeMessage & { body: ServerHello } {
  const m = decodeStream('server', stream).messages[0];
  if (m.kind !== 'handshake' || m.body?.type !== 'server_hello') throw new Error('no ServerHello');
  return m as HandshakeMessage & { body: ServerHello };
}

const record = (hs: Buffer, version = 0x0303): Uint8Array => recordBytes(22, Uint8Array.from(hs), version);

describe('TLS 1.3 draft versions', () => {
  test('named by the registry; 0xfb1a and friends are unknown', () => {
    expect([0x7f12, 0x7f17, 0x7f1c, 0xfb1a, 0x0304].map(versionName)).toEqual(['TLS 1.3 draft-18', 'TLS 1.3 draft-23', 'TLS 1.3 draft-28', 'unknown (0xfb1a)', 'TLS 1.3']);
  });

  test('a ClientHello offering drafts in supported_versions', () => {
    const sv = Buffer.concat([Buffer.from([8]), u16(0x7f12), u16(0x7f17), u16(0xfb1a), u16(0x0304)]);
    const exts = ext(43, sv);
    const body = Buffer.concat([u16(0x0303), RANDOM, Buffer.from([0]), u16(2), u16(0x1301), Buffer.from([1, 0]), u16(exts.length), exts]);
    const m = decodeStream('client', record(handshake(1, body), 0x0301)).messages[0] as HandshakeMessage;
    expect((m.body as ClientHello).extensions[0].info).toEqual({ kind: 'supported_versions', versions: [0x7f12, 0x7f17, 0xfb1a, 0x0304] });
    const shown = findField(m.fields, 'supported_versions') ?? findField(m.fields, 'versions');
    expect(JSON.stringify(shown)).toContain('TLS 1.3 draft-18 (0x7f12)');
    expect(JSON.stringify(shown)).toContain('unknown (0xfb1a)');
  });

  test('draft-18 ServerHello: no session id, no compression method, no error node', () => {
    const m = serverHello(record(draft18ServerHello(), 0x0301));
    expect(m.issue).toBeUndefined();
    expect(m.body).toMatchObject({ legacyVersion: 0x7f12, random: RANDOM.toString('hex'), sessionId: '', cipherSuite: 0x1301, compressionMethod: 0, draftLayout: 18, helloRetryRequest: false });
    expect(m.body.extensions.map((e) => e.type)).toEqual([40]);
    expect(findField(m.fields, 'legacy_session_id')).toBeUndefined();
    expect(findField(m.fields, 'legacy_compression_method')).toBeUndefined();
    expect(findField(m.fields, 'cipher_suite')).toMatchObject({ offset: 5 + 4 + 2 + 32, length: 2 });
  });

  test('draft-23 ServerHello keeps the final layout', () => {
    const m = serverHello(record(draft23ServerHello()));
    expect(m.issue).toBeUndefined();
    expect(m.body.draftLayout).toBeUndefined();
    expect(m.body.sessionId).toBe(SESSION.toString('hex'));
    expect(m.body.extensions[0].info).toEqual({ kind: 'supported_versions_selected', version: 0x7f17 });
  });

  test('the analysis names the negotiated draft and reads the exchange as TLS 1.3', () => {
    const sv = ext(43, Buffer.concat([Buffer.from([2]), u16(0x7f12)]));
    const ch = handshake(1, Buffer.concat([u16(0x0303), RANDOM, Buffer.from([0]), u16(2), u16(0x1301), Buffer.from([1, 0]), u16(sv.length), sv]));
    const { analysis } = analyseCapture(
      captureOf([
        { direction: 'client', bytes: record(ch, 0x0301) },
        { direction: 'server', bytes: concat([record(draft18ServerHello(), 0x0301), recordBytes(23, new Uint8Array(40))]) },
      ]),
    );
    expect(analysis.negotiated.version.value).toMatchObject({ code: 0x7f12, name: 'TLS 1.3 draft-18' });
    // TLS 1.3's flow: forward secrecy from the key exchange itself, not from a TLS 1.2 suite name.
    expect(analysis.negotiated.forwardSecrecy).toMatchObject({ value: true, note: 'TLS 1.3 (EC)DHE' });
  });

  test('after a draft ServerHello the server records decode as TLS 1.3 (encrypted flight)', () => {
    const protectedRecord = recordBytes(23, new Uint8Array(40));
    const t = decodeStream('server', concat([record(draft18ServerHello(), 0x0301), protectedRecord]));
    expect(steps(t)).toEqual(['S server_hello', 'S encrypted(EncryptedExtensions)']);
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });
});

describeWithTools('text2pcap', 'tshark')('TLS 1.3 draft ServerHellos against tshark', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-drafts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The record as one server → client TCP segment (text2pcap from a hex dump), read by tshark. */
  async function tsharkFields(name: string, bytes: Uint8Array): Promise<Record<string, string[]>> {
    const txt = path.join(dir, `${name}.txt`);
    const pcap = path.join(dir, `${name}.pcap`);
    writeFileSync(txt, `000000 ${Buffer.from(bytes).toString('hex').replace(/(..)/g, '$1 ')}\n`);
    await run('text2pcap', ['-q', '-T', '443,40000', txt, pcap]);
    const out = await run('tshark', ['-r', pcap, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])]);
    const cols = out.trim().split('\t');
    return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ? cols[i].split(',') : []]));
  }

  const FIELDS = ['tls.handshake.version', 'tls.handshake.random', 'tls.handshake.session_id', 'tls.handshake.ciphersuite', 'tls.handshake.comp_method', 'tls.handshake.extension.type', 'tls.handshake.extensions.supported_version'];

  test.each([
    ['draft-18', () => record(draft18ServerHello(), 0x0301)],
    ['draft-23', () => record(draft23ServerHello())],
  ])('%s: the same fields as tshark', async (name, build) => {
    const bytes = build();
    const theirs = await tsharkFields(name, bytes);
    const ours = serverHello(bytes).body;
    expect(Number(theirs['tls.handshake.version'][0])).toBe(ours.legacyVersion);
    expect(tsharkHex(theirs['tls.handshake.random'][0])).toBe(ours.random);
    expect(tsharkHex(theirs['tls.handshake.session_id'][0])).toBe(ours.sessionId);
    expect(Number(theirs['tls.handshake.ciphersuite'][0])).toBe(ours.cipherSuite);
    // No compression method on the wire in the early drafts' layout: tshark shows none either.
    expect(theirs['tls.handshake.comp_method'].length).toBe(ours.draftLayout ? 0 : 1);
    expect(theirs['tls.handshake.extension.type'].map(Number)).toEqual(ours.extensions.map((e) => e.type));
    const selected = ours.extensions.find((e) => e.info?.kind === 'supported_versions_selected')?.info;
    expect(theirs['tls.handshake.extensions.supported_version'].map(Number)).toEqual(selected?.kind === 'supported_versions_selected' ? [selected.version] : []);
  });
});
