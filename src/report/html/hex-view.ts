// A record (or a decrypted message) as an annotated hex view: the bytes grouped into one element
// per labelled span, the spans the terminal's `--hex` view uses (src/report/spans.ts). Each span
// carries its label as a tooltip (readable without the script), its offset and length, and an
// index into the page's field table, which the script shows on hover, focus or click. A legend
// lists the same fields for print and for readers without the script.

import { HTML_MAX_HEX_BYTES, HTML_MAX_HEX_BYTES_PER_RECORD, HTML_MAX_SPANS_PER_RECORD } from '../../limits.js';
import { fieldPurpose } from '../../view/field-purposes.js';
import { spanText } from '../hex.js';
import type { HexSpan, SpanMap } from '../spans.js';
import { formatBytes } from '../text.js';
import { html } from './escape.js';

/** One labelled field as the page's script shows it (the JSON block's `fields`). */
export interface FieldEntry {
  /** The field's name (`Cipher suite`), with its decode issue if it has one. */
  label: string;
  /** The enclosing fields, outermost first, joined with ` › `. */
  path: string;
  /** The decoded value in words ('' when the label already says it or there is none). */
  value: string;
  /** Offset in the dumped byte space and length. */
  offset: number;
  length: number;
  /** What this field is for, in one sentence ('' when src/view/field-purposes.ts has none). */
  about: string;
  /** What the bytes are for as a whole: the explanation of the message (or record layer) they belong to. */
  purpose: string;
}

/** Collects the fields of every hex view in the page and the bytes still allowed to be shown. */
export interface HexSink {
  fields: FieldEntry[];
  /** Bytes all hex views may still show (HTML_MAX_HEX_BYTES in all). */
  bytesLeft: number;
}

export interface HexDump {
  /** `record #3 · server stream offset 1234 · 2,345 bytes`. */
  title: string;
  /** `data-record` on the view (records only; a decrypted plaintext has none). */
  record?: number;
  map: SpanMap;
  bytes: Uint8Array;
  /** The purpose of the bytes at a given offset (for FieldEntry.purpose). */
  purposeAt: (offset: number) => string;
}

/** The hex view's markup; spans past the per-record or page byte cap are left out and counted. */
export function renderHexDump(dump: HexDump, sink: HexSink): string {
  const { map } = dump;
  const cap = Math.min(HTML_MAX_HEX_BYTES_PER_RECORD, sink.bytesLeft);
  const parts: string[] = [];
  const legend: string[] = [];
  let shown = 0;
  for (const [k, span] of map.spans.entries()) {
    if (shown >= cap) break;
    const n = Math.min(span.length, cap - shown);
    const i = sink.fields.length;
    const label = spanText(span);
    sink.fields.push({ label: fieldName(span), path: span.path.join(' › '), value: valueText(span), offset: span.offset, length: span.length, about: fieldPurpose(span.name) ?? '', purpose: dump.purposeAt(span.offset) });
    const cls = span.kind === 'gap' || span.issue ? 'f bad' : `f c${k % 6}`;
    const cut = n < span.length ? ` data-cut="${n}"` : '';
    parts.push(`<span class="${cls}" tabindex="0" data-i="${i}" data-o="${span.offset}" data-n="${span.length}"${cut} title="${html(label)}">${hexOf(dump.bytes, span.offset, n)}</span>`);
    legend.push(`<li><code>${span.offset.toString(16).padStart(4, '0')}</code> <code>+${span.length}</code> ${html(label)}</li>`);
    shown += n;
  }
  sink.bytesLeft -= shown;
  const left = map.length - shown;
  const record = dump.record === undefined ? '' : ` id="rec-${dump.record}" data-record="${dump.record}"`;
  const out = [`<figure class="dump"${record} data-offset="${map.offset}" data-length="${map.length}" data-shown="${shown}">`];
  out.push(`<figcaption>${html(dump.title)}</figcaption>`);
  out.push(`<div class="hex">${parts.join('')}</div>`);
  if (left > 0) out.push(`<p class="cap">${html(capWords(left, shown < cap && map.omitted ? 'fields' : sink.bytesLeft <= 0 ? 'page' : 'record'))}</p>`);
  if (map.gaps || map.overlaps) out.push(`<p class="bad">✖ ${map.gaps} byte(s) not explained by any field, ${map.overlaps} claimed twice</p>`);
  out.push(`<details class="legend"><summary>${legend.length} field${legend.length === 1 ? '' : 's'}</summary><ol>${legend.join('')}</ol></details>`);
  out.push('</figure>');
  return out.join('\n');
}

/** Which of tls-trace's caps stopped the view: fields per record, bytes per record, bytes per page. */
type HexCap = 'fields' | 'record' | 'page';

function capWords(left: number, cap: HexCap): string {
  const why =
    cap === 'fields'
      ? `the page labels at most ${HTML_MAX_SPANS_PER_RECORD} fields of each record`
      : cap === 'record'
        ? `the page shows at most ${formatBytes(HTML_MAX_HEX_BYTES_PER_RECORD)} of each record`
        : `the page shows at most ${formatBytes(HTML_MAX_HEX_BYTES)} of hex in all`;
  return `… ${formatBytes(left)} not shown here (tls-trace's own cap: ${why}; --json has every byte) …`;
}

function fieldName(span: HexSpan): string {
  const name = span.kind === 'parent' ? `${span.label} (undecoded part)` : span.label;
  return span.issue ? `${name} ✖ ${span.issue}` : name;
}

/** The value in words when the label does not already carry it (long hex, nested values). */
function valueText(span: HexSpan): string {
  if (span.display !== undefined) return span.display;
  const v = span.value;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  return '';
}

function hexOf(bytes: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = bytes[at + i];
    s += `${b === undefined ? '??' : b.toString(16).padStart(2, '0')} `;
  }
  return s;
}
