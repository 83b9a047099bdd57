// The long fuzz run: `npm run fuzz -- --cases N --seed S [--decode-only]`. Same seeded mutation
// engine and invariants as the CI run (test/fuzz), but the whole pipeline (decode → decrypt →
// analyse → text with hex → JSON) on every case. Prints progress and cases per second; every
// failing case is written to test/fuzz/regressions/seed-S-case-N.hex, which the regression test
// then replays for good. Exit status 1 when anything failed.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeCapture } from '../src/decode/index.js';
import { makeCase } from '../test/fuzz/mutate.js';
import { checkTrace, loadCorpus, runPipeline } from '../test/fuzz/pipeline.js';
import { formatRegression } from '../test/fuzz/regression-file.js';
import { repoRoot } from '../test/helpers/servers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`fuzz: --${name} takes a non-negative integer\n`);
    process.exit(2);
  }
  return v;
}

const cases = arg('cases', 100_000);
const seed = arg('seed', Date.now() % 1_000_000);
const decodeOnly = process.argv.includes('--decode-only');
const corpus = loadCorpus();
const outDir = path.join(repoRoot, 'test', 'fuzz', 'regressions');

process.stdout.write(`fuzz: ${cases} cases, seed ${seed}, ${corpus.length} captures, ${decodeOnly ? 'decoder only' : 'full pipeline'}\n`);
const t0 = performance.now();
let failed = 0;
let lastReport = t0;
for (let i = 0; i < cases; i++) {
  const fc = makeCase(seed, i, corpus);
  let violations: string[];
  if (decodeOnly) {
    try {
      violations = checkTrace(decodeCapture(fc.capture));
    } catch (e) {
      violations = [`exception in decode: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
    }
  } else violations = runPipeline(fc.capture).violations;
  if (violations.length > 0) {
    failed += 1;
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `seed-${seed}-case-${i}.hex`);
    writeFileSync(file, formatRegression(fc.capture, `found by npm run fuzz -- --seed ${seed} (case ${i})\nmutations: ${fc.steps.join('; ')}\n${violations.slice(0, 3).join('\n')}`));
    process.stdout.write(`FAIL case ${i}: ${fc.steps.join('; ')}\n  ${violations.slice(0, 3).join('\n  ')}\n  saved ${path.relative(repoRoot, file)}\n`);
  }
  const now = performance.now();
  if (now - lastReport > 5000) {
    lastReport = now;
    process.stdout.write(`  ${i + 1} cases, ${((i + 1) / ((now - t0) / 1000)).toFixed(0)} cases/s, ${failed} failing\n`);
  }
}
const secs = (performance.now() - t0) / 1000;
process.stdout.write(`fuzz: ${cases} cases in ${secs.toFixed(1)} s (${(cases / secs).toFixed(0)} cases/s), ${failed} failing\n`);
process.exitCode = failed > 0 ? 1 : 0;
