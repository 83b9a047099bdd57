// Child process for the memory test: runs the CLI in-process with the given argv, discards the
// output (counting it), and prints one JSON line with the exit code, the stderr line and the peak
// resident set size. A separate process so the peak belongs to this one run alone.

import { main } from '../../src/cli/main.js';

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
// resourceUsage().maxRSS is in kilobytes.
process.stdout.write(`${JSON.stringify({ code, stderr, stdoutBytes, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
