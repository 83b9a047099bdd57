// A fleet's outputs hold a bounded selection, not every result: the text table and the GitHub
// annotations keep at most CHECK_MAX_KEPT_RESULTS of the targets that need a look (the soonest and
// worst) and of the valid ones, count the rest in the totals, and say what they left out as
// tls-trace's own limit. Synthetic results, no network: what is kept must equal the first rows of
// a full sort of every result.

import { resultKeeper } from '../../src/cli/check-output.js';
import { countStatuses, sortResults } from '../../src/check/runner.js';
import type { TargetResult } from '../../src/check/types.js';
import { renderGithubAnnotations, renderStepSummary } from '../../src/report/check-github.js';
import { renderCheckTable, renderCheckTotals, renderClosingProblems } from '../../src/report/check-summary.js';
import { failuresFirst } from '../../src/report/check-summary.js';
import { checkView } from '../../src/report/check-view.js';
import { checkJsonPieces, checkToJson, resultJsonText } from '../../src/report/check-json.js';
import { displayWidth } from '../../src/report/fit.js';
import { CHECK_MAX_KEPT_RESULTS } from '../../src/limits.js';

const CAP = CHECK_MAX_KEPT_RESULTS;

/** `n` results in a scrambled order: one in three invalid, one in 50 failed to connect. */
function fleet(n: number): TargetResult[] {
  return Array.from({ length: n }, (_, k) => {
    const i = (k * 7919) % n;
    const status: TargetResult['status'] = i % 50 === 0 ? 'error' : i % 3 === 0 ? 'invalid' : 'valid';
    return { target: `t${i}.test:443`, host: `t${i}.test`, port: 443, checkedName: `t${i}.test`, status, exitCode: status === 'valid' ? 0 : status === 'error' ? 4 : 8, daysLeft: status === 'error' ? null : (i * 37) % 400, problems: status === 'valid' ? [] : [`problem of t${i}`], durationMs: 1 };
  });
}

function runFacts(results: TargetResult[]): { at: string; warnDays: number; critDays: number; counts: ReturnType<typeof countStatuses>; exitCode: number; durationMs: number } {
  return { at: '2026-12-02T00:00:00.000Z', warnDays: 30, critDays: 0, counts: countStatuses(results), exitCode: 4, durationMs: 1 };
}

describe('resultKeeper', () => {
  const results = fleet(5 * CAP + 17);
  const full = checkView({ ...runFacts(results), results: sortResults(results) });

  test('text and github keep the first CAP rows of each group of a full sort, nothing more', () => {
    for (const format of ['text', 'github'] as const) {
      const keeper = resultKeeper(format, { quiet: false, junit: false });
      for (const r of results) keeper.add(r);
      const view = keeper.view(runFacts(results));
      const problems = failuresFirst(full).filter((r) => r.status !== 'valid').slice(0, CAP);
      const valid = full.results.filter((r) => r.status === 'valid').slice(0, CAP);
      expect(view.results.map((r) => r.target)).toEqual([...problems, ...valid].map((r) => r.target));
      expect(view.counts).toEqual(full.counts);
    }
  });

  test('--quiet keeps no valid result; ndjson and csv keep none; junit, openmetrics and --junit keep all', () => {
    const kept = (format: Parameters<typeof resultKeeper>[0], quiet = false, junit = false): number => {
      const keeper = resultKeeper(format, { quiet, junit });
      for (const r of results) keeper.add(r);
      return keeper.view(runFacts(results)).results.length;
    };
    expect(kept('text', true)).toBe(CAP);
    expect([kept('ndjson'), kept('csv')]).toEqual([0, 0]);
    expect([kept('junit'), kept('openmetrics'), kept('csv', false, true), kept('text', false, true)]).toEqual([results.length, results.length, results.length, results.length]);
  });

  test('the text table stops at CAP rows that need a look and CAP valid ones and says what it left out, within 100 columns; totals and the closing list count every target', () => {
    const keeper = resultKeeper('text', { quiet: false, junit: false });
    for (const r of results) keeper.add(r);
    const view = keeper.view(runFacts(results));
    const problemsAll = results.length - full.counts.valid;
    const table = renderCheckTable(view, { color: false, width: 100 });
    const validShown = Math.min(CAP, full.counts.valid);
    expect(table.split('\n').filter((l) => /^│ t\d+/.test(l))).toHaveLength(CAP + validShown);
    const note = table.slice(table.lastIndexOf('┘') + 2).replace(/\n/g, ' ');
    const validLeft = full.counts.valid - validShown;
    expect(note).toBe(`… ${problemsAll - CAP} more that need a look${validLeft ? ` and ${validLeft} more valid` : ''} not in this table (tls-trace's table stops at ${CAP} rows that need a look and ${CAP} valid ones; the totals count every target; --format ndjson or csv lists each one)`);
    for (const line of table.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(100);
    expect(renderCheckTotals(view, { color: false })).toMatch(new RegExp(`^${results.length} targets: ${full.counts.valid} valid, `));
    const closing = renderClosingProblems(view, { color: false });
    expect(closing.startsWith(`Needs a look (${problemsAll}):\n`)).toBe(true);
    expect(closing).toContain(`… ${problemsAll - 50} more not listed here (tls-trace lists at most 50; the table above has the first ${CAP})`);
    // The same view rendered from every result says the same: the renderers cap themselves.
    expect(renderCheckTable(full, { color: false, width: 100 })).toBe(table);
  });

  test('GitHub: at most CAP annotations, then a line counting the rest; the step summary counts every target', () => {
    const keeper = resultKeeper('github', { quiet: false, junit: false });
    for (const r of results) keeper.add(r);
    const view = keeper.view(runFacts(results));
    const out = renderGithubAnnotations(view).trimEnd().split('\n');
    const problemsAll = results.length - full.counts.valid;
    expect(out.filter((l) => l.startsWith('::error'))).toHaveLength(CAP);
    expect(out.slice(-2)).toEqual([
      `tls-trace check: ${problemsAll - CAP} more targets need a look, not annotated (tls-trace annotates at most ${CAP}; --format ndjson or csv lists each one)`,
      expect.stringMatching(new RegExp(`^tls-trace check: ${results.length} targets, ${full.counts.valid} valid, `)),
    ]);
    expect(renderGithubAnnotations(full)).toBe(renderGithubAnnotations(view));
    const md = renderStepSummary(view);
    expect(md).toContain(`${results.length} targets: ${full.counts.valid} valid`);
    expect(md).toContain(`… ${results.length - CAP} more targets not shown`);
  });
});

describe('--json in pieces', () => {
  const facts = { at: '2026-12-02T00:00:00.000Z', warnDays: 30, critDays: 0, counts: countStatuses([]), exitCode: 0, durationMs: 5 };

  test('the same text as one JSON.stringify of the document, results with nesting, escapes and line breaks included', () => {
    const results = sortResults(fleet(40)).map((r, i) => ({ ...r, problems: i % 2 ? [`a "quoted"\nline\u202e and \\ back`, 'two'] : [], error: i % 5 ? undefined : { code: 'refused', message: 'x\ty' } }));
    const summary = { ...facts, counts: countStatuses(results), results };
    const pieces = [...checkJsonPieces(summary, results.map(resultJsonText))];
    expect(pieces).toHaveLength(results.length + 1);
    expect(pieces.join('')).toBe(`${JSON.stringify(checkToJson(summary), null, 2)}\n`);
  });

  test('no results: "results": [] as JSON.stringify writes it', () => {
    expect([...checkJsonPieces(facts, [])].join('')).toBe(`${JSON.stringify(checkToJson({ ...facts, results: [] }), null, 2)}\n`);
  });
});
