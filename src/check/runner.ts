// Runs the check over many targets with bounded concurrency. Each target is independent: its
// failure becomes its own result and never stops the others. The clock is pinned once per run.

import { performance } from 'node:perf_hooks';
import type { LookupFunction } from 'node:net';
import { analyseChain } from '../analyse/chain/analyse.js';
import type { TrustStore } from '../analyse/chain/trust-store.js';
import { codePoint } from '../analyse/code-point.js';
import type { CodePoint } from '../analyse/types.js';
import { ExitCode, exitCodeForCaptureError } from '../errors.js';
import { NODE_PROTOCOL_VERSIONS, protocolVersions } from '../registry/index.js';
import type { CaptureOptions } from '../capture/options.js';
import { fetchChain as defaultFetch, type FetchChain, type FetchedChain } from './fetch-chain.js';
import type { CheckSummary, CheckTarget, TargetResult, TargetStatus } from './types.js';
import { starttlsForPort, type StarttlsProtocol } from '../capture/starttls/index.js';

/** The STARTTLS protocol for one target: its own choice, the run's, or its well-known port's. */
export function targetStarttls(target: CheckTarget, opts: Pick<CheckOptions, 'starttls'>): StarttlsProtocol | undefined {
  const choice = target.starttls ?? opts.starttls;
  return choice === 'none' ? undefined : (choice ?? starttlsForPort(target.port));
}

export interface CheckOptions {
  at: Date;
  warnDays: number;
  concurrency: number;
  /** Per-target deadline (DNS + connect + handshake), ms. */
  timeoutMs: number;
  /** Name to send as SNI and check the leaf against, for every target. */
  servername?: string;
  trustStore: TrustStore;
  requestOcsp?: boolean;
  /** --starttls for every target (`none`: TLS at once); undefined: each target's own, then its port's. */
  starttls?: StarttlsProtocol | 'none';
  xmppHost?: string;
  lookup?: LookupFunction;
  /** Client certificate for every target (a target's cert= beats it). */
  clientCert?: { cert: string; key: string; passphrase?: string };
  /** Injected in tests; the live handshake otherwise. */
  fetch?: FetchChain;
  /** Called as each target finishes (NDJSON, progress). */
  onResult?: (result: TargetResult, done: number, total: number) => void;
}

/** Capture error codes to the fixed connection exit codes. */
const statusExit: Record<Exclude<TargetStatus, 'error'>, number> = { valid: ExitCode.ok, expiring: ExitCode.expiring, invalid: ExitCode.invalid };

/**
 * One exit code for the run. Precedence (documented in the README): any connection or handshake
 * failure (3–7) beats an invalid chain (8), which beats expiring (9), which beats 0; when targets
 * failed to connect in different ways, the lowest code wins (the earliest stage: dns 3 < connect 4
 * < timeout 5 < not TLS 6 < handshake 7).
 */
export function combineExitCodes(codes: number[]): number {
  // A STARTTLS failure (11) and a proxy that opened no tunnel (12) are connection failures too;
  // the lowest code still wins, so 3–7 rank first.
  const connection = codes.filter((c) => (c >= ExitCode.dns && c <= ExitCode.handshake) || c === ExitCode.starttls || c === ExitCode.proxy);
  if (connection.length) return Math.min(...connection);
  if (codes.includes(ExitCode.invalid)) return ExitCode.invalid;
  if (codes.includes(ExitCode.expiring)) return ExitCode.expiring;
  return codes.includes(ExitCode.internal) ? ExitCode.internal : ExitCode.ok;
}

/** Node's `TLSv1.3` as the code point the trace and scan write (`TLS 1.3`); unknown words are dropped. */
function protocolOf(nodeProtocol: string | undefined): { protocol?: CodePoint } {
  const code = nodeProtocol === undefined ? undefined : NODE_PROTOCOL_VERSIONS[nodeProtocol];
  return code === undefined ? {} : { protocol: codePoint(protocolVersions, code) };
}

export function judge(target: CheckTarget, fetched: FetchedChain, opts: CheckOptions): TargetResult {
  const checkedName = target.settings?.servername ?? opts.servername ?? target.host;
  const warnDays = target.settings?.warnDays ?? opts.warnDays;
  const base = {
    target: target.display,
    host: target.host,
    port: target.port,
    checkedName,
    durationMs: Math.round(fetched.durationMs),
    ...(fetched.address ? { address: fetched.address } : {}),
    ...(fetched.proxy ? { proxy: fetched.proxy } : {}),
    ...protocolOf(fetched.protocol),
  };
  if (fetched.error) {
    return { ...base, status: 'error', exitCode: exitCodeForCaptureError(fetched.error.code, fetched.serverBytes ?? 1), daysLeft: null, problems: [fetched.error.message], error: fetched.error };
  }
  const chain = analyseChain({
    certificates: fetched.certificates,
    source: fetched.source,
    ...(fetched.decrypted ? { decrypted: true } : {}),
    at: opts.at,
    host: checkedName,
    trustStore: opts.trustStore,
    warnDays,
    ocspRequested: opts.requestOcsp ?? true,
    ...(fetched.ocspResponse ? { ocspResponse: fetched.ocspResponse } : {}),
  });
  const soon = chain.facts.some((f) => f.check === 'expiry.soon' && !f.ok);
  const status: TargetStatus = !chain.valid ? 'invalid' : soon ? 'expiring' : 'valid';
  return {
    ...base,
    status,
    exitCode: statusExit[status],
    daysLeft: chain.daysLeft,
    ...(chain.expiresAt ? { notAfter: chain.expiresAt } : {}),
    problems: chain.problems,
    chain,
  };
}

const statusRank: Record<TargetStatus, number> = { error: 0, invalid: 1, expiring: 2, valid: 3 };

/** Connection failures first, then by days left ascending, then worst status; ties keep input order. */
export function sortResults(results: TargetResult[]): TargetResult[] {
  const key = (r: TargetResult): number => (r.daysLeft === null ? Number.NEGATIVE_INFINITY : r.daysLeft);
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => key(a.r) - key(b.r) || statusRank[a.r.status] - statusRank[b.r.status] || a.i - b.i)
    .map((x) => x.r);
}

/** The capture options for one target: its own settings first, then the run's. */
function fetchOptions(target: CheckTarget, opts: CheckOptions, starttls: StarttlsProtocol | undefined): CaptureOptions {
  const servername = target.settings?.servername ?? opts.servername;
  const clientCert = target.settings?.clientCert ?? opts.clientCert;
  return {
    host: target.host,
    port: target.port,
    timeoutMs: opts.timeoutMs,
    requestOcsp: opts.requestOcsp ?? true,
    ...(servername ? { servername } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(target.route ? { route: target.route } : {}),
    ...(starttls ? { starttls } : {}),
    ...(starttls && opts.xmppHost ? { xmppHost: opts.xmppHost } : {}),
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  };
}

export async function runCheck(targets: CheckTarget[], opts: CheckOptions): Promise<CheckSummary> {
  const t0 = performance.now();
  const fetch = opts.fetch ?? defaultFetch;
  const results: TargetResult[] = new Array<TargetResult>(targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i];
      let result: TargetResult;
      try {
        const starttls = targetStarttls(target, opts);
        const fetched = await fetch(fetchOptions(target, opts, starttls));
        result = judge(target, fetched, opts);
        if (starttls) result.starttls = starttls;
      } catch (e) {
        // A bug while judging one target is reported on that target; the run goes on.
        const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
        result = { target: target.display, host: target.host, port: target.port, checkedName: target.settings?.servername ?? opts.servername ?? target.host, status: 'error', exitCode: ExitCode.internal, daysLeft: null, problems: [message], error: { code: 'internal', message }, durationMs: 0 };
      }
      results[i] = result;
      done++;
      opts.onResult?.(result, done, targets.length);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency, targets.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  const counts: Record<TargetStatus, number> = { valid: 0, expiring: 0, invalid: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return {
    at: opts.at.toISOString(),
    warnDays: opts.warnDays,
    results: sortResults(results),
    counts,
    exitCode: combineExitCodes(results.map((r) => r.exitCode)),
    durationMs: Math.round(performance.now() - t0),
  };
}
