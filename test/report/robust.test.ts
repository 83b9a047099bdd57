// The report must render whatever the decoder makes of broken bytes: a seeded mutation loop over
// a real capture runs decode → analyse → text (with --hex) and JSON, and checks nothing throws,
// the JSON still matches the schema and every record's bytes stay labelled exactly once.

import type { Capture } from '../../src/capture/types.js';
import { decodeCapture, traceRecordCoverage } from '../../src/decode/index.js';
import type { DecodedTrace, TlsRecord } from '../../src/decode/model.js';
import { analyseTrace, recordSpans, renderJson, renderText } from '../../src/report/index.js';
import { recordHandshake } from '../helpers/recorder.js';
import { demoCerts, startNodeTlsServer } from '../helpers/servers.js';
import { traceValidator } from './helpers/checks.js';
import { Rng } from '../fuzz/mutate.js';

/** The fuzzer's seeded mulberry32, as a plain function returning [0, 1). */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function mutate(base: Capture, rand: () => number): Capture {
  const chunks = base.chunks.map((c) => ({ ...c, bytes: Uint8Array.from(c.bytes) }));
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const c = chunks[Math.floor(rand() * chunks.length)];
    if (c.bytes.length === 0) continue;
    const at = Math.floor(rand() * c.bytes.length);
    const kind = rand();
    if (kind < 0.5) c.bytes[at] ^= 1 << Math.floor(rand() * 8);
    else if (kind < 0.8) c.bytes[at] = [0x00, 0xff, 0x7f, 0x80][Math.floor(rand() * 4)];
    else {
      // Truncate the capture here: this chunk ends at `at`, later ones of its direction are gone.
      c.bytes = c.bytes.subarray(0, at);
      const cut = chunks.indexOf(c);
      for (let i = chunks.length - 1; i > cut; i--) if (chunks[i].direction === c.direction) chunks.splice(i, 1);
    }
  }
  return { ...base, chunks };
}

let base: Capture;

beforeAll(async () => {
  const server = await startNodeTlsServer({ ...demoCerts().ecdsa, ALPNProtocols: ['h2'] });
  try {
    base = await recordHandshake({ host: server.host, port: server.port, servername: 'localhost', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] });
  } finally {
    await server.close();
  }
});

describe('report on mutated captures', () => {
  it('never throws, stays schema-valid and keeps every byte labelled once (seeded, 40 cases)', () => {
    expect(base.error).toBeUndefined();
    const rand = rng(0x7e57);
    const validate = traceValidator();
    for (let i = 0; i < 40; i++) {
      const capture = mutate(base, rand);
      const decoded = decodeCapture(capture);
      const analysis = analyseTrace(capture, decoded);
      const view = { capture, decoded, analysis };
      const text = renderText(view, { color: i % 2 === 0, hex: i % 2 === 1, width: 80 + (i % 40) });
      expect(typeof text).toBe('string');
      const json = JSON.parse(JSON.stringify(renderJson(view))) as unknown;
      const check = validate(json);
      if (!check.ok) throw new Error(`case ${i}: ${check.errors}`);
      for (const r of decoded.records) expectEachByteLabelledOnce(decoded, r, i);
    }
  });
});

/**
 * Each byte of the record is in exactly one span (they follow each other from the record's first
 * byte to its last), that span is a field's (no gap), and no two leaf fields claim the same byte.
 * The gap and overlap counts are checked against decode's own coverage proof, computed
 * independently from the leaf fields.
 */
function expectEachByteLabelledOnce(decoded: DecodedTrace, r: TlsRecord, seed: number): void {
  const map = recordSpans(decoded, r);
  let at = r.offset;
  for (const span of map.spans) {
    if (span.offset !== at || span.length <= 0) throw new Error(`case ${seed}: record #${r.index + 1} byte ${at} is labelled ${span.offset < at ? 'twice' : 'by no span'}`);
    at += span.length;
  }
  expect(at).toBe(r.offset + r.length);
  const coverage = traceRecordCoverage(decoded, r);
  const fromLeaves = { gaps: coverage.gaps.reduce((n, g) => n + g.length, 0), overlaps: coverage.overlaps.length > 0 };
  expect({ gaps: map.gaps, overlaps: map.overlaps > 0 }).toEqual(fromLeaves);
  expect(map.spans.filter((s) => s.kind === 'gap').reduce((n, s) => n + s.length, 0)).toBe(map.gaps);
}
