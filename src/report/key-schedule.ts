// Text for the decryption part of a trace: the key-schedule step (which secrets, which labels,
// key and IV lengths; values only with --show-secrets), the per-record outcomes, and each
// verification fact as ✔/✖ with its reason. Reads DecryptionResult only, never bytes.

import type { DecryptionResult, KeySchedule, RecordDecryption, VerificationFact } from '../analyse/decrypt/types.js';
import { cipherSuites, contentTypes, label } from '../registry/index.js';
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

function cipherTitle(ks: KeySchedule): string {
  return ks.cipher.toUpperCase();
}

function recordLine(p: Palette, r: RecordDecryption): string {
  // Numbered from 1, as in the steps and the hex view (`record` is the index in the trace).
  const where = `record #${r.record + 1} ${r.direction === 'client' ? p.client('client') : p.server('server')}`;
  if (!r.ok) return `  ${p.bad(CROSS)} ${where}: ${escapeControl(r.error ?? 'not decrypted')}`;
  const type = r.contentType === undefined ? '' : label(contentTypes, r.contentType, 1);
  const padding = r.paddingLength ? `, ${r.paddingLength} bytes padding removed` : '';
  return `  ${p.good(CHECK)} ${where} · ${r.epoch} keys, seq ${r.seq} · ${type}, ${r.plaintextLength ?? 0} bytes${padding}`;
}

function scheduleLines(p: Palette, ks: KeySchedule, showSecrets: boolean): string[] {
  const lines: string[] = [];
  const kdf = ks.version === 'TLS 1.3' ? `HKDF-${ks.hash.toUpperCase()}` : `PRF-${ks.hash.toUpperCase()}`;
  lines.push(p.heading(`Key schedule · ${ks.version} · ${label(cipherSuites, ks.cipherSuite)} · ${kdf} · ${cipherTitle(ks)}`));
  lines.push(`  ${p.label('client random')} ${ks.clientRandom} ${p.dim('(names this connection in the key log)')}`);
  const extras: string[] = [];
  if (ks.extendedMasterSecret) extras.push('extended master secret');
  if (ks.encryptThenMac !== undefined) extras.push(ks.encryptThenMac ? 'encrypt-then-MAC' : 'MAC-then-encrypt');
  if (extras.length > 0) lines.push(`  ${p.label('negotiated')} ${extras.join(', ')}`);
  lines.push(`  ${p.label('records')} ${ks.recordProtection}`);
  let hidden = false;
  for (const s of ks.steps) {
    const who = s.direction ? (s.direction === 'client' ? p.client(s.name) : p.server(s.name)) : p.name(s.name);
    const opened = s.recordsOpened === 1 ? '1 record' : `${s.recordsOpened} records`;
    lines.push(`  ◆ ${who} (${s.secretLength} bytes) ← ${s.source} · opened ${opened}`);
    const width = s.outputs.reduce((w, o) => Math.max(w, o.name.length), 12);
    if (showSecrets && s.secret) lines.push(`      ${p.label('secret'.padEnd(width))} ${String(s.secretLength).padStart(3)} bytes  ${s.secret}`);
    else hidden = true;
    for (const o of s.outputs) {
      lines.push(`      ${p.label(o.name.padEnd(width))} ${String(o.length).padStart(3)} bytes  ${o.derivation}`);
      if (showSecrets && o.value) lines.push(`      ${' '.repeat(width)}            ${o.value}`);
    }
  }
  if (hidden && !showSecrets) lines.push(p.dim('  secret values are hidden; --show-secrets prints them'));
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
  const lines: string[] = [];
  if (result.keySchedule) for (const line of scheduleLines(p, result.keySchedule, opts.showSecrets)) lines.push(line);
  else if (result.status !== 'nothing-encrypted') lines.push(p.heading('Decryption'));
  if (result.records.length > 0) {
    const opened = result.records.filter((r) => r.ok).length;
    lines.push(p.heading(`Decrypted records · ${opened} of ${result.records.length}`));
    for (const r of result.records) lines.push(recordLine(p, r));
  }
  if (result.verifications.length > 0) {
    lines.push(p.heading('Verification'));
    for (const f of result.verifications) lines.push(`  ${verificationMark(f, opts)}`);
  }
  for (const n of result.notes) lines.push(`  ${p.warn('!')} ${escapeControl(n)}`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
