// TLS Alerts (IANA tls-parameters-6) and alert levels (RFC 8446 §6).
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface AlertInfo extends RegistryEntry {
  /**
   * IANA marks it `_RESERVED`: defined by SSL 3.0 / TLS 1.0–1.2 and never sent by TLS 1.3. The
   * name is kept without the suffix because that is how the peer that sent it meant it.
   */
  reserved?: boolean;
}

export const alertLevels = makeRegistry<RegistryEntry>([
  { code: 1, name: 'warning' },
  { code: 2, name: 'fatal' },
]);

export const alertDescriptions = makeRegistry<AlertInfo>([
  { code: 0, name: 'close_notify' },
  { code: 10, name: 'unexpected_message' },
  { code: 20, name: 'bad_record_mac' },
  { code: 21, name: 'decryption_failed', reserved: true },
  { code: 22, name: 'record_overflow' },
  { code: 30, name: 'decompression_failure', reserved: true },
  { code: 40, name: 'handshake_failure' },
  { code: 41, name: 'no_certificate', reserved: true },
  { code: 42, name: 'bad_certificate' },
  { code: 43, name: 'unsupported_certificate' },
  { code: 44, name: 'certificate_revoked' },
  { code: 45, name: 'certificate_expired' },
  { code: 46, name: 'certificate_unknown' },
  { code: 47, name: 'illegal_parameter' },
  { code: 48, name: 'unknown_ca' },
  { code: 49, name: 'access_denied' },
  { code: 50, name: 'decode_error' },
  { code: 51, name: 'decrypt_error' },
  { code: 52, name: 'too_many_cids_requested' },
  { code: 60, name: 'export_restriction', reserved: true },
  { code: 70, name: 'protocol_version' },
  { code: 71, name: 'insufficient_security' },
  { code: 80, name: 'internal_error' },
  { code: 86, name: 'inappropriate_fallback' },
  { code: 90, name: 'user_canceled' },
  { code: 100, name: 'no_renegotiation', reserved: true },
  { code: 109, name: 'missing_extension' },
  { code: 110, name: 'unsupported_extension' },
  { code: 111, name: 'certificate_unobtainable', reserved: true },
  { code: 112, name: 'unrecognized_name' },
  { code: 113, name: 'bad_certificate_status_response' },
  { code: 114, name: 'bad_certificate_hash_value', reserved: true },
  { code: 115, name: 'unknown_psk_identity' },
  { code: 116, name: 'certificate_required' },
  { code: 117, name: 'general_error' },
  { code: 120, name: 'no_application_protocol' },
  { code: 121, name: 'ech_required' },
]);

export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** Alert descriptions by name, for code that switches on them. */
export const Alert = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  too_many_cids_requested: 52,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  general_error: 117,
  no_application_protocol: 120,
  ech_required: 121,
} as const;
