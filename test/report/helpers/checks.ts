// Shared assertions for the report tests: exact span cover of a record, and the JSON Schema check.

import { schemaValidator } from '../../helpers/schema.js';
import type { SpanMap } from '../../../src/report/index.js';

/** Every byte of [offset, offset+length) in exactly one span, in order, none unexplained. */
export function expectExactCover(map: SpanMap, offset: number, length: number): void {
  let at = offset;
  for (const s of map.spans) {
    expect(s.offset).toBe(at);
    expect(s.length).toBeGreaterThan(0);
    expect(s.kind).not.toBe('gap');
    at += s.length;
  }
  expect(at).toBe(offset + length);
  expect(map.gaps).toBe(0);
  expect(map.overlaps).toBe(0);
}

/** Validates against schema/trace.schema.json (the shared validator in test/helpers/schema.ts). */
export function traceValidator(): (data: unknown) => { ok: boolean; errors: string } {
  return schemaValidator('trace');
}
