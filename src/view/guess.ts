// The decoder's typed guess at a protected record, in words: the short name the step line shows
// (`likely Finished`) and the sentence that explains the record.

import type { Step } from '../analyse/types.js';
import type { ProtectedGuess } from '../decode/model.js';

/** `Finished`, `application data`, `NewSessionTicket or application data`, … */
export function guessWords(guess: ProtectedGuess): string {
  switch (guess.kind) {
    case 'finished':
      return 'Finished';
    case 'early-data':
      return 'early data';
    case 'early-or-application-data':
      return 'early data or application data';
    case 'application-data':
      return 'application data';
    case 'alert':
      return 'Alert';
    case 'heartbeat':
      return 'Heartbeat';
    case 'renegotiation':
      return 'handshake message (renegotiation?)';
    case 'ticket-or-application-data':
      return 'NewSessionTicket or application data';
    case 'client-auth':
      return 'Certificate or CertificateVerify';
    case 'flight-message':
      return guess.message ?? 'handshake message';
  }
}

const DECRYPT_HINT = 'Decrypting it needs the session keys.';

/** What an encrypted record is for, from its direction, the version and the decoder's guess. */
export function encryptedExplanation(step: Step, tls13: boolean, guess: ProtectedGuess | undefined): string {
  const side = step.direction === 'client' ? 'client' : 'server';
  switch (guess?.kind) {
    case 'finished':
      return tls13
        ? `The ${side}'s Finished, encrypted with its handshake keys: a MAC over the whole handshake transcript, so any tampering is caught.`
        : 'The Finished message, encrypted with the keys the ChangeCipherSpec switched on: a MAC over the whole handshake transcript, so any tampering is caught.';
    case 'early-data':
      return `0-RTT early data, sent before the handshake completes. ${DECRYPT_HINT}`;
    case 'heartbeat':
      return `A heartbeat (RFC 6520), encrypted: a keep-alive request or its echoed response. ${DECRYPT_HINT}`;
    case 'alert':
      return `An alert, encrypted (usually close_notify as the connection ends). ${DECRYPT_HINT}`;
    case 'flight-message':
    case 'client-auth':
      if (tls13) {
        const who = step.direction === 'server' ? "Part of the server's encrypted flight" : "Part of the client's encrypted flight";
        return `${who}, protected with the handshake keys derived after the ServerHello. ${DECRYPT_HINT}`;
      }
      break;
    case 'ticket-or-application-data':
      return `After the handshake: most likely a NewSessionTicket the client can use to resume later, protected with the application traffic keys. ${DECRYPT_HINT}`;
    case undefined:
      if (tls13) {
        return step.direction === 'server'
          ? `Part of the server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished) or later data, protected with TLS 1.3 traffic keys. ${DECRYPT_HINT}`
          : `The client's encrypted Finished (or later data), protected with TLS 1.3 traffic keys. ${DECRYPT_HINT}`;
      }
      break;
    case 'application-data':
      return `Application data (or a closing alert), protected with the session keys. ${DECRYPT_HINT}`;
    default:
      break;
  }
  return `A protected record${guess ? ` (most likely ${guessWords(guess)})` : ''}. ${DECRYPT_HINT}`;
}
