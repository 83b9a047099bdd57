// Re-records test/golden/*: runs each case of test/golden/cases.ts through the in-process CLI and
// writes its stdout. Run `npx tsx scripts/record-golden.ts` only when an output change is meant,
// then review `git diff test/golden` as part of that change.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { goldenCases, goldenDir, normalise } from '../test/golden/cases.js';

for (const golden of goldenCases()) {
  const run = await runCli(golden.argv);
  if (run.stderr !== '') throw new Error(`${golden.file}: unexpected stderr: ${run.stderr}`);
  writeFileSync(path.join(goldenDir, golden.file), normalise(run.stdout));
  console.log(`${golden.file}  exit ${run.code}  ${run.stdout.length} chars`);
}
