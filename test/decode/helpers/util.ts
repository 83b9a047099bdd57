// Shared bits for decoder tests: hex helpers, RFC 8448 vectors, stream builders and invariants.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Capture, CaptureChunk } from '../../../src/capture/types.js';
import type { DecodedTrace, Message } from '../../../src/decode/model.js';
import type { ByteSpace, Field } from '../../../src/decode/types.js';
import { traceRecordCoverage } from '../../../src/decode/index.js';
import { guessWords } from '../../../src/view/index.js';
import { walkFields } from '../../../src/decode/reader.js';
import { RFC8448, type Rfc8448Vectors } from '../../../fixtures/rfc8448/capture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export type Rfc8448 = Rfc8448Vectors;

export function rfc8448(): Rfc8448 {
  return RFC8448;
}

export function space(bytes: Uint8Array, direction: 'client' | 'server' = 'client'): ByteSpace {
  return { id: direction, direction, bytes, segments: [{ at: 0, streamOffset: 0, length: bytes.length }] };
}

/** A capture from per-direction record byte strings, in the order given. */
export function captureOf(parts: Array<{ direction: 'client' | 'server'; bytes: Uint8Array }>): Capture {
  const offsets = { client: 0, server: 0 };
  const chunks: CaptureChunk[] = parts.map((p, i) => {
    const c = { direction: p.direction, timeMs: i, offset: offsets[p.direction], bytes: p.bytes };
    offsets[p.direction] += p.bytes.length;
    return c;
  });
  return { format: 'tls-trace-capture', version: 1, target: { host: 'test', port: 0 }, startedAt: '', timings: { totalMs: 0 }, options: {}, chunks, keylog: [] };
}

/** A TLS record with the given type and body. */
export function recordBytes(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]);
  out.set(body, 5);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Steps as `dir kind/name` strings, the way a reader of the trace would list them. */
export function steps(trace: DecodedTrace): string[] {
  return trace.messages.map((m: Message) => {
    const who = m.direction === 'client' ? 'C' : 'S';
    if (m.kind === 'handshake') return `${who} ${m.body?.type ?? `hs${m.msgType}`}`;
    if (m.kind === 'encrypted') return `${who} encrypted(${m.guess ? guessWords(m.guess) : ''})`;
    if (m.kind === 'change_cipher_spec') return `${who} ccs${m.compatibility ? '(compat)' : ''}`;
    if (m.kind === 'alert') return `${who} alert(${m.level},${m.description})`;
    return `${who} ${m.kind}`;
  });
}

export function findField(fields: readonly Field[], name: string): Field | undefined {
  for (const f of walkFields(fields)) if (f.name === name) return f;
  return undefined;
}

/** Invariants every decoded trace must satisfy, whatever the input. Returns problems found. */
export function invariantProblems(trace: DecodedTrace, opts: { coverage: boolean }): string[] {
  const problems: string[] = [];
  for (const m of trace.messages) {
    const n = m.space.bytes.length;
    if (m.offset < 0 || m.offset + m.length > n) problems.push(`message span ${m.offset}+${m.length} outside ${m.space.id} (${n})`);
    if (m.issue && (m.issue.offset < 0 || m.issue.offset > n || m.issue.offset + m.issue.length > n)) problems.push(`issue ${m.issue.reason} at ${m.issue.offset}+${m.issue.length} outside ${n}`);
    for (const f of walkFields(m.fields)) {
      if (f.offset < 0 || f.offset + f.length > n) problems.push(`field ${f.name} ${f.offset}+${f.length} outside ${m.space.id} (${n})`);
      if (f.issue && (f.issue.offset < 0 || f.issue.offset + f.issue.length > n)) problems.push(`field issue ${f.issue.reason} outside ${n}`);
    }
  }
  for (const r of trace.records) {
    const stream = trace.spaces.find((s) => s.id === r.direction)!;
    if (r.offset + r.length > stream.bytes.length) problems.push(`record ${r.index} outside stream`);
    if (opts.coverage) {
      const c = traceRecordCoverage(trace, r);
      if (!c.exact) problems.push(`record ${r.index} coverage: gaps ${JSON.stringify(c.gaps)} overlaps ${JSON.stringify(c.overlaps)}`);
    }
  }
  return problems;
}
