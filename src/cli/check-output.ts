// How `check` (and `check merge`) prints its results: the --format decision, with --json and
// --ndjson as its aliases, and the end-of-run output of every format, the --junit file and the
// GitHub job summary ($GITHUB_STEP_SUMMARY, appended through the one safe file writer).

import { sortResults } from '../check/runner.js';
import type { CheckSummary, TargetResult } from '../check/types.js';
import { UsageError } from '../errors.js';
import { CHECK_MAX_KEPT_RESULTS } from '../limits.js';
import { renderCsv } from '../report/check-csv.js';
import { renderGithubAnnotations, renderStepSummary } from '../report/check-github.js';
import { renderJunit } from '../report/check-junit.js';
import { renderOpenMetrics } from '../report/check-openmetrics.js';
import { renderCheckTable, renderCheckTotals, renderClosingProblems } from '../report/check-summary.js';
import { resultView, targetCount, type CheckView, type ResultView } from '../report/check-view.js';
import type { CliContext } from './context.js';
import type { OutputStyle } from './output.js';
import { reportWriteFailures, tryWrite, writeOutputFile, type WriteError } from './write-file.js';

export const CHECK_FORMATS = ['text', 'json', 'ndjson', 'junit', 'openmetrics', 'github', 'csv'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export interface FormatFlags {
  format?: string;
  json?: boolean;
  ndjson?: boolean;
  quiet?: boolean;
}

/** --format, or the alias given; two different choices are a usage error, whichever flags said them. */
export function decideFormat(flags: FormatFlags): CheckFormat {
  const said: Array<[string, CheckFormat]> = [];
  if (flags.format !== undefined) {
    if (!(CHECK_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format ${flags.format}: not a check format`, `one of ${CHECK_FORMATS.join(', ')}`);
    said.push([`--format ${flags.format}`, flags.format as CheckFormat]);
  }
  if (flags.json) said.push(['--json', 'json']);
  if (flags.ndjson) said.push(['--ndjson', 'ndjson']);
  const differ = said.find(([, f]) => f !== said[0][1]);
  if (differ) throw new UsageError(`${said[0][0]} and ${differ[0]} exclude each other`, '--json and --ndjson are short for --format json and --format ndjson');
  const format = said[0]?.[1] ?? 'text';
  if (flags.quiet && format !== 'text') throw new UsageError(`--quiet is for the text output, not --format ${format}`);
  return format;
}

/** The best `cap` results in the run's order, kept as they come: sorted and cut whenever the buffer doubles. */
class TopResults {
  private kept: ResultView[] = [];
  constructor(private readonly cap: number) {}
  add(r: ResultView): void {
    if (this.cap === 0) return;
    this.kept.push(r);
    if (this.kept.length >= 2 * this.cap) this.kept = sortResults(this.kept).slice(0, this.cap);
  }
  sorted(): ResultView[] {
    return sortResults(this.kept).slice(0, this.cap);
  }
}

/** What a fleet's run keeps of each result for its final output (not the JSON document nor chain tables: they keep whole results). */
export interface ResultKeeper {
  add: (r: TargetResult) => void;
  view: (summary: Omit<CheckSummary<unknown>, 'results'>) => CheckView;
}

/**
 * By format: JUnit and OpenMetrics hold a summary row per target until the end (JUnit's counts
 * come first in the document, OpenMetrics groups every target's sample under each metric); the
 * text table and the GitHub annotations and summary keep at most CHECK_MAX_KEPT_RESULTS of those
 * that need a look and as many valid ones (none with --quiet), counting the rest; NDJSON and CSV
 * printed each result as it came and keep nothing.
 */
export function resultKeeper(format: CheckFormat, opts: { quiet: boolean; junit: boolean }): ResultKeeper {
  const all: ResultView[] = [];
  const problems = new TopResults(format === 'text' || format === 'github' ? CHECK_MAX_KEPT_RESULTS : 0);
  const valid = new TopResults(format === 'github' || (format === 'text' && !opts.quiet) ? CHECK_MAX_KEPT_RESULTS : 0);
  const holdAll = opts.junit || format === 'junit' || format === 'openmetrics';
  return {
    add: (r) => {
      if (!holdAll && format !== 'text' && format !== 'github') return;
      const v = resultView(r);
      if (holdAll) all.push(v);
      else (v.status === 'valid' ? valid : problems).add(v);
    },
    view: (facts) => ({
      at: facts.at,
      warnDays: facts.warnDays,
      critDays: facts.critDays,
      counts: facts.counts,
      exitCode: facts.exitCode,
      durationMs: facts.durationMs,
      results: holdAll ? sortResults(all) : [...problems.sorted(), ...valid.sorted()],
    }),
  };
}

export interface FinalOutput {
  format: CheckFormat;
  view: CheckView;
  style: OutputStyle;
  quiet: boolean;
  /** The JSON document (json; a live run has written it with writePieces), or the NDJSON still to print (ndjson: the summary line, or all of a merge). */
  machineText: () => string;
  /** The CSV rows went out as each target finished (a live run): only the other outputs are left. */
  csvStreamed?: boolean;
  /** Chain tables printed before the summary table (text, live runs). */
  chainBlocks?: string;
  junitFile?: string;
}

function textOutput(out: FinalOutput): string {
  const { view, style } = out;
  let text = out.chainBlocks ?? '';
  const many = targetCount(view) > 1;
  const table = out.quiet ? view.counts.valid < targetCount(view) : many;
  if (table) text += `${renderCheckTable(view, { ...style, quiet: out.quiet })}\n`;
  if (many) text += renderClosingProblems(view, style);
  return text + renderCheckTotals(view, style);
}

/** The output of every format but the machine ones (JSON, NDJSON), which come from `machineText`. */
export function renderFinal(out: FinalOutput): string {
  switch (out.format) {
    case 'junit':
      return renderJunit(out.view);
    case 'openmetrics':
      return renderOpenMetrics(out.view);
    case 'csv':
      return out.csvStreamed ? '' : renderCsv(out.view);
    case 'github':
      return renderGithubAnnotations(out.view);
    default:
      return textOutput(out);
  }
}

/** Bytes written between waits for stdout to take them (writePieces). */
const PIECES_BEFORE_SETTLE = 1 << 20;

/**
 * Writes a document piece by piece, waiting for stdout to take each megabyte before making more:
 * a pipe is written asynchronously, and a reader slower than us would otherwise have the whole
 * document (hundreds of MB for a fleet's --json) queued in memory. A failed stdout stops it.
 */
export async function writePieces(ctx: CliContext, pieces: Iterable<string>): Promise<void> {
  let since = 0;
  for (const piece of pieces) {
    ctx.stdout(piece);
    since += piece.length;
    if (since < PIECES_BEFORE_SETTLE || !ctx.settleStdout) continue;
    since = 0;
    if (await ctx.settleStdout()) return;
  }
}

export const JUNIT_FILE = { what: '--junit' } as const;
const STEP_SUMMARY_FILE = { what: '$GITHUB_STEP_SUMMARY', append: true } as const;

/** Prints the results, sets the exit code, then writes the files; a failed write is reported last. */
export function printFinal(ctx: CliContext, out: FinalOutput): void {
  ctx.stdout(out.format === 'json' || out.format === 'ndjson' ? out.machineText() : renderFinal(out));
  ctx.exitCode = out.view.exitCode;
  const failures: (WriteError | undefined)[] = [];
  const junitFile = out.junitFile;
  if (junitFile !== undefined) failures.push(tryWrite(() => writeOutputFile(junitFile, renderJunit(out.view), JUNIT_FILE)));
  const stepSummary = ctx.env.GITHUB_STEP_SUMMARY;
  if (out.format === 'github' && stepSummary) failures.push(tryWrite(() => writeOutputFile(stepSummary, renderStepSummary(out.view), STEP_SUMMARY_FILE)));
  reportWriteFailures(ctx, failures);
}
