// Text for the decryption part of a trace: the key-schedule step (which secrets, which labels,
// key and IV lengths; values only with --show-secrets), the per-record outcomes, and each
// verification fact as ✔/✖ with its reason. Reads DecryptionResult only, never bytes.

import type { DecryptionResult, VerificationFact } from '../decrypt/types.js';
import { describeDecryption, type RecordLineView, type ScheduleView } from '../view/index.js';
import { escapeControl } from './escape.js';
import { palette, type Palette } from './palette.js';

export interface KeyScheduleRenderOptions {
  color: boolean;
  /** Print secret, key and IV values (the result must have been computed with showSecrets too). */
  showSecrets: boolean;
}

const CHECK = '✔';
const CROSS = '✖';
/** A check that could not run (tls-trace's own cap): neither a pass nor a failure. */
const NOT_RUN = '–';

/** `✔ Server Finished: verify_data equals …` (one line; the mark coloured when asked). */
export function verificationMark(fact: VerificationFact, opts: { color: boolean }): string {
  const p = palette(opts.color);
  const mark = fact.ok ? p.good(CHECK) : fact.notVerified ? p.dim(NOT_RUN) : p.bad(CROSS);
  return `${mark} ${fact.label}: ${escapeControl(fact.reason)}`;
}

function recordLine(p: Palette, r: RecordLineView): string {
  const where = `record #${r.number} ${r.direction === 'client' ? p.client('client') : p.server('server')}`;
  return r.ok ? `  ${p.good(CHECK)} ${where} · ${escapeControl(r.words)}` : `  ${p.bad(CROSS)} ${where}: ${escapeControl(r.words)}`;
}

function scheduleLines(p: Palette, ks: ScheduleView): string[] {
  const lines: string[] = [];
  lines.push(p.heading(ks.title));
  lines.push(`  ${p.label('client random')} ${ks.clientRandom} ${p.dim('(names this connection in the key log)')}`);
  if (ks.negotiated) lines.push(`  ${p.label('negotiated')} ${ks.negotiated}`);
  lines.push(`  ${p.label('records')} ${ks.recordProtection}`);
  for (const s of ks.secrets) {
    const who = s.direction ? (s.direction === 'client' ? p.client(s.name) : p.server(s.name)) : p.name(s.name);
    lines.push(`  ◆ ${who} ${s.words}`);
    const width = s.outputs.reduce((w, o) => Math.max(w, o.name.length), 12);
    if (s.secret) lines.push(`      ${p.label('secret'.padEnd(width))} ${String(s.secretLength).padStart(3)} bytes  ${s.secret}`);
    for (const o of s.outputs) {
      lines.push(`      ${p.label(o.name.padEnd(width))} ${String(o.length).padStart(3)} bytes  ${o.derivation}`);
      if (o.value) lines.push(`      ${' '.repeat(width)}            ${o.value}`);
    }
  }
  if (ks.secretsHidden) lines.push(p.dim('  secret values are hidden; --show-secrets prints them'));
  return lines;
}

/**
 * The JSON form of a decryption result: everything but the decrypted messages and their byte
 * spaces, which the trace JSON already carries as ordinary (decrypted) messages.
 */
export function keyScheduleJson(result: DecryptionResult): Omit<DecryptionResult, 'messages' | 'spaces'> {
  const { status, notes, keySchedule, records, verifications } = result;
  return keySchedule ? { status, notes, keySchedule, records, verifications } : { status, notes, records, verifications };
}

/** The whole decryption block: key schedule, record outcomes, verification marks, notes. */
export function renderKeySchedule(result: DecryptionResult, opts: KeyScheduleRenderOptions): string {
  const p = palette(opts.color);
  const view = describeDecryption(result, opts.showSecrets);
  const lines: string[] = [];
  if (view.schedule) for (const line of scheduleLines(p, view.schedule)) lines.push(line);
  else if (view.heading) lines.push(p.heading(view.heading));
  if (view.records.length > 0) {
    lines.push(p.heading(`Decrypted records · ${view.opened} of ${view.records.length}`));
    for (const r of view.records) lines.push(recordLine(p, r));
  }
  if (view.verifications.length > 0) {
    lines.push(p.heading('Verification'));
    for (const f of view.verifications) lines.push(`  ${verificationMark(f, opts)}`);
  }
  for (const n of view.notes) lines.push(`  ${p.warn('!')} ${escapeControl(n)}`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
