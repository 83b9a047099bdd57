// Machine output of the check command: one JSON document (`--json`) or one line per target as it
// finishes (`--ndjson`). Both carry the chain report per target, its lists cut at
// JSON_MAX_LIST_ENTRIES with a `<name>Omitted` count (src/report/json-caps.ts).

import type { CheckSummary, TargetResult } from '../check/types.js';
import { escapeStrings } from './escape.js';
import { capArrays } from './json-caps.js';

export const CHECK_JSON_VERSION = 1;

export interface CheckJson {
  format: 'tls-trace-check';
  version: number;
  at: string;
  warnDays: number;
  exitCode: number;
  counts: CheckSummary['counts'];
  durationMs: number;
  results: TargetResult[];
}

// Certificate names and server messages are peer-controlled: every string is escaped as in the
// text output (JSON.stringify alone would pass bidi overrides and C1 controls through).
export function checkToJson(summary: CheckSummary): CheckJson {
  return escapeStrings({
    format: 'tls-trace-check',
    version: CHECK_JSON_VERSION,
    at: summary.at,
    warnDays: summary.warnDays,
    exitCode: summary.exitCode,
    counts: summary.counts,
    durationMs: summary.durationMs,
    results: summary.results.map(capResult),
  }) as unknown as CheckJson;
}

/** A hostile server's chain can list 65,000 certificates: lists in a result are cut as in the trace JSON. */
function capResult(result: TargetResult): TargetResult {
  return capArrays(result);
}

/** One NDJSON line (with the trailing newline). */
export function ndjsonLine(result: TargetResult): string {
  return `${JSON.stringify(escapeStrings({ type: 'target', ...capResult(result) }))}\n`;
}

export function ndjsonSummaryLine(summary: CheckSummary): string {
  return `${JSON.stringify({ type: 'summary', at: summary.at, warnDays: summary.warnDays, exitCode: summary.exitCode, counts: summary.counts, durationMs: summary.durationMs })}\n`;
}
