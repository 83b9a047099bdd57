// `--shard I/N` (1-based, as jest and Playwright count), or `--shard auto/N`: the index from a
// Kubernetes Indexed Job's JOB_COMPLETION_INDEX (0-based, so shard = index + 1).

import { UsageError } from '../errors.js';
import type { Shard } from '../check/shard.js';

/** Shards beyond this are refused: a fleet split finer than that is a typo. */
const MAX_SHARDS = 10_000;

export function parseShard(text: string, env: Readonly<Record<string, string | undefined>>): Shard {
  const m = /^(auto|\d{1,5})\/(\d{1,5})$/.exec(text.trim());
  const hint = '--shard 2/8 checks the second of eight shards; --shard auto/8 reads JOB_COMPLETION_INDEX';
  if (!m) throw new UsageError(`--shard ${text}: not I/N`, hint);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${text}: N must be 1 to ${MAX_SHARDS}`, hint);
  let index: number;
  if (m[1] === 'auto') {
    const raw = env.JOB_COMPLETION_INDEX?.trim();
    if (raw === undefined || !/^\d{1,5}$/.test(raw)) throw new UsageError(`--shard ${text}: JOB_COMPLETION_INDEX is ${raw === undefined ? 'not set' : `"${raw}", not a whole number`}`, 'auto is for a Kubernetes Indexed Job; elsewhere give the index: --shard 1/8');
    index = Number(raw) + 1;
  } else index = Number(m[1]);
  if (index < 1 || index > count) throw new UsageError(`--shard ${text}: the shard must be 1 to ${count}${m[1] === 'auto' ? ' (JOB_COMPLETION_INDEX 0 to N-1)' : ''}`, hint);
  return { index, count };
}
