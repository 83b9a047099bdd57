// One JSON Schema validator for every output tls-trace writes: the trace (`--json`, replay too),
// check `--json`, each check `--ndjson` line, and scan `--json`. All schemas under schema/ are
// loaded into one Ajv, so their shared definitions (common.schema.json) resolve as a consumer's would.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type OutputSchema = 'trace' | 'check' | 'check-line' | 'scan' | 'connections' | 'connection-line';

export interface SchemaResult {
  ok: boolean;
  errors: string;
}

const schemaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema');
const BASE = 'https://github.com/tls-trace/tls-trace/schema/';

let ajv: Ajv2020 | undefined;
const compiled = new Map<OutputSchema, (data: unknown) => SchemaResult>();

function load(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as object);
  }
  return ajv;
}

/** Validates against schema/<name>.schema.json (compiled once per test file). */
export function schemaValidator(name: OutputSchema): (data: unknown) => SchemaResult {
  const known = compiled.get(name);
  if (known) return known;
  const a = load();
  const validate = a.getSchema(`${BASE}${name}.schema.json`);
  if (!validate) throw new Error(`no schema/${name}.schema.json`);
  const check = (data: unknown): SchemaResult => {
    // Validate what a consumer parses, not the in-memory object (undefined members, Buffers).
    const ok = validate(JSON.parse(JSON.stringify(data))) as boolean;
    return { ok, errors: a.errorsText(validate.errors, { separator: '\n' }) };
  };
  compiled.set(name, check);
  return check;
}

/** Fails the test with Ajv's messages unless `data` follows schema/<name>.schema.json. */
export function expectSchemaValid(name: OutputSchema, data: unknown): void {
  expect(schemaValidator(name)(data).errors).toBe('No errors');
}

/** Parses one JSON document tls-trace wrote and checks it against its schema before a test reads it. */
export function parseValid<T>(name: Exclude<OutputSchema, 'check-line'>, text: string): T {
  const doc = JSON.parse(text) as unknown;
  expectSchemaValid(name, doc);
  return doc as T;
}

/** Parses `check --ndjson` output, checking every line against schema/check-line.schema.json. */
export function parseValidLines<T>(text: string): T[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const doc = JSON.parse(line) as unknown;
      expectSchemaValid('check-line', doc);
      return doc as T;
    });
}
