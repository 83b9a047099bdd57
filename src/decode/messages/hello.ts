// ClientHello and ServerHello (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1), including the
// HelloRetryRequest form and the downgrade sentinels.

import type { ClientHello, ServerHello } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import { decodeExtensions } from '../extensions/index.js';

/** SHA-256("HelloRetryRequest"), the random that marks a ServerHello as an HRR (RFC 8446 §4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
/** "DOWNGRD" followed by 0x01 (negotiating TLS 1.2) or 0x00 (TLS 1.1 or below). */
const DOWNGRADE_PREFIX = '444f574e475244';

function sessionId(r: ByteReader): string {
  const sid = r.vector(1, 'legacy_session_id', 'Session ID', { max: 32 }, (v) => (v.done ? new Uint8Array() : v.rest('value', 'Session ID')));
  return sid ? toHex(sid) : '';
}

export function decodeClientHello(r: ByteReader): ClientHello {
  const legacyVersion = r.u16('legacy_version', 'Legacy version', fmt.version);
  const random = toHex(r.bytesField(32, 'random', 'Random'));
  const sid = sessionId(r);
  const cipherSuites =
    r.vector(2, 'cipher_suites', 'Cipher suites', { min: 2, max: 0xfffe, multipleOf: 2 }, (v) =>
      v.each(() => v.u16('cipher_suite', 'Cipher suite', fmt.suite)),
    ) ?? [];
  const compressionMethods =
    r.vector(1, 'legacy_compression_methods', 'Compression methods', { min: 1 }, (v) =>
      v.each(() => v.u8('compression_method', 'Compression method', fmt.compression)),
    ) ?? [];
  // Extensions are optional before TLS 1.3: a hello may end right after the compression methods.
  const extensions = r.done ? [] : decodeExtensions(r, 'client_hello');
  return { type: 'client_hello', legacyVersion, random, sessionId: sid, cipherSuites, compressionMethods, extensions };
}

export function decodeServerHello(r: ByteReader): ServerHello {
  const legacyVersion = r.u16('legacy_version', 'Legacy version', fmt.version);
  const rnd = r.bytesField(32, 'random', 'Random');
  const randomField = r.fields[r.fields.length - 1];
  const random = toHex(rnd);
  const helloRetryRequest = random === HELLO_RETRY_REQUEST_RANDOM;
  let downgradeSentinel: ServerHello['downgradeSentinel'];
  if (random.slice(48, 62) === DOWNGRADE_PREFIX) {
    if (rnd[31] === 1) downgradeSentinel = 'tls12';
    else if (rnd[31] === 0) downgradeSentinel = 'tls11';
  }
  if (helloRetryRequest) randomField.display = 'HelloRetryRequest (RFC 8446 §4.1.3 special value)';
  else if (downgradeSentinel) randomField.display = `${random} (ends in downgrade sentinel "DOWNGRD" + 0x0${rnd[31]})`;
  const sid = sessionId(r);
  const cipherSuite = r.u16('cipher_suite', 'Cipher suite', fmt.suite);
  const compressionMethod = r.u8('legacy_compression_method', 'Compression method', fmt.compression);
  const extensions = r.done ? [] : decodeExtensions(r, helloRetryRequest ? 'hello_retry_request' : 'server_hello');
  const out: ServerHello = {
    type: 'server_hello',
    legacyVersion,
    random,
    sessionId: sid,
    cipherSuite,
    compressionMethod,
    extensions,
    helloRetryRequest,
  };
  if (downgradeSentinel) out.downgradeSentinel = downgradeSentinel;
  return out;
}
