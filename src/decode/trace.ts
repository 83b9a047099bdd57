// The trace state machine: records of both directions in capture-time order, with the little
// state that context-dependent decoding needs (negotiated version and suite, which direction has
// switched to encrypted records, handshake reassembly per direction). Splitting each direction
// into records is direction-split.ts; the notices for gaps and caps are trace-notices.ts.

import type { CaptureChunk, CaptureGap } from '../capture/types.js';
import type { AlertMessage, ChangeCipherSpecMessage, DecodedTrace, HandshakeMessage, Message, TlsRecord } from './model.js';
import { ContentType } from './model.js';
import type { DecodeIssue, Direction } from './types.js';
import { TLS13, updateContext, type HandshakeContext } from './context.js';
import { MAX_PLAINTEXT_LENGTH, type RecordSlice } from './record.js';
import { decodeHandshakeMessage } from './handshake.js';
import { MAX_HANDSHAKE_MESSAGE, oversizedIssue, type MessageSlice } from './defragment.js';
import { decodeAlerts, decodeChangeCipherSpec } from './alert.js';
import { decodeHeartbeat } from './heartbeat.js';
import { encryptedMessage } from './protected-guess.js';
import { messageBase, opaqueMessage } from './message-base.js';
import { splitDirection, type DirState, type TraceItem } from './direction-split.js';
import { missingBytes, noteFieldCap, stopAtCap } from './trace-notices.js';

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
  const items: TraceItem[] = [];
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

  add(item: TraceItem): void {
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

  private pushRecord(item: TraceItem, slice: RecordSlice): TlsRecord {
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
