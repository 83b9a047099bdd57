// The peak resident set size of the calling process alone, in MB, for the memory tests' children.
// process.resourceUsage().maxRSS is not that on Linux: exec folds the forking parent's high-water
// mark into it, so a child of a 230 MB jest worker reported ≥ 230 MB whatever it did (the memory
// tests passed alone and failed late in the full suite, where the workers had grown). VmHWM in
// /proc/self/status is the high-water mark of the address space exec created, the child's own.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS helper, required by the bundle child */
'use strict';
const { readFileSync } = require('node:fs');

function ownPeakRssMB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux: fall back to getrusage, where no such carry-over is documented.
  }
  return process.resourceUsage().maxRSS / 1024;
}

module.exports = { ownPeakRssMB };
