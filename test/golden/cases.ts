// The golden outputs: every committed capture replayed in each output mode with the clock and the
// trust store pinned, so the bytes depend on nothing but the code. A refactor that changes one byte
// of any of them shows up in test/golden/golden.test.ts; `npx tsx scripts/record-golden.ts`
// re-records them when a change is meant.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const goldenDir = path.join(repoRoot, 'test/golden');

/** The validation clock: after the demo PKI's notBefore (2026-11-22), before any expiry. */
const AT = '2027-01-15T00:00:00Z';

export interface GoldenCase {
  /** File name under test/golden/ holding the expected stdout. */
  file: string;
  argv: string[];
}

const modes: { suffix: string; flags: string[] }[] = [
  { suffix: 'txt', flags: [] },
  { suffix: 'hex.txt', flags: ['--hex'] },
  { suffix: 'json', flags: ['--json'] },
];

function captureFiles(): { name: string; file: string }[] {
  const dir = path.join(repoRoot, 'fixtures/captures');
  const captures = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), file: path.join(dir, f) }));
  captures.push({ name: 'rfc8448-simple-1rtt', file: path.join(repoRoot, 'fixtures/rfc8448/simple-1rtt.capture.json') });
  return captures;
}

export function goldenCases(): GoldenCase[] {
  const root = path.join(repoRoot, 'fixtures/certs/demo/root.pem');
  return captureFiles().flatMap(({ name, file }) =>
    modes.map(({ suffix, flags }) => ({
      file: `${name}.${suffix}`,
      argv: ['replay', file, '--no-color', '--at', AT, '--no-system-ca', '--ca', root, ...flags],
    })),
  );
}

/** Absolute paths in the output (the capture's own path, the --ca file) are written relative to the repo. */
export function normalise(stdout: string): string {
  return stdout.split(repoRoot + path.sep).join('');
}
