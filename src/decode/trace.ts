// The trace state machine: records of both directions in capture-time order, with the little
// state that context-dependent decoding needs (negotiated version and suite, which direction has
// switched to encrypted records, handshake reassembly per direction).

import type { CaptureChunk, CaptureGap } from '../capture/types.js';
import type { AlertMessage, ChangeCipherSpecMessage, DecodedTrace, HandshakeMessage, Message, OpaqueMessage, TlsRecord } from './model.js';
import { ContentType } from './model.js';
import type { ByteSpace, DecodeIssue, Direction } from './types.js';
import { byteCount } from './format.js';
import { TLS13, updateContext, type HandshakeContext } from './context.js';
import { assembleStream, chunkAt, directionSpace, streamRuns, type DirectionStream, type StreamBreak } from './stream.js';
import { MAX_PLAINTEXT_LENGTH, splitRecords, type RecordSlice } from './record.js';
import { detectNotTls } from './not-tls.js';
import { decodeSslv2ClientHello, startsSslv2ClientHello } from './sslv2.js';
import { HandshakeType } from './handshake.js';
import { toHex } from './reader.js';
import { decodeHandshakeMessage } from './handshake.js';
import { HandshakeReassembler, MAX_HANDSHAKE_MESSAGE, MessageCap, oversizedIssue, type MessageSlice } from './defragment.js';
import { decodeAlerts, decodeChangeCipherSpec } from './alert.js';
import { decodeHeartbeat } from './heartbeat.js';
import { encryptedMessage, type GuessState } from './protected-guess.js';
import { messageBase, opaqueMessage } from './message-base.js';
import { MAX_FIELDS_PER_DIRECTION, MAX_PACKED_MESSAGES_PER_DIRECTION, MAX_RECORDS_PER_DIRECTION } from '../limits.js';
import type { FieldBudget } from './reader.js';

interface DirState extends GuessState {
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

interface Item {
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

const directions: Direction[] = ['client', 'server'];

export interface DecodeOptions {
  /**
   * false: handshake messages' field trees keep their structure (vectors, spans, groups, which
   * carry the issues) but not their leaves (integers, byte strings, with their hex values and
   * display strings; FieldBudget.leaves). Records, messages, bodies and issues are the same. For
   * callers that read bodies only (a scan's ~70 first flights), where the leaves were a quarter
   * of the decoding time.
   */
  itemise?: boolean;
}

/**
 * Decodes capture chunks (both directions) into records and messages. `gaps` (a packet capture's
 * missing bytes) word the notice where a direction's chunks jump ahead.
 */
export function decodeChunks(
  chunks: readonly CaptureChunk[],
  initial: HandshakeContext = {},
  messageCap = MAX_HANDSHAKE_MESSAGE,
  gaps: readonly CaptureGap[] = [],
  opts: DecodeOptions = {},
): DecodedTrace {
  const trace: DecodedTrace = { records: [], messages: [], spaces: [], issues: [] };
  const states = new Map<Direction, DirState>();
  const items: Item[] = [];
  for (const direction of directions) {
    const st = splitDirection(chunks, direction, trace, items, messageCap, gaps);
    if (opts.itemise === false) st.fields.leaves = false;
    states.set(direction, st);
  }
  // Capture order: the chunk's position in the capture (every source lists chunks in wire order;
  // a packet capture's timestamps may tie or step back), then time; the sort is stable, so
  // records of one chunk keep stream order.
  items.sort((a, b) => a.chunkIndex - b.chunkIndex || a.timeMs - b.timeMs);
  const decoder = new TraceDecoder(trace, states, initial, gaps);
  for (const item of items) decoder.add(item);
  decoder.finish();
  return trace;
}

/** One direction's stream split into records (or one undecodable span), queued as items. */
function splitDirection(
  chunks: readonly CaptureChunk[],
  direction: Direction,
  trace: DecodedTrace,
  items: Item[],
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
  items: Item[],
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

/** Walks the items in capture order, keeping the context that later decoding depends on. */
class TraceDecoder {
  private ctx: HandshakeContext;
  private readonly emptyRecords = new Map<Direction, { issue: DecodeIssue; count: number }>();

  constructor(
    private readonly trace: DecodedTrace,
    private readonly states: Map<Direction, DirState>,
    initial: HandshakeContext,
    private readonly gaps: readonly CaptureGap[],
  ) {
    this.ctx = initial;
  }

  /**
   * Message cap (src/limits.ts): a peer sending zero-filled handshake records yields one message
   * per 4 bytes; messages beyond one per record are bounded, and past that the rest of the
   * direction becomes one undecoded span.
   */
  private emit(msg: Message): void {
    const st = this.states.get(msg.direction)!;
    if (st.cappedAt >= 0) return;
    if (st.cap.full) {
      // Where the undecoded rest starts in the direction's stream (derived spaces map back).
      st.cappedAt = msg.space.id === msg.direction ? msg.offset : (msg.space.segments[0]?.streamOffset ?? msg.offset);
      return;
    }
    st.cap.count();
    this.trace.messages.push(msg);
  }

  private emitHandshake(st: DirState, slice: MessageSlice): void {
    const wasExhausted = st.fields.exhausted;
    const msg: HandshakeMessage = decodeHandshakeMessage(slice.space, slice.start, slice.end, this.ctx, st.fields);
    if (st.fields.exhausted && !wasExhausted) noteFieldCap(this.trace, st, msg);
    msg.records = slice.records;
    msg.timeMs = slice.timeMs;
    if (slice.oversized !== undefined) msg.issue = oversizedIssue(slice, st.reassembler.cap);
    if (slice.space !== st.space) this.trace.spaces.push(slice.space);
    this.emit(msg);
    this.ctx = updateContext(this.ctx, msg.body);
  }

  private drain(st: DirState, final: boolean): void {
    for (let s = st.reassembler.take(final); s; s = st.reassembler.take(final)) this.emitHandshake(st, s);
  }

  add(item: Item): void {
    const st = this.states.get(item.direction)!;
    if (st.cappedAt >= 0) return;
    if (item.sslv2) {
      this.emit({ ...item.sslv2, timeMs: item.timeMs });
      return;
    }
    if (item.gap) {
      // A handshake message cut by the gap can never complete: it is shown as far as captured.
      this.drain(st, true);
      st.afterGap = true;
      this.emit(missingBytes(st.space, item.gap, item.timeMs, this.gaps));
      return;
    }
    if (item.opaque) {
      // Anything still buffered can never complete now.
      this.drain(st, true);
      this.emit(opaqueMessage(st.space, item.opaque.offset, item.opaque.length, [], item.timeMs, item.opaque.reason));
      return;
    }
    const slice = item.slice!;
    st.cap.record();
    const record = this.pushRecord(item, slice);
    if (st.afterGap) {
      record.afterGap = true;
      st.afterGap = false;
    }
    const body = { offset: slice.bodyOffset, length: slice.bodyLength };
    const tls13 = this.ctx.version === TLS13;
    const type = slice.contentType;
    if (type < 0) return; // header cut short: nothing more to say
    if (st.ccsSeen && !tls13 && this.secondClientHello(st, type, body)) st.ccsSeen = false;
    if (type === ContentType.application_data || (st.ccsSeen && !tls13)) {
      record.encrypted = true;
      this.drain(st, true);
      this.emit(encryptedMessage(st, record, body, this.ctx, item.timeMs));
      return;
    }
    flagOversizedPlaintext(record, slice);
    if (type === ContentType.handshake) this.handshakeRecord(st, record, body);
    else if (type === ContentType.change_cipher_spec) this.changeCipherSpec(st, record, body, tls13);
    else if (type === ContentType.alert) this.alerts(st, record, body);
    else if (type === ContentType.heartbeat) {
      this.drain(st, true);
      this.emit(decodeHeartbeat(st.space, body, [record.index], record.timeMs));
    } else this.emit(opaqueMessage(st.space, body.offset, body.length, [record.index], record.timeMs, `unknown content type ${type}`));
  }

  /**
   * A client-side-only capture (no ServerHello seen): TLS 1.3 clients in middlebox-compatibility
   * mode send a ChangeCipherSpec, and after a HelloRetryRequest their second ClientHello follows it
   * in the clear. Without the ServerHello the CCS looks like TLS 1.2's key switch; a handshake
   * record that reads as a whole plaintext ClientHello says it was not one.
   */
  private secondClientHello(st: DirState, type: number, body: { offset: number; length: number }): boolean {
    if (st.space.direction !== 'client' || type !== ContentType.handshake || this.ctx.version !== undefined) return false;
    if (!looksLikeClientHello(st.space.bytes, body.offset, body.length)) return false;
    const ccs = this.trace.messages.findLast((m) => m.direction === 'client' && m.kind === 'change_cipher_spec');
    if (ccs?.kind === 'change_cipher_spec') ccs.compatibility = true;
    return true;
  }

  private pushRecord(item: Item, slice: RecordSlice): TlsRecord {
    const record: TlsRecord = {
      index: this.trace.records.length,
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
    this.trace.records.push(record);
    return record;
  }

  private handshakeRecord(st: DirState, record: TlsRecord, body: { offset: number; length: number }): void {
    if (record.bodyLength === 0 && record.declaredLength === 0) {
      this.emptyHandshakeRecord(record);
      return;
    }
    if (st.reassembler.poisoned) {
      this.emit(opaqueMessage(st.space, body.offset, body.length, [record.index], record.timeMs, 'handshake bytes after an oversized handshake message (not decoded)'));
      return;
    }
    st.reassembler.push({ streamOffset: body.offset, length: body.length, record: record.index, timeMs: record.timeMs });
    this.drain(st, false);
  }

  /** RFC 8446 §5.1 / RFC 5246 §6.2.1: zero-length handshake fragments must not be sent. */
  private emptyHandshakeRecord(record: TlsRecord): void {
    record.issue ??= { kind: 'malformed', offset: record.offset, length: 5, reason: 'zero-length handshake record (not allowed)' };
    // No message carries this record, so the issue is listed with the trace's own issues: the
    // first one, with a count of the rest (a flood of them is one finding, not 16384).
    const first = this.emptyRecords.get(record.direction);
    if (first) first.count += 1;
    else {
      const listed = { ...record.issue, direction: record.direction };
      this.trace.issues.push(listed);
      this.emptyRecords.set(record.direction, { issue: listed, count: 1 });
    }
  }

  private changeCipherSpec(st: DirState, record: TlsRecord, body: { offset: number; length: number }, tls13: boolean): void {
    this.drain(st, true);
    const ccs = decodeChangeCipherSpec(st.space.bytes, body.offset, body.offset + body.length);
    const msg: ChangeCipherSpecMessage = {
      kind: 'change_cipher_spec',
      ...messageBase(st.space, body, [record.index], record.timeMs, ccs.fields, ccs.issue),
      compatibility: tls13,
    };
    if (!tls13) st.ccsSeen = true;
    this.emit(msg);
  }

  private alerts(st: DirState, record: TlsRecord, body: { offset: number; length: number }): void {
    this.drain(st, true);
    for (const a of decodeAlerts(st.space.bytes, body.offset, body.offset + body.length)) {
      const msg: AlertMessage = {
        kind: 'alert',
        ...messageBase(st.space, { offset: a.offset, length: a.length }, [record.index], record.timeMs, a.fields, a.issue),
        level: a.level,
        description: a.description,
      };
      this.emit(msg);
    }
  }

  finish(): void {
    for (const [direction, { issue, count }] of this.emptyRecords) {
      if (count > 1) issue.reason += ` (${count} such records from the ${direction}; the first is listed)`;
    }
    for (const direction of directions) {
      const st = this.states.get(direction)!;
      const stop = st.cappedAt >= 0 ? { at: st.cappedAt, what: 'messages' as const } : st.recordCapAt >= 0 ? { at: st.recordCapAt, what: 'records' as const } : undefined;
      if (stop) stopAtCap(this.trace, st, stop);
      else this.drain(st, true);
    }
  }
}

/**
 * Whether a record body starts with a plaintext ClientHello: type 1, a plausible length (it may span records),
 * legacy_version 3.x. An encrypted Finished matching all three is a 1-in-2^40 accident.
 */
function looksLikeClientHello(b: Uint8Array, at: number, length: number): boolean {
  if (length < 6 || b[at] !== 1) return false;
  const declared = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  return declared >= 38 && declared <= 0xffff && b[at + 4] === 3 && b[at + 5] <= 4;
}

/**
 * The notice where a direction's bytes jump ahead: how many bytes the capture lacks and where, in
 * the capture's stream offsets (from where TLS starts), and where decoding picks up again.
 */
function missingBytes(space: ByteSpace, brk: StreamBreak, timeMs: number, gaps: readonly CaptureGap[]): OpaqueMessage {
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

/** RFC 8446 §5.1 / RFC 5246 §6.2.1: an unprotected record carries at most 2^14 bytes. */
function flagOversizedPlaintext(record: TlsRecord, slice: RecordSlice): void {
  if (slice.declaredLength <= MAX_PLAINTEXT_LENGTH || record.issue) return;
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
function noteFieldCap(trace: DecodedTrace, st: DirState, msg: HandshakeMessage): void {
  const direction = st.stream.direction;
  const reason = `tls-trace stopped itemising the ${direction}'s fields after ${MAX_FIELDS_PER_DIRECTION} (its field cap): this and later handshake messages are decoded in full but shown as their header and one body span`;
  // Issue offsets are stream offsets; a reassembled message's space maps back through its segments.
  const offset = msg.space.id === direction ? msg.offset : (msg.space.segments[0]?.streamOffset ?? msg.offset);
  trace.issues.push({ direction, kind: 'limit', offset, length: msg.length, reason });
}
