// The certificate-chain section in words: one row per certificate (path order, then unrelated
// extras), then the anchor, hostname and OCSP lines and the verdict with every problem named. Reads
// only the ChainReport; strings stay as they came (the report escapes them once, at output).

import type { ChainCertificate, ChainReport } from '../analyse/chain/types.js';
import { chainVerdict, type ChainVerdict } from '../analyse/chain/verdict.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import type { Tone } from './types.js';
import { notShown } from './words.js';

export interface Toned {
  text: string;
  tone?: Tone;
}

export interface ChainRowView {
  position: string;
  subject: string;
  issuer: string;
  /** The one key describer's words (`EC P-256`, `RSA 2048`). */
  key: string;
  signature: string;
  notAfter: string;
  days: Toned;
  verdict: Toned;
}

export interface ChainView {
  /** At most TEXT_MAX_ENTRIES_PER_MESSAGE rows; `omitted` says how many more there were. */
  rows: ChainRowView[];
  omitted: number;
  /** Where the certificates were read from, when that is not the plain Certificate message. */
  notes: string[];
  anchor?: string;
  hostname?: { ok: boolean; reason: string };
  /** `none`: no staple, and the chain checks said so. */
  ocsp?: { status: Toned; detail: string } | 'none';
  /** One line per certificate check looked up (check --revocation soft|hard). */
  revocation: Array<{ who: string; status: Toned; detail: string }>;
  valid: boolean;
  /** valid, invalid, or what the failure is when it is about revocation (revoked, revocation-unavailable). */
  verdict: ChainVerdict;
  /** Each list cut to the per-message cap, its last entry then saying what was left out. */
  errors: string[];
  warnings: string[];
}

/** The CN values when there are any, else the whole name: tables need the short form. Taken from
 * the parsed CNs, not cut out of the DN text, so a comma in a value cannot split it. */
export function shortName(dn: string, cn: readonly string[] | undefined): string {
  return cn?.length ? cn.join(' + ') : dn;
}

function rowOf(c: ChainCertificate): ChainRowView {
  const d = c.daysLeft;
  const problems = c.problems.join('; ');
  return {
    position: `${c.fetchedFrom ? 'fetched' : c.sentIndex === null ? 'store' : `#${c.sentIndex}`} ${c.role}`,
    subject: shortName(c.info.subject, c.info.subjectCN),
    issuer: shortName(c.info.issuer, c.info.issuerCN),
    key: c.info.publicKey.label,
    signature: c.info.signatureAlgorithm.name,
    notAfter: c.info.notAfter.slice(0, 10),
    days: { text: `${d}`, tone: d < 0 ? 'bad' : d < 30 ? 'warn' : undefined },
    verdict: c.verdict === 'ok' ? { text: 'ok', tone: 'good' } : c.verdict === 'error' ? { text: `FAIL: ${problems}`, tone: 'bad' } : { text: `WARN: ${problems}`, tone: 'warn' },
  };
}

/** At most TEXT_MAX_ENTRIES_PER_MESSAGE entries, then what was left out. */
function cappedList(items: readonly string[]): string[] {
  const shown = items.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE);
  if (items.length > shown.length) shown.push(notShown(items.length - shown.length));
  return shown;
}

function ocspOf(report: ChainReport): ChainView['ocsp'] {
  if (!report.ocsp) return report.facts.some((f) => f.check === 'ocsp.stapled') ? 'none' : undefined;
  const r = report.ocsp.responses[0];
  const status: Toned = r
    ? r.status === 'good'
      ? { text: 'good', tone: 'good' }
      : r.status === 'revoked'
        ? { text: 'REVOKED', tone: 'bad' }
        : { text: 'unknown', tone: 'warn' }
    : { text: report.ocsp.responseStatusName, tone: 'warn' };
  const extra = r ? `, thisUpdate ${r.thisUpdate}${r.nextUpdate ? `, nextUpdate ${r.nextUpdate}` : ''}` : '';
  return { status, detail: `(produced ${report.ocsp.producedAt ?? '?'}${extra}; responder ${report.ocsp.responder ?? '?'})` };
}

const REVOCATION_TONE: Readonly<Record<string, Toned['tone']>> = { good: 'good', revoked: 'bad', unknown: 'warn', unavailable: 'warn' };
const METHOD_LABEL: Readonly<Record<string, string>> = { 'ocsp-staple': 'stapled OCSP', ocsp: 'OCSP', crl: 'CRL', none: '' };

function revocationOf(report: ChainReport): ChainView['revocation'] {
  return (report.revocation ?? []).slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).map((r, i) => {
    const via = METHOD_LABEL[r.method] ? ` via ${METHOD_LABEL[r.method]}${r.url ? ` ${r.url}` : ''}` : '';
    const text = r.status === 'revoked' ? 'REVOKED' : r.status;
    return { who: i === 0 ? 'leaf' : r.subject, status: { text, tone: REVOCATION_TONE[r.status] }, detail: `${via.trim()}${via ? ': ' : ''}${r.detail}` };
  });
}

export function describeChain(report: ChainReport): ChainView {
  // A hostile Certificate message can list 65,000 entries: the table shows the first ones.
  const rows = report.certificates.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).map(rowOf);
  const notes: string[] = [];
  if (report.decrypted) notes.push('Certificates read from the decrypted TLS 1.3 Certificate message.');
  if (report.source === 'node') notes.push('Chain as Node reports it (the Certificate message was not decoded, e.g. TLS 1.3 without keys): sent order not checked.');
  const view: ChainView = { rows, omitted: report.certificates.length - rows.length, notes, revocation: revocationOf(report), valid: report.valid, verdict: chainVerdict(report), errors: [], warnings: [] };
  if (report.anchor) {
    const a = report.anchor;
    const from = a.origin === 'system' ? "Node's root store" : a.origin === 'ca-file' ? `--ca ${a.file ?? ''}` : `NODE_EXTRA_CA_CERTS ${a.file ?? ''}`;
    view.anchor = `Trust anchor: ${a.subject} (${from.trim()}${a.sent ? ', sent by the server' : ''})`;
  }
  const host = report.facts.find((f) => f.check === 'hostname');
  if (host) view.hostname = { ok: host.ok, reason: host.reason };
  const ocsp = ocspOf(report);
  if (ocsp) view.ocsp = ocsp;
  const errorSet = new Set(report.errors);
  view.errors = cappedList(report.errors);
  view.warnings = cappedList(report.problems.filter((x) => !errorSet.has(x)));
  return view;
}
