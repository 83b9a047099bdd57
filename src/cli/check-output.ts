// How `check` (and `check merge`) prints its results: the --format decision, with --json and
// --ndjson as its aliases, and the end-of-run output of every format, the --junit file and the
// GitHub job summary ($GITHUB_STEP_SUMMARY, appended through the one safe file writer).

import { UsageError } from '../errors.js';
import { renderCsv } from '../report/check-csv.js';
import { renderGithubAnnotations, renderStepSummary } from '../report/check-github.js';
import { renderJunit } from '../report/check-junit.js';
import { renderOpenMetrics } from '../report/check-openmetrics.js';
import { renderCheckTable, renderCheckTotals, renderClosingProblems } from '../report/check-summary.js';
import type { CheckView } from '../report/check-view.js';
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

export interface FinalOutput {
  format: CheckFormat;
  view: CheckView;
  style: OutputStyle;
  quiet: boolean;
  /** The JSON document (json), or the NDJSON still to print (ndjson: the summary line, or all of a merge). */
  machineText: () => string;
  /** Chain tables printed before the summary table (text, live runs). */
  chainBlocks?: string;
  junitFile?: string;
}

function textOutput(out: FinalOutput): string {
  const { view, style } = out;
  let text = out.chainBlocks ?? '';
  const table = out.quiet ? view.results.some((r) => r.status !== 'valid') : view.results.length > 1;
  if (table) text += `${renderCheckTable(view, { ...style, quiet: out.quiet })}\n`;
  if (view.results.length > 1) text += renderClosingProblems(view, style);
  return text + renderCheckTotals(view, style);
}

export function renderFinal(out: FinalOutput): string {
  switch (out.format) {
    case 'json':
    case 'ndjson':
      return out.machineText();
    case 'junit':
      return renderJunit(out.view);
    case 'openmetrics':
      return renderOpenMetrics(out.view);
    case 'csv':
      return renderCsv(out.view);
    case 'github':
      return renderGithubAnnotations(out.view);
    default:
      return textOutput(out);
  }
}

export const JUNIT_FILE = { what: '--junit' } as const;
const STEP_SUMMARY_FILE = { what: '$GITHUB_STEP_SUMMARY', append: true } as const;

/** Prints the results, sets the exit code, then writes the files; a failed write is reported last. */
export function printFinal(ctx: CliContext, out: FinalOutput): void {
  ctx.stdout(renderFinal(out));
  ctx.exitCode = out.view.exitCode;
  const failures: (WriteError | undefined)[] = [];
  const junitFile = out.junitFile;
  if (junitFile !== undefined) failures.push(tryWrite(() => writeOutputFile(junitFile, renderJunit(out.view), JUNIT_FILE)));
  const stepSummary = ctx.env.GITHUB_STEP_SUMMARY;
  if (out.format === 'github' && stepSummary) failures.push(tryWrite(() => writeOutputFile(stepSummary, renderStepSummary(out.view), STEP_SUMMARY_FILE)));
  reportWriteFailures(ctx, failures);
}
