// The check command's human output for fleets: a summary table with the targets that need a look
// first, a closing list that repeats them (so they do not scroll away in a long CI log) and a
// totals line that states the exit code.

import Table from 'cli-table3';
import type { TargetResult } from '../check/types.js';
import { problemResults, targetCount, verdictOf, type CheckView, type ResultView, type Verdict } from './check-view.js';
import { escapeControl } from './escape.js';
import { displayWidth, fitTable } from './fit.js';
import { CHECK_MAX_KEPT_RESULTS, TEXT_MAX_CLOSING_PROBLEMS, TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import { notShown } from '../view/index.js';
import { palette, type Palette } from './palette.js';
import { wrap } from './text.js';

export interface CheckRenderOptions {
  color: boolean;
  /** Terminal width; 100 when not given. */
  width?: number;
  /** Only the targets that need a look (--quiet). */
  quiet?: boolean;
}

/** The width check's tables keep to without a terminal or COLUMNS: a CI log's. */
export const DEFAULT_WIDTH = 100;

const STATUS_WORD: Record<Verdict, string> = {
  valid: 'VALID',
  expiring: 'EXPIRING',
  critical: 'CRITICAL',
  invalid: 'INVALID',
  revoked: 'REVOKED',
  'revocation-unavailable': 'REVOCATION UNAVAILABLE',
  'ct-policy': 'CT POLICY NOT MET',
  error: 'FAILED',
};

/** The status word of a target (VALID … REVOKED, REVOCATION UNAVAILABLE), uncoloured. */
export const statusWord = (r: Pick<TargetResult, 'status' | 'exitCode'>): string => STATUS_WORD[verdictOf(r)];

export function statusText(r: Pick<TargetResult, 'status' | 'exitCode'>, p: Palette): string {
  const w = statusWord(r);
  return r.status === 'valid' ? p.good(w) : r.status === 'expiring' ? p.warn(w) : p.bad(w);
}

function detail(r: ResultView): string {
  if (r.status === 'error') return r.error?.message ?? problemList(r.problems);
  if (r.status === 'valid') return r.anchorSubject ? `trusted via ${r.anchorSubject}` : '';
  return problemList(r.problems);
}

/** At most TEXT_MAX_ENTRIES_PER_MESSAGE problems (a hostile chain can have 65,000), then the count left out. */
export function problemList(problems: readonly string[], separator = '; '): string {
  const shown = problems.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE);
  if (problems.length > shown.length) shown.push(notShown(problems.length - shown.length));
  return shown.join(separator);
}

/** Targets that need a look first (in the summary's order), then the valid ones. */
export function failuresFirst(view: Pick<CheckView, 'results'>): ResultView[] {
  return [...problemResults(view), ...view.results.filter((r) => r.status === 'valid')];
}

/**
 * What the table leaves out past CHECK_MAX_KEPT_RESULTS rows (tls-trace's own limit, not a verdict),
 * by whether the targets need a look; empty when nothing is left out.
 */
function tableLeftOut(view: CheckView, shown: readonly ResultView[], quiet: boolean): string {
  const problemsShown = shown.filter((r) => r.status !== 'valid').length;
  const problems = targetCount(view) - view.counts.valid - problemsShown;
  const valid = quiet ? 0 : view.counts.valid - (shown.length - problemsShown);
  const parts = [problems ? `${problems} more that need a look` : '', valid ? `${valid} more valid` : ''].filter(Boolean);
  if (parts.length === 0) return '';
  return `… ${parts.join(' and ')} not in this table (tls-trace's table stops at ${CHECK_MAX_KEPT_RESULTS} rows that need a look and ${CHECK_MAX_KEPT_RESULTS} valid ones; the totals count every target; --format ndjson or csv lists each one)`;
}

export function renderCheckTable(view: CheckView, options: CheckRenderOptions): string {
  const p = palette(options.color);
  const head = ['Target', 'Status', 'Days left', 'Expires', 'Details'].map((h) => p.heading(h));
  // At most CHECK_MAX_KEPT_RESULTS that need a look, then as many valid ones (what the run keeps).
  const problems = problemResults(view).slice(0, CHECK_MAX_KEPT_RESULTS);
  const results = options.quiet ? problems : [...problems, ...view.results.filter((r) => r.status === 'valid').slice(0, CHECK_MAX_KEPT_RESULTS)];
  const rows = results.map((r) => {
    const days = r.daysLeft === null ? '-' : r.daysLeft < 0 || r.status === 'critical' ? p.bad(String(r.daysLeft)) : r.status === 'expiring' ? p.warn(String(r.daysLeft)) : String(r.daysLeft);
    return [escapeControl(r.target), statusText(r, p), days, r.notAfter?.slice(0, 10) ?? '-', escapeControl(detail(r))];
  });
  // Details (and a long target) wrap to fit the terminal, or 100 columns when there is none (a CI
  // log): words too long for their column are broken across lines, never cut, so no row of a
  // fleet's table runs off unbounded in a log viewer.
  const fitted = fitTable([head, ...rows], options.width ?? DEFAULT_WIDTH, [4, 0, 2], true);
  const table = new Table({ head: fitted.rows[0], colWidths: fitted.colWidths, style: { head: [], border: [] }, wordWrap: true });
  for (const r of fitted.rows.slice(1)) table.push(r);
  const leftOut = tableLeftOut(view, results, options.quiet ?? false);
  // The note wraps to the table's width: a CI log's 100 columns hold it too.
  return leftOut ? [table.toString(), ...wrap(leftOut, options.width ?? DEFAULT_WIDTH).map((l) => p.dim(l))].join('\n') : table.toString();
}

/** `text` cut to `width` display columns, with `…` when cut (closing-list lines only: the table above holds the full text). */
function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (displayWidth(`${out}${ch}…`) > width) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * The closing list: every target that needs a look, one line each, repeated after the table so a
 * long log ends with them; at most TEXT_MAX_CLOSING_PROBLEMS, then the count left out. Each line
 * fits the width (the table above has the whole detail).
 */
export function renderClosingProblems(view: CheckView, options: CheckRenderOptions): string {
  const p = palette(options.color);
  const problems = problemResults(view);
  if (problems.length === 0) return '';
  const width = options.width ?? DEFAULT_WIDTH;
  const shown = problems.slice(0, TEXT_MAX_CLOSING_PROBLEMS);
  const all = targetCount(view) - view.counts.valid;
  const lines = shown.map((r) => {
    const head = `  ${escapeControl(r.target)} — ${statusWord(r)}: `;
    const line = clip(head + escapeControl(detail(r)), width);
    // Colour goes on after the cut, so escape sequences are never cut in half.
    return line.replace(statusWord(r), statusText(r, p));
  });
  const left = all - shown.length;
  const where = all > CHECK_MAX_KEPT_RESULTS ? `the table above has the first ${CHECK_MAX_KEPT_RESULTS}` : 'the table above has them all';
  if (left > 0) lines.push(`  … ${left} more not listed here (tls-trace lists at most ${TEXT_MAX_CLOSING_PROBLEMS}; ${where})`);
  return `${p.heading(`Needs a look (${all}):`)}\n${lines.join('\n')}\n`;
}

export function renderCheckTotals(summary: Omit<CheckView, 'results'>, options: { color: boolean }): string {
  const p = palette(options.color);
  const c = summary.counts;
  const n = targetCount(summary);
  const parts = [
    c.valid ? p.good(`${c.valid} valid`) : `${c.valid} valid`,
    c.expiring ? p.warn(`${c.expiring} expiring within ${summary.warnDays} days`) : `${c.expiring} expiring`,
    ...(summary.critDays > 0 || c.critical ? [c.critical ? p.bad(`${c.critical} critical (within ${summary.critDays} days)`) : `${c.critical} critical`] : []),
    c.invalid ? p.bad(`${c.invalid} invalid`) : `${c.invalid} invalid`,
    c.error ? p.bad(`${c.error} failed to connect`) : `${c.error} failed`,
  ];
  return `${n} target${n === 1 ? '' : 's'}: ${parts.join(', ')} (checked at ${summary.at}, ${summary.durationMs} ms) → exit ${summary.exitCode}\n`;
}
