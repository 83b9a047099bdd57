// `tls-trace check merge FILES…`: shard NDJSON into one run, printed in any --format, with
// --junit and the exit code as one unsharded run would give them.

import { statSync, type Stats } from 'node:fs';
import { UsageError } from '../../errors.js';
import { mergeShards, parseShardText, type MergedRun } from '../../check/merge.js';
import { CHECK_JSON_FORMAT, CHECK_LINE_FORMAT, runFacts } from '../../report/check-json.js';
import { mergedView } from '../../report/check-view.js';
import { SCHEMA_VERSION } from '../../report/shared-json.js';
import { MAX_MERGE_FILE_BYTES } from '../../limits.js';
import type { CliContext } from '../context.js';
import { decideOutput } from '../output.js';
import { readInputText } from '../read-file.js';
import { writeOutputFile } from '../write-file.js';
import { JUNIT_FILE, printFinal, type CheckFormat } from '../check-output.js';
import type { CheckFlags } from './check.js';

/** Flags that choose or run targets mean nothing to a merge: refused rather than ignored. */
const LIVE_ONLY: Array<[keyof CheckFlags, string]> = [
  ['targets', '--targets'], ['shard', '--shard'], ['warnDays', '--warn-days'], ['critDays', '--crit-days'], ['concurrency', '--concurrency'],
  ['timeout', '--timeout'], ['servername', '--servername'], ['at', '--at'], ['ca', '--ca'], ['chains', '--chains'],
];

/** The merged run as `--format json` prints it: the strings are still those the shards escaped. */
function mergedJson(run: MergedRun): string {
  return `${JSON.stringify({ format: CHECK_JSON_FORMAT, schemaVersion: SCHEMA_VERSION, ...runFacts(run), results: run.results }, null, 2)}\n`;
}

function mergedNdjson(run: MergedRun): string {
  const head = { format: CHECK_LINE_FORMAT, schemaVersion: SCHEMA_VERSION };
  const lines = run.results.map((r) => JSON.stringify({ ...head, type: 'target', ...r }));
  lines.push(JSON.stringify({ ...head, type: 'summary', ...runFacts(run) }));
  return `${lines.join('\n')}\n`;
}

/**
 * The same file named twice (or `-` twice: stdin is read once) would be counted twice. Paths are
 * compared by device and inode, so `./a` and `a`, or a link, count as the same file; one that cannot
 * be stat'ed is left to the read, which says why.
 */
function refuseRepeatedFiles(files: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    let key = 'stdin';
    if (file !== '-') {
      const st = statOrUndefined(file);
      if (!st) continue;
      key = `${st.dev}:${st.ino}`;
    }
    const first = seen.get(key);
    if (first !== undefined) throw new UsageError(`check merge: ${file} is given twice${first === file ? '' : ` (also as ${first})`}: its targets would be counted twice`, 'give each shard\'s file once');
    seen.set(key, file);
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

export async function runMerge(files: string[], flags: CheckFlags, format: CheckFormat, ctx: CliContext): Promise<void> {
  const given = LIVE_ONLY.find(([k]) => flags[k] !== undefined && !(k === 'chains' && flags.chains === false));
  if (given) throw new UsageError(`check merge: ${given[1]} is for checking targets, not for merging`, 'check merge FILE… reads the NDJSON the shards wrote');
  if (files.length === 0) throw new UsageError('check merge: no files', 'check merge shard-1.ndjson shard-2.ndjson …');
  if (flags.junit !== undefined) writeOutputFile(flags.junit, '', JUNIT_FILE);
  refuseRepeatedFiles(files);
  const shards = [];
  for (const file of files) {
    const text = await readInputText(file, { what: 'check merge', maxBytes: MAX_MERGE_FILE_BYTES }, ctx.stdin);
    shards.push(parseShardText(text, file === '-' ? 'stdin' : file));
  }
  const run = mergeShards(shards);
  printFinal(ctx, {
    format,
    view: mergedView(run),
    style: decideOutput(ctx, flags.color),
    quiet: Boolean(flags.quiet),
    machineText: () => (format === 'json' ? mergedJson(run) : mergedNdjson(run)),
    ...(flags.junit !== undefined ? { junitFile: flags.junit } : {}),
  });
}
