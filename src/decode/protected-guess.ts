// What a protected record most likely holds, judged from its position and size. Kept apart from
// the trace state machine (trace.ts) because it is heuristics, not decoding: decryption replaces
// every guess it can with the real message.

import type { EncryptedMessage, FlightMessageName, ProtectedGuess, TlsRecord } from './model.js';
import { ContentType } from './model.js';
import type { ByteSpace, Field } from './types.js';
import { byteCount } from './format.js';
import { TLS13, tls13HashLength, type HandshakeContext } from './context.js';
import { messageBase } from './message-base.js';

/** The per-direction state the guesses read and advance. */
export interface GuessState {
  space: ByteSpace;
  /** TLS ≤ 1.2: a ChangeCipherSpec was sent, later records are protected. */
  ccsSeen: boolean;
  /** Protected records seen so far in this direction (drives the `guess`). */
  protectedCount: number;
  finishedGuessed: boolean;
  /** TLS 1.3 protected records before this direction's Finished, relabelled once it is seen. */
  flight: EncryptedMessage[];
}

function guessProtected(st: GuessState, record: TlsRecord, ctx: HandshakeContext): ProtectedGuess {
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
    if (record.contentType === ContentType.heartbeat) return { kind: 'heartbeat' };
    return { kind: ctx.version === undefined && !st.ccsSeen ? 'early-or-application-data' : 'application-data' };
  }
  if (st.finishedGuessed) return { kind: st.space.direction === 'server' ? 'ticket-or-application-data' : 'application-data' };
  // A TLS 1.3 Finished record: 4-byte header + hash, the inner content type, a 16-byte AEAD tag.
  const finishedLength = 4 + tls13HashLength(ctx.cipherSuite) + 1 + 16;
  if (record.bodyLength === finishedLength) {
    st.finishedGuessed = true;
    return { kind: 'finished' };
  }
  if (st.space.direction === 'client') return { kind: 'client-auth' };
  const flight: FlightMessageName[] = ctx.pskAccepted ? ['EncryptedExtensions'] : ['EncryptedExtensions', 'Certificate', 'CertificateVerify'];
  return { kind: 'flight-message', message: flight[n] };
}

/** The message shown for a protected record: its bytes and what it most likely holds. */
export function encryptedMessage(st: GuessState, record: TlsRecord, body: { offset: number; length: number }, ctx: HandshakeContext, timeMs: number): EncryptedMessage {
  const fields: Field[] =
    body.length > 0 ? [{ name: 'encrypted_record', label: 'Encrypted data', offset: body.offset, length: body.length, display: byteCount(body.length) }] : [];
  // Before the ServerHello a client's application_data record can only be 0-RTT early data.
  const early = ctx.version === undefined && st.space.direction === 'client' && !st.ccsSeen;
  const beforeFinished = ctx.version === TLS13 && !st.finishedGuessed;
  const guess: ProtectedGuess = early ? { kind: 'early-data' } : guessProtected(st, record, ctx);
  const msg: EncryptedMessage = { kind: 'encrypted', ...messageBase(st.space, body, [record.index], timeMs, fields, record.issue), contentType: record.contentType, guess };
  if (beforeFinished && guess.kind !== 'finished') st.flight.push(msg);
  if (beforeFinished && guess.kind === 'finished') relabelFlight(st);
  return msg;
}

/**
 * Once a TLS 1.3 Finished is recognised, the number of protected records before it tells the
 * flight's shape (OpenSSL-style stacks send one message per record): the server's 1 = PSK
 * resumption, 3 = the usual, 4 = with a CertificateRequest; the client's 1 or 2 = client auth.
 */
function relabelFlight(st: GuessState): void {
  const n = st.flight.length;
  const server: Record<number, FlightMessageName[]> = {
    1: ['EncryptedExtensions'],
    3: ['EncryptedExtensions', 'Certificate', 'CertificateVerify'],
    4: ['EncryptedExtensions', 'CertificateRequest', 'Certificate', 'CertificateVerify'],
  };
  const client: Record<number, FlightMessageName[]> = { 1: ['Certificate'], 2: ['Certificate', 'CertificateVerify'] };
  const names = (st.space.direction === 'server' ? server : client)[n];
  if (names) st.flight.forEach((m, i) => (m.guess = { kind: 'flight-message', message: names[i] }));
  st.flight = [];
}
