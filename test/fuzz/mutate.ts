// The seeded mutation engine shared by the CI fuzz test (test/fuzz/fuzz.test.ts) and the long run
// (`npm run fuzz`, scripts/fuzz.ts). Same seed, same corpus → same cases, so any failure is
// replayable from its seed and case number.
//
// Mutations work on a capture's chunks and keep it a valid capture (per-direction offsets are
// recomputed), so every case reaches the decoder rather than the capture-file validator:
//   bit flips · length-field edits (record, handshake and vector lengths set to boundary values) ·
//   truncations · splices (bytes from another capture or another place) · re-chunking (the same
//   stream split at random points, records spread over chunks).

import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import type { Direction } from '../../src/decode/types.js';

/** mulberry32: small, fast, and good enough to drive mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

export const MUTATIONS = ['bitflip', 'length', 'truncate', 'splice', 'rechunk'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** A case: the mutated capture and what was done, for the failure message. */
export interface FuzzCase {
  capture: Capture;
  steps: string[];
}

interface Streams {
  client: Uint8Array;
  server: Uint8Array;
  /** The chunk order as (direction, length) pairs, to rebuild chunks after editing. */
  order: Array<{ direction: Direction; length: number; timeMs: number }>;
}

function toStreams(c: Capture): Streams {
  const parts: Record<Direction, Uint8Array[]> = { client: [], server: [] };
  for (const ch of c.chunks) parts[ch.direction].push(ch.bytes);
  const cat = (xs: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(xs));
  return { client: cat(parts.client), server: cat(parts.server), order: c.chunks.map((ch) => ({ direction: ch.direction, length: ch.bytes.length, timeMs: ch.timeMs })) };
}

/** Rebuilds chunks from streams: the old chunk sizes as far as they go, the rest in one chunk. */
function fromStreams(base: Capture, s: Streams): Capture {
  const chunks: CaptureChunk[] = [];
  const at: Record<Direction, number> = { client: 0, server: 0 };
  let lastTime = 0;
  for (const o of s.order) {
    const bytes = s[o.direction];
    const n = Math.min(o.length, bytes.length - at[o.direction]);
    lastTime = o.timeMs;
    if (n <= 0) continue;
    chunks.push({ direction: o.direction, timeMs: o.timeMs, offset: at[o.direction], bytes: bytes.subarray(at[o.direction], at[o.direction] + n) });
    at[o.direction] += n;
  }
  for (const d of ['client', 'server'] as const) {
    if (at[d] < s[d].length) chunks.push({ direction: d, timeMs: lastTime, offset: at[d], bytes: s[d].subarray(at[d]) });
  }
  return { ...base, chunks };
}

/** Offsets of record headers in a stream (following the declared lengths while plausible). */
function recordStarts(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 5 <= b.length; ) {
    out.push(at);
    at += 5 + ((b[at + 3] << 8) | b[at + 4]);
  }
  return out;
}

const BOUNDARY_16 = [0, 1, 2, 3, 4, 5, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x4001, 0x4800, 0x4801, 0x7fff, 0xfffe, 0xffff];

function mutateOnce(rng: Rng, s: Streams, corpus: readonly Capture[]): string {
  const kind = rng.pick(MUTATIONS);
  const d: Direction = s.server.length > 0 && (s.client.length === 0 || rng.next() < 0.7) ? 'server' : 'client';
  const b = new Uint8Array(s[d]);
  if (b.length === 0) return 'noop (empty stream)';
  switch (kind) {
    case 'bitflip': {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[rng.int(b.length)] ^= 1 << rng.int(8);
      s[d] = b;
      return `bitflip ×${n} (${d})`;
    }
    case 'length': {
      const starts = recordStarts(b);
      const r = rng.next();
      if (r < 0.4 && starts.length > 0) {
        // A record length.
        const at = rng.pick(starts) + 3;
        const v = rng.pick(BOUNDARY_16) + (rng.next() < 0.3 ? rng.int(64) : 0);
        b[at] = (v >> 8) & 0xff;
        b[at + 1] = v & 0xff;
        s[d] = b;
        return `record length @${at - 3} := ${v} (${d})`;
      }
      if (r < 0.7 && starts.length > 0) {
        // A handshake length (u24 right after the first handshake type byte of a record body).
        const at = rng.pick(starts) + 6;
        if (at + 3 > b.length) return 'noop (short record)';
        const v = rng.pick([0, 1, 3, 4, 0x100, 0x4000, 0x40000, 0xffffff, ((b[at] << 16) | (b[at + 1] << 8) | b[at + 2]) + (rng.int(5) - 2)]);
        b[at] = (v >> 16) & 0xff;
        b[at + 1] = (v >> 8) & 0xff;
        b[at + 2] = v & 0xff;
        s[d] = b;
        return `handshake length @${at} := ${v} (${d})`;
      }
      // Any two bytes (an inner vector length, most likely) set to a boundary value.
      const at = rng.int(Math.max(1, b.length - 1));
      const v = rng.pick(BOUNDARY_16);
      b[at] = (v >> 8) & 0xff;
      if (at + 1 < b.length) b[at + 1] = v & 0xff;
      s[d] = b;
      return `u16 @${at} := ${v} (${d})`;
    }
    case 'truncate': {
      const at = rng.int(b.length);
      s[d] = b.subarray(0, at);
      return `truncate ${d} at ${at}`;
    }
    case 'splice': {
      const donor = corpus.length > 0 ? toStreams(rng.pick(corpus)) : s;
      const src = donor[rng.next() < 0.5 ? 'client' : 'server'];
      if (src.length === 0) return 'noop (empty donor)';
      const from = rng.int(src.length);
      const len = Math.min(1 + rng.int(300), src.length - from);
      const at = rng.int(b.length + 1);
      const replace = rng.next() < 0.5 ? Math.min(len, b.length - at) : 0;
      s[d] = new Uint8Array(Buffer.concat([b.subarray(0, at), src.subarray(from, from + len), b.subarray(at + replace)]));
      return `splice ${len} bytes into ${d} @${at}${replace ? ` replacing ${replace}` : ''}`;
    }
    case 'rechunk': {
      // New chunk boundaries for this direction, interleaved where the old ones were.
      const order: Streams['order'] = [];
      let left = b.length;
      const others = s.order.filter((o) => o.direction !== d);
      let t = 0;
      while (left > 0) {
        const n = Math.min(left, 1 + rng.int(rng.next() < 0.5 ? 8 : 600));
        order.push({ direction: d, length: n, timeMs: t });
        left -= n;
        if (others.length > 0 && rng.next() < 0.3) order.push(others.shift()!);
        t += rng.int(3);
      }
      order.push(...others);
      s.order = order;
      return `rechunk ${d} into ${order.filter((o) => o.direction === d).length} chunks`;
    }
  }
}

/** Case `index` of the run with `seed` over `corpus` (deterministic). */
export function makeCase(seed: number, index: number, corpus: readonly Capture[]): FuzzCase {
  const rng = new Rng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  const base = corpus[index % corpus.length];
  const s = toStreams(base);
  const steps: string[] = [];
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) steps.push(mutateOnce(rng, s, corpus));
  return { capture: fromStreams(base, s), steps };
}
