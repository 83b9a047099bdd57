// RFC 8879 compressed certificates through decode, decrypt, verification and chain analysis: a
// TLS 1.3 server flight (RFC 8448 §3's keys) whose Certificate is a CompressedCertificate. The
// decoded fields are checked against tshark's decryption and decompression of the same bytes.

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureToPcap } from '../helpers/pcap.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';
import zlib from 'node:zlib';
import { rfc8448Capture, RFC8448_FLOW, RFC8448_KEYLOG } from '../../fixtures/rfc8448/capture.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeAndDecrypt } from '../../src/analyse/pipeline.js';
import { chainFromTrace } from '../../src/analyse/chain/index.js';
import { findBodies } from '../../src/analyse/messages.js';
import type { CompressedCertificate, HandshakeMessage } from '../../src/decode/model.js';
import { compressedServerFlight, demoEcdsaChain, type CompressedOptions } from './helpers/compressed-flight.js';
import { describeWithTools } from '../helpers/servers.js';
import { hex, tsharkDecode, tsharkHandshakes } from '../helpers/tshark.js';
import { findField } from '../decode/helpers/util.js';
import { decodeHandshakeMessage } from '../../src/decode/index.js';

function capture(opts: CompressedOptions): Capture {
  const flow = RFC8448_FLOW.slice(0, 3);
  return rfc8448Capture({ flow, extra: { serverFlight: compressedServerFlight(opts).record } });
}

function compressedMessage(c: Capture): { msg: HandshakeMessage; body: CompressedCertificate; run: ReturnType<typeof decodeAndDecrypt> } {
  const run = decodeAndDecrypt(c);
  const msg = run.trace.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === 25);
  if (!msg || msg.body?.type !== 'compressed_certificate') throw new Error('no CompressedCertificate decoded');
  return { msg, body: msg.body, run };
}

const chainHex = demoEcdsaChain().map((d) => d.toString('hex'));
const hasZstd = typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';

describe.each([
  ['zlib', 1],
  ['brotli', 2],
])('CompressedCertificate with %s', (_name, algorithm) => {
  const { msg, body, run } = compressedMessage(capture({ algorithm }));

  test('decrypted, decompressed and decoded as a nested Certificate', () => {
    expect(msg.space.decrypted).toBe(true);
    expect(body.algorithm).toBe(algorithm);
    const plain = Buffer.concat([Buffer.from([0, 0, 0, 0]), ...demoEcdsaChain().map((d) => Buffer.concat([Buffer.from([d.length >> 16, (d.length >> 8) & 0xff, d.length & 0xff]), d, Buffer.from([0, 0])]))]);
    expect(body.uncompressedLength).toBe(plain.length);
    expect(body.certificate?.entries.map((e) => e.der)).toEqual(chainHex);
    // The nested message's offsets index the decompressed bytes: the list starts after the context.
    expect(msg.nested?.space.bytes.length).toBe(body.uncompressedLength);
    expect(findField(msg.nested!.fields, 'certificate_list')?.offset).toBe(1);
    expect(body.certificate?.entries[0].offset).toBe(4);
    expect(msg.issue).toBeUndefined();
  });

  test('the chain and the CertificateVerify read the decompressed leaf exactly as a plain Certificate', () => {
    expect(chainFromTrace(run.trace)?.certificates).toEqual(chainHex);
    expect(findBodies(run.trace, 'certificate', 'server').map((f) => f.body.entries.length)).toEqual([2]);
    const cv = run.decryption.verifications.find((f) => f.check === 'server-certificate-verify');
    expect(cv).toMatchObject({ ok: true });
    const fin = run.decryption.verifications.find((f) => f.check === 'server-finished');
    expect(fin).toMatchObject({ ok: true });
  });
});

describeWithTools('tshark')('CompressedCertificate against tshark', () => {
  test.each([1, 2])('algorithm %i: tshark decrypts and decompresses the same values', async (algorithm) => {
    const c = capture({ algorithm });
    const { msg, body } = compressedMessage(c);
    const theirs = tsharkHandshakes(await tsharkDecode(c, { keylog: [...RFC8448_KEYLOG] })).find((x) => x.type === 25);
    expect(theirs).toBeDefined();
    const f = theirs!.fields;
    expect(Number(f['tls.compress_certificate.algorithm']?.[0])).toBe(body.algorithm);
    expect(Number(f['tls.compress_certificate.uncompressed_length']?.[0])).toBe(body.uncompressedLength);
    expect(Number(f['tls.compress_certificate.compressed_certificate_message.length']?.[0])).toBe(body.compressedLength);
    expect(theirs!.length).toBe(msg.declaredLength);
    // tshark 4.0 decompresses brotli (and zstd) but not zlib: where it does, its DERs are ours. (The
    // zlib case is checked against the demo chain's own DER above.)
    const theirDers = (f['tls.handshake.certificate'] ?? []).map(hex);
    expect(theirDers).toEqual(algorithm === 2 ? body.certificate?.entries.map((e) => e.der) : []);
  });
});

describe('CompressedCertificate read from a pcap by `tls-trace read`', () => {
  test('decompressed, verified, and in the JSON as a nested message (schema-valid)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-cc-'));
    try {
      const pcap = path.join(dir, 'cc.pcap');
      const keylog = path.join(dir, 'keys');
      writeFileSync(pcap, captureToPcap(capture({ algorithm: 2 })));
      writeFileSync(keylog, RFC8448_KEYLOG.join('\n') + '\n');
      const res = await runCli(['read', pcap, '--keylog', keylog, '--json']);
      const doc = parseValid<{ messages: Array<{ name: string; body?: { algorithm?: { name: string } }; nested?: { title: string; fields: Array<{ name: string; offset: number }> } }>; decryption: { verifications: Array<{ check: string; ok: boolean }> } }>('trace', res.stdout);
      const cc = doc.messages.find((m) => m.name === 'CompressedCertificate');
      expect(cc?.body?.algorithm?.name).toBe('brotli');
      expect(cc?.nested?.title).toBe('Certificate (decompressed)');
      expect(cc?.nested?.fields.find((f) => f.name === 'certificate_list')?.offset).toBe(1);
      expect(doc.decryption.verifications.find((v) => v.check === 'server-certificate-verify')?.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('compress_certificate (27) in a TLS 1.3 CertificateRequest', () => {
  test('its algorithms are decoded, in order', () => {
    // context 0, extensions: compress_certificate [brotli, zlib], signature_algorithms [ecdsa_secp256r1_sha256]
    const body = Buffer.from('00' + '0011' + '001b0005' + '04' + '00020001' + '000d0004' + '0002' + '0403', 'hex');
    const bytes = new Uint8Array(Buffer.concat([Buffer.from([13, 0, 0, body.length]), body]));
    const m = decodeHandshakeMessage({ id: 'server', direction: 'server', bytes, segments: [] }, 0, bytes.length, { version: 0x0304 });
    expect(m.issue).toBeUndefined();
    const ext = m.body?.type === 'certificate_request' ? m.body.extensions?.find((e) => e.type === 27) : undefined;
    expect(ext?.info).toEqual({ kind: 'compress_certificate', algorithms: [2, 1] });
  });
});

describe('CompressedCertificate that cannot be read', () => {
  test('zstd on a Node without it (or an unknown algorithm): shown compressed, verification not run, never a false ✖', () => {
    const cases: Array<[number, RegExp]> = [[0x4000, /an algorithm tls-trace does not know/]];
    if (!hasZstd) cases.push([3, /^certificate compressed with zstd, which this Node cannot decompress$/]);
    for (const [algorithm, why] of cases) {
      const { msg, body, run } = compressedMessage(capture({ algorithm, compressed: Buffer.from('28b52ffd00', 'hex'), declared: 900 }));
      expect(body).toMatchObject({ algorithm, uncompressedLength: 900, compressedLength: 5 });
      expect(body.certificate).toBeUndefined();
      expect(body.notDecompressed).toMatch(why);
      expect(msg.issue).toBeUndefined();
      expect(chainFromTrace(run.trace)).toBeUndefined();
      const cv = run.decryption.verifications.find((f) => f.check === 'server-certificate-verify');
      expect(cv).toMatchObject({ ok: false, notVerified: true });
      expect(cv?.reason).toMatch(/^not verified: /);
      expect(cv?.reason).not.toMatch(/no server Certificate/);
    }
  });

  test.each([
    ['declared one byte short', -1, /inflates to more than the declared/],
    ['declared one byte long', 1, /inflates to \d+ bytes, not the declared/],
  ])('%s: an error on the compressed bytes', (_what, delta, why) => {
    const plainLength = compressedMessage(capture({ algorithm: 1 })).body.uncompressedLength;
    const { msg, body } = compressedMessage(capture({ algorithm: 1, declared: plainLength + delta }));
    expect(body.certificate).toBeUndefined();
    expect(body.notDecompressed).toMatch(why);
    const field = findField(msg.fields, 'compressed_certificate_message');
    expect(field?.issue).toMatchObject({ kind: 'malformed', offset: field?.offset, length: field?.length });
    expect(msg.issue?.reason).toMatch(why);
  });

  test('garbage that is not zlib data is an error, not an exception', () => {
    const { body, msg } = compressedMessage(capture({ algorithm: 1, compressed: Buffer.from('not zlib at all'), declared: 100 }));
    expect(body.notDecompressed).toMatch(/not valid zlib/);
    expect(msg.issue?.kind).toBe('malformed');
  });

  test('X509 sanity: the demo chain parses', () => {
    expect(new X509Certificate(Buffer.from(chainHex[0], 'hex')).subject).toMatch(/CN=/);
  });
});
