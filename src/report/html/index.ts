// `--html FILE`: the trace as one self-contained page: the ladder as SVG, a card per step with its
// annotated hex views, the key schedule, the negotiated table, the certificate chain and the
// notes. Inline CSS and script only, allowed by hash in a strict Content-Security-Policy (no
// fetch of any kind, works from file://); every string written once through html(); the data the
// script needs in an application/json block. Reads the view model and the spans only.

import { createHash } from 'node:crypto';
import { HTML_MAX_HEX_BYTES } from '../../limits.js';
import { ladderView } from '../../view/ladder.js';
import { prologueView } from '../../view/prologue.js';
import { tcpView } from '../../view/tcp.js';
import type { TraceView } from '../view.js';
import { html, scriptJson } from './escape.js';
import type { HexSink } from './hex-view.js';
import { renderLadderSvg } from './ladder-svg.js';
import { PAGE_SCRIPT } from './script.js';
import { renderChainSection, renderDecryption, renderHeader, renderNegotiated, renderNotes } from './sections.js';
import { renderSteps } from './steps.js';
import { PAGE_CSS } from './style.js';

export interface HtmlOptions {
  /** Secret, key and IV values were asked for (--show-secrets): the page says it holds them. */
  showSecrets: boolean;
  /** The one line the CLI prints on stderr for a failed capture (unescaped), shown under the outcome. */
  failure?: string;
}

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Nothing may load, connect, frame or submit; only the page's own style and script run. */
export const PAGE_CSP = `default-src 'none'; style-src ${hash(PAGE_CSS)}; script-src ${hash(PAGE_SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

interface Part {
  id: string;
  /** The navigation link's text. */
  nav: string;
  title: string;
  content: string;
}

function section(p: Part): string {
  return `<section id="${p.id}">\n<h2>${html(p.title)}</h2>\n${p.content}\n</section>`;
}

/** The field table for the script. */
function scriptData(sink: HexSink): unknown {
  // Sentences repeat for every field of a message: each is stored once, fields hold its number.
  const texts: string[] = [];
  const index = new Map<string, number>();
  const textNumber = (text: string): number => {
    let n = index.get(text);
    if (n === undefined) {
      n = texts.push(text) - 1;
      index.set(text, n);
    }
    return n;
  };
  const fields = sink.fields.map((f) => ({ label: f.label, path: f.path, value: f.value, offset: f.offset, length: f.length, about: textNumber(f.about), purpose: textNumber(f.purpose) }));
  return { fields, texts };
}

const FIELD_PANEL = `<aside id="field-info" hidden aria-live="polite"><h2>Selected field</h2><dl>
<dt>field</dt><dd id="fi-label"></dd><dt>value</dt><dd id="fi-value"></dd><dt>inside</dt><dd id="fi-path"></dd>
<dt>where</dt><dd id="fi-where"></dd><dt>what for</dt><dd id="fi-about"></dd><dt>message</dt><dd id="fi-purpose"></dd></dl></aside>`;

export function renderHtml(view: TraceView, opts: HtmlOptions): string {
  const { capture, analysis, decoded } = view;
  const host = capture.target.host.includes(':') ? `[${capture.target.host}]` : capture.target.host;
  const title = `tls-trace ${capture.target.unicodeHost ?? host}:${capture.target.port}`;
  const tcp = tcpView(capture, decoded.records);
  const prologue = prologueView(capture);
  const ladder = ladderView({ decoded, analysis, ...(tcp ? { tcp } : {}), ...(prologue ? { prologue } : {}) });
  const sink: HexSink = { fields: [], bytesLeft: HTML_MAX_HEX_BYTES };
  const steps = renderSteps(view, sink);
  const n = analysis.steps.length;
  const f = analysis.flights.length;
  const handshakeTitle = `Handshake · ${n} step${n === 1 ? '' : 's'} in ${f} flight${f === 1 ? '' : 's'}`;
  const rtt = ladder.handshakeRoundTrips;
  const parts: Part[] = [
    { id: 'ladder', nav: 'Ladder', title: rtt ? `Ladder · TLS handshake in ${rtt} round trip${rtt === 1 ? '' : 's'}` : 'Ladder', content: renderLadderSvg(ladder) },
    { id: 'handshake', nav: 'Handshake', title: handshakeTitle, content: `<p class="dim hint" id="hint">Hover any byte to see its field (each coloured run of bytes is one field; the list under each record names them all).</p>\n${steps}` },
    { id: 'keys', nav: 'Keys', title: 'Key schedule and decrypted records', content: renderDecryption(view.decryption, opts.showSecrets) },
    { id: 'negotiated', nav: 'Negotiated', title: 'Negotiated', content: renderNegotiated(view) },
    { id: 'chain', nav: 'Certificate chain', title: 'Certificate chain', content: view.chain ? renderChainSection(view.chain) : '' },
    { id: 'notes', nav: 'Notes', title: 'Notes', content: renderNotes(view) },
  ].filter((p) => p.content !== '');
  const secrets = opts.showSecrets ? '<p class="banner">This page holds the session\'s secrets (--show-secrets): anyone who has it and the traffic can decrypt the connection. Keep it private.</p>' : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tls-trace">
<title>${html(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${html(title)}</h1>
${secrets}
${renderHeader(view)}
${opts.failure ? `<p class="bad">✖ ${html(opts.failure)}</p>` : ''}
<nav>${parts.map((p) => `<a href="#${p.id}">${p.nav}</a>`).join('')}</nav>
</header>
<main>
${parts.map(section).join('\n')}
</main>
${FIELD_PANEL}
<footer>Written by tls-trace. This file is self-contained: it loads nothing and connects nowhere.</footer>
<script type="application/json" id="tls-trace-data">${scriptJson(scriptData(sink))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
