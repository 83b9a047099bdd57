// Machine output of the check command: one JSON document (`--json`) or one line per target as it
// finishes (`--ndjson`). Both carry the full chain report per target.

import type { CheckSummary, TargetResult } from '../check/types.js';

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

export function checkToJson(summary: CheckSummary): CheckJson {
  return {
    format: 'tls-trace-check',
    version: CHECK_JSON_VERSION,
    at: summary.at,
    warnDays: summary.warnDays,
    exitCode: summary.exitCode,
    counts: summary.counts,
    durationMs: summary.durationMs,
    results: summary.results,
  };
}

/** One NDJSON line (with the trailing newline); JSON.stringify escapes control characters. */
export function ndjsonLine(result: TargetResult): string {
  return `${JSON.stringify({ type: 'target', ...result })}\n`;
}

export function ndjsonSummaryLine(summary: CheckSummary): string {
  return `${JSON.stringify({ type: 'summary', at: summary.at, warnDays: summary.warnDays, exitCode: summary.exitCode, counts: summary.counts, durationMs: summary.durationMs })}\n`;
}
