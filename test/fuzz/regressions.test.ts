// Every crash the fuzzer or a hostile-server test ever found, replayed for good: each file in
// test/fuzz/regressions/ must pass the whole pipeline (decode → decrypt → analyse → text → JSON)
// with every invariant intact.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/servers.js';
import { runPipeline } from './pipeline.js';
import { formatRegression, parseRegression } from './regression-file.js';

const dir = path.join(repoRoot, 'test', 'fuzz', 'regressions');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.hex'))
  .sort();

describe('fuzz regressions', () => {
  it('has at least one recorded regression', () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
  });

  it.each(files)('%s', (file) => {
    const capture = parseRegression(readFileSync(path.join(dir, file), 'utf8'), file);
    expect(capture.chunks.length).toBeGreaterThan(0);
    expect(runPipeline(capture).violations).toEqual([]);
  });

  it('the file format round-trips', () => {
    const capture = parseRegression('# c\nk CLIENT_RANDOM aa bb\n> 0102\n< repeat 3 ab\n> 03\n', 'inline');
    expect(capture.chunks.map((c) => [c.direction, c.offset, Buffer.from(c.bytes).toString('hex')])).toEqual([
      ['client', 0, '0102'],
      ['server', 0, 'ababab'],
      ['client', 2, '03'],
    ]);
    expect(parseRegression(formatRegression(capture, 'again'), 'again').chunks).toEqual(capture.chunks);
    expect(capture.keylog).toEqual(['CLIENT_RANDOM aa bb']);
  });
});
