// Alert (RFC 8446 §6) and ChangeCipherSpec (RFC 5246 §7.1, RFC 8446 §D.4) record bodies.

import type { Field } from './types.js';
import { decodeWith } from './reader.js';
import { fmt } from './format.js';
import { labelUndecoded, firstIssue } from './fields.js';
import type { DecodeIssue } from './types.js';

export interface DecodedAlert {
  offset: number;
  length: number;
  level: number;
  description: number;
  fields: Field[];
  issue?: DecodeIssue;
}

/** The alerts in one plaintext alert record body (normally exactly one; 2 bytes each). */
export function decodeAlerts(bytes: Uint8Array, start: number, end: number): DecodedAlert[] {
  const out: DecodedAlert[] = [];
  for (let at = start; at < end || (at === start && start === end); at += 2) {
    const stop = Math.min(end, at + 2);
    let level = -1;
    let description = -1;
    const res = decodeWith(bytes, at, stop, (r) => {
      level = r.u8('level', 'Alert level', fmt.alertLevel);
      description = r.u8('description', 'Alert description', fmt.alertDescription);
    });
    const fields = res.fields;
    if (res.issue) fields.push({ name: 'fragment', label: 'Truncated alert', offset: at + res.consumed, length: stop - at - res.consumed, issue: res.issue });
    labelUndecoded(bytes, fields, at, stop);
    const alert: DecodedAlert = { offset: at, length: stop - at, level, description, fields };
    const issue = res.issue ?? firstIssue(fields);
    if (issue) alert.issue = issue;
    out.push(alert);
    if (start === end) break;
  }
  return out;
}

/** A ChangeCipherSpec body: exactly one byte, value 1. */
export function decodeChangeCipherSpec(bytes: Uint8Array, start: number, end: number): { fields: Field[]; issue?: DecodeIssue } {
  const res = decodeWith(bytes, start, end, (r) => {
    const at = r.offset;
    const v = r.u8('type', 'ChangeCipherSpec', (x) => (x === 1 ? 'change_cipher_spec (1)' : `invalid (${x})`));
    if (v !== 1) r.fail(`ChangeCipherSpec value must be 1`, at, 1, '1', String(v));
    if (!r.done) r.fail(`ChangeCipherSpec must be exactly one byte, got ${end - start}`, r.offset, r.remaining, '1 byte', `${end - start} bytes`);
  });
  const fields = res.fields;
  if (res.issue) {
    const used = start + res.consumed;
    if (used < end) fields.push({ name: 'trailing', label: 'Unexpected bytes', offset: used, length: end - used });
  }
  const issue = res.issue;
  return issue ? { fields, issue } : { fields };
}
