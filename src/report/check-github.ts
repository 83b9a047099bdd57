// `check --format github`: GitHub Actions workflow commands, one annotation per target that needs
// a look (`::error` for failures, `::warning` for expiring), and a Markdown table for the job
// summary ($GITHUB_STEP_SUMMARY, appended by the CLI). Escaping is the runner's own
// (actions/toolkit command.ts): in the message % CR LF become %25 %0D %0A, in a property also
// : and , become %3A %2C. Peer text gets the project's escape first, as everywhere.

import type { CheckView, ResultView } from './check-view.js';
import { problemResults, targetCount, verdictOf, type Verdict } from './check-view.js';
import { failuresFirst, problemList } from './check-summary.js';
import { escapeControl } from './escape.js';
import { CHECK_MAX_KEPT_RESULTS, GITHUB_SUMMARY_MAX_ROWS } from '../limits.js';

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const STATUS_WORD: Record<Verdict, string> = {
  valid: 'valid',
  expiring: 'expiring',
  critical: 'critical',
  invalid: 'invalid',
  revoked: 'revoked',
  'revocation-unavailable': 'revocation unavailable',
  'ct-policy': 'CT policy not met',
  error: 'failed',
};

/** `CT policy not met (Chrome, Apple)`: which policies, before the problems that say why. */
function statusWords(r: ResultView): string {
  const verdict = verdictOf(r);
  const missed = r.ct ? [r.ct.chrome.met ? '' : 'Chrome', r.ct.apple.met ? '' : 'Apple'].filter(Boolean) : [];
  return verdict === 'ct-policy' && missed.length ? `${STATUS_WORD[verdict]} (${missed.join(', ')})` : STATUS_WORD[verdict];
}

function detail(r: ResultView): string {
  const days = r.daysLeft === null ? '' : ` (${r.daysLeft} days left)`;
  return `${statusWords(r)}${days}: ${problemList(r.error ? [r.error.message] : r.problems)}`;
}

function annotation(r: ResultView): string {
  const level = r.status === 'expiring' ? 'warning' : 'error';
  const title = escapeProperty(`tls-trace check ${escapeControl(r.target)}`);
  return `::${level} title=${title}::${escapeData(escapeControl(detail(r)))}`;
}

/**
 * The annotations (at most CHECK_MAX_KEPT_RESULTS, the soonest and worst first, then a plain line
 * counting the rest), then one plain totals line (the CLI adds nothing else to stdout).
 */
export function renderGithubAnnotations(view: CheckView): string {
  const problems = problemResults(view).slice(0, CHECK_MAX_KEPT_RESULTS);
  const lines = problems.map(annotation);
  const c = view.counts;
  const n = targetCount(view);
  const left = n - c.valid - problems.length;
  if (left > 0) lines.push(`tls-trace check: ${left} more targets need a look, not annotated (tls-trace annotates at most ${CHECK_MAX_KEPT_RESULTS}; --format ndjson or csv lists each one)`);
  lines.push(`tls-trace check: ${n} target${n === 1 ? '' : 's'}, ${c.valid} valid, ${c.expiring} expiring, ${c.critical} critical, ${c.invalid} invalid, ${c.error} failed → exit ${view.exitCode}`);
  return `${lines.join('\n')}\n`;
}

/** Markdown cell: peer text escaped, then the characters Markdown or HTML would act on. */
export function markdownCell(text: string): string {
  return escapeControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1');
}

export function renderStepSummary(view: CheckView): string {
  const c = view.counts;
  const n = targetCount(view);
  const shown = failuresFirst(view).slice(0, GITHUB_SUMMARY_MAX_ROWS);
  const rows = shown.map((r) => `| ${markdownCell(r.target)} | ${STATUS_WORD[verdictOf(r)]} | ${r.daysLeft ?? '-'} | ${r.notAfter?.slice(0, 10) ?? '-'} | ${markdownCell(problemList(r.error ? [r.error.message] : r.problems))} |`);
  const left = n - shown.length;
  const more = left > 0 ? ['', `… ${left} more targets not shown (tls-trace's summary table stops at ${GITHUB_SUMMARY_MAX_ROWS} rows)`] : [];
  return [
    `### tls-trace check: exit ${view.exitCode}`,
    '',
    `${n} target${n === 1 ? '' : 's'}: ${c.valid} valid, ${c.expiring} expiring, ${c.critical} critical, ${c.invalid} invalid, ${c.error} failed (checked at ${view.at})`,
    '',
    '| Target | Status | Days left | Expires | Details |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    ...more,
    '',
  ].join('\n');
}
