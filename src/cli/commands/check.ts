// `tls-trace check HOST[:PORT]...`: certificate chain, hostname, trust and expiry checks for CI,
// and `tls-trace check merge FILES...` for the NDJSON of shards run on several machines.
// Exit codes (README "Exit codes"): 0 all valid; 9 expiring within --warn-days; 13 expiring within
// --crit-days; 8 invalid; 14 revoked; 15 revocation unavailable (--revocation hard); 16 CT policy
// not met (--require-ct); 3–7, 11, 12
// connection/STARTTLS/proxy failure; 2 usage. Several targets: see combineExitCodes.

import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { runCheck, type CheckOptions } from '../../check/runner.js';
import { selectShard, type Shard } from '../../check/shard.js';
import { readTargetsFile, toCheckTarget } from '../check-targets.js';
import type { CheckSummary, CheckTarget, TargetResult } from '../../check/types.js';
import { renderChain } from '../../report/chain-table.js';
import { checkJsonPieces, heldResultJson, ndjsonLine, ndjsonSummaryLine, type HeldJson } from '../../report/check-json.js';
import { DEFAULT_WIDTH, statusText } from '../../report/check-summary.js';
import { checkView, resultView } from '../../report/check-view.js';
import { csvHeader, csvLine } from '../../report/check-csv.js';
import { escapeControl } from '../../report/escape.js';
import { palette } from '../../report/palette.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../../errors.js';
import { commandTypo } from '../argv.js';
import { CHECK_IP_SNI_HINT, parseRevocationMode, parseSni, parseTimeout, parseWholeNumber, parseXmppHost, starttlsOption } from '../options.js';
import { ctLogListFromFlags, type CtFlags } from '../ct-options.js';
import type { StarttlsProtocol } from '../../capture/starttls/index.js';
import { decideOutput, type OutputStyle } from '../output.js';
import { batchWrites } from '../stdio.js';
import { writeOutputFile } from '../write-file.js';
import { addTrustOptions, parseAt, trustStoreFromFlags } from '../trust-options.js';
import { addRouteOptions, parseRouteRules, pinnedAddresses, routeFor, type RouteFlags, type RouteRules } from '../route-options.js';
import { addClientCertOptions, clientCertFromFlags, type ClientCertFlags } from '../client-cert.js';
import { CHECK_FORMATS, decideFormat, JUNIT_FILE, printFinal, resultKeeper, writePieces, type CheckFormat } from '../check-output.js';
import { createProgress } from '../check-progress.js';
import { parseShard } from '../check-shard.js';
import { runMerge } from './check-merge.js';
import { fetchPool, runFetchWorker, type FetchPool } from '../check-jobs.js';
import { MIN_TARGETS_PER_JOB } from '../../limits.js';

export const DEFAULT_WARN_DAYS = 30;
export const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 1024;
const MAX_JOBS = 64;

export interface CheckFlags extends RouteFlags, ClientCertFlags, CtFlags {
  targets?: string;
  jobs?: string;
  fetchWorker?: boolean;
  warnDays?: string;
  critDays?: string;
  concurrency?: string;
  timeout?: string;
  ca?: string[];
  systemCa?: boolean;
  at?: string;
  servername?: string;
  format?: string;
  json?: boolean;
  ndjson?: boolean;
  junit?: string;
  quiet?: boolean;
  shard?: string;
  color?: boolean;
  ocsp?: boolean;
  chains?: boolean;
  starttls?: StarttlsProtocol | 'none';
  xmppHost?: string;
  revocation?: string;
}

function resultBlock(r: TargetResult, color: boolean, width: number | undefined): string {
  const p = palette(color);
  const head = `${p.heading(escapeControl(r.target))} — ${statusText(r, p)}${r.protocol ? p.dim(` (${r.protocol.name})`) : ''}\n`;
  if (!r.chain) return `${head}${p.bad(escapeControl(r.error?.message ?? r.problems.join('; ')))}\n`;
  // What the target's result says beside its chain (the legacy client it needed): under the heading.
  const chainProblems = new Set(r.chain.problems);
  const notes = r.problems.filter((x) => !chainProblems.has(x)).map((x) => `${p.warn(`Connection: ${escapeControl(x)}`)}\n`);
  // Held to the terminal, COLUMNS, or 100 columns in a CI log, as the summary table is.
  return head + notes.join('') + renderChain(r.chain, { color, width: width ?? DEFAULT_WIDTH, hard: true });
}

/**
 * A target's route: the run's rules, with its own proxy= (or proxy=none) and address= on top. With
 * a proxy, address= is where the proxy is asked to connect (CONNECT ADDRESS:PORT, SNI unchanged).
 */
function targetRoute(rules: RouteRules, t: CheckTarget): CheckTarget {
  const s = t.settings ?? {};
  const own: RouteRules = s.proxy === undefined ? rules : { ...rules, noProxy: '', ...(s.proxy ? { proxy: s.proxy } : { proxy: undefined }) };
  const route = routeFor(own, t.host, t.port);
  if (s.addresses) {
    if (route.proxy) route.connectTo = { host: s.addresses[0], port: route.connectTo?.port ?? t.port };
    else route.pinnedAddresses = [...s.addresses];
  }
  return Object.keys(route).length > 0 ? { ...t, route } : t;
}

/** Chain tables: with --chains, or for a lone target; --quiet keeps only the targets that need a look. */
function chainBlocks(summary: CheckSummary, flags: CheckFlags, style: OutputStyle): string {
  if (!flags.chains && summary.results.length !== 1) return '';
  return summary.results
    .filter((r) => !flags.quiet || r.status !== 'valid')
    .map((r) => `${resultBlock(r, style.color, style.width)}\n`)
    .join('');
}

/** --warn-days and --crit-days; a critical window wider than the warning one would hide nothing, so it is refused. */
function expiryWindows(flags: CheckFlags): { warnDays: number; critDays: number } {
  const warnDays = parseWholeNumber(flags.warnDays, '--warn-days', { fallback: DEFAULT_WARN_DAYS, min: 0, max: 36500 });
  const critDays = parseWholeNumber(flags.critDays, '--crit-days', { fallback: 0, min: 0, max: 36500 });
  if (critDays > warnDays) throw new UsageError(`--crit-days ${critDays} is more than --warn-days ${warnDays}`, 'critical is the nearer deadline: --crit-days 7 --warn-days 30');
  return { warnDays, critDays };
}

/** The targets (this shard's), each with its route; and the run's route rules, which also pin revocation fetches. */
async function collectTargets(args: string[], flags: CheckFlags, ctx: CliContext): Promise<{ targets: CheckTarget[]; rules: RouteRules; shard?: Shard }> {
  const listed: CheckTarget[] = args.map(toCheckTarget);
  if (flags.targets !== undefined) listed.push(...(await readTargetsFile(flags.targets, ctx.stdin)));
  if (listed.length === 0) throw new UsageError('no targets', 'give HOST[:PORT] arguments or --targets FILE');
  const rules = parseRouteRules(flags, ctx.env);
  const targets = listed.map((t) => targetRoute(rules, t));
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard, ctx.env);
  // An empty shard is a normal outcome of hashing a short list: it checks nothing and exits 0.
  return { targets: shard ? selectShard(targets, shard) : targets, rules, ...(shard ? { shard } : {}) };
}

/**
 * --jobs: the worker processes' pool, or undefined for one process (--jobs 1, few targets, no
 * script to start workers from, or an injected resolver, which cannot cross to another process).
 */
function jobsPool(flags: CheckFlags, ctx: CliContext, targets: number): FetchPool | undefined {
  // One process unless asked: on the 2-core machine measured (loopback servers on the same cores,
  // load 11–16), --jobs 2 cost 1.2 CPU ms more per target and gave no more targets/s (README Benchmark).
  const jobs = parseWholeNumber(flags.jobs, '--jobs', { fallback: 1, min: 1, max: MAX_JOBS });
  if (jobs < 2 || !ctx.workerEntry || ctx.lookup || targets <= MIN_TARGETS_PER_JOB) return undefined;
  return fetchPool(ctx.workerEntry, Math.min(jobs, Math.ceil(targets / MIN_TARGETS_PER_JOB)) - 1);
}

async function runLive(args: string[], flags: CheckFlags, format: CheckFormat, ctx: CliContext): Promise<void> {
  const { targets, rules, shard } = await collectTargets(args, flags, ctx);
  const pool = jobsPool(flags, ctx, targets.length);
  try {
    await checkTargets(targets, rules, flags, format, ctx, pool, shard);
  } finally {
    pool?.close();
  }
}

async function checkTargets(targets: CheckTarget[], rules: RouteRules, flags: CheckFlags, format: CheckFormat, ctx: CliContext, pool: FetchPool | undefined, shard?: Shard): Promise<void> {
  const { warnDays, critDays } = expiryWindows(flags);
  const concurrency = parseWholeNumber(flags.concurrency, '--concurrency', { fallback: DEFAULT_CONCURRENCY, min: 1, max: MAX_CONCURRENCY });
  const timeoutMs = parseTimeout(flags.timeout);
  const revocation = parseRevocationMode(flags.revocation, 'soft');
  const ctLogList = ctLogListFromFlags(flags);
  const at = parseAt(flags.at);
  // check has no --no-sni: the name is what the certificate is checked against.
  const servername = parseSni({ servername: flags.servername }, CHECK_IP_SNI_HINT) || undefined;
  // Fail before connecting anywhere if the report file cannot even be created.
  if (flags.junit !== undefined) writeOutputFile(flags.junit, '', JUNIT_FILE);
  const trustStore = trustStoreFromFlags(flags, ctx);
  const clientCert = clientCertFromFlags(flags);
  const style = decideOutput(ctx, flags.color);
  const progress = ctx.stderrIsTTY && targets.length > 1 ? createProgress(ctx, targets.length, ctx.stdoutColumns ?? 80) : undefined;
  const lines = batchWrites(ctx.stdout);

  const options: CheckOptions = {
    at,
    warnDays,
    critDays,
    concurrency,
    timeoutMs,
    trustStore,
    requestOcsp: flags.ocsp ?? true,
    revocation,
    ctLogList,
    ...(flags.requireCt ? { requireCt: true } : {}),
    ...(flags.ctTls ? { ctTls: true } : {}),
    pinned: (host: string, port: number) => pinnedAddresses(rules, host, port),
    proxyFor: (host: string, port: number) => routeFor(rules, host, port).proxy,
    ...(flags.starttls ? { starttls: flags.starttls } : {}),
    ...(flags.xmppHost !== undefined ? { xmppHost: parseXmppHost(flags.xmppHost) } : {}),
    ...(servername ? { servername } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
    ...(pool ? { fetch: pool.fetch } : {}),
    ...(progress ? { onStart: progress.start } : {}),
  };
  const final = { format, style, quiet: Boolean(flags.quiet), ...(flags.junit !== undefined ? { junitFile: flags.junit } : {}) };
  // Whole results only for chain tables.
  if (format === 'text' && (flags.chains || targets.length === 1)) {
    const summary = await runCheck(targets, { ...options, onResult: (r, done, total) => progress?.finish(r, done, total) });
    progress?.end();
    printFinal(ctx, { ...final, view: checkView(summary), machineText: () => '', chainBlocks: chainBlocks(summary, flags, style) });
    return;
  }
  // Otherwise what each format needs (resultKeeper); NDJSON and CSV print each result as it
  // comes; the JSON document holds each result as its JSON text until it prints them in order.
  const keeper = resultKeeper(format, { quiet: Boolean(flags.quiet), junit: flags.junit !== undefined });
  if (format === 'csv') lines.write(csvHeader());
  const onResult = (r: TargetResult, done: number, total: number): void => {
    if (format === 'ndjson') lines.write(ndjsonLine(r));
    if (format === 'csv') lines.write(csvLine(resultView(r)));
    keeper.add(r);
    progress?.finish(r, done, total);
  };
  const keepJson = (r: TargetResult): JsonText | undefined => (format === 'json' ? { target: r.target, status: r.status, daysLeft: r.daysLeft, text: heldResultJson(r) } : undefined);
  const summary = await runCheck(targets, { ...options, onResult }, keepJson);
  progress?.end();
  lines.flush();
  const view = keeper.view(summary);
  if (format === 'json') await writePieces(ctx, checkJsonPieces(summary, summary.results.map((r) => r.text)));
  printFinal(ctx, { ...final, view, machineText: () => (format === 'json' ? '' : ndjsonSummaryLine(view, shard)), csvStreamed: true });
}

/** A result of a `--json` run as kept until the end: its sort keys and its JSON text (certificates held once, shared). */
type JsonText = Pick<TargetResult, 'target' | 'status' | 'daysLeft'> & { text: HeldJson };

/**
 * `check merg shard-1.ndjson`: a first word within edit distance 2 of `merge` (src/cli/argv.ts's
 * rule) followed by `-` or a file that exists is a mistyped merge, not a host and file names to
 * look up. Anything else stays a target list (a host named merg: `merg:443`, or alone).
 */
function refuseMergeTypo(args: readonly string[]): void {
  if (args.length < 2 || commandTypo(args[0], ['merge']) === undefined) return;
  const isFile = (a: string): boolean => {
    try {
      return statSync(a).isFile();
    } catch {
      return false;
    }
  };
  if (args.slice(1).some((a) => a === '-' || isFile(a))) {
    throw new UsageError(`unknown word '${args[0]}' before files — did you mean 'check merge'?`, 'tls-trace check merge FILE…');
  }
}

export function registerCheck(program: Command, ctx: CliContext): void {
  addClientCertOptions(addRouteOptions(addTrustOptions(program.command('check'))))
    .description('check certificate chains, host names, trust and expiry of one or many servers (for CI); `check merge FILES…` joins shard NDJSON')
    .argument('[targets...]', 'HOST[:PORT] targets (port 443 by default); or `merge` and shard NDJSON files')
    .option('--targets <file>', 'read targets from a file: HOST[:PORT] [KEY=VALUE…] per line, # comments (- reads stdin)')
    .option('--warn-days <n>', `exit 9 when a certificate expires within N days (default ${DEFAULT_WARN_DAYS})`)
    .option('--crit-days <n>', 'exit 13 (a failure) when a certificate expires within N days (default off)')
    .option('--concurrency <n>', `targets checked at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--jobs <n>', `processes sharing the handshakes, for CPU-bound fleets of more than ${MIN_TARGETS_PER_JOB} targets (default 1: this process only); the output is the same`)
    .addOption(new Option('--fetch-worker').hideHelp())
    .option('--timeout <ms>', 'per-target deadline for DNS, connect and handshake (default 10000)')
    .option('--servername <name>', 'server name (SNI) to send and to check the certificate against')
    .option('--no-ocsp', 'do not ask for a stapled OCSP response')
    .addOption(starttlsOption())
    .option('--xmpp-host <name>', 'XMPP domain for the stream header (default: each target host)')
    .option('--revocation <mode>', 'OCSP/CRL checks of every certificate: off, soft (default: revoked exits 14, unavailable warns) or hard (unavailable exits 15)')
    .option('--ct-tls', 'ask for SCTs in the TLS extension: in check\'s own TLS 1.3 hello, else on one more TLS 1.2 connection (Node cannot ask)')
    .option('--require-ct', 'a certificate that misses Chrome\'s or Apple\'s CT policy fails (exit 16) instead of warning')
    .option('--chains', 'print the chain table of every target (default for a single target)')
    .option('--format <format>', `output: ${CHECK_FORMATS.join(', ')} (default text)`)
    .option('--json', 'one JSON document with every result (--format json)')
    .option('--ndjson', 'one JSON line per target as it finishes, then a summary line (--format ndjson)')
    .option('--junit <file>', 'also write JUnit XML (one test case per target) to FILE')
    .option('-q, --quiet', 'text output: only the targets that need a look, and the totals')
    .option('--shard <i/n>', 'check only shard I of N (1-based; auto/N takes JOB_COMPLETION_INDEX + 1)')
    .option('--no-color', 'no colour')
    .action(async (args: string[], flags: CheckFlags) => {
      // A worker process of another check's --jobs: it answers that process, nothing else.
      // (check --jobs forks it as `check --fetch-worker`, no targets: typed by hand with some, it would check none and exit 0.)
      if (flags.fetchWorker && args.length > 0) throw new UsageError('--fetch-worker is internal: tls-trace starts such workers itself for check --jobs', 'give --jobs N instead');
      if (flags.fetchWorker) return runFetchWorker();
      const format = decideFormat(flags);
      if (args[0] === 'merge') await runMerge(args.slice(1), flags, format, ctx);
      else {
        refuseMergeTypo(args);
        await runLive(args, flags, format, ctx);
      }
    });
}
