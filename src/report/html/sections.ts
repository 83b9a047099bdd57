// The page's sections other than the ladder and the cards: the connection header, the key schedule
// and decrypted records, the negotiated table, the certificate chain with every verdict, and the
// notes. Each reads a view (src/view) and writes every string through html() once.

import type { ChainReport } from '../../analyse/chain/types.js';
import type { DecryptionResult } from '../../decrypt/types.js';
import { describeChain, describeCt, describeDecryption, describeNegotiated, type CtView, type ScheduleView, type Tone } from '../../view/index.js';
import { VERDICT_WORD } from '../chain-table.js';
import { formatBytes, formatMs, traceNotes } from '../text.js';
import type { TraceView } from '../view.js';
import { html } from './escape.js';

const toneClass = (tone: Tone | undefined): string => (tone ? ` class="${tone}"` : '');

/** A value the analysis laid out on several lines (`suite\nAES_256_GCM · AEAD`), each line escaped. */
const lines = (text: string): string => text.split('\n').map(html).join('<br>');

/** Label/value rows as a definition list. */
function rows(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="rows">${pairs.map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`).join('')}</dl>`;
}

export function renderHeader(view: TraceView): string {
  const { target, timings } = view.capture;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const shown = target.unicodeHost ? `${target.unicodeHost} (${host})` : host;
  const t = timings;
  const pairs: Array<[string, string]> = [
    ['target', `${shown}:${target.port} · ${target.servername ? `SNI ${target.servername}` : 'no SNI'}`],
    ['address', target.address ? `${target.address}${target.family ? ` (IPv${target.family})` : ''}` : '—'],
    ['source', view.capture.source === 'pcap' ? 'packet capture file' : view.capture.options.demo ? 'tls-trace --demo' : 'live connection'],
    ['started', view.capture.startedAt],
    ['timings', `DNS ${formatMs(t.dnsMs)} · TCP connect ${formatMs(t.connectMs)} · TLS handshake ${formatMs(t.tlsMs)} · total ${formatMs(t.totalMs)}`],
    ['bytes', `client → server ${formatBytes(view.analysis.bytes.client)} · server → client ${formatBytes(view.analysis.bytes.server)}`],
  ];
  const outcome = view.analysis.outcome;
  return `${rows(pairs)}\n<p class="outcome ${outcome.complete ? 'good' : 'bad'}">${html(outcome.summary)}</p>`;
}

function scheduleHtml(ks: ScheduleView): string[] {
  const out = [`<h3>${html(ks.title)}</h3>`];
  const pairs: Array<[string, string]> = [['client random', `${ks.clientRandom} (names this connection in the key log)`]];
  if (ks.negotiated) pairs.push(['negotiated', ks.negotiated]);
  pairs.push(['records', ks.recordProtection]);
  out.push(rows(pairs), '<ul class="secrets">');
  for (const s of ks.secrets) {
    out.push(`<li><b class="${s.direction ?? ''}">${html(s.name)}</b> ${html(s.words)}<ul>`);
    if (s.secret) out.push(`<li>secret · ${s.secretLength} bytes <code class="secret">${html(s.secret)}</code></li>`);
    for (const o of s.outputs) {
      out.push(`<li>${html(o.name)} · ${o.length} bytes · ${html(o.derivation)}${o.value ? ` <code class="secret">${html(o.value)}</code>` : ''}</li>`);
    }
    out.push('</ul></li>');
  }
  out.push('</ul>');
  if (ks.secretsHidden) out.push('<p class="dim">Secret values are hidden; --show-secrets writes them (and makes this file owner-only).</p>');
  return out;
}

/** Key schedule, per-record decryption outcomes, verification marks and notes; '' when decryption was not attempted. */
export function renderDecryption(result: DecryptionResult | undefined, showSecrets: boolean): string {
  if (!result) return '';
  const view = describeDecryption(result, showSecrets);
  const out: string[] = [];
  if (view.schedule) out.push(...scheduleHtml(view.schedule));
  else if (view.heading) out.push(`<h3>${html(view.heading)}</h3>`);
  if (view.records.length > 0) {
    out.push(`<h3>Decrypted records · ${view.opened} of ${view.records.length}</h3><ul class="marks">`);
    for (const r of view.records) {
      out.push(`<li class="${r.ok ? 'good' : 'bad'}">${r.ok ? '✔' : '✖'} <a href="#rec-${r.number - 1}">record #${r.number}</a> <span class="${r.direction}">${r.direction}</span> · ${html(r.words)}</li>`);
    }
    out.push('</ul>');
  }
  if (view.verifications.length > 0) {
    out.push('<h3>Verification</h3><ul class="marks">');
    for (const f of view.verifications) out.push(`<li class="${f.ok ? 'good' : f.notVerified ? 'dim' : 'bad'}">${f.ok ? '✔' : f.notVerified ? '–' : '✖'} ${html(`${f.label}: ${f.reason}`)}</li>`);
    out.push('</ul>');
  }
  for (const n of view.notes) out.push(`<p class="warn">! ${html(n)}</p>`);
  return out.join('\n');
}

export function renderNegotiated(view: TraceView): string {
  const out = ['<table class="negotiated"><thead><tr><th>parameter</th><th>value</th><th>note</th></tr></thead><tbody>'];
  for (const r of describeNegotiated(view.analysis)) {
    out.push(`<tr><th scope="row">${html(r.label)}</th><td${toneClass(r.tone)}>${lines(r.value)}</td><td class="dim">${html(r.noteWords)}</td></tr>`);
  }
  out.push('</tbody></table>');
  const f = view.analysis.fingerprints;
  const prints: Array<[string, string]> = [];
  if (f.ja3) prints.push(['JA3', `${f.ja3.hash}  ${f.ja3.full}`]);
  if (f.ja4) prints.push(['JA4', f.ja4.ja4]);
  if (f.ja3s) prints.push(['JA3S', `${f.ja3s.hash}  ${f.ja3s.full}`]);
  if (prints.length > 0) out.push(rows(prints));
  return out.join('\n');
}

/** The chain table with each certificate's verdict, then anchor, hostname, OCSP, revocation and the overall verdict. */
export function renderChainSection(report: ChainReport): string {
  const c = describeChain(report);
  const out = ['<table class="chain"><thead><tr><th>#</th><th>subject</th><th>issuer</th><th>key</th><th>signature</th><th>not after</th><th>days</th><th>verdict</th></tr></thead><tbody>'];
  for (const r of c.rows) {
    const cells = [r.position, r.subject, r.issuer, r.key, r.signature, r.notAfter].map((v) => `<td>${html(v)}</td>`).join('');
    out.push(`<tr>${cells}<td${toneClass(r.days.tone)}>${html(r.days.text)}</td><td${toneClass(r.verdict.tone)}>${html(r.verdict.text)}</td></tr>`);
  }
  out.push('</tbody></table>');
  if (c.omitted > 0) out.push(`<p class="cap">… ${c.omitted} more certificates not listed (tls-trace lists at most ${c.rows.length}) …</p>`);
  for (const n of c.notes) out.push(`<p class="dim">${html(n)}</p>`);
  if (c.anchor) out.push(`<p>${html(c.anchor)}</p>`);
  if (c.hostname) out.push(`<p class="${c.hostname.ok ? 'good' : 'bad'}">${c.hostname.ok ? '✔' : '✖'} hostname: ${html(c.hostname.reason)}</p>`);
  if (c.ocsp === 'none') out.push('<p class="dim">OCSP: no stapled response</p>');
  else if (c.ocsp) out.push(`<p>OCSP staple: <span${toneClass(c.ocsp.status.tone)}>${html(c.ocsp.status.text)}</span> ${html(c.ocsp.detail)}</p>`);
  for (const r of c.revocation) out.push(`<p>revocation (${html(r.who)}): <span${toneClass(r.status.tone)}>${html(r.status.text)}</span> ${html(r.detail)}</p>`);
  if (report.ct) out.push(...ctParagraphs(describeCt(report.ct)));
  // The same verdict word as the text's Verdict line (REVOKED, REVOCATION UNAVAILABLE, CT POLICY NOT MET).
  out.push(`<p class="verdict ${c.valid ? 'good' : 'bad'}">${c.valid ? '✔' : '✖'} verdict: ${VERDICT_WORD[c.verdict]}</p>`);
  if (c.errors.length) out.push(`<ul class="bad">${c.errors.map((e) => `<li>${html(e)}</li>`).join('')}</ul>`);
  if (c.warnings.length) out.push(`<ul class="warn">${c.warnings.map((e) => `<li>${html(e)}</li>`).join('')}</ul>`);
  return out.join('\n');
}

/** Certificate Transparency as the text has it: the list used, one line per SCT, one per browser policy. */
function ctParagraphs(view: CtView): string[] {
  const out = [`<p class="dim">${html(view.list)}</p>`];
  for (const s of view.scts) {
    const detail = s.detail ? ` — ${html(s.detail)}` : '';
    out.push(`<p>SCT (${html(s.where)}): <span${toneClass(s.status.tone)}>${html(s.status.text)}</span> ${html(s.log)} at ${html(s.time)}${detail}</p>`);
  }
  if (view.scts.length === 0) out.push('<p class="dim">SCTs: none</p>');
  if (view.more) out.push(`<p class="dim">${html(view.more)}</p>`);
  for (const c of view.policies) out.push(`<p>CT policy (${html(c.name)}): <span class="${c.met ? 'good' : 'warn'}">${c.met ? 'met' : 'NOT MET'}</span> — ${html(c.reason)}</p>`);
  return out;
}

export function renderNotes(view: TraceView): string {
  const notes = traceNotes(view);
  return notes.length === 0 ? '' : `<ul class="notes">${notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>`;
}
