// The messages that are not handshake messages: ChangeCipherSpec, alerts, protected records,
// application data and bytes the decoder could not read as TLS.

import { codePoint } from '../analyse/code-point.js';
import type { Step } from '../analyse/types.js';
import type { AlertMessage, ApplicationDataMessage, ChangeCipherSpecMessage, EncryptedMessage, HeartbeatMessage, OpaqueMessage } from '../decode/model.js';
import { alertDescriptions, alertLevels, contentTypes, describe, heartbeatMessageTypes, label } from '../registry/index.js';
import { encryptedExplanation } from './guess.js';
import type { AddDetail } from './types.js';

function side(step: Step): string {
  return step.direction === 'client' ? 'client' : 'server';
}

export function describeChangeCipherSpec(m: ChangeCipherSpecMessage, step: Step): string {
  if (m.compatibility) {
    return 'A dummy ChangeCipherSpec, sent only so that middleboxes expecting TLS 1.2 let the connection through (RFC 8446 §D.4). It switches nothing: TLS 1.3 changes keys by itself.';
  }
  return `From the next record on, everything the ${side(step)} sends is protected with the negotiated cipher and keys.`;
}

export function describeAlert(m: AlertMessage, step: Step, add: AddDetail): string {
  const level = describe(alertLevels, m.level, 1);
  const desc = describe(alertDescriptions, m.description, 1);
  add('level', `${level.name} (${m.level})`, [codePoint(alertLevels, m.level, 1)]);
  add('description', `${desc.name} (${m.description})`, [codePoint(alertDescriptions, m.description, 1)]);
  if (desc.name === 'close_notify') return `The ${side(step)} is closing the connection cleanly.`;
  if (m.level === 2) return `The ${side(step)} aborts the handshake with a fatal ${desc.name} alert; the connection is over.`;
  return `A warning (${desc.name}); the connection may go on.`;
}

export function describeEncrypted(m: EncryptedMessage, step: Step, tls13: boolean, add: AddDetail): string {
  add('content type', label(contentTypes, m.contentType, 1), [codePoint(contentTypes, m.contentType, 1)]);
  add('encrypted length', `${m.length} bytes`);
  return encryptedExplanation(step, tls13, m.guess);
}

export function describeApplicationData(m: ApplicationDataMessage, add: AddDetail): string {
  add('length', `${m.length} bytes`);
  return 'Application data, protected with the session keys.';
}

export function describeHeartbeat(m: HeartbeatMessage, add: AddDetail): string {
  add('type', label(heartbeatMessageTypes, m.heartbeatType, 1), [codePoint(heartbeatMessageTypes, m.heartbeatType, 1)]);
  add('payload length', `${m.payloadLength} bytes${m.heartbleed ? ` (the record holds ${m.length})` : ''}`);
  add('padding', `${m.paddingLength} bytes`);
  if (m.heartbleed) {
    return 'A heartbeat whose declared payload is longer than the record: the Heartbleed (CVE-2014-0160) probe. A vulnerable peer answers with that many bytes of its memory; a patched one drops it.';
  }
  return m.heartbeatType === 2 ? 'A heartbeat response (RFC 6520): the peer echoes the request\'s payload.' : 'A heartbeat request (RFC 6520): a keep-alive the peer answers by echoing the payload.';
}

export function describeOpaque(m: OpaqueMessage, add: AddDetail): string {
  add('reason', m.reason);
  if (m.missing) return 'The capture does not hold these bytes (the capturer dropped them, or the capture started or stopped mid-stream): a fact about the capture, not about the peer. A handshake message they cut is shown as far as captured.';
  if (m.cap) return 'tls-trace stopped decoding here at one of its own caps; the rest of this direction is not read, which says nothing about the peer.';
  return 'Bytes that are not a TLS record this tool knows; shown as they are.';
}
