// Shared assertions for the report tests: exact span cover of a record, and the JSON Schema check.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
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

const here = path.dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(path.join(here, '..', '..', '..', 'schema', 'trace.schema.json'), 'utf8')) as object;

let compiled: ((data: unknown) => { ok: boolean; errors: string }) | undefined;

/** Validates against schema/trace.schema.json (compiled once per test file). */
export function traceValidator(): (data: unknown) => { ok: boolean; errors: string } {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  compiled = (data) => {
    const ok = validate(data) as boolean;
    return { ok, errors: ajv.errorsText(validate.errors, { separator: '\n' }) };
  };
  return compiled;
}

