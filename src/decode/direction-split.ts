// Each direction's bytes, split before the trace decoder walks them: the stream assembled from the
// capture's chunks, cut into records (or one undecodable span: not TLS, or a broken header), an
// SSL 2.0-format ClientHello at the start, and the capture's gaps, all queued as items stamped
// with capture time. Also the per-direction state the decoder carries from record to record.

import type { CaptureChunk, CaptureGap } from '../capture/types.js';
import type { DecodedTrace, HandshakeMessage } from './model.js';
import type { ByteSpace, Direction } from './types.js';
import { assembleStream, chunkAt, directionSpace, streamRuns, type DirectionStream, type StreamBreak } from './stream.js';
import { splitRecords, type RecordSlice } from './record.js';
import { detectNotTls } from './not-tls.js';
import { decodeSslv2ClientHello, startsSslv2ClientHello } from './sslv2.js';
import { HandshakeType } from './handshake.js';
import { toHex, type FieldBudget } from './reader.js';
import { HandshakeReassembler, MessageCap } from './defragment.js';
import type { GuessState } from './protected-guess.js';
import { messageBase } from './message-base.js';
import { MAX_FIELDS_PER_DIRECTION, MAX_RECORDS_PER_DIRECTION } from '../limits.js';

export interface DirState extends GuessState {
  stream: DirectionStream;
  reassembler: HandshakeReassembler;
  /** Message cap (src/limits.ts), shared with decryption's framing. */
  cap: MessageCap;
  /** Where the message cap stopped this direction in its stream; -1 while it has not. */
  cappedAt: number;
  /** Where the record cap stopped splitting; -1 when it did not. */
  recordCapAt: number;
  /** Fields this direction may still itemise (MAX_FIELDS_PER_DIRECTION). */
  fields: FieldBudget;
  /** Set at missing bytes until the next record: that record's sequence number is not known. */
  afterGap?: boolean;
}

/** One piece of a direction's bytes, queued in capture order for the trace decoder. */
export interface TraceItem {
  direction: Direction;
  timeMs: number;
  chunkIndex: number;
  slice?: RecordSlice;
  /** Undecodable bytes (not TLS at all, or a broken record header mid-stream). */
  opaque?: { offset: number; length: number; reason: string };
  /** An SSL 2.0-compatible ClientHello at the start of the client's stream. */
  sslv2?: HandshakeMessage;
  /** Bytes the capture does not hold; decoding resumes at the record boundary after them. */
  gap?: StreamBreak;
}

/** One direction's stream split into records (or one undecodable span), queued as items. */
export function splitDirection(
  chunks: readonly CaptureChunk[],
  direction: Direction,
  trace: DecodedTrace,
  items: TraceItem[],
  messageCap: number,
  gaps: readonly CaptureGap[],
): DirState {
  const stream = assembleStream(chunks, direction);
  for (const issue of stream.issues) trace.issues.push({ ...issue, direction });
  const space = directionSpace(stream);
  trace.spaces.push(space);
  const st: DirState = {
    stream,
    space,
    reassembler: new HandshakeReassembler(space, messageCap),
    cap: new MessageCap(),
    cappedAt: -1,
    recordCapAt: -1,
    fields: { left: MAX_FIELDS_PER_DIRECTION, exhausted: false },
    ccsSeen: false,
    protectedCount: 0,
    finishedGuessed: false,
    flight: [],
  };
  if (stream.bytes.length === 0) return st;
  const when = (offset: number): { timeMs: number; chunkIndex: number } => {
    const c = chunkAt(stream, offset);
    return { timeMs: stream.times[c], chunkIndex: stream.chunkIndexes[c] };
  };
  // RFC 5246 E.2: an SSL 2.0-format ClientHello, then TLS records (the server answers in TLS).
  let from = 0;
  if (direction === 'client' && startsSslv2ClientHello(stream.bytes)) {
    const msg = sslv2ClientHello(space);
    items.push({ direction, ...when(0), sslv2: msg });
    from = msg.length;
  }
  const notTls = from === 0 ? detectNotTls(stream.bytes) : undefined;
  if (notTls) {
    const what = notTls.protocol === 'unknown' ? 'bytes that are not TLS' : `${notTls.protocol.toUpperCase()}, not TLS`;
    const reason = `the ${direction} sent ${what}${notTls.firstLine ? `: "${notTls.firstLine}"` : ''}`;
    trace.notTls ??= { direction, ...notTls };
    trace.issues.push({ direction, kind: 'malformed', offset: 0, length: stream.bytes.length, reason });
    items.push({ direction, ...when(0), opaque: { offset: 0, length: stream.bytes.length, reason } });
    return st;
  }
  splitRuns(st, trace, items, when, from);
  // Missing bytes after which the capture reader found no record boundary: the direction ends there.
  const last = gaps.filter((g) => g.direction === direction && g.offset >= stream.endOffset)[0];
  if (last && st.recordCapAt < 0) items.push({ direction, ...when(stream.bytes.length - 1), gap: { at: stream.bytes.length, from: last.offset } });
  return st;
}

/**
 * Splits each run between missing bytes on its own (the capture reader resumes at a record
 * boundary), so no record is read across a gap; the gap itself is queued as an item.
 */
function splitRuns(
  st: DirState,
  trace: DecodedTrace,
  items: TraceItem[],
  when: (offset: number) => { timeMs: number; chunkIndex: number },
  from: number,
): void {
  const { stream } = st;
  const direction = stream.direction;
  let left = MAX_RECORDS_PER_DIRECTION;
  for (const run of streamRuns(stream)) {
    if (run.brk) items.push({ direction, ...when(run.start), gap: run.brk });
    const last = run.end === stream.bytes.length;
    // Record cap (src/limits.ts): where splitting stopped; the records before it decode as usual.
    // An SSLv2-format hello (RFC 5246 E.2) occupies the first `from` bytes; records follow it.
    const split = splitRecords(stream.bytes.subarray(0, run.end), Math.max(run.start, from), left);
    left -= split.records.length;
    for (const slice of split.records) items.push({ direction, ...when(slice.offset), slice });
    if (split.stoppedAt !== undefined) {
      st.recordCapAt = split.stoppedAt;
      return;
    }
    const cut = split.records.at(-1)?.issue;
    if (!last && cut?.kind === 'incomplete') cut.reason = cut.reason.replace('the capture ends after', 'the capture is missing the bytes after');
    if (split.garbage) {
      const reason = last ? split.garbage.reason : split.garbage.reason.replace('decoding of this direction stops here', 'decoding resumes after the missing bytes that follow');
      const garbage = { ...split.garbage, reason };
      trace.issues.push({ direction, kind: 'malformed', offset: garbage.offset, length: garbage.length, reason });
      items.push({ direction, ...when(garbage.offset), opaque: garbage });
    }
  }
}

/** The SSL 2.0-compatible ClientHello at the start of a client stream, as a handshake message. */
function sslv2ClientHello(space: ByteSpace): HandshakeMessage {
  const d = decodeSslv2ClientHello(space.bytes);
  const length = Math.min(d.length, space.bytes.length);
  // The handshake hash covers msg_type onwards (RFC 5246 E.2), not the 2-byte record header.
  const msg: HandshakeMessage = {
    kind: 'handshake',
    ...messageBase(space, { offset: 0, length }, [], 0, d.fields, d.issue),
    msgType: HandshakeType.client_hello,
    declaredLength: Math.max(0, d.length - 3),
    raw: toHex(space.bytes.subarray(Math.min(2, length), length)),
  };
  if (d.hello) msg.body = d.hello;
  return msg;
}
