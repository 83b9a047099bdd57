// Every output mode of every committed capture equals its recorded golden file byte for byte
// (test/golden/cases.ts says which runs; scripts/record-golden.ts re-records them).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { expectSchemaValid } from '../helpers/schema.js';
import { goldenCases, goldenDir, normalise } from './cases.js';

describe('golden outputs (replay of every fixture capture)', () => {
  it.each(goldenCases().map((c) => [c.file, c] as const))('%s', async (_name, golden) => {
    const run = await runCli(golden.argv);
    const expected = readFileSync(path.join(goldenDir, golden.file), 'utf8');
    expect(normalise(run.stdout)).toBe(expected);
    expect(run.stderr).toBe('');
    if (golden.file.endsWith('.json')) expectSchemaValid('trace', JSON.parse(run.stdout));
  });
});
