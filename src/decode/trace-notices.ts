// What the trace says where it cannot show bytes: the capture's missing bytes (a gap), and
// tls-trace's own caps (records, messages, itemised fields) that end or thin out a direction.

import type { CaptureGap } from '../capture/types.js';
import type { DecodedTrace, HandshakeMessage, OpaqueMessage } from './model.js';
import type { ByteSpace } from './types.js';
import { byteCount } from './format.js';
import { chunkAt, type StreamBreak } from './stream.js';
import { messageBase } from './message-base.js';
import type { DirState } from './direction-split.js';
import { MAX_FIELDS_PER_DIRECTION, MAX_PACKED_MESSAGES_PER_DIRECTION, MAX_RECORDS_PER_DIRECTION } from '../limits.js';

/**
 * The notice where a direction's bytes jump ahead: how many bytes the capture lacks and where, in
 * the capture's stream offsets (from where TLS starts), and where decoding picks up again.
 */
export function missingBytes(space: ByteSpace, brk: StreamBreak, timeMs: number, gaps: readonly CaptureGap[]): OpaqueMessage {
  const to = brk.to;
  if (to === undefined) {
    const g = gaps.find((x) => x.direction === space.direction && x.offset === brk.from);
    const reason = `${g?.length ?? 0} bytes missing from the capture at stream offset ${brk.from}; no record boundary was found after them, so decoding of this direction stops here`;
    return { kind: 'opaque', ...messageBase(space, { offset: brk.at, length: 0 }, [], timeMs, []), reason, missing: { streamOffset: brk.from, length: g?.length ?? 0 } };
  }
  const inside = gaps.filter((g) => g.direction === space.direction && g.offset >= brk.from && g.offset < to);
  const missing = inside.length > 0 ? inside.reduce((n, g) => n + g.length, 0) : to - brk.from;
  const at = inside[0]?.offset ?? brk.from;
  const skipped = to - brk.from - missing;
  const resumed = skipped > 0 ? `; the ${byteCount(skipped)} after them (the rest of a record the gap cut) are skipped and decoding resumes at the next record boundary, stream offset ${to}` : `; decoding resumes at stream offset ${to}`;
  const reason = `${missing} bytes missing from the capture at stream offset ${at}${resumed}`;
  return { kind: 'opaque', ...messageBase(space, { offset: brk.at, length: 0 }, [], timeMs, []), reason, missing: { streamOffset: at, length: missing, resumedAt: to } };
}

/**
 * Ends a direction at one of tls-trace's own caps: the rest becomes one undecoded span that says
 * so. A handshake message still waiting for bytes past the cap starts that span instead of being
 * shown as cut short: the peer did not cut it, the decoder stopped reading.
 */
export function stopAtCap(trace: DecodedTrace, st: DirState, stop: { at: number; what: 'records' | 'messages' }): void {
  const direction = st.stream.direction;
  const pending = st.reassembler.pending();
  st.reassembler.discard();
  const from = pending ? Math.min(pending.streamOffset, stop.at) : stop.at;
  const rest = st.space.bytes.length - from;
  const records = trace.records.reduce((n, r) => n + (r.direction === direction ? 1 : 0), 0);
  const limit = stop.what === 'records' ? MAX_RECORDS_PER_DIRECTION : MAX_PACKED_MESSAGES_PER_DIRECTION;
  const said = stop.what === 'records' ? `tls-trace stopped decoding the ${direction}'s bytes after ${limit} records (its record cap)` : st.cap.said(direction, 'bytes', records);
  const reason = `${said}; the remaining ${rest} bytes are not decoded`;
  const c = chunkAt(st.stream, from);
  const timeMs = c >= 0 ? st.stream.times[c] : 0;
  trace.issues.push({ direction, kind: 'limit', offset: from, length: rest, reason });
  (trace.caps ??= []).push({ direction, cap: stop.what, limit, offset: from, length: rest, timeMs, said });
  // Not a verdict on the bytes: no issue on the message, and no hex copy of up to megabytes that
  // the stream space already holds.
  const span: OpaqueMessage = {
    kind: 'opaque',
    ...messageBase(st.space, { offset: from, length: rest }, pending?.records ?? [], timeMs, [
      { name: 'data', label: 'Not decoded (cap)', offset: from, length: rest, display: byteCount(rest) },
    ]),
    reason,
    cap: true,
  };
  // In time order with the other direction's messages (they are, up to here), so the span is
  // shown where the decoder stopped rather than after everything else.
  const at = trace.messages.findIndex((m) => m.timeMs > timeMs);
  if (at < 0) trace.messages.push(span);
  else trace.messages.splice(at, 0, span);
}

/**
 * Said once per direction when the field budget runs out: decoding goes on (bodies, verdicts and
 * every later message are whole), only the itemised field tree stops, so this is a note of
 * tls-trace's own limit, not a cap that leaves bytes undecoded (no entry in `caps`).
 */
export function noteFieldCap(trace: DecodedTrace, st: DirState, msg: HandshakeMessage): void {
  const direction = st.stream.direction;
  const reason = `tls-trace stopped itemising the ${direction}'s fields after ${MAX_FIELDS_PER_DIRECTION} (its field cap): this and later handshake messages are decoded in full but shown as their header and one body span`;
  // Issue offsets are stream offsets; a reassembled message's space maps back through its segments.
  const offset = msg.space.id === direction ? msg.offset : (msg.space.segments[0]?.streamOffset ?? msg.offset);
  trace.issues.push({ direction, kind: 'limit', offset, length: msg.length, reason });
}
