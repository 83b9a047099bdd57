// Heartbeat records (RFC 6520 §4, content type 24): a HeartbeatMessage per record.
//
//   struct {
//     HeartbeatMessageType type;     uint8 (1 request, 2 response)
//     uint16 payload_length;
//     opaque payload[payload_length];
//     opaque padding[padding_length];  at least 16 bytes, the rest of the record
//   } HeartbeatMessage;
//
// A payload_length that, with its 3-byte header and 16 bytes of padding, does not fit the record
// is what CVE-2014-0160 (Heartbleed) exploited: a vulnerable peer answered with that many bytes of
// its memory. It is a finding on the length field; the bytes present are still labelled.

import type { HeartbeatMessage, MessageBase } from './model.js';
import type { ByteSpace, DecodeIssue } from './types.js';
import { decodeWith, toHex } from './reader.js';
import { byteCount, fmt } from './format.js';
import { firstIssue, labelUndecoded } from './fields.js';
import { messageBase } from './message-base.js';

/** RFC 6520 §4: padding_length is at least 16. */
const MIN_PADDING = 16;
/** Payload bytes kept as hex in the model (the field still covers them all). */
const PAYLOAD_HEX_KEPT = 64;

/** The heartbeat in `space.bytes[offset, offset + length)` (a record body, captured or decrypted). */
export function decodeHeartbeat(space: ByteSpace, body: { offset: number; length: number }, records: number[], timeMs: number): HeartbeatMessage {
  const end = body.offset + body.length;
  let heartbeatType = -1;
  let payloadLength = 0;
  let payload: Uint8Array = new Uint8Array();
  let paddingLength = 0;
  let heartbleed: DecodeIssue | undefined;
  const res = decodeWith(space.bytes, body.offset, end, (r) => {
    heartbeatType = r.u8('type', 'Heartbeat type', fmt.heartbeatType);
    const lengthAt = r.offset;
    payloadLength = r.u16('payload_length', 'Payload length', byteCount);
    const lengthField = r.lastField;
    if (payloadLength + 3 + MIN_PADDING > body.length) {
      heartbleed = {
        kind: 'malformed',
        offset: lengthAt,
        length: 2,
        reason: `heartbeat declares ${payloadLength} payload bytes but the record holds ${body.length} — the Heartbleed pattern (CVE-2014-0160)`,
        expected: `<= ${Math.max(0, body.length - 3 - MIN_PADDING)} (record length - 3 - 16)`,
        actual: String(payloadLength),
      };
      if (lengthField) lengthField.issue = heartbleed;
    }
    const present = Math.min(payloadLength, r.remaining);
    if (present > 0) payload = r.bytesField(present, 'payload', 'Payload', () => byteCount(present));
    paddingLength = r.remaining;
    if (paddingLength > 0) r.rest('padding', 'Padding', () => byteCount(paddingLength));
  });
  labelUndecoded(space.bytes, res.fields, body.offset, end);
  const issue = heartbleed ?? res.issue ?? firstIssue(res.fields);
  const base: MessageBase = messageBase(space, body, records, timeMs, res.fields, issue);
  const msg: HeartbeatMessage = { kind: 'heartbeat', ...base, heartbeatType, payloadLength, payload: toHex(payload.subarray(0, PAYLOAD_HEX_KEPT)), paddingLength };
  if (heartbleed) msg.heartbleed = true;
  return msg;
}
