// The check command's human output: a summary table (sorted by days left, failures first) and a
// totals line that states the exit code.

import Table from 'cli-table3';
import type { CheckSummary, TargetResult } from '../check/types.js';
import { escapeControl } from './escape.js';
import { fitTable } from './fit.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import { notShown } from '../view/index.js';
import { palette, type Palette } from './palette.js';

export interface CheckRenderOptions {
  color: boolean;
  /** Terminal width; 100 when not given. */
  width?: number;
}

const DEFAULT_WIDTH = 100;

const STATUS_WORD: Record<TargetResult['status'], string> = { valid: 'VALID', expiring: 'EXPIRING', invalid: 'INVALID', error: 'FAILED' };

export function statusText(r: TargetResult, p: Palette): string {
  const w = STATUS_WORD[r.status];
  return r.status === 'valid' ? p.good(w) : r.status === 'expiring' ? p.warn(w) : p.bad(w);
}

function detail(r: TargetResult): string {
  if (r.status === 'error') return r.error?.message ?? problemList(r.problems);
  if (r.status === 'valid') return r.chain?.anchor ? `trusted via ${r.chain.anchor.subject}` : '';
  return problemList(r.problems);
}

/** At most TEXT_MAX_ENTRIES_PER_MESSAGE problems (a hostile chain can have 65,000), then the count left out. */
export function problemList(problems: readonly string[], separator = '; '): string {
  const shown = problems.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE);
  if (problems.length > shown.length) shown.push(notShown(problems.length - shown.length));
  return shown.join(separator);
}

export function renderCheckTable(summary: CheckSummary, options: CheckRenderOptions): string {
  const p = palette(options.color);
  const head = ['Target', 'Status', 'Days left', 'Expires', 'Details'].map((h) => p.heading(h));
  const rows = summary.results.map((r) => {
    const days = r.daysLeft === null ? '-' : r.daysLeft < 0 ? p.bad(String(r.daysLeft)) : r.status === 'expiring' ? p.warn(String(r.daysLeft)) : String(r.daysLeft);
    return [escapeControl(r.target), statusText(r, p), days, r.notAfter?.slice(0, 10) ?? '-', escapeControl(detail(r))];
  });
  // Details (and a long target) wrap at spaces to fit the terminal, or 100 columns when there is
  // none (a CI log). Nothing is cut: without a terminal a table that cannot fit is wider instead;
  // on a terminal (or with COLUMNS) words too long for their column are broken across lines.
  const fitted = fitTable([head, ...rows], options.width ?? DEFAULT_WIDTH, [4, 0, 2], options.width !== undefined);
  const table = new Table({ head: fitted.rows[0], colWidths: fitted.colWidths, style: { head: [], border: [] }, wordWrap: true });
  for (const r of fitted.rows.slice(1)) table.push(r);
  return table.toString();
}

export function renderCheckTotals(summary: CheckSummary, options: { color: boolean }): string {
  const p = palette(options.color);
  const c = summary.counts;
  const n = summary.results.length;
  const parts = [
    c.valid ? p.good(`${c.valid} valid`) : `${c.valid} valid`,
    c.expiring ? p.warn(`${c.expiring} expiring within ${summary.warnDays} days`) : `${c.expiring} expiring`,
    c.invalid ? p.bad(`${c.invalid} invalid`) : `${c.invalid} invalid`,
    c.error ? p.bad(`${c.error} failed to connect`) : `${c.error} failed`,
  ];
  return `${n} target${n === 1 ? '' : 's'}: ${parts.join(', ')} (checked at ${summary.at}, ${summary.durationMs} ms) → exit ${summary.exitCode}\n`;
}
