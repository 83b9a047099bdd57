// `tls-trace scan HOST[:PORT]`: what the server accepts — versions, every cipher suite with the
// server's order, groups, signature schemes, certificates, features — and findings.
// Exit codes (README "Exit codes"): 0 scan finished (findings do not change it unless --fail-on);
// 3 DNS, 4 connect, 5 timeout, 6 not TLS, 11 STARTTLS failed when the server could not be scanned at all; 2 usage;
// 8 with --fail-on when a finding at or above that severity was made, or with --profile when the
// server deviates from that Mozilla configuration in any way.

import type { Command } from 'commander';
import { scanToJson } from '../../report/scan-json.js';
import { scanServer, ScanError } from '../../scan/scanner.js';
import { SEVERITY_ORDER, severityRank } from '../../scan/findings.js';
import { requiredDeviations } from '../../scan/profiles/compliance.js';
import { GUIDELINE_VERSION, PROFILE_NAMES, type ProfileName } from '../../scan/profiles/mozilla-guidelines.js';
import { isProfileName } from '../../scan/profiles/profiles.js';
import type { Severity } from '../../scan/types.js';
import type { CliContext } from '../context.js';
import { ExitCode, UsageError, UserError } from '../../errors.js';
import { decideOutput } from '../output.js';
import { parseSni, parseTimeout, parseWholeNumber, starttlsOption, starttlsSettings } from '../options.js';
import { parseTarget } from '../target.js';
import { addRouteOptions, parseRouteRules, routeFor, type RouteFlags } from '../route-options.js';
import { addClientCertOptions, clientCertFromFlags, type ClientCertFlags } from '../client-cert.js';

export const SCAN_DEFAULT_TIMEOUT_MS = 5000;
export const SCAN_DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;

interface ScanFlags {
  servername?: string;
  sni?: boolean;
  timeout?: string;
  concurrency?: string;
  json?: boolean;
  color?: boolean;
  failOn?: string;
  progress?: boolean;
  starttls?: string;
  xmppHost?: string;
  profile?: string;
}

const ERROR_CODES = { dns: ExitCode.dns, connect: ExitCode.connect, timeout: ExitCode.timeout, 'not-tls': ExitCode.notTls, starttls: ExitCode.starttls, proxy: ExitCode.proxy } as const;

function parseProfile(text: string | undefined): ProfileName | undefined {
  if (text === undefined) return undefined;
  if (!isProfileName(text)) throw new UsageError(`bad --profile "${text}": give one of ${PROFILE_NAMES.join(', ')}`);
  return text;
}

export function registerScan(program: Command, ctx: CliContext): void {
  const cmd = program.command('scan');
  addClientCertOptions(addRouteOptions(cmd))
    .description('list every protocol version, cipher suite, group and signature scheme a server accepts, with findings')
    .argument('<target>', 'HOST[:PORT] to scan (port 443 by default; [::1]:8443 for IPv6)')
    .option('--servername <name>', 'SNI to send (default: the host, unless it is an IP address)')
    .option('--no-sni', 'send no SNI at all')
    .option('--timeout <ms>', `deadline per probe connection (default ${SCAN_DEFAULT_TIMEOUT_MS})`)
    .option('--concurrency <n>', `probes in flight at once (default ${SCAN_DEFAULT_CONCURRENCY}, max ${MAX_CONCURRENCY})`)
    .addOption(starttlsOption())
    .option('--xmpp-host <name>', 'XMPP domain for the stream header (default: the target host)')
    .option('--profile <name>', `exit ${ExitCode.invalid} on any deviation from this Mozilla ${GUIDELINE_VERSION} configuration (${PROFILE_NAMES.join(', ')}), listing each`)
    .option('--json', 'print the whole result as JSON')
    .option('--no-color', 'plain text without colour')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--fail-on <severity>', `exit ${ExitCode.invalid} if a finding is at least this severe (${SEVERITY_ORDER.join(', ')})`)
    .action(async (targetText: string, flags: ScanFlags & RouteFlags & ClientCertFlags) => {
      const target = parseTarget(targetText);
      const route = routeFor(parseRouteRules(flags, ctx.env), target.host, target.port);
      const clientCert = clientCertFromFlags(flags);
      const servername = parseSni(flags);
      const starttls = starttlsSettings(flags, target.port);
      // Same bounds and message as the other commands' --timeout; only the default differs.
      const timeoutMs = flags.timeout === undefined ? SCAN_DEFAULT_TIMEOUT_MS : parseTimeout(flags.timeout);
      const concurrency = parseWholeNumber(flags.concurrency, '--concurrency', { fallback: SCAN_DEFAULT_CONCURRENCY, min: 1, max: MAX_CONCURRENCY });
      let failOn: Severity | undefined;
      if (flags.failOn !== undefined) {
        if (!(SEVERITY_ORDER as readonly string[]).includes(flags.failOn)) {
          throw new UsageError(`bad --fail-on "${flags.failOn}": give one of ${SEVERITY_ORDER.join(', ')}`);
        }
        failOn = flags.failOn as Severity;
      }
      const profile = parseProfile(flags.profile);
      const style = decideOutput(ctx, flags.color);
      // The bar goes to stderr and only on a terminal, so pipes and --json output stay clean.
      const showProgress = flags.progress !== false && !flags.json && ctx.stdoutIsTTY && ctx.stderrIsTTY === true;
      // The text report (and cli-table3 under it) is loaded only when text is printed: for --json
      // its initialisation was CPU time of every scan (issue 15: faster than sslscan).
      const text = flags.json ? undefined : await import('../../report/scan-table.js');
      let result;
      try {
        result = await scanServer({
          host: target.host,
          port: target.port,
          servername,
          timeoutMs,
          concurrency,
          ...starttls,
          ...(profile ? { profile } : {}),
          lookup: ctx.lookup,
          route,
          ...(clientCert ? { clientCert } : {}),
          onProgress: showProgress && text ? (done, planned, probes) => ctx.stderr(text.renderScanProgress(done, planned, probes)) : undefined,
        });
      } catch (e) {
        if (e instanceof ScanError) throw new UserError(e.message, ERROR_CODES[e.code]);
        throw e;
      } finally {
        if (showProgress) ctx.stderr('\r\x1b[K');
      }
      ctx.stdout(text ? text.renderScanText(result, { color: style.color, width: style.width }) : JSON.stringify(scanToJson(result), null, 2) + '\n');
      if (failOn && result.findings.some((f) => severityRank(f.severity) <= severityRank(failOn))) ctx.exitCode = ExitCode.invalid;
      if (result.mozilla && requiredDeviations(result.mozilla).length > 0) ctx.exitCode = ExitCode.invalid;
    });
}
