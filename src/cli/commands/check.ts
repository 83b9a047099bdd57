// `tls-trace check HOST[:PORT]...`: certificate chain, hostname, trust and expiry checks for CI.
// Exit codes (README "Exit codes"): 0 all valid; 9 expiring within --warn-days; 8 invalid;
// 3–7 connection/handshake failure; 2 usage. Several targets: connection failures (lowest code)
// beat 8, which beats 9, which beats 0 — see combineExitCodes.

import type { Command } from 'commander';
import { runCheck } from '../../check/runner.js';
import { readTargetsFile, toCheckTarget } from '../check-targets.js';
import type { CheckSummary, CheckTarget, TargetResult } from '../../check/types.js';
import { renderChain } from '../../report/chain-table.js';
import { checkToJson, ndjsonLine, ndjsonSummaryLine } from '../../report/check-json.js';
import { renderJunit } from '../../report/check-junit.js';
import { renderCheckTable, renderCheckTotals, statusText } from '../../report/check-summary.js';
import { escapeControl } from '../../report/escape.js';
import { palette } from '../../report/palette.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../../errors.js';
import { parseSni, parseTimeout, parseWholeNumber, parseXmppHost, starttlsOption } from '../options.js';
import type { StarttlsProtocol } from '../../capture/starttls/index.js';
import { decideOutput } from '../output.js';
import { reportWriteFailures, tryWrite, writeOutputFile } from '../write-file.js';
import { addTrustOptions, parseAt, trustStoreFromFlags } from '../trust-options.js';
import { addRouteOptions, parseRouteRules, routeFor, type RouteFlags, type RouteRules } from '../route-options.js';
import { addClientCertOptions, clientCertFromFlags, type ClientCertFlags } from '../client-cert.js';

const JUNIT_FILE = { what: '--junit' } as const;

export const DEFAULT_WARN_DAYS = 30;
export const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 1024;

interface CheckFlags extends RouteFlags, ClientCertFlags {
  targets?: string;
  warnDays?: string;
  concurrency?: string;
  timeout?: string;
  ca?: string[];
  systemCa?: boolean;
  at?: string;
  servername?: string;
  json?: boolean;
  ndjson?: boolean;
  junit?: string;
  color?: boolean;
  ocsp?: boolean;
  chains?: boolean;
  starttls?: StarttlsProtocol | 'none';
  xmppHost?: string;
}

function resultBlock(r: TargetResult, color: boolean, width: number | undefined): string {
  const p = palette(color);
  const head = `${p.heading(escapeControl(r.target))} — ${statusText(r, p)}${r.protocol ? p.dim(` (${r.protocol.name})`) : ''}\n`;
  if (!r.chain) return `${head}${p.bad(escapeControl(r.error?.message ?? r.problems.join('; ')))}\n`;
  return head + renderChain(r.chain, { color, ...(width ? { width, hard: true } : {}) });
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

export function registerCheck(program: Command, ctx: CliContext): void {
  addClientCertOptions(addRouteOptions(addTrustOptions(program.command('check'))))
    .description('check certificate chains, host names, trust and expiry of one or many servers (for CI)')
    .argument('[targets...]', 'HOST[:PORT] targets (port 443 by default)')
    .option('--targets <file>', 'read targets from a file: HOST[:PORT] [KEY=VALUE…] per line, # comments (- reads stdin)')
    .option('--warn-days <n>', `exit 9 when a certificate expires within N days (default ${DEFAULT_WARN_DAYS})`)
    .option('--concurrency <n>', `targets checked at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--timeout <ms>', 'per-target deadline for DNS, connect and handshake (default 10000)')
    .option('--servername <name>', 'server name (SNI) to send and to check the certificate against')
    .option('--no-ocsp', 'do not ask for a stapled OCSP response')
    .addOption(starttlsOption())
    .option('--xmpp-host <name>', 'XMPP domain for the stream header (default: each target host)')
    .option('--chains', 'print the chain table of every target (default for a single target)')
    .option('--json', 'one JSON document with every result')
    .option('--ndjson', 'one JSON line per target as it finishes, then a summary line')
    .option('--junit <file>', 'also write JUnit XML (one test case per target) to FILE')
    .option('--no-color', 'no colour')
    .action(async (args: string[], flags: CheckFlags) => {
      if (flags.json && flags.ndjson) throw new UsageError('--json and --ndjson exclude each other');
      const listed: CheckTarget[] = args.map(toCheckTarget);
      if (flags.targets !== undefined) listed.push(...(await readTargetsFile(flags.targets, ctx.stdin)));
      if (listed.length === 0) throw new UsageError('no targets', 'give HOST[:PORT] arguments or --targets FILE');
      const rules = parseRouteRules(flags, ctx.env);
      const targets = listed.map((t) => targetRoute(rules, t));
      const clientCert = clientCertFromFlags(flags);
      const warnDays = parseWholeNumber(flags.warnDays, '--warn-days', { fallback: DEFAULT_WARN_DAYS, min: 0, max: 36500 });
      const concurrency = parseWholeNumber(flags.concurrency, '--concurrency', { fallback: DEFAULT_CONCURRENCY, min: 1, max: MAX_CONCURRENCY });
      const timeoutMs = parseTimeout(flags.timeout);
      const at = parseAt(flags.at);
      // check has no --no-sni: the name is what the certificate is checked against.
      const servername = parseSni({ servername: flags.servername }) || undefined;
      const junitFile = flags.junit;
      // Fail before connecting anywhere if the report file cannot even be created.
      if (junitFile !== undefined) writeOutputFile(junitFile, '', JUNIT_FILE);
      const trustStore = trustStoreFromFlags(flags, ctx);
      const style = decideOutput(ctx, flags.color);
      const progress = Boolean(ctx.stderrIsTTY) && targets.length > 1;

      const summary: CheckSummary = await runCheck(targets, {
        at,
        warnDays,
        concurrency,
        timeoutMs,
        trustStore,
        requestOcsp: flags.ocsp ?? true,
        ...(flags.starttls ? { starttls: flags.starttls } : {}),
        ...(flags.xmppHost !== undefined ? { xmppHost: parseXmppHost(flags.xmppHost) } : {}),
        ...(servername ? { servername } : {}),
        ...(clientCert ? { clientCert } : {}),
        ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
        onResult: (r, done, total) => {
          if (flags.ndjson) ctx.stdout(ndjsonLine(r));
          if (progress) ctx.stderr(`\r\x1b[2Kchecking ${done}/${total} ${done === total ? '' : escapeControl(r.target)}`);
        },
      });
      if (progress) ctx.stderr('\r\x1b[2K');

      if (flags.json) ctx.stdout(`${JSON.stringify(checkToJson(summary), null, 2)}\n`);
      else if (flags.ndjson) ctx.stdout(ndjsonSummaryLine(summary));
      else {
        const showChains = flags.chains || summary.results.length === 1;
        if (showChains) for (const r of summary.results) ctx.stdout(`${resultBlock(r, style.color, style.width)}\n`);
        if (summary.results.length > 1) ctx.stdout(`${renderCheckTable(summary, style)}\n`);
        ctx.stdout(renderCheckTotals(summary, style));
      }
      ctx.exitCode = summary.exitCode;
      // A full disk shows only now; the results are printed already and keep their exit code.
      if (junitFile !== undefined) reportWriteFailures(ctx, [tryWrite(() => writeOutputFile(junitFile, renderJunit(summary), JUNIT_FILE))]);
    });
}
