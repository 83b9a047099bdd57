// The human-readable trace: connection header, numbered steps grouped into flights, the
// negotiated-parameters table and notes. Reads the view model only; never parses bytes.

import type { Fingerprints, Flight, Step } from '../analyse/types.js';
import type { DecodeIssue } from '../decode/types.js';
import type { DecodedTrace, Message } from '../decode/model.js';
import { HEX_MAX_LINES_PER_DUMP } from '../limits.js';
import { escapeControl } from './escape.js';
import { displayWidth } from './fit.js';
import { renderChain } from './chain-table.js';
import { renderHex } from './hex.js';
import { renderKeySchedule, verificationMark } from './key-schedule.js';
import { palette, type Palette } from './palette.js';
import { messageSpans, recordSpans } from './spans.js';
import { findStreamSpace } from '../decode/index.js';
import { renderNegotiatedTable } from './table.js';
import type { RenderOptions, TraceView } from './view.js';
import { describeNegotiated, viewStep, type StepView } from '../view/index.js';
import { tcpView } from '../view/tcp.js';
import { renderPacketList, tcpCloseLines, tcpOpenLines } from './packets.js';
import { prologueView } from '../view/prologue.js';
import { renderPrologue } from './prologue.js';
import { ladderView } from '../view/ladder.js';
import { renderLadder } from './ladder.js';

const DEFAULT_WIDTH = 100;
/** A hostile peer can send thousands of tiny records: the text shows the head and tail only. */
const HEAD_STEPS = 1000;
const TAIL_STEPS = 100;

export function renderText(view: TraceView, opts: RenderOptions): string {
  const p = palette(opts.color);
  const width = Math.max(60, opts.width ?? DEFAULT_WIDTH);
  const out: string[] = [];
  append(out, header(view, p));
  out.push('');
  // Packet sources only: the TCP handshake before Flight 1, the teardown and --packets after the last flight.
  const tcp = tcpView(view.capture, view.decoded.records);
  // STARTTLS, CONNECT, PROXY header: the plaintext steps come first, as they happened.
  const prologue = prologueView(view.capture);
  if (opts.ladder !== false) {
    const ladder = renderLadder(ladderView({ decoded: view.decoded, analysis: view.analysis, ...(tcp ? { tcp } : {}), ...(prologue ? { prologue } : {}) }), { p, width, ascii: opts.ascii === true });
    if (ladder.length > 0) append(out, [...ladder, '']);
  }
  if (tcp) append(out, [...tcpOpenLines(tcp, p), '']);
  if (prologue) append(out, [...renderPrologue(prologue, { p, width, hex: opts.hex }), '']);
  append(out, handshake(view, opts, p, width));
  out.push('');
  if (tcp) append(out, [...tcpCloseLines(tcp, p), '']);
  if (tcp && opts.packets) append(out, [...renderPacketList(tcp, p), '']);
  const keys = view.decryption ? renderKeySchedule(view.decryption, { color: opts.color, showSecrets: opts.showSecrets === true }) : '';
  if (keys) out.push(keys);
  out.push(p.heading('Negotiated'));
  out.push(renderNegotiatedTable(describeNegotiated(view.analysis), p, width, opts.width !== undefined));
  append(out, fingerprintLines(view.analysis.fingerprints, p));
  if (view.chain) {
    out.push('');
    out.push(p.heading('Certificate chain'));
    out.push(renderChain(view.chain, { color: opts.color, width, hard: opts.width !== undefined }).replace(/\n$/, ''));
  }
  const notes = traceNotes(view).map((n) => escapeControl(n));
  if (notes.length) {
    out.push('');
    out.push(p.heading('Notes'));
    for (const n of notes) append(out, wrap(`• ${n}`, width - 2).map((l, i) => (i === 0 ? l : `  ${l}`)));
  }
  return out.join('\n') + '\n';
}

/** `out.push(...lines)` without spreading: a spread of 100,000+ lines overflows the call stack. */
export function append(out: string[], lines: readonly string[]): void {
  for (const line of lines) out.push(line);
}

/** One line per fingerprint under the negotiated table (digits, hex and `,_-` only: nothing to escape). */
function fingerprintLines(f: Fingerprints, p: Palette): string[] {
  const rows: Array<[string, string]> = [];
  if (f.ja3) rows.push(['JA3', `${f.ja3.hash}  ${f.ja3.full}`]);
  if (f.ja4) rows.push(['JA4', f.ja4.ja4], ['JA4_r', f.ja4.ja4_r], ['JA4_o', f.ja4.ja4_o], ['JA4_ro', f.ja4.ja4_ro]);
  if (f.ja3s) rows.push(['JA3S', `${f.ja3s.hash}  ${f.ja3s.full}`]);
  return rows.map(([k, v]) => `  ${p.dim(k.padEnd(7))}${v}`);
}

// ---- header ------------------------------------------------------------------------------------

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(n: number): string {
  // Not toLocaleString: its first call loads ICU data, ~20 ms of a ~100 ms trace.
  return `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} B`;
}

function header(view: TraceView, p: Palette): string[] {
  const { target, timings } = view.capture;
  // An internationalised name is shown both ways: `bücher.example (xn--bcher-kva.example)`.
  const ascii = target.host.includes(':') ? `[${target.host}]` : target.host;
  const host = target.unicodeHost ? `${target.unicodeHost} (${ascii})` : ascii;
  const sni = target.servername ? `SNI ${target.servername}` : 'no SNI';
  const rows: Array<[string, string]> = [];
  rows.push(['target', `${host}:${target.port} · ${sni}`]);
  rows.push(...routeRows(target));
  const proxyMs = timings.proxyMs !== undefined ? ` · proxy CONNECT ${formatMs(timings.proxyMs)}` : '';
  rows.push([
    'timings',
    `DNS ${formatMs(timings.dnsMs)} · TCP connect ${formatMs(timings.connectMs)}${proxyMs}${timings.starttlsMs !== undefined ? ` · STARTTLS ${formatMs(timings.starttlsMs)}` : ''} · TLS handshake ${formatMs(timings.tlsMs)} · total ${formatMs(timings.totalMs)}`,
  ]);
  const b = view.analysis.bytes;
  rows.push(['bytes', `client → server ${formatBytes(b.client)} · server → client ${formatBytes(b.server)}`]);
  const outcome = view.analysis.outcome;
  rows.push(['outcome', outcome.complete ? p.good(outcome.summary) : p.bad(escapeControl(outcome.summary))]);
  const lines = [p.heading(`tls-trace ${escapeControl(host)}:${target.port}`)];
  for (const [k, v] of rows) lines.push(`  ${p.dim(k.padEnd(9))} ${k === 'outcome' ? v : escapeControl(v)}`);
  return lines;
}

/** Where the connection went: the address (or that the proxy resolved the name), --connect-to, the proxy. */
function routeRows(target: TraceView['capture']['target']): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const formatAddress = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const at = (address: string, family: number | undefined): string => `${address}${family ? ` (IPv${family})` : ''}`;
  if (target.connectTo) rows.push(['via', `--connect-to ${formatAddress(target.connectTo.host, target.connectTo.port)} (SNI and certificate checks still use ${target.host})`]);
  const proxy = target.proxy;
  if (proxy) {
    const answer = proxy.status !== undefined ? ` → ${proxy.status}${proxy.reason ? ` ${proxy.reason}` : ''}` : ' → no answer';
    const dest = target.connectTo ?? { host: target.host, port: target.port };
    rows.push(['proxy', `${formatAddress(proxy.host, proxy.port)}${proxy.address ? ` at ${at(proxy.address, proxy.family)}` : ''}${proxy.auth ? ' · Basic auth' : ''} · CONNECT ${formatAddress(dest.host, dest.port)}${answer}`]);
    rows.push(['address', `resolved by the proxy (tls-trace did not look up ${dest.host})`]);
  } else {
    rows.push(['address', target.address ? `${at(target.address, target.family)}${target.pinned ? ' · from --resolve, not DNS' : ''}` : '—']);
  }
  return rows;
}

// ---- steps -------------------------------------------------------------------------------------

function arrow(step: { direction: 'client' | 'server' }, p: Palette): string {
  return step.direction === 'client' ? p.client('→') : p.server('←');
}

function flightTitle(f: Flight, prev: Flight | undefined, p: Palette): string {
  const dir = f.direction === 'client' ? 'client → server' : 'server → client';
  const colour = f.direction === 'client' ? p.client : p.server;
  const delta = prev ? ` (+${formatMs(f.startMs - prev.endMs)})` : '';
  return colour(`Flight ${f.index} · ${dir} · ${formatMs(f.startMs)}${delta}`);
}

export function recordWords(step: Step): string {
  const n = step.records.length;
  if (n === 0) return `not in a TLS record · ${formatBytes(step.messageLength)}`;
  const which = n === 1 ? `record #${step.records[0] + 1}` : `records #${step.records[0] + 1}–#${step.records[n - 1] + 1}`;
  return `${which} ${formatBytes(step.recordLength)} · message ${formatBytes(step.messageLength)}`;
}

function handshake(view: TraceView, opts: RenderOptions, p: Palette, width: number): string[] {
  const { analysis, decoded } = view;
  const out: string[] = [];
  const steps = analysis.steps;
  out.push(p.heading(`Handshake · ${steps.length} step${steps.length === 1 ? '' : 's'} in ${analysis.flights.length} flight${analysis.flights.length === 1 ? '' : 's'}`));
  if (steps.length === 0) out.push(p.dim('  (no TLS messages captured)'));
  const numWidth = String(steps.length).length;
  const indent = ' '.repeat(numWidth + 4);
  const dumped = new Set<number>();
  const elide = steps.length > HEAD_STEPS + TAIL_STEPS;
  const hidden = (n: number): boolean => elide && n > HEAD_STEPS && n <= steps.length - TAIL_STEPS;
  analysis.flights.forEach((f, fi) => {
    if (f.steps.every(hidden)) {
      if (f.steps.includes(HEAD_STEPS + 1)) {
        out.push('', p.dim(`… ${steps.length - HEAD_STEPS - TAIL_STEPS} steps not shown (--json has them all) …`));
      }
      return;
    }
    out.push('');
    out.push(flightTitle(f, analysis.flights[fi - 1], p));
    for (const n of f.steps) {
      if (hidden(n)) {
        if (n === HEAD_STEPS + 1) out.push(p.dim(`  … ${steps.length - HEAD_STEPS - TAIL_STEPS} steps not shown (--json has them all) …`));
        continue;
      }
      const step = steps[n - 1];
      const m = decoded.messages[step.message];
      append(out, stepLines(view, viewStep(step, m, analysis.tls13, view.decryption), { p, color: opts.color, indent, width, numWidth }));
      if (m && opts.hex) append(out, hexFor(view, step, m, dumped, p, indent, width));
    }
  });
  return out;
}

interface StepLayout {
  p: Palette;
  color: boolean;
  indent: string;
  width: number;
  numWidth: number;
}

/** The step's title line, then (when its message was decoded) its details, explanation, issues and marks. */
function stepLines(view: TraceView, sv: StepView, { p, color, indent, width, numWidth }: StepLayout): string[] {
  const { step } = sv;
  const out: string[] = [];
  const marker = (sv.guess ? ` ${p.dim(`(likely ${escapeControl(sv.guess)})`)}` : '') + (step.decrypted ? ` ${p.good('[decrypted]')}` : '');
  out.push(`  ${String(step.index).padStart(numWidth)} ${arrow(step, p)} ${p.name(escapeControl(step.name))}${marker}  ${p.dim(`${formatMs(step.timeMs)} · ${recordWords(step)}`)}`);
  const m = view.decoded.messages[step.message];
  if (!m) return out;
  const labelWidth = Math.min(22, sv.details.reduce((w, d) => Math.max(w, d.label.length), 0));
  for (const d of sv.details) {
    const lead = `${indent}${p.dim(d.label.padEnd(labelWidth))}  `;
    const valueLines = wrap(escapeControl(d.value), width - indent.length - labelWidth - 2);
    valueLines.forEach((v, i) => out.push(i === 0 ? `${lead}${v}` : `${indent}${' '.repeat(labelWidth + 2)}${v}`));
  }
  for (const l of wrap(sv.explanation, width - indent.length)) out.push(`${indent}${l}`);
  for (const issue of step.issues) out.push(`${indent}${p.bad(`✖ ${issueWords(issue, m)}`)}`);
  // Finished / CertificateVerify / ServerKeyExchange checks belong on the step they verify.
  for (const fact of sv.verifications) out.push(`${indent}${verificationMark(fact, { color })}`);
  return out;
}

export function issueWords(issue: DecodeIssue, m: Message): string {
  return escapeControl(issueText(issue, m));
}

/** issueWords' text before escaping, for renderers that escape in their own way (the HTML page). */
export function issueText(issue: DecodeIssue, m: Message): string {
  const at = streamOffsetOf(m, issue.offset);
  const where = m.space.decrypted
    ? `offset ${issue.offset} (0x${issue.offset.toString(16)}) in the decrypted plaintext`
    : `${m.direction} stream offset ${at} (0x${at.toString(16)})`;
  const detail = issue.expected !== undefined || issue.actual !== undefined ? ` — expected ${issue.expected ?? '?'}, got ${issue.actual ?? '?'}` : '';
  return `${issue.kind} at ${where}: ${issue.reason}${detail}`;
}

/** Maps an offset in a message's byte space (e.g. a reassembled message) to its stream offset. */
function streamOffsetOf(m: Message, offset: number): number {
  for (const seg of m.space.segments) {
    if (offset >= seg.at && offset <= seg.at + seg.length) return seg.streamOffset + (offset - seg.at);
  }
  return offset;
}

function hexFor(view: TraceView, step: Step, m: Message, dumped: Set<number>, p: Palette, indent: string, width: number): string[] {
  const { decoded } = view;
  const out: string[] = [];
  const stream = findStreamSpace(decoded, step.direction);
  // One budget of hex lines for the step's records: a 260 KB message framed into 17 records of
  // one-byte fields would otherwise build and print every record's spans.
  for (const [i, r] of step.records.entries()) {
    const record = decoded.records[r];
    if (!record) continue;
    if (dumped.has(r)) {
      out.push(`${indent}${p.dim(`record #${r + 1}: bytes shown with an earlier step`)}`);
      continue;
    }
    const budget = HEX_MAX_LINES_PER_DUMP - out.length;
    if (budget <= 0) {
      out.push(`${indent}${p.dim(recordsNotShown(decoded.records, step.records.slice(i)))}`);
      break;
    }
    dumped.add(r);
    const map = recordSpans(decoded, record, budget);
    out.push(`${indent}${p.dim(`record #${r + 1} · ${step.direction} stream offset ${record.offset} · ${record.length} bytes`)}`);
    if (!stream) {
      out.push(`${indent}${p.bad('(stream bytes not available)')}`);
      continue;
    }
    append(out, renderHex(map, stream.bytes, p, indent, width, budget));
    if (map.gaps || map.overlaps) {
      out.push(`${indent}${p.bad(`✖ ${map.gaps} byte(s) not explained by any field, ${map.overlaps} claimed twice`)}`);
    }
  }
  if (m.space.decrypted) {
    out.push(`${indent}${p.dim(`decrypted plaintext (${escapeControl(m.space.id)}) · ${m.length} bytes`)}`);
    append(out, renderHex(messageSpans(m, HEX_MAX_LINES_PER_DUMP), m.space.bytes, p, indent, width));
  }
  return out;
}

/** `… records #5–#17 (208,123 bytes) not shown (tls-trace shows at most 512 hex lines per message)`. */
function recordsNotShown(records: DecodedTrace['records'], left: readonly number[]): string {
  const bytes = left.reduce((n, r) => n + (records[r]?.length ?? 0), 0);
  const which = left.length === 1 ? `record #${left[0] + 1}` : `records #${left[0] + 1}–#${(left.at(-1) ?? 0) + 1}`;
  return `… ${which} (${formatBytes(bytes)}) not shown (tls-trace shows at most ${HEX_MAX_LINES_PER_DUMP} hex lines per record or message) …`;
}

// ---- notes -------------------------------------------------------------------------------------

/** The notes under the trace, unescaped (each renderer escapes them as it writes). */
export function traceNotes(view: TraceView): string[] {
  const notes: string[] = [];
  const { decoded, analysis } = view;
  // The decoder usually reports a non-TLS peer as a stream issue too; say it once.
  const notTlsSaid = decoded.notTls !== undefined && decoded.issues.some((i) => i.direction === decoded.notTls?.direction && i.offset === 0);
  if (decoded.notTls && !notTlsSaid) {
    notes.push(`The ${decoded.notTls.direction} sent ${decoded.notTls.protocol === 'unknown' ? 'bytes that are not TLS' : `${decoded.notTls.protocol.toUpperCase()}, not TLS`}: "${decoded.notTls.firstLine}"`);
  }
  for (const i of decoded.issues) {
    notes.push(`${i.direction} stream, ${i.kind} at offset ${i.offset}: ${i.reason}`);
  }
  for (const c of analysis.crossChecks) notes.push(`Cross-check: ${c}`);
  for (const t of view.capture.truncated ?? []) {
    notes.push(`tls-trace stopped recording the ${t.direction}'s bytes after ${t.recordedBytes} bytes (its capture cap); the connection went on, and the rest is not in this trace`);
  }
  return notes;
}

/**
 * Greedy word wrap in terminal columns (a CJK character or an emoji counts two). Only a word wider
 * than the line (a hex string) is split, between characters, never inside one.
 */
export function wrap(text: string, width: number): string[] {
  const max = Math.max(20, width);
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const whole of para.split(' ')) {
      for (const word of splitWide(whole, max)) {
        const w = displayWidth(word);
        if (!line) {
          line = word;
          lineWidth = w;
        } else if (lineWidth + 1 + w <= max) {
          line += ` ${word}`;
          lineWidth += 1 + w;
        } else {
          lines.push(line);
          line = word;
          lineWidth = w;
        }
      }
    }
    lines.push(line);
  }
  return lines;
}

/** A word as pieces at most `max` columns wide, cut between code points. */
function splitWide(word: string, max: number): string[] {
  if (displayWidth(word) <= max) return [word];
  const pieces: string[] = [];
  let piece = '';
  let pieceWidth = 0;
  // Width per code point, summed: linear in the word (a peer's name can be 64 KB).
  for (const ch of word) {
    const w = displayWidth(ch);
    if (piece && pieceWidth + w > max) {
      pieces.push(piece);
      piece = '';
      pieceWidth = 0;
    }
    piece += ch;
    pieceWidth += w;
  }
  pieces.push(piece);
  return pieces;
}
