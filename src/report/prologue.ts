// The plaintext before TLS in text: a block before Flight 1 with one numbered step per turn (the
// lines as sent, every byte escaped), what the capabilities mean, why each step matters, the
// findings, and with --hex a plain dump of each turn's bytes. Reads src/view/prologue.ts only.

import { HEX_MAX_LINES_PER_DUMP } from '../limits.js';
import type { PrologueStepView, PrologueView } from '../view/prologue.js';
import { escapeControl } from './escape.js';
import type { Palette } from './palette.js';
import { formatBytes, formatMs, wrap } from './text.js';

export interface PrologueLayout {
  p: Palette;
  width: number;
  hex: boolean;
}

/** `0000  32 32 30 20 …  220 mail…`: 16 bytes a line, printable ASCII shown, the rest as dots. */
export function plainHexLines(bytes: Uint8Array, indent: string, p: Palette): string[] {
  const out: string[] = [];
  const lines = Math.ceil(bytes.length / 16);
  for (let i = 0; i < Math.min(lines, HEX_MAX_LINES_PER_DUMP); i++) {
    const row = bytes.subarray(i * 16, i * 16 + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`${indent}${p.dim((i * 16).toString(16).padStart(4, '0'))}  ${hex.padEnd(47)}  ${escapeControl(ascii)}`);
  }
  if (lines > HEX_MAX_LINES_PER_DUMP) {
    out.push(`${indent}${p.dim(`… ${bytes.length - HEX_MAX_LINES_PER_DUMP * 16} bytes not shown (tls-trace shows at most ${HEX_MAX_LINES_PER_DUMP} hex lines per record or message)`)}`);
  }
  return out;
}

function stepLines(s: PrologueStepView, numWidth: number, { p, width, hex }: PrologueLayout): string[] {
  const indent = ' '.repeat(numWidth + 4);
  const arrow = s.direction === 'client' ? p.client('→') : p.server('←');
  const out = [`  ${String(s.index).padStart(numWidth)} ${arrow} ${p.name(escapeControl(s.title))}  ${p.dim(`${formatMs(s.timeMs)} · plaintext ${formatBytes(s.length)}`)}`];
  for (const line of s.lines) out.push(`${indent}${p.dim('│')} ${escapeControl(line)}`);
  if (s.linesOmitted) out.push(`${indent}${p.dim(`│ … ${s.linesOmitted} more lines not shown (tls-trace shows at most 100 per message)`)}`);
  const labelWidth = Math.min(22, s.details.reduce((w, d) => Math.max(w, d.label.length), 0));
  for (const d of s.details) {
    const lead = `${indent}${p.dim(escapeControl(d.label).padEnd(labelWidth))}  `;
    const values = wrap(escapeControl(d.value), width - indent.length - labelWidth - 2);
    values.forEach((v, i) => out.push(i === 0 ? `${lead}${v}` : `${indent}${' '.repeat(labelWidth + 2)}${v}`));
  }
  for (const l of wrap(s.explanation, width - indent.length)) out.push(`${indent}${l}`);
  if (hex) out.push(...plainHexLines(s.bytes, indent, p));
  return out;
}

/** The block printed before Flight 1 when the connection started with plaintext. */
export function renderPrologue(view: PrologueView, layout: PrologueLayout): string[] {
  const { p, width } = layout;
  const from = view.recognisedFrom === 'option' ? ' (recognised from --starttls)' : '';
  const n = view.steps.length;
  const out = [p.heading(`Before TLS · ${view.label}${from} · ${n} plaintext step${n === 1 ? '' : 's'}`)];
  const numWidth = String(n).length;
  for (const s of view.steps) out.push(...stepLines(s, numWidth, layout));
  if (!view.wentAhead && view.protocol !== 'http-connect' && view.protocol !== 'unknown') out.push(p.bad('  ✖ no go-ahead for TLS in the plaintext dialogue'));
  for (const f of view.findings) {
    const lines = wrap(`${f.title}: ${escapeControl(f.detail)}`, width - 6);
    lines.forEach((l, i) => out.push(i === 0 ? `  ${p.warn('⚠')} ${p.warn(l)}` : `    ${l}`));
  }
  return out;
}
