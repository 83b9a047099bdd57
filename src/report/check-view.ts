// What every check renderer except the chain table and the JSON reads: the run facts and, per
// target, its verdict plus the few certificate facts the table, CSV, OpenMetrics and GitHub
// outputs show. A live run builds it from its summary; `check merge` from shard NDJSON lines, so
// both print through the same renderers.

import type { CtReport, SctStatus } from '../analyse/ct/index.js';
import type { MergedResult, MergedRun } from '../check/merge.js';
import type { CheckSummary, TargetResult, TargetStatus } from '../check/types.js';
import { unescapeControl } from './escape.js';
import { ExitCode } from '../errors.js';

/** The leaf certificate's identity and validity, raw (renderers escape at output). */
export interface LeafFacts {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

/** Every SCT status, in the order the formats list them. */
export const SCT_STATUSES: readonly SctStatus[] = ['valid', 'invalid-signature', 'future-timestamp', 'malformed', 'unknown-log', 'retired-log', 'untrusted-log', 'unverifiable'];

/** Certificate Transparency in brief: how many SCTs had each status, and each browser policy's verdict. */
export interface CtBrief {
  scts: Record<SctStatus, number>;
  chrome: { met: boolean; reason: string };
  apple: { met: boolean; reason: string };
}

export interface ResultView extends Omit<TargetResult, 'chain' | 'protocol'> {
  /** `TLS 1.3` (the protocol code point's name). */
  protocolName?: string;
  leaf?: LeafFacts;
  /** Subject of the trust anchor the chain reached. */
  anchorSubject?: string;
  /** The chain report's own verdict (absent: no chain to judge). */
  chainValid?: boolean;
  /** Every certificate's revocation looked up and good (absent: not looked up, --revocation off). */
  revocationOk?: boolean;
  /** The leaf's CT verdicts (absent when the chain says nothing of CT: no SCTs, a private anchor, not required). */
  ct?: CtBrief;
}

/**
 * The status as the text, CSV, JUnit and GitHub outputs name it: an invalid target that is revoked
 * (exit 14), whose revocation could not be established under --revocation hard (exit 15), or
 * that fails only CT policies under --require-ct (exit 16), says so rather than "invalid". The JSON keeps `status` and carries the exit code and the facts.
 */
export type Verdict = TargetStatus | 'revoked' | 'revocation-unavailable' | 'ct-policy';

export function verdictOf(r: Pick<ResultView, 'status' | 'exitCode'>): Verdict {
  if (r.status !== 'invalid') return r.status;
  if (r.exitCode === ExitCode.revoked) return 'revoked';
  if (r.exitCode === ExitCode.revocationUnavailable) return 'revocation-unavailable';
  return r.exitCode === ExitCode.ctPolicy ? 'ct-policy' : 'invalid';
}

/** The brief from SCT statuses and the two verdicts (a live report, or its JSON read back). */
function ctBrief(statuses: readonly unknown[], chrome: CtBrief['chrome'], apple: CtBrief['apple']): { ct: CtBrief } {
  const scts = Object.fromEntries(SCT_STATUSES.map((s) => [s, 0])) as Record<SctStatus, number>;
  for (const s of statuses) if (typeof s === 'string' && Object.hasOwn(scts, s)) scts[s as SctStatus]++;
  return { ct: { scts, chrome: { met: chrome.met, reason: chrome.reason }, apple: { met: apple.met, reason: apple.reason } } };
}

const liveCt = (ct: CtReport | undefined): { ct?: CtBrief } => (ct ? ctBrief(ct.scts.map((r) => r.status), ct.chrome, ct.apple) : {});

const revocationOk = (statuses: readonly unknown[] | undefined): { revocationOk?: boolean } => (statuses ? { revocationOk: statuses.every((s) => s === 'good') } : {});

export interface CheckView {
  at: string;
  warnDays: number;
  critDays: number;
  counts: Record<TargetStatus, number>;
  exitCode: number;
  durationMs: number;
  /**
   * Sorted as the run sorts them. A fleet's text and GitHub outputs keep only a bounded selection
   * (CHECK_MAX_KEPT_RESULTS of those that need a look, and of the valid): `counts` counts them all.
   */
  results: ResultView[];
}

export function resultView(r: TargetResult): ResultView {
  const { chain, protocol, ...rest } = r;
  const leaf = chain?.certificates.find((c) => c.role === 'leaf' && c.sentIndex !== null)?.info;
  return {
    ...rest,
    ...(protocol ? { protocolName: protocol.name } : {}),
    ...(leaf ? { leaf: { subject: leaf.subject, issuer: leaf.issuer, serial: leaf.serial, notBefore: leaf.notBefore, notAfter: leaf.notAfter } } : {}),
    ...(chain?.anchor ? { anchorSubject: chain.anchor.subject } : {}),
    ...(chain ? { chainValid: chain.valid } : {}),
    ...revocationOk(chain?.revocation?.map((x) => x.status)),
    ...liveCt(chain?.ct),
  };
}

export function checkView(summary: CheckSummary): CheckView {
  const { results, ...facts } = summary;
  return { ...facts, results: results.map(resultView) };
}

/** How many targets the run checked (a fleet's view may keep fewer results: CHECK_MAX_KEPT_RESULTS). */
export function targetCount(view: Pick<CheckView, 'counts'>): number {
  return Object.values(view.counts).reduce((a, b) => a + b, 0);
}

/** Results that need a look: everything but valid, in the view's order. */
export function problemResults(view: Pick<CheckView, 'results'>): ResultView[] {
  return view.results.filter((r) => r.status !== 'valid');
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? unescapeControl(v) : undefined);
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

/** The leaf's facts from a chain in its JSON form (`results[].chain`). */
function leafFromJson(chain: Json | undefined): LeafFacts | undefined {
  const rows = Array.isArray(chain?.certificates) ? (chain.certificates as unknown[]).map(obj) : [];
  const cert = obj(rows.find((c) => c?.role === 'leaf' && c.sentIndex !== null)?.certificate);
  if (!cert) return undefined;
  return { subject: str(cert.subject) ?? '', issuer: str(cert.issuer) ?? '', serial: str(cert.serial) ?? '', notBefore: str(cert.notBefore) ?? '', notAfter: str(cert.notAfter) ?? '' };
}

function policyFromJson(v: unknown): CtBrief['chrome'] | undefined {
  const o = obj(v);
  return o && typeof o.met === 'boolean' ? { met: o.met, reason: str(o.reason) ?? '' } : undefined;
}

/** `chain.ct` as the JSON writes it (schema common.schema.json#/$defs/ct). */
function ctFromJson(chain: Json | undefined): { ct?: CtBrief } {
  const ct = obj(chain?.ct);
  const chrome = policyFromJson(ct?.chrome);
  const apple = policyFromJson(ct?.apple);
  if (!ct || !chrome || !apple) return {};
  return ctBrief(Array.isArray(ct.scts) ? (ct.scts as unknown[]).map((x) => obj(x)?.status) : [], chrome, apple);
}

/**
 * A view of a result read back from tls-trace's own NDJSON (`check merge`). Its strings were
 * escaped when written and are unescaped here, so the renderers escape them once, as for a live run.
 */
export function resultViewFromJson(r: MergedResult): ResultView {
  const chain = obj(r.chain);
  const error = obj(r.error);
  const leaf = leafFromJson(chain);
  const anchor = str(obj(chain?.anchor)?.subject);
  const protocolName = str(obj(r.protocol)?.name);
  const address = str(r.address);
  const notAfter = str(r.notAfter);
  return {
    target: unescapeControl(r.target),
    host: str(r.host) ?? '',
    port: typeof r.port === 'number' ? r.port : 0,
    checkedName: str(r.checkedName) ?? '',
    ...(address ? { address } : {}),
    status: r.status,
    exitCode: r.exitCode,
    daysLeft: r.daysLeft,
    ...(notAfter ? { notAfter } : {}),
    problems: Array.isArray(r.problems) ? r.problems.map((p) => str(p) ?? '') : [],
    ...(error ? { error: { code: str(error.code) ?? '', message: str(error.message) ?? '' } } : {}),
    durationMs: typeof r.durationMs === 'number' ? r.durationMs : 0,
    ...(protocolName ? { protocolName } : {}),
    ...(leaf ? { leaf } : {}),
    ...(anchor ? { anchorSubject: anchor } : {}),
    ...(chain ? { chainValid: chain.valid === true } : {}),
    ...revocationOk(Array.isArray(chain?.revocation) ? (chain.revocation as unknown[]).map((x) => obj(x)?.status) : undefined),
    ...ctFromJson(chain),
  };
}

export function mergedView(run: MergedRun): CheckView {
  const { results, ...facts } = run;
  return { ...facts, results: results.map(resultViewFromJson) };
}
