// The handshake as cards: one section per flight, one card per step with its details, its plain
// explanation, its issues and checks, then the annotated hex view of each record it was the first
// to use, and of its decrypted plaintext. Text comes from src/view (viewStep); the bytes' labels
// from the same spans as `--hex`.

import type { Flight, Step } from '../../analyse/types.js';
import { toStreamSpans } from '../../decode/coverage.js';
import { findStreamSpace } from '../../decode/index.js';
import type { DecodedTrace, Message, TlsRecord } from '../../decode/model.js';
import { HTML_MAX_SPANS_PER_RECORD, HTML_MAX_STEP_CARDS } from '../../limits.js';
import { describeMessage, viewStep, type StepView } from '../../view/index.js';
import { messageSpans, messagesOfRecord, recordSpans } from '../spans.js';
import { formatBytes, formatMs, issueText, recordWords } from '../text.js';
import type { TraceView } from '../view.js';
import { html } from './escape.js';
import { renderHexDump, type HexSink } from './hex-view.js';

const RECORD_HEADER_PURPOSE =
  'The record header: content type, legacy version and length. Every TLS message travels in records like this one; the header tells the receiver how many bytes to read.';

/** What the bytes of a message are for: its step's explanation, computed once per message. */
class Purposes {
  private readonly text = new Map<Message, string>();
  private readonly stepOf = new Map<Message, Step>();
  constructor(private readonly view: TraceView) {
    for (const s of view.analysis.steps) {
      const m = view.decoded.messages[s.message];
      if (m) this.stepOf.set(m, s);
    }
  }

  of(m: Message): string {
    let text = this.text.get(m);
    if (text === undefined) {
      const step = this.stepOf.get(m);
      text = step ? describeMessage(step, m, this.view.analysis.tls13).explanation : '';
      this.text.set(m, text);
    }
    return text;
  }

  /** For a record's stream bytes: the header, else the message whose bytes lie at the offset. */
  inRecord(decoded: DecodedTrace, record: TlsRecord): (offset: number) => string {
    const carried = messagesOfRecord(decoded, record.index);
    const ranges = carried.flatMap((m) => toStreamSpans(m.space, m.offset, m.length).map((r) => ({ m, ...r })));
    return (offset) => {
      if (offset < record.bodyOffset) return RECORD_HEADER_PURPOSE;
      const hit = ranges.find((r) => offset >= r.offset && offset < r.offset + r.length)?.m ?? carried[0];
      return hit ? this.of(hit) : '';
    };
  }
}

/** The card's text: title line, details, explanation, issues, verification marks. */
function cardText(sv: StepView, m: Message | undefined): string[] {
  const { step } = sv;
  const arrow = step.direction === 'client' ? '→' : '←';
  const out = [`<h4><span class="num">${step.index}</span> <span class="dir">${arrow}</span> ${html(step.name)}`];
  if (sv.guess) out.push(` <span class="dim">(likely ${html(sv.guess)})</span>`);
  if (step.decrypted) out.push(' <span class="good">[decrypted]</span>');
  out.push(` <span class="meta">${html(`${formatMs(step.timeMs)} · ${recordWords(step)}`)}</span></h4>`);
  if (!m) return out;
  if (sv.details.length > 0) {
    out.push('<dl>');
    for (const d of sv.details) out.push(`<dt>${html(d.label)}</dt><dd>${html(d.value)}</dd>`);
    out.push('</dl>');
  }
  if (sv.explanation) out.push(`<p class="explain">${html(sv.explanation)}</p>`);
  for (const issue of step.issues) out.push(`<p class="bad">✖ ${html(issueText(issue, m))}</p>`);
  for (const f of sv.verifications) {
    const cls = f.ok ? 'good' : f.notVerified ? 'dim' : 'bad';
    out.push(`<p class="${cls}">${f.ok ? '✔' : f.notVerified ? '–' : '✖'} ${html(`${f.label}: ${f.reason}`)}</p>`);
  }
  return out;
}

interface CardContext {
  view: TraceView;
  sink: HexSink;
  purposes: Purposes;
  /** Records already dumped with an earlier step. */
  dumped: Set<number>;
}

/** The record dumps (each record once, with the first step that used it) and the decrypted plaintext. */
function cardHex(step: Step, m: Message, c: CardContext): string[] {
  const { decoded } = c.view;
  const out: string[] = [];
  const stream = findStreamSpace(decoded, step.direction);
  for (const r of step.records) {
    const record = decoded.records[r];
    if (!record || !stream) continue;
    if (c.dumped.has(r)) {
      out.push(`<p class="dim">record #${r + 1}: bytes shown with an earlier step</p>`);
      continue;
    }
    c.dumped.add(r);
    const title = `record #${r + 1} · ${step.direction} stream offset ${record.offset} · ${formatBytes(record.length)}`;
    const map = recordSpans(decoded, record, HTML_MAX_SPANS_PER_RECORD);
    out.push(renderHexDump({ title, record: r, map, bytes: stream.bytes, purposeAt: c.purposes.inRecord(decoded, record) }, c.sink));
  }
  if (m.space.decrypted) {
    const title = `decrypted plaintext (${m.space.id}) · ${formatBytes(m.length)}`;
    const purpose = c.purposes.of(m);
    out.push(renderHexDump({ title, map: messageSpans(m, HTML_MAX_SPANS_PER_RECORD), bytes: m.space.bytes, purposeAt: () => purpose }, c.sink));
  }
  return out;
}

function flightTitle(f: Flight, prev: Flight | undefined): string {
  const dir = f.direction === 'client' ? 'client → server' : 'server → client';
  const delta = prev ? ` (+${formatMs(f.startMs - prev.endMs)})` : '';
  return `Flight ${f.index} · ${dir} · ${formatMs(f.startMs)}${delta}`;
}

/** Every flight's section with its cards, at most HTML_MAX_STEP_CARDS cards in all. */
export function renderSteps(view: TraceView, sink: HexSink): string {
  const { analysis, decoded } = view;
  const c: CardContext = { view, sink, purposes: new Purposes(view), dumped: new Set() };
  const out: string[] = [];
  let cards = 0;
  analysis.flights.forEach((f, fi) => {
    if (cards >= HTML_MAX_STEP_CARDS) return;
    out.push(`<section class="flight ${f.direction}" id="flight-${f.index}" data-flight="${f.index}" data-direction="${f.direction}">`);
    out.push(`<h3>${html(flightTitle(f, analysis.flights[fi - 1]))}</h3>`);
    for (const n of f.steps) {
      const step = analysis.steps[n - 1];
      if (!step || cards >= HTML_MAX_STEP_CARDS) continue;
      cards++;
      const m = decoded.messages[step.message];
      const sv = viewStep(step, m, analysis.tls13, view.decryption);
      out.push(`<article class="step ${step.direction}" id="step-${step.index}">`, ...cardText(sv, m));
      if (m) out.push(...cardHex(step, m, c));
      out.push('</article>');
    }
    out.push('</section>');
  });
  if (analysis.steps.length > cards) {
    out.push(`<p class="cap">… ${analysis.steps.length - cards} more steps not shown (tls-trace shows at most ${HTML_MAX_STEP_CARDS} cards in the page; --json has them all) …</p>`);
  }
  return out.join('\n');
}
