// decodeStream's `itemise: false` (the scan's first-flight reader): field trees without their
// leaves, and otherwise the very same decoding — records, messages with their bodies and issues,
// the trace's issues — for whole recorded flights, every prefix of them (a flight read as it
// arrives) and corrupted copies (seeded), so a probe judges exactly what `tls-trace` would show.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import { decodeStream } from '../../src/decode/index.js';
import type { DecodedTrace } from '../../src/decode/model.js';
import { walkFields } from '../../src/decode/reader.js';
import { repoRoot } from './helpers/util.js';

const dir = path.join(repoRoot, 'fixtures', 'captures');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

/** Each direction's bytes of a recorded capture. */
function streams(file: string): Array<{ direction: 'client' | 'server'; bytes: Uint8Array }> {
  const capture = parseCapture(readFileSync(path.join(dir, file), 'utf8'), file);
  return (['client', 'server'] as const).map((direction) => ({
    direction,
    bytes: Buffer.concat(capture.chunks.filter((c) => c.direction === direction).map((c) => c.bytes)),
  }));
}

/** The trace without its field trees (messages' `fields`, nested messages' `fields`). */
function withoutFields(trace: DecodedTrace): unknown {
  return {
    records: trace.records,
    issues: trace.issues,
    notTls: trace.notTls,
    caps: trace.caps,
    messages: trace.messages.map((m) => {
      const { fields: _fields, space, ...rest } = m;
      const nested = 'nested' in rest && rest.nested ? { ...rest.nested, fields: undefined } : undefined;
      return { ...rest, space: space.id, ...(nested ? { nested } : {}) };
    }),
  };
}

function expectSame(direction: 'client' | 'server', bytes: Uint8Array): void {
  const full = decodeStream(direction, bytes);
  const lean = decodeStream(direction, bytes, {}, { itemise: false });
  expect(withoutFields(lean)).toEqual(withoutFields(full));
  // No leaves (integers, byte strings) in the lean trees, only the structure that carries issues,
  // unless an issue made the decoder label undecoded bytes.
  for (const m of lean.messages) {
    if (m.kind !== 'handshake' || m.issue) continue;
    const leaves = [...walkFields(m.fields)].filter((f) => !f.children && f.name !== 'msg_type' && f.name !== 'length');
    expect(leaves).toEqual([]);
  }
}

/** Deterministic bytes for the corruption loop (xorshift). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('decodeStream without field leaves', () => {
  it.each(files)('%s: same decoding for each direction and every prefix of the server flight', (file) => {
    for (const { direction, bytes } of streams(file)) {
      expectSame(direction, bytes);
      if (direction !== 'server') continue;
      // Every prefix through the first KiB (the first flight's records as they arrive), then every 37th.
      for (let n = 1; n < bytes.length; n += n < 1024 ? 1 : 37) expectSame(direction, bytes.subarray(0, n));
    }
  });

  it.each(files)('%s: same decoding of corrupted server flights', (file) => {
    const server = streams(file).find((s) => s.direction === 'server')!.bytes;
    const next = rng(0x5eed + file.length);
    for (let round = 0; round < 150; round++) {
      const bytes = Uint8Array.from(server.subarray(0, Math.min(server.length, 4096)));
      for (let k = 0; k < 1 + Math.floor(next() * 4); k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      expectSame('server', bytes);
    }
  });
});
