// Decrypting a decoded trace: finds the protected records, opens them in sequence per direction
// with keys derived from the capture's key log, and decodes what they hold with the same
// decoders and the same handshake reassembler as plaintext (plaintext.ts). Failures are per
// record (the trace goes on); missing keys are notes.

import type { Capture } from '../capture/types.js';
import { TLS10, TLS12, TLS13 } from '../decode/context.js';
import { handshakeMessageCap } from '../decode/defragment.js';
import type { DecodedTrace, TlsRecord } from '../decode/model.js';
import type { ByteSpace, Direction } from '../decode/types.js';
import { label, protocolVersions } from '../registry/index.js';
import { KeyLogLabel, parseKeyLog } from './keylog.js';
import { chainedIvAfter, openTls12Record, openTls13Record, type RecordOutcome } from './record-protection.js';
import { isSupported, suiteCrypto, type SuiteCrypto } from './suites.js';
import type { DecryptOptions, DecryptionResult, RecordDecryption } from './types.js';
import { verifyTrace, type VerificationInputs } from './verify-trace.js';
import { mergeDecrypted } from './merge.js';
import { newState, type DirectionState, type Epoch } from './direction-state.js';
import { setUpTls12, setUpTls13 } from './key-setup.js';
import { plaintextFacts, type PlaintextFacts } from './plaintext-facts.js';
import { consumePlaintext, type Run } from './plaintext.js';
import { MAX_GAP_RESYNC_RECORDS, MAX_GAP_SEQUENCE_SEARCH } from '../limits.js';

/** Everything needed to open records, once the key log had what this connection needs. */
interface Ready {
  suite: SuiteCrypto;
  secrets: Map<string, string>;
  tls13: boolean;
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
    if (!opts.skipVerification) result.verifications = verifyTrace(mergeDecrypted(decoded, result), inputs);
    return result;
  };
  if (protectedRecords.length === 0) return finish();
  result.status = 'no-keys';
  const ready = readyToOpen(capture, facts, result);
  if (!ready) return finish();
  const { suite, secrets, tls13 } = ready;
  const cap = handshakeMessageCap(capture.source);
  const states: Record<Direction, DirectionState> = { client: newState('client', cap), server: newState('server', cap) };
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
  openRecords(decoded, protectedRecords, states, run, facts, result);
  const opened = result.records.filter((r) => r.ok).length;
  result.status = opened === result.records.length ? 'decrypted' : opened === 0 ? 'failed' : 'partial';
  return finish();
}

/**
 * The suite, the connection's secrets and the version, when decryption can start; otherwise
 * undefined, with a note (and status) in `result` that says why the records stay encrypted.
 */
function readyToOpen(capture: Capture, facts: PlaintextFacts, result: DecryptionResult): Ready | undefined {
  const stop = (note: string, status?: DecryptionResult['status']): undefined => {
    result.notes.push(note);
    if (status) result.status = status;
    return undefined;
  };
  if (!facts.clientRandom) return stop('no key for this connection: the ClientHello (whose random names the keys) was not decoded');
  if (facts.version === undefined || facts.cipherSuite === undefined) {
    return stop('records stay encrypted: no ServerHello was decoded, so version and cipher suite are unknown');
  }
  const secrets = parseKeyLog(capture.keylog ?? []).byClientRandom.get(facts.clientRandom);
  if (!secrets) {
    return stop(
      capture.keylog && capture.keylog.length > 0
        ? `no key for this connection: the key log has no secrets for client random ${facts.clientRandom.slice(0, 16)}…`
        : 'no key for this connection: the capture carries no key log, so the protected records stay encrypted',
    );
  }
  const tls13 = facts.version === TLS13;
  if (!tls13 && (facts.version < TLS10 || facts.version > TLS12)) {
    return stop(`records stay encrypted: decrypting ${label(protocolVersions, facts.version)} is not supported (TLS 1.0 to 1.3 are)`, 'unsupported');
  }
  const suite = suiteCrypto(facts.cipherSuite, facts.version);
  if (!isSupported(suite)) return stop(`records stay encrypted: ${suite.unsupported}`, 'unsupported');
  if (tls13 !== suite.tls13) return stop(`records stay encrypted: ${suite.name} cannot be used with ${label(protocolVersions, facts.version)}`, 'unsupported');
  return { suite, secrets, tls13 };
}

/** Opens every protected record in order, collecting outcomes, messages, spaces and notes. */
function openRecords(
  decoded: DecodedTrace,
  protectedRecords: readonly TlsRecord[],
  states: Record<Direction, DirectionState>,
  run: Run,
  facts: PlaintextFacts,
  result: DecryptionResult,
): void {
  const streams = new Map<Direction, ByteSpace>();
  for (const s of decoded.spaces) if (!s.decrypted && (s.id === 'client' || s.id === 'server')) streams.set(s.id, s);
  for (const rec of protectedRecords) {
    const stream = streams.get(rec.direction);
    if (stream) openRecord(rec, stream, states[rec.direction], run, facts, result);
  }
  for (const dir of ['client', 'server'] as const) {
    const waiting = states[dir].reassembler.buffered;
    if (waiting > 0) {
      result.notes.push(`${waiting} byte${waiting === 1 ? '' : 's'} of a ${dir} handshake message were decrypted but the capture ends before the message does`);
    }
  }
}

function openRecord(rec: TlsRecord, stream: ByteSpace, state: DirectionState, run: Run, facts: PlaintextFacts, result: DecryptionResult): void {
  if (rec.bodyLength < rec.declaredLength) {
    result.records.push({ record: rec.index, direction: rec.direction, epoch: '-', seq: 0, ok: false, error: `not decrypted: the capture ends inside this record (${rec.bodyLength} of ${rec.declaredLength} bytes)` });
    return;
  }
  if (state.epochs.length === 0) {
    result.records.push({ record: rec.index, direction: rec.direction, epoch: '-', seq: 0, ok: false, error: `no key for ${rec.direction} records in the key log` });
    return;
  }
  const header = stream.bytes.subarray(rec.offset, rec.offset + 5);
  const body = stream.bytes.subarray(rec.bodyOffset, rec.bodyOffset + rec.bodyLength);
  const open = (e: Epoch, seq = e.seq): RecordOutcome =>
    run.tls13
      ? openTls13Record(run.suite, e.keys, seq, header, body)
      : openTls12Record(run.suite, e.keys, seq, header, body, { encryptThenMac: facts.encryptThenMac });
  if (rec.afterGap) afterGap(rec, state, result, run.suite);
  if (state.chainLost) {
    chainLostRecord(rec, state, run, body, facts, result);
    return;
  }
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
  if (!outcome.ok && state.resyncLeft !== undefined && state.resyncLeft > 0) {
    const found = searchSequence(rec, state, open, result);
    if (found) ({ epoch, outcome } = found);
  }
  const entry: RecordDecryption = { record: rec.index, direction: rec.direction, epoch: epoch.name, seq: Number(epoch.seq), ok: outcome.ok };
  epoch.seq += 1n;
  // TLS 1.0 CBC: the next record's IV is this one's last ciphertext block, opened or not.
  if (!run.tls13) epoch.keys.iv = chainedIvAfter(run.suite, body, facts.encryptThenMac) ?? epoch.keys.iv;
  result.records.push(entry);
  if (!outcome.ok) {
    entry.error = outcome.reason;
    // Handshake bytes waiting for this record can never be completed: drop them with a note
    // rather than splice later bytes onto them.
    const waiting = state.reassembler.buffered;
    if (waiting > 0) {
      result.notes.push(`${waiting} bytes of a ${rec.direction} handshake message were lost with record #${rec.index + 1}`);
      state.reassembler.discard();
    }
    return;
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

/**
 * Missing bytes came before this record: records may have been lost with them, so its sequence
 * number is not known. Handshake bytes waiting for a record can never complete; the sequence
 * number is searched for (searchSequence) if the expected one does not open the record.
 */
function afterGap(rec: TlsRecord, state: DirectionState, result: DecryptionResult, suite: SuiteCrypto): void {
  state.resyncLeft = MAX_GAP_RESYNC_RECORDS;
  // What chains records together cannot be searched for: TLS 1.0's CBC IV and RC4's key stream.
  if (suite.stream) state.chainLost = 'stream';
  else if (!suite.aead && suite.explicitIvLength === 0) state.chainLost = 'iv';
  const waiting = state.reassembler.buffered;
  if (waiting > 0) {
    result.notes.push(`${waiting} bytes of a ${rec.direction} handshake message were lost with the missing bytes before record #${rec.index + 1}`);
    state.reassembler.discard();
  }
}

/**
 * Tries the next MAX_GAP_SEQUENCE_SEARCH sequence numbers of the current key epoch and the first
 * ones of the next: the authentication tag (AEAD) or MAC covers the sequence number, so only the
 * right one opens the record and no wrong plaintext is ever shown. Says what it did either way.
 */
function searchSequence(rec: TlsRecord, state: DirectionState, open: (e: Epoch, seq: bigint) => RecordOutcome, result: DecryptionResult): { epoch: Epoch; outcome: RecordOutcome } | undefined {
  state.resyncLeft = (state.resyncLeft ?? 1) - 1;
  const window = BigInt(MAX_GAP_SEQUENCE_SEARCH);
  for (const idx of [state.current, state.current + 1]) {
    const epoch = state.epochs[idx];
    if (!epoch) continue;
    for (let seq = epoch.seq + (idx === state.current ? 1n : 0n); seq <= epoch.seq + window; seq++) {
      const outcome = open(epoch, seq);
      if (!outcome.ok) continue;
      const lost = seq - epoch.seq;
      result.notes.push(`record #${rec.index + 1} (${rec.direction}) follows missing bytes: it opened with sequence number ${seq} of the ${epoch.name} keys, so ${lost} record(s) were lost with them (tls-trace tries up to ${MAX_GAP_SEQUENCE_SEARCH} sequence numbers past the last one used)`);
      epoch.seq = seq;
      state.current = idx;
      state.resyncLeft = 0;
      return { epoch, outcome };
    }
  }
  const more = state.resyncLeft > 0 ? '' : `; ${MAX_GAP_RESYNC_RECORDS} records after the gap did not open, so the search stops and later ${rec.direction} records stay encrypted`;
  result.notes.push(`record #${rec.index + 1} (${rec.direction}) follows missing bytes and no sequence number within tls-trace's search of ${MAX_GAP_SEQUENCE_SEARCH} past the last one used opened it: more records may have been lost than that${more}`);
  return undefined;
}

/**
 * The first record after missing bytes when records are chained (TLS 1.0 CBC, RC4): it is not
 * opened — with the wrong IV its first block would decrypt to garbage that encrypt-then-MAC does
 * not catch — and says why. CBC: the next record chains from this one's last block, and its
 * sequence number is searched for as usual. RC4: nothing later in the direction can be opened.
 */
function chainLostRecord(rec: TlsRecord, state: DirectionState, run: Run, body: Uint8Array, facts: PlaintextFacts, result: DecryptionResult): void {
  const epoch = state.epochs[state.current];
  const lost = state.chainLost;
  const error =
    lost === 'stream'
      ? `not decrypted: the ${run.suite.cipher.toUpperCase()} key stream's position was lost with the missing bytes before this direction's records`
      : 'not decrypted: its CBC IV (the last ciphertext block of the record before, TLS 1.0) was lost with the missing bytes';
  result.records.push({ record: rec.index, direction: rec.direction, epoch: epoch.name, seq: Number(epoch.seq), ok: false, error });
  if (lost === 'iv') {
    epoch.keys.iv = chainedIvAfter(run.suite, body, facts.encryptThenMac) ?? epoch.keys.iv;
    state.chainLost = undefined;
  }
}

function hexToBuffer(hex: string | undefined): Buffer | undefined {
  return hex === undefined ? undefined : Buffer.from(hex, 'hex');
}
