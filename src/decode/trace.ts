// The trace state machine: records of both directions in capture-time order, with the little
// state that context-dependent decoding needs (negotiated version and suite, which direction has
// switched to encrypted records, handshake reassembly per direction).

import type { CaptureChunk } from '../capture/types.js';
import type {
  AlertMessage,
  ChangeCipherSpecMessage,
  DecodedTrace,
  EncryptedMessage,
  HandshakeMessage,
  Message,
  OpaqueMessage,
  TlsRecord,
  MessageBase,
  FlightMessageName,
  ProtectedGuess,
} from './model.js';
import { ContentType } from './model.js';
import type { ByteSpace, DecodeIssue, Direction, Field } from './types.js';
import { toHex } from './reader.js';
import { byteCount } from './format.js';
import { TLS13, tls13HashLength, updateContext, type HandshakeContext } from './context.js';
import { assembleStream, chunkAt, streamSpace, type DirectionStream } from './stream.js';
import { MAX_PLAINTEXT_LENGTH, splitRecords, type RecordSlice } from './record.js';
import { detectNotTls } from './not-tls.js';
import { decodeHandshakeMessage } from './handshake.js';
import { HandshakeReassembler, type MessageSlice } from './defragment.js';
import { decodeAlerts, decodeChangeCipherSpec } from './alert.js';
import { MAX_PACKED_MESSAGES_PER_DIRECTION, MAX_RECORDS_PER_DIRECTION } from '../limits.js';

interface DirState {
  stream: DirectionStream;
  space: ByteSpace;
  reassembler: HandshakeReassembler;
  /** TLS ≤ 1.2: a ChangeCipherSpec was sent, later records are protected. */
  ccsSeen: boolean;
  /** Protected records seen so far in this direction (drives the `guess`). */
  protectedCount: number;
  finishedGuessed: boolean;
  /** TLS 1.3 protected records before this direction's Finished, relabelled once it is seen. */
  flight: EncryptedMessage[];
}

interface Item {
  direction: Direction;
  timeMs: number;
  chunkIndex: number;
  slice?: RecordSlice;
  /** Undecodable bytes (not TLS at all, or a broken record header mid-stream). */
  opaque?: { offset: number; length: number; reason: string };
}

const directions: Direction[] = ['client', 'server'];

/** Decodes capture chunks (both directions) into records and messages. */
export function decodeChunks(chunks: readonly CaptureChunk[], initial: HandshakeContext = {}): DecodedTrace {
  const trace: DecodedTrace = { records: [], messages: [], spaces: [], issues: [] };
  const states = new Map<Direction, DirState>();
  const items: Item[] = [];
  // Record cap (src/limits.ts): where splitting stopped, per direction; the records before it are
  // decoded as usual.
  const recordCapAt = { client: -1, server: -1 };

  for (const direction of directions) {
    const stream = assembleStream(chunks, direction);
    for (const issue of stream.issues) trace.issues.push({ ...issue, direction });
    const space = streamSpace(stream);
    trace.spaces.push(space);
    states.set(direction, { stream, space, reassembler: new HandshakeReassembler(space), ccsSeen: false, protectedCount: 0, finishedGuessed: false, flight: [] });
    if (stream.bytes.length === 0) continue;
    const when = (offset: number) => {
      const c = chunkAt(stream, offset);
      return { timeMs: stream.times[c], chunkIndex: stream.chunkIndexes[c] };
    };
    const notTls = detectNotTls(stream.bytes);
    if (notTls) {
      const what = notTls.protocol === 'unknown' ? 'bytes that are not TLS' : `${notTls.protocol.toUpperCase()}, not TLS`;
      const reason = `the ${direction} sent ${what}${notTls.firstLine ? `: "${notTls.firstLine}"` : ''}`;
      trace.notTls ??= { direction, ...notTls };
      trace.issues.push({ direction, kind: 'malformed', offset: 0, length: stream.bytes.length, reason });
      items.push({ direction, ...when(0), opaque: { offset: 0, length: stream.bytes.length, reason } });
      continue;
    }
    const split = splitRecords(stream.bytes, 0, MAX_RECORDS_PER_DIRECTION);
    if (split.stoppedAt !== undefined) recordCapAt[direction] = split.stoppedAt;
    for (const slice of split.records) items.push({ direction, ...when(slice.offset), slice });
    if (split.garbage) {
      trace.issues.push({ direction, kind: 'malformed', offset: split.garbage.offset, length: split.garbage.length, reason: split.garbage.reason });
      items.push({ direction, ...when(split.garbage.offset), opaque: split.garbage });
    }
  }

  // Capture order: time first, then the chunk's position in the capture (ties are common when
  // timestamps are coarse); the sort is stable, so records of one chunk keep stream order.
  items.sort((a, b) => a.timeMs - b.timeMs || a.chunkIndex - b.chunkIndex);

  let ctx = initial;
  // Message cap (src/limits.ts): a peer sending zero-filled handshake records yields one message
  // per 4 bytes; messages beyond one per record are bounded, and past that the rest of the
  // direction becomes one undecoded span.
  const emitted = { client: 0, server: 0 };
  const recordsSeen = { client: 0, server: 0 };
  const emptyRecords = new Map<Direction, { issue: DecodeIssue; count: number }>();
  const capped = { client: -1, server: -1 };
  const emit = (msg: Message): void => {
    const d = msg.direction;
    if (capped[d] >= 0) return;
    if (emitted[d] >= recordsSeen[d] + MAX_PACKED_MESSAGES_PER_DIRECTION) {
      // Where the undecoded rest starts in the direction's stream (derived spaces map back).
      capped[d] = msg.space.id === d ? msg.offset : (msg.space.segments[0]?.streamOffset ?? msg.offset);
      return;
    }
    emitted[d] += 1;
    trace.messages.push(msg);
  };
  const emitHandshake = (st: DirState, slice: MessageSlice) => {
    const msg: HandshakeMessage = decodeHandshakeMessage(slice.space, slice.start, slice.end, ctx);
    msg.records = slice.records;
    msg.timeMs = slice.timeMs;
    if (slice.oversized !== undefined) {
      msg.issue = {
        kind: 'malformed',
        offset: slice.start + 1,
        length: 3,
        reason: `handshake message declares ${slice.oversized} bytes, more than the ${st.reassembler.cap}-byte reassembly limit; the rest of this direction's handshake is not decoded`,
        expected: `<= ${st.reassembler.cap}`,
        actual: String(slice.oversized),
      };
    }
    if (slice.space !== st.space) trace.spaces.push(slice.space);
    emit(msg);
    ctx = updateContext(ctx, msg.body);
  };
  const drain = (st: DirState, final: boolean) => {
    for (let s = st.reassembler.take(final); s; s = st.reassembler.take(final)) emitHandshake(st, s);
  };

  for (const item of items) {
    const st = states.get(item.direction)!;
    if (capped[item.direction] >= 0) continue;
    if (item.opaque) {
      // Anything still buffered can never complete now.
      drain(st, true);
      emit(opaqueMessage(st.space, item.opaque.offset, item.opaque.length, [], item.timeMs, item.opaque.reason));
      continue;
    }
    const slice = item.slice!;
    recordsSeen[item.direction] += 1;
    const index = trace.records.length;
    const record: TlsRecord = {
      index,
      direction: item.direction,
      offset: slice.offset,
      length: slice.bodyOffset - slice.offset + slice.bodyLength,
      contentType: slice.contentType,
      legacyVersion: slice.legacyVersion,
      declaredLength: slice.declaredLength,
      bodyOffset: slice.bodyOffset,
      bodyLength: slice.bodyLength,
      timeMs: item.timeMs,
      encrypted: false,
      fields: slice.fields,
    };
    if (slice.issue) record.issue = slice.issue;
    trace.records.push(record);
    const body = { offset: slice.bodyOffset, length: slice.bodyLength };
    const tls13 = ctx.version === TLS13;
    const type = slice.contentType;

    if (slice.contentType < 0) continue; // header cut short: nothing more to say
    if (type === ContentType.application_data || (st.ccsSeen && !tls13)) {
      record.encrypted = true;
      drain(st, true);
      emit(encryptedMessage(st, record, body, ctx, item.timeMs));
      continue;
    }
    if (slice.declaredLength > MAX_PLAINTEXT_LENGTH && !record.issue) {
      // RFC 8446 §5.1 / RFC 5246 §6.2.1: an unprotected record carries at most 2^14 bytes.
      record.issue = {
        kind: 'malformed',
        offset: record.offset + 3,
        length: 2,
        reason: `plaintext record length ${slice.declaredLength} exceeds 2^14 (${MAX_PLAINTEXT_LENGTH})`,
        expected: `<= ${MAX_PLAINTEXT_LENGTH}`,
        actual: String(slice.declaredLength),
      };
      record.fields[2].issue ??= record.issue;
    }
    switch (type) {
      case ContentType.handshake: {
        if (slice.bodyLength === 0 && slice.declaredLength === 0) {
          // RFC 8446 §5.1 / RFC 5246 §6.2.1: zero-length handshake fragments must not be sent.
          record.issue ??= { kind: 'malformed', offset: record.offset, length: 5, reason: 'zero-length handshake record (not allowed)' };
          // No message carries this record, so the issue is listed with the trace's own issues:
          // the first one, with a count of the rest (a flood of them is one finding, not 16384).
          const first = emptyRecords.get(item.direction);
          if (first) first.count += 1;
          else {
            const listed = { ...record.issue, direction: item.direction };
            trace.issues.push(listed);
            emptyRecords.set(item.direction, { issue: listed, count: 1 });
          }
          break;
        }
        if (st.reassembler.poisoned) {
          emit(opaqueMessage(st.space, body.offset, body.length, [index], item.timeMs, 'handshake bytes after an oversized handshake message (not decoded)'));
          break;
        }
        st.reassembler.push({ streamOffset: body.offset, length: body.length, record: index, timeMs: item.timeMs });
        drain(st, false);
        break;
      }
      case ContentType.change_cipher_spec: {
        drain(st, true);
        const ccs = decodeChangeCipherSpec(st.space.bytes, body.offset, body.offset + body.length);
        const msg: ChangeCipherSpecMessage = {
          kind: 'change_cipher_spec',
          ...base(st.space, body, [index], item.timeMs, ccs.fields, ccs.issue),
          compatibility: tls13,
        };
        if (!tls13) st.ccsSeen = true;
        emit(msg);
        break;
      }
      case ContentType.alert: {
        drain(st, true);
        for (const a of decodeAlerts(st.space.bytes, body.offset, body.offset + body.length)) {
          const msg: AlertMessage = {
            kind: 'alert',
            ...base(st.space, { offset: a.offset, length: a.length }, [index], item.timeMs, a.fields, a.issue),
            level: a.level,
            description: a.description,
          };
          emit(msg);
        }
        break;
      }
      default: {
        const what = type === ContentType.heartbeat ? 'heartbeat record (RFC 6520), not decoded' : `unknown content type ${type}`;
        emit(opaqueMessage(st.space, body.offset, body.length, [index], item.timeMs, what));
      }
    }
  }
  for (const [direction, { issue, count }] of emptyRecords) {
    if (count > 1) issue.reason += ` (${count} such records from the ${direction}; the first is listed)`;
  }
  for (const direction of directions) {
    const st = states.get(direction)!;
    const stop = capped[direction] >= 0 ? { at: capped[direction], what: 'messages' as const } : recordCapAt[direction] >= 0 ? { at: recordCapAt[direction], what: 'records' as const } : undefined;
    if (stop) stopAtCap(trace, st, stop);
    else drain(st, true);
  }
  return trace;
}

/**
 * Ends a direction at one of tls-trace's own caps: the rest becomes one undecoded span that says
 * so. A handshake message still waiting for bytes past the cap starts that span instead of being
 * shown as cut short: the peer did not cut it, the decoder stopped reading.
 */
function stopAtCap(trace: DecodedTrace, st: DirState, stop: { at: number; what: 'records' | 'messages' }): void {
  const direction = st.stream.direction;
  const pending = st.reassembler.pending();
  st.reassembler.discard();
  const from = pending ? Math.min(pending.streamOffset, stop.at) : stop.at;
  const rest = st.space.bytes.length - from;
  const records = trace.records.reduce((n, r) => n + (r.direction === direction ? 1 : 0), 0);
  const limit = stop.what === 'records' ? MAX_RECORDS_PER_DIRECTION : MAX_PACKED_MESSAGES_PER_DIRECTION;
  const what = stop.what === 'records' ? `${limit} records (its record cap)` : `${records} records, at ${limit} messages beyond one per record (its message cap)`;
  const said = `tls-trace stopped decoding the ${direction}'s bytes after ${what}`;
  const reason = `${said}; the remaining ${rest} bytes are not decoded`;
  const c = chunkAt(st.stream, from);
  const timeMs = c >= 0 ? st.stream.times[c] : 0;
  trace.issues.push({ direction, kind: 'limit', offset: from, length: rest, reason });
  (trace.caps ??= []).push({ direction, cap: stop.what, limit, offset: from, length: rest, timeMs, said });
  // Not a verdict on the bytes: no issue on the message, and no hex copy of up to megabytes that
  // the stream space already holds.
  const span: OpaqueMessage = {
    kind: 'opaque',
    ...base(st.space, { offset: from, length: rest }, pending?.records ?? [], timeMs, [
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

function base(space: ByteSpace, span: { offset: number; length: number }, records: number[], timeMs: number, fields: Field[], issue?: DecodeIssue) {
  const out: MessageBase = { direction: space.direction, space, offset: span.offset, length: span.length, records, timeMs, fields };
  if (issue) out.issue = issue;
  return out;
}

function opaqueMessage(space: ByteSpace, offset: number, length: number, records: number[], timeMs: number, reason: string): OpaqueMessage {
  const fields: Field[] =
    length > 0 ? [{ name: 'data', label: 'Undecoded data', offset, length, value: toHex(space.bytes.subarray(offset, offset + length)), display: byteCount(length) }] : [];
  return { kind: 'opaque', ...base(space, { offset, length }, records, timeMs, fields), reason };
}

/** What a protected record most likely holds, judged from its position and size. */
function guessProtected(st: DirState, record: TlsRecord, ctx: HandshakeContext): ProtectedGuess {
  const n = st.protectedCount++;
  if (ctx.version !== TLS13) {
    if (record.contentType === ContentType.handshake) {
      if (!st.finishedGuessed) {
        st.finishedGuessed = true;
        return { kind: 'finished' };
      }
      return { kind: 'renegotiation' };
    }
    if (record.contentType === ContentType.alert) return { kind: 'alert' };
    return { kind: ctx.version === undefined && !st.ccsSeen ? 'early-or-application-data' : 'application-data' };
  }
  if (st.finishedGuessed) return { kind: st.stream.direction === 'server' ? 'ticket-or-application-data' : 'application-data' };
  // A TLS 1.3 Finished record: 4-byte header + hash, the inner content type, a 16-byte AEAD tag.
  const finishedLength = 4 + tls13HashLength(ctx.cipherSuite) + 1 + 16;
  if (record.bodyLength === finishedLength) {
    st.finishedGuessed = true;
    return { kind: 'finished' };
  }
  if (st.stream.direction === 'client') return { kind: 'client-auth' };
  const flight: FlightMessageName[] = ctx.pskAccepted ? ['EncryptedExtensions'] : ['EncryptedExtensions', 'Certificate', 'CertificateVerify'];
  return { kind: 'flight-message', message: flight[n] };
}

function encryptedMessage(st: DirState, record: TlsRecord, body: { offset: number; length: number }, ctx: HandshakeContext, timeMs: number): EncryptedMessage {
  const fields: Field[] =
    body.length > 0 ? [{ name: 'encrypted_record', label: 'Encrypted data', offset: body.offset, length: body.length, display: byteCount(body.length) }] : [];
  // Before the ServerHello a client's application_data record can only be 0-RTT early data.
  const early = ctx.version === undefined && st.stream.direction === 'client' && !st.ccsSeen;
  const beforeFinished = ctx.version === TLS13 && !st.finishedGuessed;
  const guess: ProtectedGuess = early ? { kind: 'early-data' } : guessProtected(st, record, ctx);
  const msg: EncryptedMessage = { kind: 'encrypted', ...base(st.space, body, [record.index], timeMs, fields, record.issue), contentType: record.contentType, guess };
  if (beforeFinished && guess.kind !== 'finished') st.flight.push(msg);
  if (beforeFinished && guess.kind === 'finished') relabelFlight(st);
  return msg;
}

/**
 * Once a TLS 1.3 Finished is recognised, the number of protected records before it tells the
 * flight's shape (OpenSSL-style stacks send one message per record): the server's 1 = PSK
 * resumption, 3 = the usual, 4 = with a CertificateRequest; the client's 1 or 2 = client auth.
 */
function relabelFlight(st: DirState): void {
  const n = st.flight.length;
  const server: Record<number, FlightMessageName[]> = {
    1: ['EncryptedExtensions'],
    3: ['EncryptedExtensions', 'Certificate', 'CertificateVerify'],
    4: ['EncryptedExtensions', 'CertificateRequest', 'Certificate', 'CertificateVerify'],
  };
  const client: Record<number, FlightMessageName[]> = { 1: ['Certificate'], 2: ['Certificate', 'CertificateVerify'] };
  const names = (st.stream.direction === 'server' ? server : client)[n];
  if (names) st.flight.forEach((m, i) => (m.guess = { kind: 'flight-message', message: names[i] }));
  st.flight = [];
}
