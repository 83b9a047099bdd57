// What an opened record holds, as messages: alerts and application data directly, handshake bytes
// through decode's reassembler (src/decode/defragment.ts), so a message split over records, an
// oversized message and the message cap give the same findings as in the plaintext decoder.

import { decodeAlerts } from '../decode/alert.js';
import { decodeHeartbeat } from '../decode/heartbeat.js';
import { updateContext, type HandshakeContext } from '../decode/context.js';
import { oversizedIssue, type MessageSlice } from '../decode/defragment.js';
import { decodeHandshakeMessage } from '../decode/handshake.js';
import type { AlertMessage, ApplicationDataMessage, Message, OpaqueMessage, TlsRecord } from '../decode/model.js';
import { toHex } from '../decode/reader.js';
import type { ByteSpace } from '../decode/types.js';
import { ContentType, HS } from '../registry/index.js';
import { hashLength } from './hkdf.js';
import type { SuiteCrypto } from './suites.js';
import { nextTrafficSecret, trafficKeys } from './tls13.js';
import type { KeySchedule, KeyScheduleStep } from './types.js';
import { handshakeStopped, type DirectionState } from './direction-state.js';

/** What record processing needs beyond one direction's state. */
export interface Run {
  ctx: HandshakeContext;
  tls13: boolean;
  suite: SuiteCrypto;
  schedule: KeySchedule;
  show: boolean;
}

export interface Produced {
  space?: ByteSpace;
  messages: Message[];
  /** Sentences for DecryptionResult.notes (a hit reassembly cap). */
  notes?: string[];
}

/** Turns one record's plaintext into messages; handshake bytes may wait for the next record. */
export function consumePlaintext(rec: TlsRecord, contentType: number, plaintext: Buffer, state: DirectionState, run: Run): Produced {
  const id = `${rec.direction}/plain#${rec.index}`;
  const base = { direction: rec.direction, records: [rec.index], timeMs: rec.timeMs };
  if (contentType === ContentType.handshake && !handshakeStopped(state)) return consumeHandshake(rec, plaintext, state, run);
  const space: ByteSpace = { id, direction: rec.direction, bytes: Uint8Array.from(plaintext), segments: [], decrypted: true };
  if (contentType === ContentType.alert && plaintext.length > 0) {
    const messages = decodeAlerts(space.bytes, 0, space.bytes.length).map((a): AlertMessage => {
      const m: AlertMessage = { kind: 'alert', ...base, space, offset: a.offset, length: a.length, fields: a.fields, level: a.level, description: a.description };
      if (a.issue) m.issue = a.issue;
      return m;
    });
    return { space, messages };
  }
  if (contentType === ContentType.heartbeat) return { space, messages: [decodeHeartbeat(space, { offset: 0, length: space.bytes.length }, [rec.index], rec.timeMs)] };
  if (contentType === ContentType.application_data) {
    const m: ApplicationDataMessage = {
      kind: 'application_data',
      ...base,
      space,
      offset: 0,
      length: plaintext.length,
      fields: plaintext.length > 0 ? [{ name: 'data', label: 'Application data', offset: 0, length: plaintext.length }] : [],
    };
    return { space, messages: [m] };
  }
  // Handshake bytes after an oversized message or the cap: where a message starts is no longer known.
  const afterOversized = contentType === ContentType.handshake;
  const m: OpaqueMessage = {
    kind: 'opaque',
    ...base,
    space,
    offset: 0,
    length: plaintext.length,
    fields:
      plaintext.length > 0
        ? [{ name: 'data', label: afterOversized ? 'Undecoded handshake data' : `Content type ${contentType}`, offset: 0, length: plaintext.length, value: toHex(plaintext.subarray(0, 64)) }]
        : [],
    reason: afterOversized
      ? (state.capped ?? 'handshake bytes after an oversized handshake message (not decoded)')
      : `decrypted record of content type ${contentType}, which is not expected inside a protected record`,
  };
  if (afterOversized && state.capped) m.cap = true;
  return { space, messages: [m] };
}

/** What the reassembler gave for one record: whole messages, and the bytes past the cap. */
interface Framed {
  slices: MessageSlice[];
  /** Bytes not decoded because the message cap was reached (one span). */
  rest?: MessageSlice;
}

/** Pushes the record's plaintext and takes every whole message the cap allows. */
function frame(rec: TlsRecord, plaintext: Buffer, state: DirectionState): Framed {
  const r = state.reassembler;
  const at = state.plaintext.append(plaintext);
  state.cap.record();
  r.push({ streamOffset: at, length: plaintext.length, record: rec.index, timeMs: rec.timeMs });
  const slices: MessageSlice[] = [];
  for (let next = r.peek(); next; next = r.peek()) {
    if (next === 'complete' && state.cap.full) {
      state.capped = `${state.cap.said(rec.direction, 'decrypted handshake')}; later handshake bytes are not decoded`;
      const rest = r.takeRest();
      r.discard();
      return { slices, rest };
    }
    const slice = r.take()!;
    state.cap.count();
    slices.push(slice);
    if (slice.oversized !== undefined) break;
  }
  return { slices };
}

/**
 * Frames the direction's buffered handshake bytes plus this record's plaintext into whole
 * messages; a tail that is not whole waits for the next record. The messages a record completes
 * are shown in one space, `<direction>/plain#<record>`, that starts with the bytes earlier records
 * left waiting. A header declaring more than the reassembler's cap (MAX_HANDSHAKE_MESSAGE) is not waited for: what
 * arrived of that message is decoded with the reassembler's finding, and a note says so.
 */
function consumeHandshake(rec: TlsRecord, plaintext: Buffer, state: DirectionState, run: Run): Produced {
  const { slices, rest } = frame(rec, plaintext, state);
  const parts = rest ? [...slices, rest] : slices;
  const total = parts.reduce((n, s) => n + (s.end - s.start), 0);
  if (total === 0) return { messages: [] };
  const bytes = new Uint8Array(total);
  let at = 0;
  const placed = parts.map((s) => {
    bytes.set(s.space.bytes.subarray(s.start, s.end), at);
    const p = { slice: s, start: at, end: at + (s.end - s.start) };
    at = p.end;
    return p;
  });
  const space: ByteSpace = { id: `${rec.direction}/plain#${rec.index}`, direction: rec.direction, bytes, segments: [], decrypted: true };
  const messages: Message[] = [];
  const types: number[] = [];
  let ctx = run.ctx;
  for (const p of placed.slice(0, slices.length)) {
    const msg = decodeHandshakeMessage(space, p.start, p.end, ctx, state.fields);
    ctx = updateContext(ctx, msg.body);
    msg.records = p.slice.records;
    msg.timeMs = p.slice.endTimeMs;
    if (p.slice.oversized !== undefined) msg.issue = oversizedIssue({ ...p.slice, start: p.start }, state.reassembler.cap);
    else types.push(bytes[p.start]);
    messages.push(msg);
  }
  const produced: Produced = { space, messages };
  if (rest) {
    const p = placed[placed.length - 1];
    messages.push(capSpan(space, p.start, p.end, rec, p.slice, state.capped!));
    produced.notes = [state.capped!];
  }
  advanceEpochs(state, types, run);
  const oversized = slices.at(-1)?.oversized;
  if (oversized !== undefined) {
    produced.notes = [
      `a decrypted ${rec.direction} handshake message in record #${rec.index + 1} declares ${oversized} bytes, more than the ${state.reassembler.cap}-byte reassembly limit: it is not reassembled and the rest of the ${rec.direction} handshake is not decoded`,
    ];
  }
  return produced;
}

/** The rest of a decrypted record past the message cap: one span that names the cap, no hex copy. */
function capSpan(space: ByteSpace, from: number, to: number, rec: TlsRecord, slice: MessageSlice, reason: string): OpaqueMessage {
  const length = to - from;
  const fields = length > 0 ? [{ name: 'data', label: 'Not decoded (cap)', offset: from, length, display: `${length} bytes` }] : [];
  return { kind: 'opaque', direction: rec.direction, space, offset: from, length, records: slice.records, timeMs: slice.endTimeMs, fields, reason, cap: true };
}

/** TLS 1.3: the sender's Finished ends its handshake keys; a KeyUpdate starts the next secret. */
function advanceEpochs(state: DirectionState, types: number[], run: Run): void {
  const { suite } = run;
  if (!run.tls13) return;
  for (const t of types) {
    const cur = state.epochs[state.current];
    if (t === HS.finished && cur?.handshake && state.current + 1 < state.epochs.length) {
      state.current += 1;
    } else if (t === HS.key_update && cur && !cur.handshake && cur.secret) {
      const secret = nextTrafficSecret(suite.hash, cur.secret);
      const keys = trafficKeys(suite.hash, secret, suite.keyLength, 12);
      const n = state.epochs.filter((e) => !e.handshake).length;
      const show = (b: Uint8Array): { value?: string } => (run.show ? { value: toHex(b) } : {});
      const step: KeyScheduleStep = {
        name: `${cur.step.direction ?? ''} application traffic secret ${n}`.trim(),
        direction: cur.step.direction,
        source: `HKDF-Expand-Label(previous secret, "traffic upd", "", ${hashLength(suite.hash)}) after KeyUpdate`,
        secretLength: secret.length,
        outputs: [
          { name: 'key', derivation: `HKDF-Expand-Label(secret, "key", "", ${suite.keyLength})`, length: suite.keyLength, ...show(keys.key) },
          { name: 'iv', derivation: 'HKDF-Expand-Label(secret, "iv", "", 12)', length: 12, ...show(keys.iv) },
        ],
        recordsOpened: 0,
      };
      if (run.show) step.secret = toHex(secret);
      run.schedule.steps.push(step);
      state.epochs.splice(state.current + 1, 0, { name: `application (update ${n})`, keys, seq: 0n, step, secret, handshake: false });
      state.current += 1;
    }
  }
}
