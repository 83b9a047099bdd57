// Whether a set of verified SCTs meets the browsers' CT policies, judged at the pinned clock.
//
// Chrome (googlechrome.github.io/CertificateTransparency/ct_policy.html): embedded SCTs need at
// least one from a log Usable, Qualified or ReadOnly at the check, and SCTs from N distinct logs
// that are Usable, Qualified, ReadOnly or Retired (a retired log's SCT only if issued before the
// retirement), N = 2 for a lifetime of 180 days or less, else 3, from at least two distinct
// operators. SCTs delivered by TLS extension or OCSP staple need two from distinct logs that are
// Usable, Qualified or ReadOnly, from two distinct operators.
//
// Apple (support.apple.com/103214): at least two SCTs from once- or currently-approved logs, and
// either two from currently approved logs with one of them delivered by TLS or OCSP, or at least
// one embedded from a currently approved log plus N embedded from distinct once- or currently-
// approved logs (N = 2, at most 1 per operator counted, for 180 days or less; else N = 3, at most
// 2 per operator); at least one SCT from an RFC 6962 log. Apple keeps its own log list: the
// states here come from the Google-format list in use, so Apple's verdict is an approximation.

import type { CtLogList } from './log-list.js';
import type { SctResult } from './verify.js';

export interface PolicyVerdict {
  met: boolean;
  /** One sentence: which rule was met, or what is missing. */
  reason: string;
}

const DAY_MS = 86_400_000;

/** Lifetime in days, notAfter − notBefore, as Chrome counts it (more than 180 days needs 3 SCTs). */
export function lifetimeDays(notBefore: string, notAfter: string): number {
  return (Date.parse(notAfter) - Date.parse(notBefore)) / DAY_MS;
}

/** Apple counts RFC 5280's inclusive validity: one second more, and any part day is another day. */
function appleDays(lifetime: number): number {
  return Math.ceil(lifetime + 1000 / DAY_MS);
}

/** `90`, or `180.5` for a part day. */
function days(lifetime: number): string {
  return String(Math.round(lifetime * 100) / 100);
}

/** Logs whose SCTs count now (Chrome's Usable/Qualified/ReadOnly; Apple's "currently approved"). */
function current(r: SctResult): boolean {
  return r.status === 'valid' && (r.log?.state === 'usable' || r.log?.state === 'qualified' || r.log?.state === 'readonly');
}

/** Current, or a retired log whose SCT predates the retirement ("once approved"). */
function onceApproved(r: SctResult): boolean {
  if (current(r)) return true;
  if (r.status !== 'retired-log' || !r.timestamp) return false;
  const retired = r.log?.stateAt ? Date.parse(r.log.stateAt) : Number.NaN;
  return Number.isFinite(retired) && Date.parse(r.timestamp) < retired;
}

/** One SCT per log (a log that signed twice counts once). */
function distinctLogs(rs: SctResult[]): SctResult[] {
  const seen = new Set<string>();
  return rs.filter((r) => (r.logId && !seen.has(r.logId) ? (seen.add(r.logId), true) : false));
}

/**
 * Unverifiable SCTs (an embedded SCT whose issuer is unknown) count neither way: not toward a
 * policy, and not as a bad SCT. The reason says how many, so a miss is not blamed on the logs.
 */
function unverifiableNote(rs: SctResult[]): string {
  const n = rs.filter((r) => r.status === 'unverifiable').length;
  return n ? `; ${n} embedded SCT${n === 1 ? '' : 's'} not verifiable (the issuer is unknown), not counted` : '';
}

function operators(rs: SctResult[]): Set<string> {
  return new Set(rs.map((r) => r.log?.operator ?? ''));
}

function chromeEmbedded(embedded: SctResult[], lifetime: number): PolicyVerdict {
  const need = lifetime <= 180 ? 2 : 3;
  const counted = distinctLogs(embedded.filter(onceApproved));
  const ops = operators(counted).size;
  const hasCurrent = embedded.some(current);
  const met = counted.length >= need && ops >= 2 && hasCurrent;
  const reason = `${counted.length} embedded SCT${counted.length === 1 ? '' : 's'} from qualifying logs of ${ops} operator${ops === 1 ? '' : 's'} (needs ${need} for a ${days(lifetime)}-day certificate, 2 operators, one log usable/qualified/readonly now${hasCurrent ? '' : ': none is'})${unverifiableNote(embedded)}`;
  return { met, reason };
}

function chromeDelivered(delivered: SctResult[]): PolicyVerdict {
  const counted = distinctLogs(delivered.filter(current));
  const ops = operators(counted).size;
  return { met: counted.length >= 2 && ops >= 2, reason: `${counted.length} SCT${counted.length === 1 ? '' : 's'} by TLS/OCSP from current logs of ${ops} operator${ops === 1 ? '' : 's'} (needs 2 from 2 operators)` };
}

export function chromePolicy(results: SctResult[], lifetime: number): PolicyVerdict {
  const embedded = chromeEmbedded(results.filter((r) => r.source === 'certificate'), lifetime);
  const delivered = chromeDelivered(results.filter((r) => r.source !== 'certificate'));
  if (embedded.met) return { met: true, reason: `met by embedded SCTs: ${embedded.reason}` };
  if (delivered.met) return { met: true, reason: `met by SCTs delivered in TLS/OCSP: ${delivered.reason}` };
  return { met: false, reason: `not met: ${embedded.reason}; ${delivered.reason}` };
}

/** Embedded SCTs counted with Apple's per-operator cap. */
function appleEmbeddedCount(embedded: SctResult[], perOperator: number): number {
  const byOp = new Map<string, number>();
  let n = 0;
  for (const r of distinctLogs(embedded.filter(onceApproved))) {
    const op = r.log?.operator ?? '';
    const c = byOp.get(op) ?? 0;
    if (c < perOperator) n++;
    byOp.set(op, c + 1);
  }
  return n;
}

export function applePolicy(results: SctResult[], lifetime: number, list: CtLogList): PolicyVerdict {
  const approved = distinctLogs(results.filter(onceApproved));
  const rfc6962 = approved.some((r) => r.logId && list.logs.get(Buffer.from(r.logId, 'base64').toString('hex'))?.tiled === false);
  if (approved.length < 2) return { met: false, reason: `not met: ${approved.length} SCT${approved.length === 1 ? '' : 's'} from approved logs (needs at least 2)${unverifiableNote(results)}` };
  if (!rfc6962) return { met: false, reason: 'not met: no SCT from an RFC 6962 log' };
  const currentAll = distinctLogs(results.filter(current));
  if (currentAll.length >= 2 && currentAll.some((r) => r.source !== 'certificate')) return { met: true, reason: `met: ${currentAll.length} SCTs from currently approved logs, at least one by TLS/OCSP` };
  const embedded = results.filter((r) => r.source === 'certificate');
  const counted = appleDays(lifetime);
  const [need, cap] = counted <= 180 ? [2, 1] : [3, 2];
  const n = appleEmbeddedCount(embedded, cap);
  const ok = embedded.some(current) && n >= need;
  return { met: ok, reason: `${ok ? 'met' : 'not met'}: ${n} embedded SCT${n === 1 ? '' : 's'} counted (at most ${cap} per operator; needs ${need} for a ${counted}-day certificate, one from a currently approved log)${unverifiableNote(embedded)}` };
}
