// `check --format csv`: RFC 4180 (CRLF line ends, a header row, fields with a comma, quote or line
// break quoted, quotes doubled), one row per target: as each finishes in a live run (so a fleet's
// memory stays flat), in the summary's order from `check merge`. Spreadsheets run a
// cell that starts with = + - @ (or a tab/CR) as a formula, and certificate names come from the
// peer: such a cell gets a leading `'` (OWASP's advice). Plain numbers we wrote (days left -2160)
// are left as numbers.

import type { SctStatus } from '../analyse/ct/index.js';
import { verdictOf, type CheckView, type CtBrief, type ResultView } from './check-view.js';
import { problemList } from './check-summary.js';
import { escapeControl } from './escape.js';

export const CSV_COLUMNS = [
  'target', 'host', 'port', 'checked_name', 'address', 'status', 'exit_code', 'days_left', 'not_after',
  'subject', 'issuer', 'serial', 'protocol', 'problems', 'duration_ms', 'verdict',
  'ct_scts', 'ct_scts_valid', 'ct_scts_bad', 'ct_chrome_policy', 'ct_apple_policy',
] as const;

/** SCT verdicts that say something is wrong with the SCT (the others: a log not listed or not trusted, or unverifiable). */
const BAD_SCT: readonly SctStatus[] = ['invalid-signature', 'future-timestamp', 'malformed'];

/** The CT columns: counts, then `met` or `not met` per policy; empty when the chain says nothing of CT. */
function ctCells(ct: CtBrief | undefined): (string | number | undefined)[] {
  if (!ct) return [undefined, undefined, undefined, undefined, undefined];
  const total = Object.values(ct.scts).reduce((a, b) => a + b, 0);
  const bad = BAD_SCT.reduce((n, s) => n + ct.scts[s], 0);
  const word = (p: { met: boolean }): string => (p.met ? 'met' : 'not met');
  return [total, ct.scts.valid, bad, word(ct.chrome), word(ct.apple)];
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** One field: formula-safe, then quoted when RFC 4180 needs it. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : escapeControl(value);
  if (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(r: ResultView): (string | number | null | undefined)[] {
  return [
    r.target, r.host, r.port, r.checkedName, r.address, r.status, r.exitCode, r.daysLeft, r.notAfter,
    r.leaf?.subject, r.leaf?.issuer, r.leaf?.serial, r.protocolName, problemList(r.problems), r.durationMs, verdictOf(r),
    ...ctCells(r.ct),
  ];
}

/** The header row, CRLF-terminated. */
export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

/** One target's row, CRLF-terminated (a live run prints each as the target finishes). */
export const csvLine = (r: ResultView): string => `${row(r).map(csvField).join(',')}\r\n`;

/** Every row in the view's order (`check merge`, which has them all). */
export function renderCsv(view: CheckView): string {
  return csvHeader() + view.results.map(csvLine).join('');
}
