// Runs the check over many targets with bounded concurrency. Each target is independent: its
// failure becomes its own result and never stops the others. The clock is pinned once per run.

import { performance } from 'node:perf_hooks';
import type { LookupFunction } from 'node:net';
import { analyseChain } from '../analyse/chain/analyse.js';
import { chainVerdict } from '../analyse/chain/verdict.js';
import type { TrustStore } from '../analyse/chain/trust-store.js';
import { codePoint } from '../analyse/code-point.js';
import type { CodePoint } from '../analyse/types.js';
import { ExitCode, exitCodeForCaptureError } from '../errors.js';
import { NODE_PROTOCOL_VERSIONS, protocolVersions, Version } from '../registry/index.js';
import type { CaptureOptions } from '../capture/options.js';
import type { ProxySettings } from '../capture/proxy.js';
import type { ChainReport, RevocationMode } from '../analyse/chain/types.js';
import { fetchChain as defaultFetch, type FetchChain, type FetchedChain } from './fetch-chain.js';
import { CrlCache, OcspCache } from './revocation/chain-revocation.js';
import { type ChainEvidence, evidenceInput, gatherEvidence } from './revocation/evidence.js';
import { httpFetch, type HttpFetcher } from '../capture/http-fetch.js';
import { bundledLogList, type CtLogList } from '../analyse/ct/log-list.js';
import { probeTlsScts } from './sct-probe.js';
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
  /** A valid target whose certificate expires within this many days is critical (0: never). */
  critDays?: number;
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
  /** `--resolve` for the revocation and caIssuers fetches: addresses for a host and port, if pinned. */
  pinned?: (host: string, port: number) => string[] | undefined;
  /** The proxy for the revocation and caIssuers fetches to a host and port (--proxy / HTTPS_PROXY less NO_PROXY). */
  proxyFor?: (host: string, port: number) => ProxySettings | undefined;
  /** Client certificate for every target (a target's cert= beats it). */
  clientCert?: { cert: string; key: string; passphrase?: string };
  /** Injected in tests; the live handshake otherwise. */
  fetch?: FetchChain;
  /** Called as a target's check starts (the progress line shows what is in flight). */
  onStart?: (target: CheckTarget) => void;
  /** off: no revocation checks; soft (default): revoked fails, unavailable warns; hard: both fail. */
  revocation?: RevocationMode;
  /** The CT log list SCTs are judged against (default: the bundled one). */
  ctLogList?: CtLogList;
  /** --require-ct: a CT policy failure makes the target invalid (exit 16) instead of a warning. */
  requireCt?: boolean;
  /** --ct-tls: ask for SCTs in the TLS extension (check's own TLS 1.3 hello, else one more TLS 1.2 connection; Node's client cannot). */
  ctTls?: boolean;
  /** Fetches OCSP, CRLs and caIssuers (http); injected in tests. */
  httpFetcher?: HttpFetcher;
  /** Called as each target finishes (NDJSON, progress). */
  onResult?: (result: TargetResult, done: number, total: number) => void;
}

/** Capture error codes to the fixed connection exit codes. */
const statusExit: Record<Exclude<TargetStatus, 'error'>, number> = { valid: ExitCode.ok, expiring: ExitCode.expiring, critical: ExitCode.critical, invalid: ExitCode.invalid };

/**
 * One exit code for the run. Precedence (documented in the README): any connection or handshake
 * failure (3–7, 11 STARTTLS, 12 proxy) beats revoked (14), which beats an invalid chain (8), which
 * beats a CT policy failure under --require-ct (16), which beats critical (13), which beats revocation unavailable under --revocation hard (15), which beats
 * expiring (9), which beats 0; when targets
 * failed to connect in different ways, the lowest code wins (the earliest stage: dns 3 < connect 4
 * < timeout 5 < not TLS 6 < handshake 7).
 */
export function combineExitCodes(codes: number[]): number {
  // A STARTTLS failure (11) and a proxy that opened no tunnel (12) are connection failures too;
  // the lowest code still wins, so 3–7 rank first.
  const connection = codes.filter((c) => (c >= ExitCode.dns && c <= ExitCode.handshake) || c === ExitCode.starttls || c === ExitCode.proxy);
  if (connection.length) return Math.min(...connection);
  if (codes.includes(ExitCode.revoked)) return ExitCode.revoked;
  if (codes.includes(ExitCode.invalid)) return ExitCode.invalid;
  if (codes.includes(ExitCode.ctPolicy)) return ExitCode.ctPolicy;
  if (codes.includes(ExitCode.critical)) return ExitCode.critical;
  if (codes.includes(ExitCode.revocationUnavailable)) return ExitCode.revocationUnavailable;
  if (codes.includes(ExitCode.expiring)) return ExitCode.expiring;
  return codes.includes(ExitCode.internal) ? ExitCode.internal : ExitCode.ok;
}

/** Fetches resolve names and take the proxy as the handshake does (the injected resolver in tests). */
export function withLookup(fetcher: HttpFetcher, opts: Pick<CheckOptions, 'lookup' | 'pinned' | 'proxyFor'>): HttpFetcher {
  const { lookup, pinned, proxyFor } = opts;
  return (req) => fetcher({ ...(lookup ? { lookup } : {}), ...(pinned ? { pinned } : {}), ...(proxyFor ? { proxyFor } : {}), ...req });
}

/** Node's `TLSv1.3` as the code point the trace and scan write (`TLS 1.3`); unknown words are dropped. */
function protocolOf(nodeProtocol: string | undefined): { protocol?: CodePoint } {
  const code = nodeProtocol === undefined ? undefined : NODE_PROTOCOL_VERSIONS[nodeProtocol];
  return code === undefined ? {} : { protocol: codePoint(protocolVersions, code) };
}

/** An invalid chain's code: revoked 14, revocation left unestablished under --revocation hard 15, CT policies under --require-ct 16, else 8. */
function invalidExit(chain: ChainReport): number {
  const verdict = chainVerdict(chain);
  if (verdict === 'revoked') return ExitCode.revoked;
  if (verdict === 'revocation-unavailable') return ExitCode.revocationUnavailable;
  return verdict === 'ct-policy' ? ExitCode.ctPolicy : ExitCode.invalid;
}

export function judge(target: CheckTarget, fetched: FetchedChain, opts: CheckOptions, evidence?: ChainEvidence): TargetResult {
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
    ...(opts.critDays ? { critDays: opts.critDays } : {}),
    ocspRequested: opts.requestOcsp ?? true,
    ...(fetched.ocspResponse ? { ocspResponse: fetched.ocspResponse } : {}),
    ...(evidence?.fetchedIssuers.length ? { fetchedIssuers: evidence.fetchedIssuers } : {}),
    ...(evidence?.issuerFetchFailures ? { issuerFetchFailures: evidence.issuerFetchFailures } : {}),
    ...(evidence?.revocation ? { revocation: evidence.revocation, revocationMode: opts.revocation ?? 'soft' } : {}),
    ct: { list: opts.ctLogList ?? bundledLogList(), ...(fetched.tlsScts ? { tlsScts: fetched.tlsScts } : {}), ...tlsNotSearched(fetched, opts), ...(opts.requireCt ? { required: true } : {}) },
    ...evidenceInput(evidence, opts.revocation ?? 'soft'),
  });
  const soon = chain.facts.some((f) => f.check === 'expiry.soon' && !f.ok);
  // Critical (13) outranks revocation left unestablished under --revocation hard (15) in the
  // documented precedence, so a target that is both is critical, the revocation still among its problems.
  const judgedValid = chain.valid || chainVerdict(chain) === 'revocation-unavailable';
  const critical = judgedValid && chain.daysLeft !== null && chain.daysLeft < (opts.critDays ?? 0);
  const status: TargetStatus = critical ? 'critical' : !chain.valid ? 'invalid' : soon ? 'expiring' : 'valid';
  return {
    ...base,
    status,
    exitCode: status === 'invalid' ? invalidExit(chain) : statusExit[status],
    daysLeft: chain.daysLeft,
    ...(chain.expiresAt ? { notAfter: chain.expiresAt } : {}),
    problems: fetched.legacyClient ? [...chain.problems, legacyClientNote(base.protocol)] : chain.problems,
    chain,
  };
}

/** What a result judged over the legacy retry (fetch-chain.ts) says of it: the chain is judged as any other. */
function legacyClientNote(protocol: CodePoint | undefined): string {
  const deprecated = protocol?.code === Version.TLS10 || protocol?.code === Version.TLS11 ? ' (deprecated by RFC 8996)' : '';
  return `the server refused Node's default client (TLS 1.2 and up, OpenSSL security level 1); a client allowing TLS 1.0 and 1.1 and security level 0 got ${protocol?.name ?? 'an answer'}${deprecated}`;
}

export const statusRank: Record<TargetStatus, number> = { error: 0, invalid: 1, critical: 2, expiring: 3, valid: 4 };

type Sortable = Pick<TargetResult, 'daysLeft' | 'status' | 'target'>;

/**
 * Connection failures first, then by days left ascending, then worst status, then by target name;
 * only exact ties keep input order. The target name (not the input order) settles ties so that
 * shards merged by `check merge` come out in the order one unsharded run gives.
 */
export function sortResults<T extends Sortable>(results: T[]): T[] {
  const key = (r: Sortable): number => (r.daysLeft === null ? Number.NEGATIVE_INFINITY : r.daysLeft);
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => key(a.r) - key(b.r) || statusRank[a.r.status] - statusRank[b.r.status] || byName(a.r.target, b.r.target) || a.i - b.i)
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
    ...(opts.ctTls ? { askScts: true } : {}),
  };
}

/** The count of each status, every status present. */
export function countStatuses(results: readonly Pick<TargetResult, 'status'>[]): Record<TargetStatus, number> {
  const counts: Record<TargetStatus, number> = { valid: 0, expiring: 0, critical: 0, invalid: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/**
 * --ct-tls: when the handshake did not ask for them itself (it did when check's own TLS 1.3 flight
 * took it), the SCTs a TLS 1.2 ServerHello carries, asked for on one more connection to the
 * address the handshake used, within what is left of the target's deadline. Not through a proxy
 * or STARTTLS (the probe would need their dialogues too), and not when the handshake failed.
 */
async function addTlsScts(fetched: FetchedChain, target: CheckTarget, opts: CheckOptions, starttls: StarttlsProtocol | undefined, deadline: number): Promise<void> {
  const leaf = fetched.certificates[0];
  // check's own TLS 1.3 flight asked already (own-flight13.ts): what the server sent there is its answer.
  if (fetched.error || !leaf || !fetched.address || fetched.tlsScts?.length || fetched.tlsSctsAsked) return;
  if (starttls || target.route?.proxy) {
    fetched.tlsSctsNotSearched = `--ct-tls does not ask through ${starttls ? 'STARTTLS' : 'a proxy'}`;
    return;
  }
  const left = deadline - Date.now();
  if (left <= 0) {
    fetched.tlsSctsNotSearched = '--ct-tls had no time left within --timeout';
    return;
  }
  const endpoint = { address: fetched.address, port: target.route?.connectTo?.port ?? target.port };
  const probe = await probeTlsScts(endpoint, target.settings?.servername ?? opts.servername ?? target.host, leaf, left);
  if (probe.scts.length) fetched.tlsScts = probe.scts;
  else if (probe.note) fetched.tlsSctsNotSearched = `--ct-tls got none: ${probe.note}`;
}

/** Check's handshake (Node's client) never asks for SCTs; --ct-tls asks on a connection of its own. */
function tlsNotSearched(fetched: FetchedChain, opts: CheckOptions): { tlsNotSearched?: string } {
  if (fetched.tlsScts?.length) return {};
  if (fetched.tlsSctsNotSearched) return { tlsNotSearched: fetched.tlsSctsNotSearched };
  return opts.ctTls ? {} : { tlsNotSearched: 'not asked for (--ct-tls asks for them)' };
}

/**
 * Checks every target, `opts.concurrency` at a time. Each result goes to `opts.onResult` as it
 * finishes; the summary holds only what `keep` returns for it (input order, then sorted), so a
 * run that streams its results (NDJSON) or needs only a line per target keeps memory flat.
 */
export async function runCheck<R extends Sortable = TargetResult>(targets: CheckTarget[], opts: CheckOptions, keep: (r: TargetResult) => R | undefined = (r) => r as unknown as R): Promise<CheckSummary<R>> {
  const t0 = performance.now();
  const fetch = opts.fetch ?? defaultFetch;
  const crls = new CrlCache();
  const ocsp = new OcspCache();
  const kept: Array<R | undefined> = new Array<R | undefined>(targets.length);
  const counts = countStatuses([]);
  const exitCodes = new Set<number>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i];
      opts.onStart?.(target);
      let result: TargetResult;
      try {
        const starttls = targetStarttls(target, opts);
        const fetched = await fetch(fetchOptions(target, opts, starttls));
        // Fetches after the handshake share what is left of the target's deadline.
        const deadline = Date.now() + Math.max(0, opts.timeoutMs - fetched.durationMs);
        const evidence = await gatherEvidence(fetched, opts.trustStore, opts.revocation ?? 'soft', { at: opts.at, deadline, fetcher: withLookup(opts.httpFetcher ?? httpFetch, opts), crls, ocsp });
        if (opts.ctTls) await addTlsScts(fetched, target, opts, starttls, deadline);
        result = judge(target, fetched, opts, evidence);
        if (starttls) result.starttls = starttls;
      } catch (e) {
        // A bug while judging one target is reported on that target; the run goes on.
        const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
        result = { target: target.display, host: target.host, port: target.port, checkedName: target.settings?.servername ?? opts.servername ?? target.host, status: 'error', exitCode: ExitCode.internal, daysLeft: null, problems: [message], error: { code: 'internal', message }, durationMs: 0 };
      }
      kept[i] = keep(result);
      counts[result.status]++;
      exitCodes.add(result.exitCode);
      done++;
      opts.onResult?.(result, done, targets.length);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency, targets.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return {
    at: opts.at.toISOString(),
    warnDays: opts.warnDays,
    critDays: opts.critDays ?? 0,
    results: sortResults(kept.filter((r): r is R => r !== undefined)),
    counts,
    exitCode: combineExitCodes([...exitCodes]),
    durationMs: Math.round(performance.now() - t0),
  };
}
