// Decrypting a decoded trace: finds the protected records, opens them in sequence per direction
// with keys derived from the capture's key log, and decodes what they hold with the same
// decoders as plaintext. Failures are per record (the trace goes on); missing keys are notes.

import type { Capture } from '../capture/types.js';
import { decodeAlerts } from '../decode/alert.js';
import { updateContext, TLS12, TLS13, type HandshakeContext } from '../decode/context.js';
import { decodeHandshakeMessages, handshakeMessageLength, HANDSHAKE_HEADER } from '../decode/handshake.js';
import type { AlertMessage, ApplicationDataMessage, DecodedTrace, HandshakeMessage, Message, OpaqueMessage, TlsRecord } from '../decode/model.js';
import { toHex } from '../decode/reader.js';
import type { ByteSpace, Direction } from '../decode/types.js';
import { MAX_HANDSHAKE_MESSAGE, MAX_PACKED_MESSAGES_PER_DIRECTION } from '../limits.js';
import { ContentType, Ext, HS, label, protocolVersions } from '../registry/index.js';
import { hasExt, isDecrypted } from '../decode/message-facts.js';
import { hashLength } from './hkdf.js';
import { KeyLogLabel, parseKeyLog } from './keylog.js';
import { keyBlock12 } from './prf.js';
import { openTls12Record, openTls13Record, type DirectionKeys, type RecordOutcome } from './record-protection.js';
import { isSupported, suiteCrypto, type SuiteCrypto } from './suites.js';
import { nextTrafficSecret, trafficKeys, finishedKey } from './tls13.js';
import type { DecryptOptions, DecryptionResult, KeySchedule, KeyScheduleStep, RecordDecryption } from './types.js';
import { verifyTrace, type VerificationInputs } from './verify-trace.js';
import { mergeDecrypted } from './merge.js';

interface Epoch {
  name: string;
  keys: DirectionKeys;
  seq: bigint;
  step: KeyScheduleStep;
  /** TLS 1.3 application secret, kept to derive the next one on KeyUpdate. */
  secret?: Buffer;
  handshake: boolean;
}

interface Pending {
  bytes: Buffer;
  pieces: Array<{ record: number; start: number; length: number; timeMs: number }>;
}

interface DirectionState {
  epochs: Epoch[];
  current: number;
  pending: Pending;
  /**
   * A decrypted handshake message declared more than MAX_HANDSHAKE_MESSAGE: it is not buffered,
   * and this direction's later handshake bytes are shown undecoded (as the plaintext decoder does).
   */
  poisoned: boolean;
  /** Handshake records consumed and messages decoded, for the message cap (src/limits.ts). */
  records: number;
  messages: number;
  /** Set once the message cap stopped this direction: why its later handshake bytes are undecoded. */
  capped?: string;
}

/** The handshake facts decryption needs from the plaintext part of the trace. */
interface Negotiated {
  clientRandom?: string;
  serverRandom?: string;
  version?: number;
  cipherSuite?: number;
  encryptThenMac: boolean;
  extendedMasterSecret: boolean;
  ctx: HandshakeContext;
}

function plaintextFacts(decoded: DecodedTrace): Negotiated {
  let ctx: HandshakeContext = {};
  const out: Negotiated = { encryptThenMac: false, extendedMasterSecret: false, ctx };
  let clientEms = false;
  for (const m of decoded.messages) {
    if (m.kind !== 'handshake' || isDecrypted(m) || !m.body) continue;
    ctx = updateContext(ctx, m.body);
    if (m.body.type === 'client_hello') {
      out.clientRandom ??= m.body.random;
      clientEms ||= hasExt(m.body.extensions, Ext.extended_master_secret);
    }
    if (m.body.type === 'server_hello' && !m.body.helloRetryRequest) {
      out.serverRandom = m.body.random;
      out.encryptThenMac = hasExt(m.body.extensions, Ext.encrypt_then_mac);
      out.extendedMasterSecret = clientEms && hasExt(m.body.extensions, Ext.extended_master_secret);
    }
  }
  out.ctx = ctx;
  out.version = ctx.version;
  out.cipherSuite = ctx.cipherSuite;
  return out;
}

function newState(): DirectionState {
  return { epochs: [], current: 0, pending: { bytes: Buffer.alloc(0), pieces: [] }, poisoned: false, records: 0, messages: 0 };
}

/**
 * Decrypts the protected records of `decoded` with the secrets in `capture.keylog` and verifies
 * Finished messages and handshake signatures. Never throws for bad input: every problem is a
 * record failure, a note or a ✖ fact.
 */
export function decryptTrace(capture: Capture, decoded: DecodedTrace, opts: DecryptOptions = {}): DecryptionResult {
  const result: DecryptionResult = { status: 'nothing-encrypted', notes: [], records: [], messages: [], spaces: [], verifications: [] };
  const facts = plaintextFacts(decoded);
  const protectedRecords = decoded.records.filter((r) => r.encrypted).sort((a, b) => a.index - b.index);
  const inputs: VerificationInputs = { decoded, facts: { clientRandom: facts.clientRandom, serverRandom: facts.serverRandom, version: facts.version } };

  const finish = (): DecryptionResult => {
    result.verifications = verifyTrace(mergeDecrypted(decoded, result), inputs);
    return result;
  };

  if (protectedRecords.length === 0) return finish();
  result.status = 'no-keys';
  if (!facts.clientRandom) {
    result.notes.push('no key for this connection: the ClientHello (whose random names the keys) was not decoded');
    return finish();
  }
  if (facts.version === undefined || facts.cipherSuite === undefined) {
    result.notes.push('records stay encrypted: no ServerHello was decoded, so version and cipher suite are unknown');
    return finish();
  }
  const keylog = parseKeyLog(capture.keylog ?? []);
  const secrets = keylog.byClientRandom.get(facts.clientRandom);
  if (!secrets) {
    result.notes.push(
      capture.keylog && capture.keylog.length > 0
        ? `no key for this connection: the key log has no secrets for client random ${facts.clientRandom.slice(0, 16)}…`
        : 'no key for this connection: the capture carries no key log, so the protected records stay encrypted',
    );
    return finish();
  }
  const suite = suiteCrypto(facts.cipherSuite);
  if (!isSupported(suite)) {
    result.status = 'unsupported';
    result.notes.push(`records stay encrypted: ${suite.unsupported}`);
    return finish();
  }
  const tls13 = facts.version === TLS13;
  if (!tls13 && facts.version !== TLS12) {
    result.status = 'unsupported';
    result.notes.push(`records stay encrypted: decrypting ${label(protocolVersions, facts.version)} is not supported (TLS 1.2 and 1.3 are)`);
    return finish();
  }
  if (tls13 !== suite.tls13) {
    result.status = 'unsupported';
    result.notes.push(`records stay encrypted: ${suite.name} cannot be used with ${label(protocolVersions, facts.version)}`);
    return finish();
  }

  const states: Record<Direction, DirectionState> = { client: newState(), server: newState() };
  const schedule = tls13
    ? setUpTls13(suite, secrets, states, facts, opts, result.notes)
    : setUpTls12(suite, secrets, states, facts, opts, result.notes);
  if (!schedule) return finish();
  result.keySchedule = schedule;
  const run: Run = { ctx: facts.ctx, tls13, suite, schedule, show: opts.showSecrets === true };
  inputs.secrets = {
    tls13,
    hash: suite.hash,
    clientHandshake: hexToBuffer(secrets.get(KeyLogLabel.clientHandshake)),
    serverHandshake: hexToBuffer(secrets.get(KeyLogLabel.serverHandshake)),
    master: hexToBuffer(secrets.get(KeyLogLabel.masterSecret)),
  };

  const streams = new Map<Direction, ByteSpace>();
  for (const s of decoded.spaces) if (!s.decrypted && (s.id === 'client' || s.id === 'server')) streams.set(s.id, s);

  for (const rec of protectedRecords) {
    const stream = streams.get(rec.direction);
    const state = states[rec.direction];
    if (!stream) continue;
    if (rec.bodyLength < rec.declaredLength) {
      result.records.push({ record: rec.index, direction: rec.direction, epoch: '-', seq: 0, ok: false, error: `not decrypted: the capture ends inside this record (${rec.bodyLength} of ${rec.declaredLength} bytes)` });
      continue;
    }
    if (state.epochs.length === 0) {
      result.records.push({ record: rec.index, direction: rec.direction, epoch: '-', seq: 0, ok: false, error: `no key for ${rec.direction} records in the key log` });
      continue;
    }
    const header = stream.bytes.subarray(rec.offset, rec.offset + 5);
    const body = stream.bytes.subarray(rec.bodyOffset, rec.bodyOffset + rec.bodyLength);
    const open = (e: Epoch): RecordOutcome =>
      tls13 ? openTls13Record(suite, e.keys, e.seq, header, body) : openTls12Record(suite, e.keys, e.seq, header, body, { encryptThenMac: facts.encryptThenMac });
    let epoch = state.epochs[state.current];
    let outcome = open(epoch);
    // A record we could not read (tampered, or its Finished lost) may leave us one epoch behind:
    // the sender may already use its next keys, so try those before giving up.
    if (!outcome.ok && state.current + 1 < state.epochs.length) {
      const next = state.epochs[state.current + 1];
      const retry = open(next);
      if (retry.ok) {
        state.current += 1;
        epoch = next;
        outcome = retry;
      }
    }
    const entry: RecordDecryption = { record: rec.index, direction: rec.direction, epoch: epoch.name, seq: Number(epoch.seq), ok: outcome.ok };
    epoch.seq += 1n;
    result.records.push(entry);
    if (!outcome.ok) {
      entry.error = outcome.reason;
      // Handshake bytes waiting for this record can never be completed: drop them with a note
      // rather than splice later bytes onto them.
      if (state.pending.bytes.length > 0) {
        result.notes.push(`${state.pending.bytes.length} bytes of a ${rec.direction} handshake message were lost with record #${rec.index}`);
        state.pending = { bytes: Buffer.alloc(0), pieces: [] };
      }
      continue;
    }
    epoch.step.recordsOpened += 1;
    entry.contentType = outcome.contentType;
    entry.plaintextLength = outcome.plaintext.length;
    entry.paddingLength = outcome.paddingLength;
    const produced = consumePlaintext(rec, outcome.contentType, outcome.plaintext, state, run);
    if (produced.space) {
      entry.space = produced.space.id;
      result.spaces.push(produced.space);
    }
    result.messages.push(...produced.messages);
    if (produced.notes) result.notes.push(...produced.notes);
  }
  for (const dir of ['client', 'server'] as const) {
    const p = states[dir].pending;
    if (p.bytes.length > 0) {
      result.notes.push(`${p.bytes.length} byte${p.bytes.length === 1 ? '' : 's'} of a ${dir} handshake message were decrypted but the capture ends before the message does`);
    }
  }
  const opened = result.records.filter((r) => r.ok).length;
  result.status = opened === result.records.length ? 'decrypted' : opened === 0 ? 'failed' : 'partial';
  return finish();
}

function hexToBuffer(hex: string | undefined): Buffer | undefined {
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}

function recordProtectionSentence(suite: SuiteCrypto, tls13: boolean, etm: boolean): string {
  if (tls13) return 'nonce = IV XOR 64-bit record sequence number; additional data = the 5-byte record header; the last non-zero plaintext byte is the real content type';
  if (suite.cipher === 'chacha20-poly1305') return 'nonce = IV XOR sequence number (RFC 7905); additional data = seq_num + type + version + length';
  if (suite.aead) return 'nonce = 4-byte salt from the key block + 8-byte explicit nonce sent in the record (RFC 5288); additional data = seq_num + type + version + length';
  return etm
    ? `explicit 16-byte IV per record; encrypt-then-MAC (RFC 7366): HMAC-${suite.macHash!.toUpperCase()} over seq_num + type + version + length + IV + ciphertext`
    : `explicit 16-byte IV per record; MAC-then-encrypt: HMAC-${suite.macHash!.toUpperCase()} over seq_num + type + version + length + content, then padding, then CBC`;
}

function setUpTls13(
  suite: SuiteCrypto,
  secrets: Map<string, string>,
  states: Record<Direction, DirectionState>,
  facts: Negotiated,
  opts: DecryptOptions,
  notes: string[],
): KeySchedule | undefined {
  const hash = suite.hash;
  const hl = hashLength(hash);
  const steps: KeyScheduleStep[] = [];
  const show = opts.showSecrets === true;
  const add = (dir: Direction, logLabel: string, name: string, handshake: boolean): void => {
    const hex = secrets.get(logLabel);
    if (!hex) return;
    const secret = Buffer.from(hex, 'hex');
    if (secret.length !== hl) {
      notes.push(`key log ${logLabel} is ${secret.length} bytes, expected ${hl} for ${suite.name}; not used`);
      return;
    }
    const keys = trafficKeys(hash, secret, suite.keyLength, 12);
    const outputs = [
      { name: 'key', derivation: `HKDF-Expand-Label(secret, "key", "", ${suite.keyLength})`, length: suite.keyLength, value: show ? toHex(keys.key) : undefined },
      { name: 'iv', derivation: 'HKDF-Expand-Label(secret, "iv", "", 12)', length: 12, value: show ? toHex(keys.iv) : undefined },
    ];
    if (handshake) {
      outputs.push({ name: 'finished_key', derivation: `HKDF-Expand-Label(secret, "finished", "", ${hl})`, length: hl, value: show ? toHex(finishedKey(hash, secret)) : undefined });
    }
    const step: KeyScheduleStep = { name, direction: dir, source: `key log ${logLabel}`, secretLength: secret.length, secret: show ? hex : undefined, outputs: outputs.map(dropUndefined), recordsOpened: 0 };
    if (!show) delete step.secret;
    steps.push(step);
    states[dir].epochs.push({ name: handshake ? 'handshake' : 'application', keys, seq: 0n, step, secret: handshake ? undefined : secret, handshake });
  };
  add('server', KeyLogLabel.serverHandshake, 'server handshake traffic secret', true);
  add('client', KeyLogLabel.clientHandshake, 'client handshake traffic secret', true);
  add('server', KeyLogLabel.serverTraffic0, 'server application traffic secret 0', false);
  add('client', KeyLogLabel.clientTraffic0, 'client application traffic secret 0', false);
  if (steps.length === 0) {
    notes.push('no key for this connection: the key log has no TLS 1.3 traffic secrets for this client random');
    return undefined;
  }
  for (const l of [KeyLogLabel.serverHandshake, KeyLogLabel.clientHandshake, KeyLogLabel.serverTraffic0, KeyLogLabel.clientTraffic0]) {
    if (!secrets.has(l)) notes.push(`key log has no ${l}: records protected with it stay encrypted`);
  }
  if (secrets.has(KeyLogLabel.clientEarly)) notes.push('0-RTT early data is not decrypted');
  return {
    version: 'TLS 1.3',
    cipherSuite: suite.code,
    suiteName: suite.name,
    hash,
    cipher: suite.cipher,
    clientRandom: facts.clientRandom!,
    recordProtection: recordProtectionSentence(suite, true, false),
    steps,
  };
}

function setUpTls12(
  suite: SuiteCrypto,
  secrets: Map<string, string>,
  states: Record<Direction, DirectionState>,
  facts: Negotiated,
  opts: DecryptOptions,
  notes: string[],
): KeySchedule | undefined {
  const hex = secrets.get(KeyLogLabel.masterSecret);
  if (!hex) {
    notes.push('no key for this connection: the key log has no CLIENT_RANDOM (master secret) line for this client random');
    return undefined;
  }
  if (!facts.serverRandom) {
    notes.push('records stay encrypted: the ServerHello random (needed for the key block) was not decoded');
    return undefined;
  }
  const master = Buffer.from(hex, 'hex');
  if (master.length !== 48) {
    notes.push(`key log master secret is ${master.length} bytes, expected 48; not used`);
    return undefined;
  }
  const show = opts.showSecrets === true;
  const macKeyLength = suite.aead ? 0 : suite.macLength;
  const kb = keyBlock12(suite.hash, master, Buffer.from(facts.serverRandom, 'hex'), Buffer.from(facts.clientRandom!, 'hex'), {
    macKeyLength,
    keyLength: suite.keyLength,
    fixedIvLength: suite.fixedIvLength,
  });
  const total = 2 * (macKeyLength + suite.keyLength + suite.fixedIvLength);
  // Cut in RFC 5246 §6.3 order; each output names its byte range of the key block.
  const parts: Array<{ name: string; value: Buffer }> = [];
  if (macKeyLength > 0) parts.push({ name: 'client_write_MAC_key', value: kb.clientMacKey }, { name: 'server_write_MAC_key', value: kb.serverMacKey });
  parts.push({ name: 'client_write_key', value: kb.clientKey }, { name: 'server_write_key', value: kb.serverKey });
  if (suite.fixedIvLength > 0) {
    const ivName = suite.explicitIvLength > 0 ? 'write_IV (salt)' : 'write_IV';
    parts.push({ name: `client_${ivName}`, value: kb.clientIv }, { name: `server_${ivName}`, value: kb.serverIv });
  }
  let at = 0;
  const outputs = [
    dropUndefined({
      name: 'key_block',
      derivation: `PRF-${suite.hash.toUpperCase()}(master_secret, "key expansion", server_random + client_random)`,
      length: total,
      value: undefined as string | undefined,
    }),
    ...parts.map((p) => {
      const o = dropUndefined({ name: p.name, derivation: `key_block[${at}..${at + p.value.length - 1}]`, length: p.value.length, value: show ? toHex(p.value) : undefined });
      at += p.value.length;
      return o;
    }),
  ];
  const step: KeyScheduleStep = {
    name: 'master secret',
    source: `key log ${KeyLogLabel.masterSecret}${facts.extendedMasterSecret ? ' (extended master secret, RFC 7627)' : ''}`,
    secretLength: 48,
    outputs,
    recordsOpened: 0,
  };
  if (show) step.secret = hex;
  const epochName = 'session';
  states.client.epochs.push({ name: epochName, keys: { key: kb.clientKey, iv: kb.clientIv, macKey: kb.clientMacKey }, seq: 0n, step, handshake: true });
  states.server.epochs.push({ name: epochName, keys: { key: kb.serverKey, iv: kb.serverIv, macKey: kb.serverMacKey }, seq: 0n, step, handshake: true });
  const schedule: KeySchedule = {
    version: 'TLS 1.2',
    cipherSuite: suite.code,
    suiteName: suite.name,
    hash: suite.hash,
    cipher: suite.cipher,
    clientRandom: facts.clientRandom!,
    extendedMasterSecret: facts.extendedMasterSecret,
    recordProtection: recordProtectionSentence(suite, false, facts.encryptThenMac),
    steps: [step],
  };
  if (!suite.aead) schedule.encryptThenMac = facts.encryptThenMac;
  return schedule;
}

function dropUndefined<T extends { value?: string }>(o: T): T {
  if (o.value === undefined) delete o.value;
  return o;
}

/** What record processing needs beyond one direction's state. */
interface Run {
  ctx: HandshakeContext;
  tls13: boolean;
  suite: SuiteCrypto;
  schedule: KeySchedule;
  show: boolean;
}

interface Produced {
  space?: ByteSpace;
  messages: Message[];
  /** Sentences for DecryptionResult.notes (a hit reassembly cap). */
  notes?: string[];
}

/** Turns one record's plaintext into messages; handshake bytes may wait for the next record. */
function consumePlaintext(
  rec: TlsRecord,
  contentType: number,
  plaintext: Buffer,
  state: DirectionState,
  run: Run,
): Produced {
  const id = `${rec.direction}/plain#${rec.index}`;
  const base = { direction: rec.direction, records: [rec.index], timeMs: rec.timeMs };
  if (contentType === ContentType.handshake && !state.poisoned) return consumeHandshake(rec, plaintext, state, run);
  const space: ByteSpace = { id, direction: rec.direction, bytes: Uint8Array.from(plaintext), segments: [], decrypted: true };
  if (contentType === ContentType.alert && plaintext.length > 0) {
    const messages = decodeAlerts(space.bytes, 0, space.bytes.length).map((a): AlertMessage => {
      const m: AlertMessage = { kind: 'alert', ...base, space, offset: a.offset, length: a.length, fields: a.fields, level: a.level, description: a.description };
      if (a.issue) m.issue = a.issue;
      return m;
    });
    return { space, messages };
  }
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
  // Handshake bytes after an oversized message: where a message starts is no longer known.
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

/**
 * Frames the direction's buffered handshake bytes plus this record's plaintext into whole
 * messages; a tail that is not whole waits for the next record. A header declaring more than
 * MAX_HANDSHAKE_MESSAGE is not waited for: what arrived of that message is decoded with an issue,
 * a note says so, and the direction's later handshake bytes stay undecoded.
 */
function consumeHandshake(rec: TlsRecord, plaintext: Buffer, state: DirectionState, run: Run): Produced {
  const p = state.pending;
  const bytes = Buffer.concat([p.bytes, plaintext]);
  const pieces = [...p.pieces, { record: rec.index, start: p.bytes.length, length: plaintext.length, timeMs: rec.timeMs }];
  let end = 0;
  let oversized: number | undefined;
  const types: number[] = [];
  // Message cap, as in the plaintext decoder: one message per record, plus a bounded number packed.
  state.records += 1;
  const budget = state.records + MAX_PACKED_MESSAGES_PER_DIRECTION - state.messages;
  let capped = false;
  for (let total = handshakeMessageLength(bytes, end); total !== undefined; total = handshakeMessageLength(bytes, end)) {
    if (total - HANDSHAKE_HEADER > MAX_HANDSHAKE_MESSAGE) {
      oversized = total - HANDSHAKE_HEADER;
      break;
    }
    if (end + total > bytes.length) break;
    if (types.length >= budget) {
      capped = true;
      break;
    }
    types.push(bytes[end]);
    end += total;
  }
  // With an oversized message, or at the cap, everything is shown now and nothing is kept.
  const shown = oversized === undefined && !capped ? end : bytes.length;
  state.pending = {
    bytes: bytes.subarray(shown),
    pieces: pieces
      .filter((x) => x.start + x.length > shown)
      .map((x) => ({ ...x, start: Math.max(0, x.start - shown), length: x.start + x.length - Math.max(x.start, shown) })),
  };
  if (shown === 0) return { messages: [] };
  const space: ByteSpace = { id: `${rec.direction}/plain#${rec.index}`, direction: rec.direction, bytes: Uint8Array.from(bytes.subarray(0, shown)), segments: [], decrypted: true };
  const messages: Message[] = decodeHandshakeMessages(space, 0, capped ? end : shown, run.ctx);
  state.messages += messages.length;
  if (capped) {
    state.poisoned = true;
    state.capped = `tls-trace stopped decoding the ${rec.direction}'s decrypted handshake after ${state.records} records, at ${MAX_PACKED_MESSAGES_PER_DIRECTION} messages beyond one per record (its message cap); later handshake bytes are not decoded`;
    messages.push(capSpan(space, end, shown, rec, state.capped));
  }
  for (const m of messages) {
    const overlapping = pieces.filter((x) => x.start < m.offset + m.length && x.start + x.length > m.offset);
    m.records = overlapping.map((x) => x.record);
    m.timeMs = overlapping.length > 0 ? overlapping[overlapping.length - 1].timeMs : rec.timeMs;
  }
  advanceEpochs(state, types, run);
  const produced: Produced = { space, messages };
  if (capped) produced.notes = [state.capped!];
  if (oversized !== undefined) {
    state.poisoned = true;
    const limit = `more than the ${MAX_HANDSHAKE_MESSAGE}-byte reassembly limit`;
    // Same finding as the plaintext decoder (src/decode/trace.ts), on the length field.
    (messages[messages.length - 1] as HandshakeMessage).issue = {
      kind: 'malformed',
      offset: end + 1,
      length: 3,
      reason: `handshake message declares ${oversized} bytes, ${limit}; the rest of this direction's handshake is not decoded`,
      expected: `<= ${MAX_HANDSHAKE_MESSAGE}`,
      actual: String(oversized),
    };
    produced.notes = [
      `a decrypted ${rec.direction} handshake message in record #${rec.index} declares ${oversized} bytes, ${limit}: it is not reassembled and the rest of the ${rec.direction} handshake is not decoded`,
    ];
  }
  return produced;
}

/** The rest of a decrypted record past the message cap: one span that names the cap, no hex copy. */
function capSpan(space: ByteSpace, from: number, to: number, rec: TlsRecord, reason: string): OpaqueMessage {
  const length = to - from;
  const fields = length > 0 ? [{ name: 'data', label: 'Not decoded (cap)', offset: from, length, display: `${length} bytes` }] : [];
  return { kind: 'opaque', direction: rec.direction, space, offset: from, length, records: [rec.index], timeMs: rec.timeMs, fields, reason, cap: true };
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
