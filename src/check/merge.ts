// `check merge`: shard NDJSON (`check --shard I/N --ndjson`) back into one run. The target lines
// are kept as written, re-sorted as one run sorts them (sortResults), and the counts and exit
// code recomputed from them, so the merged JSON equals an unsharded run's but for the times. Each
// file must end with its summary line: a shard that did not finish fails the merge.

import { UsageError } from '../errors.js';
import { combineExitCodes, countStatuses, sortResults } from './runner.js';
import type { TargetStatus } from './types.js';

const LINE_FORMAT = 'tls-trace-check-line';
const STATUSES: readonly TargetStatus[] = ['valid', 'expiring', 'critical', 'invalid', 'error'];

/** A target line without its `format`, `schemaVersion` and `type`: a `results[]` entry, still escaped. */
export interface MergedResult {
  target: string;
  status: TargetStatus;
  exitCode: number;
  daysLeft: number | null;
  [key: string]: unknown;
}

export interface MergedRun {
  at: string;
  warnDays: number;
  critDays: number;
  exitCode: number;
  counts: Record<TargetStatus, number>;
  durationMs: number;
  results: MergedResult[];
}

interface ShardSummary {
  at: string;
  warnDays: number;
  critDays: number;
  durationMs: number;
  /** `--shard I/N` of the run that wrote the file (absent: an unsharded run, or a merge's output). */
  shard?: { index: number; count: number };
}

type Json = Record<string, unknown>;

function parseLine(line: string, where: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new UsageError(`${where}: not a JSON line`, 'check merge reads the output of check --ndjson');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${where}: not a JSON object`);
  const o = v as Json;
  if (o.format !== LINE_FORMAT) throw new UsageError(`${where}: format is not "${LINE_FORMAT}"`, 'check merge reads the output of check --ndjson');
  if (o.schemaVersion !== '1') throw new UsageError(`${where}: schemaVersion ${JSON.stringify(o.schemaVersion)}, this tls-trace reads "1"`);
  return o;
}

function targetOf(o: Json, where: string): MergedResult {
  const { format: _f, schemaVersion: _v, type: _t, ...rest } = o;
  const ok = typeof rest.target === 'string' && STATUSES.includes(rest.status as TargetStatus) && Number.isInteger(rest.exitCode)
    && (rest.daysLeft === null || Number.isInteger(rest.daysLeft));
  if (!ok) throw new UsageError(`${where}: a target line without target, status, exitCode and daysLeft`);
  return rest as MergedResult;
}

function summaryOf(o: Json, where: string): ShardSummary {
  const { at, warnDays, critDays, durationMs } = o;
  if (typeof at !== 'string' || !Number.isInteger(warnDays) || typeof durationMs !== 'number') throw new UsageError(`${where}: a summary line without at, warnDays and durationMs`);
  const shard = shardOf(o.shard, where);
  return { at, warnDays: warnDays as number, critDays: Number.isInteger(critDays) ? (critDays as number) : 0, durationMs, ...(shard ? { shard } : {}) };
}

function shardOf(v: unknown, where: string): ShardSummary['shard'] {
  if (v === undefined) return undefined;
  const { index, count } = (typeof v === 'object' && v !== null ? v : {}) as Json;
  if (!Number.isInteger(index) || !Number.isInteger(count) || (index as number) < 1 || (index as number) > (count as number)) {
    throw new UsageError(`${where}: a summary line whose shard is not {index, count} with 1 ≤ index ≤ count`);
  }
  return { index: index as number, count: count as number };
}

/**
 * The files of a `--shard I/N` split: every shard 1 to N once, all of one N. A missing shard (a job
 * that never uploaded) would pass part of the fleet off as all of it; files without `shard` (an
 * unsharded run, a merge's own output, an older tls-trace) are taken as they are, but not mixed.
 */
function refuseIncompleteSplit(shards: readonly ShardFile[]): void {
  const names = shards.map((s) => s.name);
  const sharded = shards.filter((s) => s.summary.shard);
  if (sharded.length === 0) return;
  if (sharded.length !== shards.length) {
    const plain = names[shards.findIndex((s) => !s.summary.shard)];
    throw new UsageError(`check merge: ${plain} is not from a --shard run, and the other files are`, 'merge the files of one --shard I/N split');
  }
  const count = shards[0].summary.shard?.count ?? 0;
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    const shard = s.summary.shard ?? { index: 0, count: 0 };
    if (shard.count !== count) throw new UsageError(`check merge: ${names[i]} is shard ${shard.index}/${shard.count}, ${names[0]} is ${shards[0].summary.shard?.index}/${count}: two different splits`, 'merge the files of one --shard I/N split');
    const first = seen.get(shard.index);
    if (first !== undefined) throw new UsageError(`check merge: ${names[i]} and ${first} are both shard ${shard.index}/${count}`, 'give each shard\'s file once');
    seen.set(shard.index, names[i]);
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    const list = missing.length > 10 ? `${missing.slice(0, 10).join(', ')} and ${missing.length - 10} more` : missing.join(', ');
    throw new UsageError(`check merge: shard${missing.length > 1 ? 's' : ''} ${list} of ${count} missing: the merge would pass part of the targets off as all`, 'give the NDJSON file of every shard');
  }
}

/** One shard file: its target lines, where each was (`file:line`, for errors), and its summary line. */
export interface ShardFile {
  results: MergedResult[];
  where: string[];
  summary: ShardSummary;
  /** The file's name as errors give it. */
  name: string;
}

/** One shard file's target lines and its summary line; `name` is how errors name the file. */
export function parseShardText(text: string, name: string): ShardFile {
  const results: MergedResult[] = [];
  const whereOf: string[] = [];
  let summary: ShardSummary | undefined;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${name}:${i + 1}`;
    if (summary) throw new UsageError(`${where}: a line after the summary line`, 'give each shard its own file');
    const o = parseLine(line, where);
    if (o.type === 'target') {
      results.push(targetOf(o, where));
      whereOf.push(where);
    }
    else if (o.type === 'summary') summary = summaryOf(o, where);
    else throw new UsageError(`${where}: type is neither "target" nor "summary"`);
  });
  if (!summary) throw new UsageError(`${name}: no summary line: the shard did not finish`, 'rerun that shard; a merge of part of the targets would pass them off as all');
  return { results, where: whereOf, summary, name };
}

/**
 * Each target in one shard only. Shards split by target (check/shard.ts), so a target in two
 * files means the same file (or a copy) twice, or shards of different splits (--shard 1/4 with
 * 1/8): either way a merge would count it twice. Within one file a target may repeat (a targets
 * file may list it twice), as an unsharded run would.
 */
function refuseOverlap(shards: readonly ShardFile[]): void {
  const seen = new Map<string, { shard: number; where: string }>();
  shards.forEach((s, shard) => {
    s.results.forEach((r, i) => {
      const key = r.target.toLowerCase();
      const first = seen.get(key);
      if (first && first.shard !== shard) {
        throw new UsageError(`check merge: ${s.where[i]}: target ${r.target} is also in ${first.where}: the shards overlap, and the merge would count it twice`, 'give each shard\'s file once, all from one --shard I/N split');
      }
      if (!first) seen.set(key, { shard, where: s.where[i] });
    });
  });
}

/**
 * The run the shards make together. The clock is the earliest shard's (pin it with --at for
 * shards that must agree); --warn-days and --crit-days must be the same in every shard; the
 * duration is the longest shard's, since shards run side by side.
 */
export function mergeShards(shards: readonly ShardFile[]): MergedRun {
  if (shards.length === 0) throw new UsageError('check merge: no files', 'give the NDJSON file of every shard');
  const first = shards[0].summary;
  for (const s of shards) {
    if (s.summary.warnDays !== first.warnDays || s.summary.critDays !== first.critDays) {
      throw new UsageError('check merge: the shards ran with different --warn-days or --crit-days', 'run every shard with the same flags');
    }
  }
  refuseIncompleteSplit(shards);
  refuseOverlap(shards);
  const results = sortResults(shards.flatMap((s) => s.results));
  return {
    at: shards.map((s) => s.summary.at).sort()[0],
    warnDays: first.warnDays,
    critDays: first.critDays,
    exitCode: combineExitCodes(results.map((r) => r.exitCode)),
    counts: countStatuses(results),
    durationMs: Math.max(...shards.map((s) => s.summary.durationMs)),
    results,
  };
}
