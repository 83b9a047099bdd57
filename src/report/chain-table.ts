// The certificate-chain view: one table row per certificate (path order, then unrelated extras),
// then the anchor, hostname, OCSP and a verdict line naming every problem. Reads only the
// ChainReport; every certificate-supplied string goes through escapeControl.

import Table from 'cli-table3';
import type { ChainCertificate, ChainReport } from '../analyse/chain/types.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import { escapeControl } from './escape.js';
import { fitColumns } from './fit.js';
import { notShown } from '../view/index.js';
import { palette, type Palette } from './palette.js';

export interface ChainRenderOptions {
  color: boolean;
  /** Terminal width to fit the table in; omitted: no wrapping. */
  width?: number;
}

function position(c: ChainCertificate): string {
  const where = c.sentIndex === null ? 'store' : `#${c.sentIndex}`;
  return `${where} ${c.role}`;
}

/** The CN values when there are any, else the whole name: tables need the short form. Taken from
 * the parsed CNs, not cut out of the DN text, so a comma in a value cannot split it. */
export function shortName(dn: string, cn: readonly string[] | undefined): string {
  return cn?.length ? cn.join(' + ') : dn;
}

function daysText(c: ChainCertificate, p: Palette): string {
  const d = c.daysLeft;
  if (d < 0) return p.bad(`${d}`);
  if (d < 30) return p.warn(`${d}`);
  return `${d}`;
}

function verdictText(c: ChainCertificate, p: Palette): string {
  if (c.verdict === 'ok') return p.good('ok');
  const text = c.problems.map(escapeControl).join('; ');
  return c.verdict === 'error' ? p.bad(`FAIL: ${text}`) : p.warn(`WARN: ${text}`);
}

export function renderChainTable(report: ChainReport, p: Palette, width?: number): string {
  const head = ['Pos', 'Subject', 'Issuer', 'Key', 'Signature', 'Not after', 'Days', 'Verdict'];
  // A hostile Certificate message can list 65,000 entries: the table shows the first ones.
  const rows = report.certificates.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).map((c) => [
    position(c),
    escapeControl(shortName(c.info.subject, c.info.subjectCN)),
    escapeControl(shortName(c.info.issuer, c.info.issuerCN)),
    c.info.publicKey.label,
    escapeControl(c.info.signatureAlgorithm.name),
    c.info.notAfter.slice(0, 10),
    daysText(c, p),
    verdictText(c, p),
  ]);
  const opts: ConstructorParameters<typeof Table>[0] = { head: head.map((h) => p.heading(h)), style: { head: [], border: [] }, wordWrap: true };
  // Position, names, key and verdict wrap (at spaces only) to fit; the rest stay whole.
  if (width) opts.colWidths = fitColumns([head, ...rows], width, [0, 1, 2, 3, 7]);
  const table = new Table(opts);
  for (const r of rows) table.push(r);
  const left = report.certificates.length - rows.length;
  return left > 0 ? `${table.toString()}\n${p.dim(notShown(left))}` : table.toString();
}

/** Escaped entries, at most TEXT_MAX_ENTRIES_PER_MESSAGE of them, then what was left out. */
function cappedList(items: readonly string[]): string[] {
  const shown = items.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).map(escapeControl);
  if (items.length > shown.length) shown.push(notShown(items.length - shown.length));
  return shown;
}

/** The one-line verdict: VALID, or INVALID naming every error, plus warnings. */
export function chainVerdictLine(report: ChainReport, p: Palette): string {
  const errorSet = new Set(report.errors);
  const errors = cappedList(report.errors);
  const warnings = cappedList(report.problems.filter((x) => !errorSet.has(x)));
  const head = report.valid ? p.good('VALID') : p.bad('INVALID');
  const parts: string[] = [];
  if (errors.length) parts.push(errors.join('; '));
  if (warnings.length) parts.push(p.warn(`warnings: ${warnings.join('; ')}`));
  return `Verdict: ${head}${parts.length ? ` — ${parts.join(' | ')}` : ''}`;
}

export function renderChain(report: ChainReport, options: ChainRenderOptions): string {
  const p = palette(options.color);
  const lines: string[] = [];
  if (report.certificates.length) lines.push(renderChainTable(report, p, options.width));
  if (report.decrypted) lines.push(p.dim('Certificates read from the decrypted TLS 1.3 Certificate message.'));
  if (report.source === 'node') lines.push(p.dim("Chain as Node reports it (the Certificate message was not decoded, e.g. TLS 1.3 without keys): sent order not checked."));
  if (report.anchor) {
    const a = report.anchor;
    const from = a.origin === 'system' ? "Node's root store" : a.origin === 'ca-file' ? `--ca ${a.file ?? ''}` : `NODE_EXTRA_CA_CERTS ${a.file ?? ''}`;
    lines.push(`Trust anchor: ${escapeControl(a.subject)} (${escapeControl(from.trim())}${a.sent ? ', sent by the server' : ''})`);
  }
  const host = report.facts.find((f) => f.check === 'hostname');
  if (host) lines.push(`Hostname: ${host.ok ? p.good('match') : p.bad('MISMATCH')} — ${escapeControl(host.reason)}`);
  if (report.ocsp) {
    const r = report.ocsp.responses[0];
    const status = r ? (r.status === 'good' ? p.good('good') : r.status === 'revoked' ? p.bad('REVOKED') : p.warn('unknown')) : p.warn(report.ocsp.responseStatusName);
    const extra = r ? `, thisUpdate ${r.thisUpdate}${r.nextUpdate ? `, nextUpdate ${r.nextUpdate}` : ''}` : '';
    lines.push(`OCSP staple: ${status} (produced ${report.ocsp.producedAt ?? '?'}${extra}; responder ${escapeControl(report.ocsp.responder ?? '?')})`);
  } else if (report.facts.some((f) => f.check === 'ocsp.stapled')) lines.push(p.dim('OCSP staple: none'));
  lines.push(chainVerdictLine(report, p));
  return `${lines.join('\n')}\n`;
}

