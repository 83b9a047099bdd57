// Messages with a small fixed shape: NewSessionTicket (RFC 5077 §3.3 / RFC 8446 §4.6.1),
// EncryptedExtensions, CertificateVerify, Finished, KeyUpdate and the empty ones.

import type { CertificateVerify, EncryptedExtensions, Finished, KeyUpdate, NewSessionTicket } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { byteCount, fmt } from '../format.js';
import { decodeExtensions } from '../extensions/index.js';

export function decodeNewSessionTicket(r: ByteReader, tls13: boolean): NewSessionTicket {
  const lifetime = r.u32('ticket_lifetime', tls13 ? 'Ticket lifetime (s)' : 'Ticket lifetime hint (s)');
  if (!tls13) {
    const t = r.vector(2, 'ticket', 'Ticket', {}, (v) => {
      const n = v.remaining;
      return n > 0 ? v.rest('value', 'Ticket', () => byteCount(n)) : new Uint8Array();
    });
    return { type: 'new_session_ticket', lifetime, ticket: t ? toHex(t) : '' };
  }
  const ageAdd = r.u32('ticket_age_add', 'Ticket age add');
  const nonce = r.vector(1, 'ticket_nonce', 'Ticket nonce', {}, (v) => (v.done ? new Uint8Array() : v.rest('value', 'Nonce')));
  const ticket = r.vector(2, 'ticket', 'Ticket', { min: 1 }, (v) => {
    const n = v.remaining;
    return n > 0 ? v.rest('value', 'Ticket', () => byteCount(n)) : new Uint8Array();
  });
  const extensions = decodeExtensions(r, 'new_session_ticket');
  return {
    type: 'new_session_ticket',
    lifetime,
    ageAdd,
    nonce: nonce ? toHex(nonce) : '',
    ticket: ticket ? toHex(ticket) : '',
    extensions,
  };
}

export function decodeEncryptedExtensions(r: ByteReader): EncryptedExtensions {
  return { type: 'encrypted_extensions', extensions: decodeExtensions(r, 'encrypted_extensions') };
}

/** `legacy`: TLS 1.0/1.1, whose digitally-signed struct has no scheme, only the signature vector. */
export function decodeCertificateVerify(r: ByteReader, legacy = false): CertificateVerify {
  const signatureScheme = legacy ? undefined : r.u16('algorithm', 'Signature scheme', fmt.scheme);
  const sig = r.vector(2, 'signature', 'Signature', {}, (v) => {
    const n = v.remaining;
    return n > 0 ? v.rest('value', 'Signature', () => byteCount(n)) : new Uint8Array();
  });
  const signature = sig ? toHex(sig) : '';
  // Key order as before (type, signatureScheme, signature): the JSON output keeps its shape.
  return signatureScheme === undefined ? { type: 'certificate_verify', signature } : { type: 'certificate_verify', signatureScheme, signature };
}

export function decodeFinished(r: ByteReader): Finished {
  if (r.done) r.fail('Finished: verify_data is empty', r.offset, 0, '12 or more bytes', '0 bytes');
  return { type: 'finished', verifyData: toHex(r.rest('verify_data', 'Verify data')) };
}

export function decodeKeyUpdate(r: ByteReader): KeyUpdate {
  const at = r.offset;
  const requestUpdate = r.u8('request_update', 'Request update', (v) =>
    v === 0 ? 'update_not_requested (0)' : v === 1 ? 'update_requested (1)' : `invalid (${v})`,
  );
  if (requestUpdate > 1) r.fail('KeyUpdate: request_update must be 0 or 1', at, 1, '0 or 1', String(requestUpdate));
  return { type: 'key_update', requestUpdate };
}
