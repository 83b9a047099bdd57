// Extensions with an empty or fixed-shape body.

import type { ExtensionInfo } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { byteCount, fmt } from '../format.js';

/** extended_master_secret, encrypt_then_mac, post_handshake_auth: the body must be empty. */
export function empty(kind: 'extended_master_secret' | 'encrypt_then_mac' | 'post_handshake_auth'): () => ExtensionInfo {
  // A non-empty body is left unread, so the enclosing vector reports the trailing bytes.
  return () => ({ kind });
}

export function sessionTicket(r: ByteReader): ExtensionInfo {
  const n = r.remaining;
  if (n > 0) r.rest('ticket', 'Session ticket', () => byteCount(n));
  return { kind: 'session_ticket', ticketLength: n };
}

export function cookie(r: ByteReader): ExtensionInfo {
  const len = r.vector(2, 'cookie', 'Cookie', { min: 1 }, (c) => (c.done ? 0 : c.rest('value', 'Cookie').length)) ?? 0;
  return { kind: 'cookie', cookieLength: len };
}

export function renegotiationInfo(r: ByteReader): ExtensionInfo {
  const rc = r.vector(1, 'renegotiated_connection', 'Renegotiated connection', {}, (v) =>
    v.done ? new Uint8Array() : v.rest('value', 'Previous verify_data'),
  );
  return { kind: 'renegotiation_info', renegotiatedConnection: rc ? toHex(rc) : '' };
}

export function recordSizeLimit(r: ByteReader): ExtensionInfo {
  const at = r.offset;
  const limit = r.u16('record_size_limit', 'Record size limit');
  // RFC 8449 §4: values below 64 are a protocol error.
  if (limit < 64) r.fail('record_size_limit below 64', at, 2, '>= 64', String(limit));
  return { kind: 'record_size_limit', limit };
}

export function padding(r: ByteReader): ExtensionInfo {
  const n = r.remaining;
  if (n === 0) return { kind: 'padding', length: 0 };
  const at = r.offset;
  const bytes = r.rest('padding', 'Padding', () => `${byteCount(n)} of zeros`);
  const bad = bytes.findIndex((b) => b !== 0);
  // RFC 7685 §3: the padding must be zeros.
  if (bad >= 0) r.fail('padding contains non-zero bytes', at + bad, 1, '0x00', `0x${bytes[bad].toString(16).padStart(2, '0')}`);
  return { kind: 'padding', length: n };
}

export function maxFragmentLength(r: ByteReader): undefined {
  r.u8('max_fragment_length', 'Max fragment length', (v) => (v >= 1 && v <= 4 ? `2^${8 + v}` : `invalid (${v})`));
  return undefined;
}

/** heartbeat (RFC 6520 §2): whether the peer may send heartbeat requests. */
export function heartbeat(r: ByteReader): ExtensionInfo {
  const at = r.offset;
  const mode = r.u8('mode', 'Heartbeat mode', fmt.heartbeatMode);
  // §2: an unknown mode is an illegal_parameter.
  if (mode !== 1 && mode !== 2) r.fail(`heartbeat mode ${mode} is neither 1 nor 2`, at, 1, '1 or 2', String(mode));
  return { kind: 'heartbeat', mode };
}
