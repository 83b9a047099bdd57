// What bin/tls-trace.cjs runs (bundled as dist/launch.cjs): answers --version from package.json
// without loading the CLI, and otherwise loads a CLI bundle through the V8 code cache
// (compile-cache.ts) and runs its main(): dist/scan.cjs for an argv starting with `scan` (the
// scan alone, ~55% of the code), dist/tls-trace.cjs for everything else. Start-up is most of a
// loopback trace's cost. All CommonJS: a CommonJS entry skips Node's ES module loader.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDirectory, loadCachedBundle, processCacheEnv, type CacheEnv, type RunCoverage } from './compile-cache.js';

export interface LaunchPaths {
  /** The CommonJS bundle of src/cli/main.ts. */
  bundle: string;
  /** The CommonJS bundle of src/cli/scan-main.ts (an argv starting with `scan`); absent: `bundle`. */
  scanBundle?: string;
  /** The package's package.json (for --version). */
  packageJson: string;
}

interface CliBundle {
  main(argv: string[]): Promise<number>;
}

const COMMANDS = new Set(['check', 'scan', 'replay']);
/** Exit codes of runs that went through a command's whole pipeline (ok; check's verdicts). */
const FULL_RUN_CODES = new Set([0, 8, 9]);
/** Internal error and usage error: nothing worth caching ran. */
const NO_RUN_CODES = new Set([1, 2]);

/** The files of an installed package (or a checkout) whose root is `root`. */
export function packagePaths(root: string): LaunchPaths {
  return { bundle: path.join(root, 'dist', 'tls-trace.cjs'), scanBundle: path.join(root, 'dist', 'scan.cjs'), packageJson: path.join(root, 'package.json') };
}

/** The command a run is for (its first word that is not an option), which names its cache. */
export function cacheProfile(argv: readonly string[]): string {
  const word = argv.find((a) => !a.startsWith('-'));
  return word && COMMANDS.has(word) ? word : 'trace';
}

/**
 * The bundle an argv runs from, and the name of its cache: the scan bundle for a first word `scan`
 * (the program main.ts builds for it holds the scan alone too); the whole CLI otherwise, where a
 * scan after options (`--no-color scan`) caches as `scan-all`, apart from the scan bundle's cache.
 */
export function bundleFor(argv: readonly string[], paths: LaunchPaths): { file: string; profile: string } {
  if (argv[0] === 'scan' && paths.scanBundle) return { file: paths.scanBundle, profile: 'scan' };
  const profile = cacheProfile(argv);
  return { file: paths.bundle, profile: profile === 'scan' ? 'scan-all' : profile };
}

export function runCoverage(argv: readonly string[], code: number): RunCoverage {
  if (argv.some((a) => a === '-h' || a === '--help' || a === 'help') || NO_RUN_CODES.has(code)) return 'none';
  return FULL_RUN_CODES.has(code) ? 'full' : 'partial';
}

export async function launch(argv: string[], paths: LaunchPaths, ce: CacheEnv = processCacheEnv()): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    const pkg = JSON.parse(readFileSync(paths.packageJson, 'utf8')) as { version?: unknown };
    process.stdout.write(`${String(pkg.version)}\n`);
    return 0;
  }
  const cacheDir = cacheDirectory(ce);
  const { file, profile } = bundleFor(argv, paths);
  const bundle = loadCachedBundle<CliBundle>(file, { ...(cacheDir ? { cacheDir } : {}), uid: ce.uid, profile });
  const code = await bundle.exports.main(argv);
  bundle.save(runCoverage(argv, code));
  return code;
}
