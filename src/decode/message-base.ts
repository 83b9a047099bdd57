// The fields every message shares, and the undecoded-bytes message, built in one place for the
// trace state machine, the protected-record guesses and the cap spans.

import type { MessageBase, OpaqueMessage } from './model.js';
import type { ByteSpace, DecodeIssue, Field } from './types.js';
import { toHex } from './reader.js';
import { byteCount } from './format.js';

export function messageBase(space: ByteSpace, span: { offset: number; length: number }, records: number[], timeMs: number, fields: Field[], issue?: DecodeIssue): MessageBase {
  const out: MessageBase = { direction: space.direction, space, offset: span.offset, length: span.length, records, timeMs, fields };
  if (issue) out.issue = issue;
  return out;
}

export function opaqueMessage(space: ByteSpace, offset: number, length: number, records: number[], timeMs: number, reason: string): OpaqueMessage {
  const fields: Field[] =
    length > 0 ? [{ name: 'data', label: 'Undecoded data', offset, length, value: toHex(space.bytes.subarray(offset, offset + length)), display: byteCount(length) }] : [];
  return { kind: 'opaque', ...messageBase(space, { offset, length }, records, timeMs, fields), reason };
}
