// `check --shard I/N`: which targets this machine checks. A target belongs to shard
// 1 + (first 6 bytes of SHA-256 of its identity) mod N, so every shard of a matrix or Indexed Job
// computes the same split from the same list with no coordination, and adding a target to the
// list never moves the others. The identity is the normalised target (`host:port`, host lower
// case), so `Example.com` and `example.com:443` land together.

import { createHash } from 'node:crypto';
import type { CheckTarget } from './types.js';

export interface Shard {
  /** 1-based, as jest's and Playwright's --shard. */
  index: number;
  count: number;
}

export function targetIdentity(t: Pick<CheckTarget, 'display'>): string {
  return t.display.toLowerCase();
}

export function shardOf(t: Pick<CheckTarget, 'display'>, count: number): number {
  const digest = createHash('sha256').update(targetIdentity(t), 'utf8').digest();
  return 1 + (digest.readUIntBE(0, 6) % count);
}

export function selectShard<T extends Pick<CheckTarget, 'display'>>(targets: readonly T[], shard: Shard): T[] {
  return targets.filter((t) => shardOf(t, shard.count) === shard.index);
}
