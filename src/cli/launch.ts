// What bin/tls-trace.cjs runs (bundled as dist/launch.cjs): answers --version from package.json
// without loading the CLI, and otherwise loads the CLI bundle (dist/tls-trace.cjs) through the
// V8 code cache (compile-cache.ts) and runs main(). Start-up is most of a loopback trace's cost.
// All CommonJS: a CommonJS entry skips Node's ES module loader, a few ms of every run.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDirectory, loadCachedBundle, processCacheEnv, type CacheEnv, type RunCoverage } from './compile-cache.js';

export interface LaunchPaths {
  /** The CommonJS bundle of src/cli/main.ts. */
  bundle: string;
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
  return { bundle: path.join(root, 'dist', 'tls-trace.cjs'), packageJson: path.join(root, 'package.json') };
}

/** The command a run is for (its first word that is not an option), which names its cache. */
export function cacheProfile(argv: readonly string[]): string {
  const word = argv.find((a) => !a.startsWith('-'));
  return word && COMMANDS.has(word) ? word : 'trace';
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
  const bundle = loadCachedBundle<CliBundle>(paths.bundle, { ...(cacheDir ? { cacheDir } : {}), uid: ce.uid, profile: cacheProfile(argv) });
  const code = await bundle.exports.main(argv);
  bundle.save(runCoverage(argv, code));
  return code;
}
