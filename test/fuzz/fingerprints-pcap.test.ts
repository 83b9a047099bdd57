// Property tests (fast-check) for the fingerprints and the pcapng writer:
// - JA4 ignores GREASE wherever it is inserted and the order of suites and extensions (its sorted
//   form), while JA4_o follows the wire order; JA3 and JA4 never throw on generated hellos;
// - whatever chunks a capture's streams come in, the pcapng written from it is read back by
//   tls-trace's own reader as the same two streams.

import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ja3, ja4 } from '../../src/analyse/fingerprints.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { capturesToPcapng } from '../../src/capture/pcap/pcap-out.js';
import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import type { ClientHello, Extension } from '../../src/decode/model.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const params = { numRuns: RUNS, seed: SEED };

const grease = fc.integer({ min: 0, max: 15 }).map((i) => ((i << 12) | 0x0a00 | (i << 4) | 0x0a) >>> 0);
const nonGrease = fc.integer({ min: 0, max: 0xffff }).filter((v) => (v & 0x0f0f) !== 0x0a0a || v >> 8 !== (v & 0xff));

function hello(suites: number[], extTypes: number[], sigs: number[]): ClientHello {
  const extensions: Extension[] = extTypes.map((type) => ({ type, offset: 0, length: 0, data: '' }));
  extensions.push({ type: 0x000d, offset: 0, length: 0, data: '', info: { kind: 'signature_algorithms', schemes: sigs } });
  return { type: 'client_hello', legacyVersion: 0x0303, random: '', sessionId: '', cipherSuites: suites, compressionMethods: [0], extensions };
}

function shuffle<T>(list: readonly T[], keys: readonly number[]): T[] {
  return list.map((v, i) => ({ v, k: keys[i % Math.max(1, keys.length)] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.v);
}

describe('fingerprint properties', () => {
  const suitesArb = fc.uniqueArray(nonGrease, { maxLength: 120 });
  const extsArb = fc.uniqueArray(nonGrease.filter((t) => t !== 0x000d), { maxLength: 120 });
  const sigsArb = fc.array(nonGrease, { maxLength: 20 });

  it('GREASE inserted anywhere changes neither JA3 nor any JA4 form', () => {
    fc.assert(
      fc.property(suitesArb, extsArb, sigsArb, fc.array(fc.tuple(grease, fc.nat()), { maxLength: 6 }), (suites, exts, sigs, greases) => {
        const plain = hello(suites, exts, sigs);
        const insert = (list: number[]): number[] => {
          const out = [...list];
          for (const [g, at] of greases) out.splice(at % (out.length + 1), 0, g);
          return out;
        };
        const greased = hello(insert(suites), insert(exts), insert(sigs));
        expect(ja4(greased)).toEqual(ja4(plain));
        expect(ja3(greased)).toEqual(ja3(plain));
      }),
      params,
    );
  });

  it('reordering suites and extensions keeps JA4 and JA4_r, and JA4_ro lists them in wire order', () => {
    fc.assert(
      fc.property(suitesArb, extsArb, sigsArb, fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (suites, exts, sigs, keys) => {
        const a = ja4(hello(suites, exts, sigs));
        const shuffled = hello(shuffle(suites, keys), shuffle(exts, keys), sigs);
        const b = ja4(shuffled);
        expect(b.ja4).toBe(a.ja4);
        expect(b.ja4_r).toBe(a.ja4_r);
        const wireSuites = shuffled.cipherSuites.map((c) => c.toString(16).padStart(4, '0')).join(',');
        expect(b.ja4_ro.split('_')[1]).toBe(wireSuites);
        expect(Number(b.ja4.slice(4, 6))).toBe(Math.min(99, suites.length));
      }),
      params,
    );
  });
});

describe('pcapng writer property', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-pcap-prop-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A direction's stream: TLS records of the given body lengths, a different fill per record. */
  function stream(lengths: readonly number[], type: number): Uint8Array {
    return Buffer.concat(lengths.map((n, i) => Buffer.concat([Buffer.from([type, 3, 3, n >> 8, n & 0xff]), Buffer.alloc(n, i + 1)])));
  }

  function chunked(bytes: Uint8Array, cuts: readonly number[], direction: 'client' | 'server', t0: number): CaptureChunk[] {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
    const edges = [0, ...points, bytes.length];
    return edges.slice(1).map((end, i) => ({ direction, timeMs: t0 + i, offset: edges[i], bytes: bytes.subarray(edges[i], end) }));
  }

  it('any chunking of the two streams is read back as the same streams', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (clientLengths, serverLengths, cuts, v6) => {
          const client = stream(clientLengths, 22);
          const server = stream(serverLengths, 22);
          const capture: Capture = {
            format: 'tls-trace-capture',
            version: 1,
            target: { host: v6 ? '2001:db8::5' : '192.0.2.5', port: 443 },
            startedAt: '2026-12-02T00:00:00.000Z',
            timings: { connectMs: 1, totalMs: 100 },
            options: {},
            chunks: [...chunked(client, cuts, 'client', 2), ...chunked(server, cuts, 'server', 50)],
            keylog: [],
          };
          const file = path.join(dir, `p${n++}.pcapng`);
          writeFileSync(file, capturesToPcapng([capture]));
          const back = await readPacketCapture(file);
          expect(back.notes).toEqual([]);
          const conn = back.connections[0];
          if (!conn.tls) throw new Error('not read back as TLS');
          const hex = (d: 'client' | 'server'): string => Buffer.concat(conn.capture.chunks.filter((c) => c.direction === d).map((c) => c.bytes)).toString('hex');
          expect(hex('client')).toBe(Buffer.from(client).toString('hex'));
          expect(hex('server')).toBe(Buffer.from(server).toString('hex'));
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 40) },
    );
  }, 120_000);
});
