// The certificate-chain section as text, rendered from the view (src/view/chain.ts): the table, then
// the anchor, hostname, OCSP and verdict lines. Every string is escaped here, once.

import Table from 'cli-table3';
import type { ChainReport } from '../analyse/chain/types.js';
import { describeChain, describeCt, notShown, type ChainView, type CtView } from '../view/index.js';
import { escapeControl } from './escape.js';
import { fitTable } from './fit.js';
import { palette, type Palette } from './palette.js';
import { toned } from './table.js';

export interface ChainRenderOptions {
  color: boolean;
  /** Width to fit the table in; omitted: no wrapping. */
  width?: number;
  /** The width is a terminal's (or COLUMNS): keep to it, breaking words too long for a column. */
  hard?: boolean;
}

function renderChainTable(view: ChainView, p: Palette, width: number | undefined, hard: boolean): string {
  const head = ['Pos', 'Subject', 'Issuer', 'Key', 'Signature', 'Not after', 'Days', 'Verdict'];
  const rows = view.rows.map((r) => [
    escapeControl(r.position),
    escapeControl(r.subject),
    escapeControl(r.issuer),
    escapeControl(r.key),
    escapeControl(r.signature),
    escapeControl(r.notAfter),
    toned(r.days.text, r.days.tone, p),
    toned(escapeControl(r.verdict.text), r.verdict.tone, p),
  ]);
  // Position, names, key and verdict wrap (at spaces; words too, for a terminal) to fit; the rest stay whole.
  const fitted = fitTable([head, ...rows], width, [0, 1, 2, 3, 7], hard && width !== undefined);
  const opts: ConstructorParameters<typeof Table>[0] = { head: fitted.rows[0].map((h) => p.heading(h)), style: { head: [], border: [] }, wordWrap: true };
  if (width) opts.colWidths = fitted.colWidths;
  const table = new Table(opts);
  for (const r of fitted.rows.slice(1)) table.push(r);
  return view.omitted > 0 ? `${table.toString()}\n${p.dim(notShown(view.omitted))}` : table.toString();
}

/** Certificate Transparency: the list used, one line per SCT, one per browser policy. */
function ctLines(view: CtView, p: Palette): string[] {
  const lines = [p.dim(escapeControl(view.list))];
  for (const s of view.scts) {
    const detail = s.detail ? ` — ${escapeControl(s.detail)}` : '';
    lines.push(`SCT (${s.where}): ${toned(escapeControl(s.status.text), s.status.tone, p)} ${escapeControl(s.log)} at ${escapeControl(s.time)}${detail}`);
  }
  if (view.scts.length === 0) lines.push(p.dim('SCTs: none'));
  if (view.more) lines.push(p.dim(view.more));
  for (const c of view.policies) lines.push(`CT policy (${c.name}): ${c.met ? p.good('met') : p.warn('NOT MET')} — ${escapeControl(c.reason)}`);
  return lines;
}

/** The chain's verdict word, shared by the text trace and the --html page. */
export const VERDICT_WORD: Record<ChainView['verdict'], string> = { valid: 'VALID', invalid: 'INVALID', revoked: 'REVOKED', 'revocation-unavailable': 'REVOCATION UNAVAILABLE', 'ct-policy': 'CT POLICY NOT MET' };

/** The one-line verdict: VALID, or INVALID (REVOKED, REVOCATION UNAVAILABLE, CT POLICY NOT MET) naming every error, plus warnings. */
function verdictLine(view: ChainView, p: Palette): string {
  const head = view.valid ? p.good(VERDICT_WORD[view.verdict]) : p.bad(VERDICT_WORD[view.verdict]);
  const parts: string[] = [];
  if (view.errors.length) parts.push(view.errors.map(escapeControl).join('; '));
  if (view.warnings.length) parts.push(p.warn(`warnings: ${view.warnings.map(escapeControl).join('; ')}`));
  return `Verdict: ${head}${parts.length ? ` — ${parts.join(' | ')}` : ''}`;
}

export function renderChain(report: ChainReport, options: ChainRenderOptions): string {
  const p = palette(options.color);
  const view = describeChain(report);
  const lines: string[] = [];
  if (view.rows.length || view.omitted) lines.push(renderChainTable(view, p, options.width, options.hard === true));
  for (const note of view.notes) lines.push(p.dim(note));
  if (view.anchor) lines.push(escapeControl(view.anchor));
  if (view.hostname) lines.push(`Hostname: ${view.hostname.ok ? p.good('match') : p.bad('MISMATCH')} — ${escapeControl(view.hostname.reason)}`);
  if (view.ocsp === 'none') lines.push(p.dim('OCSP staple: none'));
  else if (view.ocsp) lines.push(`OCSP staple: ${toned(escapeControl(view.ocsp.status.text), view.ocsp.status.tone, p)} ${escapeControl(view.ocsp.detail)}`);
  for (const r of view.revocation) lines.push(`Revocation of ${escapeControl(r.who)}: ${toned(escapeControl(r.status.text), r.status.tone, p)} — ${escapeControl(r.detail)}`);
  if (report.ct) lines.push(...ctLines(describeCt(report.ct), p));
  lines.push(verdictLine(view, p));
  return `${lines.join('\n')}\n`;
}
