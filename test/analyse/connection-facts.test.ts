// The quick scan behind `read`'s connections table (src/decode/handshake-scan.ts) must give the
// full pipeline's facts whenever it answers. Real handshakes (the recorded fixtures, as a capture
// file would give them: no Node summary, no key log) are compared as recorded, re-cut into tiny
// chunks, cut short at many points and with bytes changed; the plain ones must take the quick path
// (a hello re-framed over several records is left to the full decoder).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connectionFacts, fullConnectionFacts, quickConnectionFacts, scannedFacts } from '../../src/analyse/connection-facts.js';
import { fingerprintsOf } from '../../src/analyse/fingerprints.js';
import { decodeCapture } from '../../src/decode/index.js';
import { parseCapture } from '../../src/capture/capture-file.js';
import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import { scanHandshake } from '../../src/decode/handshake-scan.js';
import { repoRoot } from '../helpers/servers.js';

const dir = path.join(repoRoot, 'fixtures', 'captures');

/** A recorded live capture as `read` would make it from a packet capture. */
function asFileCapture(file: string): Capture {
  const c = parseCapture(readFileSync(path.join(dir, file), 'utf8'), file);
  delete c.node;
  delete c.error;
  c.keylog = [];
  return c;
}

/** The quick facts when the scan answers, else undefined; and the full ones. */
function both(c: Capture): { quick?: ReturnType<typeof fullConnectionFacts>; full: ReturnType<typeof fullConnectionFacts> } {
  const scan = scanHandshake(c.chunks);
  const quick = scan?.protectedBoth ? scannedFacts(c, scan) : undefined;
  return { ...(quick ? { quick } : {}), full: fullConnectionFacts(c) };
}

function rechunk(chunks: readonly CaptureChunk[], size: (i: number) => number): CaptureChunk[] {
  const out: CaptureChunk[] = [];
  let i = 0;
  for (const c of chunks) {
    for (let at = 0; at < c.bytes.length; ) {
      const n = Math.min(size(i++), c.bytes.length - at);
      out.push({ ...c, offset: c.offset + at, bytes: c.bytes.subarray(at, at + n) });
      at += n;
    }
  }
  return out;
}

/** Deterministic pseudo-random numbers (xorshift), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const plain = ['openssl-tls13.json', 'node-tls13.json', 'openssl-tls12-ecdhe-rsa.json', 'openssl-tls12-rsa-kx.json'];

describe('the quick scan gives the full pipeline facts', () => {
  it.each(plain)('%s takes the quick path, with the full facts', (file) => {
    const c = asFileCapture(file);
    const { quick, full } = both(c);
    expect(quick).toBeDefined();
    expect(quick).toEqual(full);
    expect(connectionFacts(c)).toEqual(full);
    // Values from the recording (independent of both paths): a complete handshake on the version recorded.
    expect(full.outcome.complete).toBe(true);
    expect(full.version).toBe(file.includes('tls12') ? 'TLS 1.2' : 'TLS 1.3');
    // The fingerprints are there (JA3, JA4 and JA3S) and are the ones the decoder's trace gives.
    expect(quick?.fingerprints.ja3?.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(quick?.fingerprints.ja4?.ja4).toMatch(/^t1[23]/);
    expect(quick?.fingerprints.ja3s?.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(quick?.fingerprints).toEqual(fingerprintsOf(decodeCapture(c)));
    expect(Object.keys(quick?.fingerprints ?? {})).toEqual(Object.keys(full.fingerprints));
  });

  it.each(plain)('%s after a plaintext prologue (STARTTLS, PROXY): left to the full path, which sees the prologue', (file) => {
    const c = asFileCapture(file);
    const first = c.chunks[0];
    const withPrologue: Capture = { ...c, prologue: [{ direction: 'client', timeMs: first.timeMs - 1, bytes: Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 40000 443\r\n') }] };
    expect(quickConnectionFacts(withPrologue)).toBeUndefined();
    expect(connectionFacts(withPrologue)).toEqual(fullConnectionFacts(withPrologue));
  });

  it.each(plain)('%s with a gap in the server stream: left to the full path', (file) => {
    const c = asFileCapture(file);
    const server = c.chunks.filter((ch) => ch.direction === 'server');
    const cut = server[Math.min(1, server.length - 1)];
    const gapped: Capture = {
      ...c,
      chunks: c.chunks.filter((ch) => ch !== cut),
      gaps: [{ direction: 'server', offset: cut.offset, length: cut.bytes.length }],
    };
    expect(quickConnectionFacts(gapped)).toBeUndefined();
    const full = fullConnectionFacts(gapped);
    expect(connectionFacts(gapped)).toEqual(full);
    // The hellos are still there, so the full path's fingerprints are too (and the quick path's must not stand in).
    expect(full.fingerprints.ja3).toEqual(fullConnectionFacts(c).fingerprints.ja3);
  });

  it('a HelloRetryRequest is left to the full decoder', () => {
    const c = asFileCapture('openssl-tls13-hrr.json');
    expect(both(c).quick).toBeUndefined();
  });

  it.each(files)('%s re-cut into chunks of 1 to 7 bytes: the same answers', (file) => {
    const c = asFileCapture(file);
    const random = rng(7);
    const cut = { ...c, chunks: rechunk(c.chunks, () => 1 + Math.floor(random() * 7)) };
    const { quick, full } = both(cut);
    expect(full).toEqual(both(c).full);
    if (quick) expect(quick).toEqual(full);
  });

  it.each(files)('%s cut short at many points: the quick answer, when given, is the full one', (file) => {
    const c = asFileCapture(file);
    const total = c.chunks.reduce((n, ch) => n + ch.bytes.length, 0);
    for (let keep = 0; keep < total; keep += Math.max(1, Math.floor(total / 97))) {
      let left = keep;
      const chunks = c.chunks.flatMap((ch) => {
        const n = Math.min(left, ch.bytes.length);
        left -= n;
        return n > 0 ? [{ ...ch, bytes: ch.bytes.subarray(0, n) }] : [];
      });
      const { quick, full } = both({ ...c, chunks });
      if (quick) expect(quick).toEqual(full);
    }
  });

  it.each(files)('%s with one byte changed (300 seeded cases): the quick answer, when given, is the full one', (file) => {
    const c = asFileCapture(file);
    const random = rng(file.length * 7919);
    let quickAnswers = 0;
    for (let i = 0; i < 300; i++) {
      const ci = Math.floor(random() * Math.min(c.chunks.length, 6));
      const bytes = Buffer.from(c.chunks[ci].bytes);
      // Mostly in the first bytes, where the record headers and hellos are.
      bytes[Math.floor(random() * Math.min(bytes.length, 400))] = Math.floor(random() * 256);
      const chunks = c.chunks.map((ch, j) => (j === ci ? { ...ch, bytes } : ch));
      const { quick, full } = both({ ...c, chunks });
      if (quick) {
        quickAnswers++;
        expect(quick).toEqual(full);
      }
    }
    if (plain.includes(file)) expect(quickAnswers).toBeGreaterThan(0);
  });
});
