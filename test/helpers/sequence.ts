// Short, stable labels for a decoded trace's messages, so end-to-end tests can assert the exact
// step sequence in one readable array. The names are this helper's own (not the registry's) so a
// registry change cannot make a wrong sequence look right.

import type { DecodedTrace, HandshakeMessage, Message } from '../../src/decode/model.js';

const handshakeNames: Record<number, string> = {
  0: 'HelloRequest',
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  22: 'CertificateStatus',
  24: 'KeyUpdate',
};

const contentTypeNames: Record<number, string> = { 20: 'ccs', 21: 'alert', 22: 'handshake', 23: 'application_data' };

/**
 * `C ClientHello`, `S HelloRetryRequest`, `S ChangeCipherSpec (compat)`, `C encrypted handshake`,
 * `S Alert 0`, … — direction initial, then what the message is.
 */
export function label(m: Message): string {
  const who = m.direction === 'client' ? 'C' : 'S';
  switch (m.kind) {
    case 'handshake': {
      if (m.msgType === 2 && m.body?.type === 'server_hello' && m.body.helloRetryRequest) return `${who} HelloRetryRequest`;
      return `${who} ${handshakeNames[m.msgType] ?? `handshake(${m.msgType})`}`;
    }
    case 'change_cipher_spec':
      return `${who} ChangeCipherSpec${m.compatibility ? ' (compat)' : ''}`;
    case 'alert':
      return `${who} Alert ${m.description}`;
    case 'encrypted':
      return `${who} encrypted ${contentTypeNames[m.contentType] ?? m.contentType}`;
    case 'application_data':
      return `${who} ApplicationData`;
    case 'heartbeat':
      return `${who} Heartbeat ${m.heartbeatType}`;
    case 'opaque':
      return `${who} opaque`;
  }
}

export function sequence(trace: DecodedTrace): string[] {
  return trace.messages.map(label);
}

/** Handshake messages of one type, in order. */
export function handshakes(trace: DecodedTrace, msgType: number, direction?: 'client' | 'server'): HandshakeMessage[] {
  return trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === msgType && (!direction || m.direction === direction));
}

/**
 * Asserts the first `expected.length` labels exactly; after them (the connection's close, TLS 1.3
 * session tickets) only protected records or alerts may follow.
 */
export function expectHandshakeThenTail(seq: string[], expected: string[]): void {
  expect(seq.slice(0, expected.length)).toEqual(expected);
  for (const rest of seq.slice(expected.length)) expect(rest).toMatch(/^[CS] (encrypted (alert|application_data)|Alert \d+)$/);
}

/** TLS 1.2 full handshake with ECDHE key exchange and no session ticket. */
export const TLS12_ECDHE_SEQUENCE = [
  'C ClientHello',
  'S ServerHello',
  'S Certificate',
  'S ServerKeyExchange',
  'S ServerHelloDone',
  'C ClientKeyExchange',
  'C ChangeCipherSpec',
  'C encrypted handshake', // Finished
  'S ChangeCipherSpec',
  'S encrypted handshake', // Finished
];

/** TLS 1.3 as OpenSSL and Node servers send it: each encrypted handshake message in its own record. */
export const TLS13_SEQUENCE = [
  'C ClientHello',
  'S ServerHello',
  'S ChangeCipherSpec (compat)',
  'S encrypted application_data', // EncryptedExtensions
  'S encrypted application_data', // Certificate
  'S encrypted application_data', // CertificateVerify
  'S encrypted application_data', // Finished
  'C ChangeCipherSpec (compat)',
  'C encrypted application_data', // Finished
];
