// Child process for the memory test: runs the CLI in-process with the given argv, discards the
// output (counting it), and prints one JSON line with the exit code, the stderr line and the peak
// resident set size. A separate process so the peak belongs to this one run alone.

import { createRequire } from 'node:module';
import { main } from '../../src/cli/main.js';

const { ownPeakRssMB } = createRequire(import.meta.url)('../helpers/peak-rss.cjs') as { ownPeakRssMB: () => number };

let stdoutBytes = 0;
let stderr = '';
const code = await main(process.argv.slice(2), {
  stdout: (t) => {
    stdoutBytes += t.length;
  },
  stderr: (t) => {
    stderr += t;
  },
  stdoutIsTTY: false,
  env: {},
  exitCode: 0,
});
process.stdout.write(`${JSON.stringify({ code, stderr, stdoutBytes, maxRssMB: ownPeakRssMB() })}\n`);
