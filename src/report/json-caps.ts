// Bounds on what the trace JSON holds per record, message and step (src/limits.ts). A legal
// Certificate message can carry 65,000 one-byte entries and a capture file 60 MB of records;
// emitting all of it would take gigabytes. Cut arrays keep their head and gain a sibling
// `<name>Omitted: count`; hex past the per-direction budget becomes "" with `hexOmitted` /
// `rawOmitted` giving the bytes left out. schema/trace.schema.json describes both.

import { JSON_MAX_HEX_BYTES_PER_DIRECTION, JSON_MAX_LIST_ENTRIES } from '../limits.js';
import type { Direction } from '../decode/types.js';

/** What `limits` in the trace JSON says, so a consumer knows what a cut means. */
export interface JsonLimits {
  listEntries: number;
  hexBytesPerDirection: number;
}

export const JSON_LIMITS: JsonLimits = { listEntries: JSON_MAX_LIST_ENTRIES, hexBytesPerDirection: JSON_MAX_HEX_BYTES_PER_DIRECTION };

/**
 * A copy of `value` in which every array holds at most JSON_MAX_LIST_ENTRIES items; a cut array
 * `key` gains a sibling `keyOmitted` with the number left out. Bytes and other non-plain values
 * are kept as they are (escapeStrings turns bytes into hex later).
 */
export function capArrays<T>(value: T): T {
  return capValue(value) as T;
}

function capValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, JSON_MAX_LIST_ENTRIES).map(capValue);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = capValue(v);
    if (Array.isArray(v) && v.length > JSON_MAX_LIST_ENTRIES) out[`${k}Omitted`] = v.length - JSON_MAX_LIST_ENTRIES;
  }
  return out;
}

/** Hands out hex per direction until JSON_MAX_HEX_BYTES_PER_DIRECTION bytes have been written. */
export class HexBudget {
  private readonly used: Record<Direction, number> = { client: 0, server: 0 };

  /** Whether `bytes` more bytes of `direction` may be written as hex (and counts them if so). */
  take(direction: Direction, bytes: number): boolean {
    if (this.used[direction] + bytes > JSON_MAX_HEX_BYTES_PER_DIRECTION) return false;
    this.used[direction] += bytes;
    return true;
  }
}
