// The CI fuzz run: seeded mutations (test/fuzz/mutate.ts) of every recorded capture in
// fixtures/captures, through the decoder with its invariants checked on every case, and through
// the whole pipeline (decrypt → analyse → text with hex → JSON) on every FULL_EVERY-th case.
// Budget: about 30 s on a loaded 2-core machine, hence ~10 000 decode cases and ~600 full ones;
// `npm run fuzz -- --cases N --seed S` runs the full pipeline on every case, as long as you like.
// Any crash found becomes a file in test/fuzz/regressions/ (see regressions.test.ts).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import { UsageError } from '../../src/errors.js';
import { decodeCapture } from '../../src/decode/index.js';
import { repoRoot } from '../helpers/servers.js';
import { makeCase, Rng } from './mutate.js';
import { checkTrace, loadCorpus, runPipeline } from './pipeline.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
/** Cases per CI run (decoder + invariants); the README's reliability table quotes this number. */
export const CI_FUZZ_CASES = Number(process.env.FUZZ_CASES ?? 20_000);
/** Every this-many cases also runs decrypt, analyse and both renderers. */
const FULL_EVERY = 16;

describe(`seeded mutation fuzzing (seed ${SEED}, ${CI_FUZZ_CASES} cases)`, () => {
  const corpus = loadCorpus();

  it('has a corpus of recorded captures, each clean before mutation', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(5);
    for (const c of corpus) expect(runPipeline(c).violations).toEqual([]);
  });

  it('no exception escapes, spans and issue offsets stay inside their input, output has no raw ESC', () => {
    const failures: string[] = [];
    for (let i = 0; i < CI_FUZZ_CASES && failures.length < 5; i++) {
      const fc = makeCase(SEED, i, corpus);
      let violations: string[];
      if (i % FULL_EVERY === 0) violations = runPipeline(fc.capture).violations;
      else {
        try {
          violations = checkTrace(decodeCapture(fc.capture));
        } catch (e) {
          violations = [`exception in decode: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
        }
      }
      if (violations.length > 0) failures.push(`case ${i} (seed ${SEED}; ${fc.steps.join('; ')}):\n  ${violations.slice(0, 5).join('\n  ')}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('capture files with mutated JSON text either load or are a usage error, never anything else', () => {
    const dir = path.join(repoRoot, 'fixtures', 'captures');
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const rng = new Rng(SEED);
    const edits = ['0', '-1', '1e999', '"x"', 'null', '[]', '{}', '"zz"', 'true', '"client"', '"server"', '3.5'];
    const failures: string[] = [];
    for (let i = 0; i < 1500 && failures.length < 5; i++) {
      let t = texts[i % texts.length];
      const n = 1 + rng.int(3);
      for (let k = 0; k < n; k++) {
        const at = rng.int(t.length);
        const r = rng.next();
        if (r < 0.3) t = t.slice(0, at); // truncation
        else if (r < 0.6) t = t.slice(0, at) + String.fromCharCode(32 + rng.int(95)) + t.slice(at + 1); // one character changed
        else {
          // A value replaced: from a ':' to the next ',' or '}'.
          const colon = t.indexOf(':', at);
          const end = colon < 0 ? -1 : t.slice(colon).search(/[,}\]]/);
          if (colon >= 0 && end > 0) t = t.slice(0, colon + 1) + rng.pick(edits) + t.slice(colon + end);
        }
      }
      try {
        const c = parseCapture(t, 'mutated.json');
        // A capture that loads must decode cleanly through the checks as well.
        const v = checkTrace(decodeCapture(c));
        if (v.length > 0) failures.push(`case ${i}: loaded, then ${v[0]}`);
      } catch (e) {
        if (!(e instanceof UsageError)) failures.push(`case ${i}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
