// The decoder never throws and never claims a wrong success: every prefix of every handshake
// message yields an issue, every prefix of a stream decodes without throwing, and a seeded
// mutation loop (bit flips, byte edits, length edits, truncations, splices) keeps all spans and
// issues inside the input and every record exactly covered by labelled fields.

import { demoCerts, startNodeTlsServer } from '../helpers/servers.js';
import { record } from './helpers/record.js';
import { decodeCapture, decodeHandshakeMessage, decodeStream, updateContext } from '../../src/decode/index.js';
import type { HandshakeContext } from '../../src/decode/context.js';
import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { captureOf, concat, hex, invariantProblems, rfc8448, space } from './helpers/util.js';
import { Rng } from '../fuzz/mutate.js';

const certs = demoCerts();

/** The fuzzer's seeded mulberry32, as a plain function returning [0, 1). */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function streamOf(c: Capture, direction: 'client' | 'server'): Uint8Array {
  return concat(c.chunks.filter((x) => x.direction === direction).map((x) => x.bytes));
}

interface Sample {
  raw: Uint8Array;
  ctx: HandshakeContext;
  type: number;
}

const captures: Capture[] = [];
const samples: Sample[] = [];

beforeAll(async () => {
  const setups = [
    { server: { ...certs.rsa, maxVersion: 'TLSv1.2' as const, requestCert: true, rejectUnauthorized: false, ca: certs.root }, client: { ...certs.ecdsa, maxVersion: 'TLSv1.2' as const } },
    { server: { ...certs.rsa, maxVersion: 'TLSv1.2' as const, dhparam: 'auto' as const }, client: { ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' as const } },
    { server: { ...certs.rsa, maxVersion: 'TLSv1.2' as const }, client: { ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' as const } },
    { server: { ...certs.ecdsa, ecdhCurve: 'P-256' }, client: { ecdhCurve: 'X25519:P-256' } },
  ];
  for (const s of setups) {
    const server = await startNodeTlsServer({ ...s.server, response: 'x' });
    try {
      captures.push(await record({ port: server.port, servername: 'localhost', ...s.client }));
    } finally {
      await server.close();
    }
  }
  // Every plaintext handshake message of the recordings, with the context it was decoded in.
  for (const c of captures) {
    const trace = decodeCapture(c);
    let ctx: HandshakeContext = {};
    for (const m of trace.messages) {
      if (m.kind !== 'handshake') continue;
      samples.push({ raw: hex(m.raw), ctx, type: m.msgType });
      ctx = updateContext(ctx, m.body);
    }
  }
  // And the decrypted TLS 1.3 messages of RFC 8448 (EncryptedExtensions, Certificate, …).
  const v = rfc8448();
  for (const m of Object.values(v.messages)) samples.push({ raw: hex(m), ctx: { version: 0x0304, cipherSuite: 0x1301 }, type: hex(m)[0] });
  // Hand-built messages for the types loopback handshakes do not show in plaintext.
  const tls13 = { version: 0x0304, cipherSuite: 0x1301 };
  for (const [h, ctx] of handBuilt(tls13)) samples.push({ raw: hex(h), ctx, type: hex(h)[0] });
});

/** HelloRequest, EndOfEarlyData, KeyUpdate, CertificateStatus, TLS 1.3 CertificateRequest and NewSessionTicket. */
function handBuilt(tls13: HandshakeContext): Array<[string, HandshakeContext]> {
  return [
    ['00000000', {}],
    ['05000000', tls13],
    ['1800000101', tls13],
    ['160000070100000330 0100', {}],
    ['0d00000d 00 000a 000d 0006 0004 0403 0804', tls13],
    ['0400001a 00001c20 11223344 0100 0004aabbccdd 0008 002a000400004000', tls13],
  ];
}

describe('every-prefix truncation of every message decoder', () => {
  it('has samples of every message type we record', () => {
    expect(new Set(samples.map((s) => s.type))).toEqual(new Set([0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24]));
  });

  it('flags every proper prefix and decodes every full message cleanly', () => {
    // Plain checks in the hot loop (jest's expect is slow at this volume); one assertion at the end.
    const problems: string[] = [];
    for (const s of samples) {
      const whole = decodeHandshakeMessage(space(s.raw), 0, s.raw.length, s.ctx);
      if (whole.issue) problems.push(`type ${s.type}: full message has issue ${whole.issue.reason}`);
      for (let n = 0; n < s.raw.length; n++) {
        let m: HandshakeMessage;
        try {
          m = decodeHandshakeMessage(space(s.raw.subarray(0, n)), 0, n, s.ctx);
        } catch (e) {
          problems.push(`type ${s.type} prefix ${n}: threw ${(e as Error).message}`);
          continue;
        }
        if (m.issue?.kind !== 'incomplete') problems.push(`type ${s.type} prefix ${n}/${s.raw.length}: ${m.issue ? m.issue.kind : 'no issue'}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('decodes every prefix of a recorded stream without throwing, flagging the cut', () => {
    const c = captures[0];
    const problems: string[] = [];
    for (const direction of ['client', 'server'] as const) {
      const bytes = streamOf(c, direction);
      const full = decodeStream(direction, bytes);
      const ends = new Set(full.records.map((r) => r.offset + r.length));
      // Every cut in the client stream; in the longer server stream every 5th (and all record ends ±1).
      const step = direction === 'client' ? 1 : 5;
      const cuts = new Set<number>();
      for (let n = 1; n < bytes.length; n += step) cuts.add(n);
      for (const e of ends) for (const d of [-1, 0, 1]) if (e + d > 0 && e + d < bytes.length) cuts.add(e + d);
      for (const n of cuts) {
        const t = decodeStream(direction, bytes.subarray(0, n));
        problems.push(...invariantProblems(t, { coverage: true }).map((p) => `${direction} prefix ${n}: ${p}`));
        if (!ends.has(n) && t.records[t.records.length - 1].issue?.kind !== 'incomplete') problems.push(`${direction} prefix ${n}: last record not incomplete`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

type Mutator = (b: Uint8Array, r: () => number, other: Uint8Array) => Uint8Array;

const mutators: Mutator[] = [
  // bit flips
  (b, r) => {
    const out = b.slice();
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
    return out;
  },
  // a byte set to an edge value (0, 1, 0x7f, 0xff): length fields become 0, tiny or huge
  (b, r) => {
    const out = b.slice();
    out[Math.floor(r() * out.length)] = [0, 1, 0x7f, 0xff][Math.floor(r() * 4)];
    return out;
  },
  // truncation
  (b, r) => b.slice(0, Math.floor(r() * b.length)),
  // splice: a range of another stream pasted over a random place
  (b, r, other) => {
    const from = Math.floor(r() * other.length);
    const len = Math.floor(r() * 64);
    const at = Math.floor(r() * b.length);
    return concat([b.subarray(0, at), other.subarray(from, from + len), b.subarray(at)]);
  },
  // deletion of a short range
  (b, r) => {
    const at = Math.floor(r() * b.length);
    return concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 16))]);
  },
];

/** Splits a stream into 1–4 chunks at random points. */
function chunked(direction: 'client' | 'server', b: Uint8Array, r: () => number, t0: number): CaptureChunk[] {
  const cuts = [0, ...Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * b.length)).sort((x, y) => x - y), b.length];
  const out: CaptureChunk[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    if (cuts[i + 1] > cuts[i]) out.push({ direction, timeMs: t0 + i * 2, offset: cuts[i], bytes: b.subarray(cuts[i], cuts[i + 1]) });
  }
  return out;
}

describe('seeded mutation loop', () => {
  it('never throws; spans and issues stay inside the input; records stay covered', () => {
    const r = rng(0x7115);
    const streams = captures.flatMap((c) => [streamOf(c, 'client'), streamOf(c, 'server')]);
    const v = rfc8448();
    streams.push(concat([hex(v.records.serverHello), hex(v.records.serverFlight)]));
    const cases = 2000;
    for (let i = 0; i < cases; i++) {
      const ci = Math.floor(r() * captures.length);
      const client = streamOf(captures[ci], 'client');
      const server = streamOf(captures[ci], 'server');
      const target = r() < 0.5 ? 'client' : 'server';
      const m = mutators[Math.floor(r() * mutators.length)];
      const other = streams[Math.floor(r() * streams.length)];
      const mutated = m(target === 'client' ? client : server, r, other);
      const chunks = [...chunked('client', target === 'client' ? mutated : client, r, 0), ...chunked('server', target === 'server' ? mutated : server, r, 1)];
      chunks.sort((a, b) => a.timeMs - b.timeMs);
      const capture: Capture = { ...captureOf([]), chunks };
      let problems: string[] = [];
      try {
        problems = invariantProblems(decodeCapture(capture), { coverage: true });
      } catch (e) {
        throw new Error(`case ${i} (mutator ${mutators.indexOf(m)}) threw: ${(e as Error).stack}`);
      }
      if (problems.length > 0) throw new Error(`case ${i} (mutator ${mutators.indexOf(m)}): ${problems.slice(0, 3).join('; ')}`);
    }
  });
});
