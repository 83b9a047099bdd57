// The memory tests' measure: a child's own peak RSS, not its parent's. Linux's getrusage maxRSS
// in an exec'd child starts at the forking process's peak, so a 230 MB jest worker made every
// child it ran read ≥ 230 MB (the memory tests failed late in the full suite, never alone).

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/servers.js';

const helper = path.join(repoRoot, 'test', 'helpers', 'peak-rss.cjs');

/** A parent that touches 300 MB, then runs a small child that reports both measures. */
const PARENT = `
const big = Buffer.alloc(300 * 1024 * 1024, 1);
const out = require('node:child_process').execFileSync(process.execPath, ['-e',
  'process.stdout.write(JSON.stringify({ own: require(process.argv[1]).ownPeakRssMB(), rusage: process.resourceUsage().maxRSS / 1024 }))',
  process.argv[1]]);
process.stdout.write(JSON.stringify({ parent: require(process.argv[1]).ownPeakRssMB(), child: JSON.parse(out), touched: big[big.length - 1] }));
`;

const linux = process.platform === 'linux' ? it : it.skip;

linux("a child's peak is its own, whatever its parent's was", () => {
  const r = JSON.parse(execFileSync(process.execPath, ['-e', PARENT, helper], { encoding: 'utf8', timeout: 60_000 })) as {
    parent: number;
    child: { own: number; rusage: number };
  };
  expect(r.parent).toBeGreaterThan(300);
  // A bare Node process is some 40 MB.
  expect(r.child.own).toBeLessThan(100);
  // What the helper exists for: getrusage in the child carries the parent's peak.
  expect(r.child.rusage).toBeGreaterThan(300);
}, 60_000);
