// TLS HandshakeType (IANA tls-parameters-7) and TLS ContentType (IANA tls-parameters-5).
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface HandshakeTypeInfo extends RegistryEntry {
  /** Only in DTLS (RFC 6347 / RFC 9147). */
  dtls?: boolean;
  /** IANA reserves it: never a real message on the wire (6 is HelloRetryRequest's old number). */
  reserved?: boolean;
}

export const handshakeTypes = makeRegistry<HandshakeTypeInfo>([
  { code: 0, name: 'hello_request' },
  { code: 1, name: 'client_hello' },
  { code: 2, name: 'server_hello' },
  { code: 3, name: 'hello_verify_request', dtls: true },
  { code: 4, name: 'new_session_ticket' },
  { code: 5, name: 'end_of_early_data' },
  { code: 6, name: 'hello_retry_request', reserved: true },
  { code: 8, name: 'encrypted_extensions' },
  { code: 9, name: 'request_connection_id', dtls: true },
  { code: 10, name: 'new_connection_id', dtls: true },
  { code: 11, name: 'certificate' },
  { code: 12, name: 'server_key_exchange' },
  { code: 13, name: 'certificate_request' },
  { code: 14, name: 'server_hello_done' },
  { code: 15, name: 'certificate_verify' },
  { code: 16, name: 'client_key_exchange' },
  { code: 17, name: 'client_certificate_request' },
  { code: 20, name: 'finished' },
  { code: 21, name: 'certificate_url' },
  { code: 22, name: 'certificate_status' },
  { code: 23, name: 'supplemental_data' },
  { code: 24, name: 'key_update' },
  { code: 25, name: 'compressed_certificate' },
  { code: 26, name: 'ekt_key', dtls: true },
  { code: 254, name: 'message_hash' },
]);

/** Handshake message types by name, for decoders that switch on them. */
export const HS = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  hello_retry_request: 6,
  encrypted_extensions: 8,
  request_connection_id: 9,
  new_connection_id: 10,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  client_certificate_request: 17,
  finished: 20,
  certificate_url: 21,
  certificate_status: 22,
  supplemental_data: 23,
  key_update: 24,
  compressed_certificate: 25,
  ekt_key: 26,
  message_hash: 254,
} as const;

export const contentTypes = makeRegistry<RegistryEntry>([
  { code: 20, name: 'change_cipher_spec' },
  { code: 21, name: 'alert' },
  { code: 22, name: 'handshake' },
  { code: 23, name: 'application_data' },
  { code: 24, name: 'heartbeat' },
  { code: 25, name: 'tls12_cid' },
  { code: 26, name: 'ack' },
  { code: 27, name: 'return_routability_check' },
]);

/** Record content types by name. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  tls12_cid: 25,
  ack: 26,
  return_routability_check: 27,
} as const;
