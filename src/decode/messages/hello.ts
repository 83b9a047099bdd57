// ClientHello and ServerHello (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1), including the
// HelloRetryRequest form and the downgrade sentinels.

import type { ClientHello, ServerHello } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import { decodeExtensions } from '../extensions/index.js';
import { ContentType, HS, tls13Draft } from '../../registry/index.js';

/** SHA-256("HelloRetryRequest"), the random that marks a ServerHello as an HRR (RFC 8446 §4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
/** "DOWNGRD" followed by 0x01 (negotiating TLS 1.2) or 0x00 (TLS 1.1 or below). */
const DOWNGRADE_PREFIX = '444f574e475244';
const TLS12 = 0x0303;

/**
 * The last byte of a server random whose bytes 24–30 read "DOWNGRD" (0x01, 0x00), else undefined.
 * Only the bytes: whether they are a sentinel depends on the negotiated version.
 */
export function downgradeTail(random: string): number | undefined {
  if (random.length !== 64 || random.slice(48, 62) !== DOWNGRADE_PREFIX) return undefined;
  const last = parseInt(random.slice(62), 16);
  return last === 0 || last === 1 ? last : undefined;
}

/**
 * The RFC 8446 §4.1.3 sentinel a ServerHello carries for the version it negotiates: the value
 * means something only below TLS 1.3, and each value belongs to one range (DOWNGRD\x01 to a
 * TLS 1.2 answer, DOWNGRD\x00 to TLS 1.1 or below). In a TLS 1.3 ServerHello these are just 8 of
 * 32 random bytes.
 */
export function downgradeSentinelFor(random: string, negotiated: number): ServerHello['downgradeSentinel'] {
  const tail = downgradeTail(random);
  if (tail === 1 && negotiated === TLS12) return 'tls12';
  if (tail === 0 && negotiated < TLS12) return 'tls11';
  return undefined;
}

/** A ClientHello message's header (4 bytes) and legacy_version (2) come before its random (32). */
const RANDOM_AT = 6;
const RANDOM_LENGTH = 32;
const RECORD_HEADER = 5;

/**
 * The ClientHello's random in lower-case hex (how key logs name a connection), from a handshake
 * message that starts with a ClientHello whose header and random are there; else undefined. Only
 * the bytes up to the random are looked at, so a hello cut after them still names its connection.
 */
export function clientRandomOfMessage(message: Uint8Array): string | undefined {
  if (message.length < RANDOM_AT + RANDOM_LENGTH || message[0] !== HS.client_hello) return undefined;
  return Buffer.from(message.buffer, message.byteOffset + RANDOM_AT, RANDOM_LENGTH).toString('hex');
}

/**
 * The same from a client's first record: a TLS handshake record whose header declares room for
 * the random (a hello split across records keeps it in the first).
 */
export function clientRandomOfRecord(record: Uint8Array): string | undefined {
  if (record.length < RECORD_HEADER || record[0] !== ContentType.handshake || record[1] !== 3) return undefined;
  if (((record[3] << 8) | record[4]) < RANDOM_AT + RANDOM_LENGTH) return undefined;
  return clientRandomOfMessage(record.subarray(RECORD_HEADER));
}

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

/**
 * TLS 1.3 drafts before -22 sent `version, random, cipher_suite, extensions`: no session id, no
 * compression method, the draft version itself in the version field (draft-22 restored the legacy
 * fields for middlebox compatibility). The version read first says which layout follows.
 */
const FIRST_DRAFT_WITH_LEGACY_FIELDS = 22;

export function decodeServerHello(r: ByteReader): ServerHello {
  const legacyVersion = r.u16('legacy_version', 'Legacy version', fmt.version);
  const draft = tls13Draft(legacyVersion);
  const draftLayout = draft !== undefined && draft < FIRST_DRAFT_WITH_LEGACY_FIELDS;
  if (draftLayout && r.lastField) Object.assign(r.lastField, { name: 'version', label: 'Version (TLS 1.3 draft layout)' });
  const rnd = r.bytesField(32, 'random', 'Random');
  const randomField = r.lastField;
  const random = toHex(rnd);
  const helloRetryRequest = !draftLayout && random === HELLO_RETRY_REQUEST_RANDOM;
  if (helloRetryRequest && randomField) randomField.display = 'HelloRetryRequest (RFC 8446 §4.1.3 special value)';
  const sid = draftLayout ? '' : sessionId(r);
  const cipherSuite = r.u16('cipher_suite', 'Cipher suite', fmt.suite);
  // Implicitly null in the early drafts' layout (not on the wire).
  const compressionMethod = draftLayout ? 0 : r.u8('legacy_compression_method', 'Compression method', fmt.compression);
  const extensions = r.done ? [] : decodeExtensions(r, helloRetryRequest ? 'hello_retry_request' : 'server_hello');
  // The negotiated version (supported_versions, else legacy_version) decides whether the last
  // bytes of the random are a sentinel, so they are judged only once the extensions are read.
  const selected = extensions.find((e) => e.info?.kind === 'supported_versions_selected')?.info;
  const negotiated = selected?.kind === 'supported_versions_selected' ? selected.version : legacyVersion;
  const downgradeSentinel = helloRetryRequest ? undefined : downgradeSentinelFor(random, negotiated);
  if (downgradeSentinel && randomField) randomField.display = `${random} (ends in downgrade sentinel "DOWNGRD" + 0x0${rnd[31]})`;
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
  if (draftLayout) out.draftLayout = draft;
  return out;
}
