// Opening protected records: TLS 1.3 AEAD (RFC 8446 §5.2–5.4) and the TLS 1.0–1.2 forms — AES-GCM
// (RFC 5288), AES-CCM (RFC 6655, RFC 7251), ChaCha20-Poly1305 (RFC 7905), CBC with HMAC, MAC-then-encrypt (RFC 5246 §6.2.3.2,
// RFC 2246/4346 §6.2.3.2) or encrypt-then-MAC (RFC 7366), and the RC4 stream. Pure functions over
// bytes, except the RC4 key stream, which runs on across records; failures are values.

import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { hmac } from './hkdf.js';
import type { SuiteCrypto } from './suites.js';

export interface OpenedRecord {
  ok: true;
  /** Real content type: the inner type in TLS 1.3, the header's type in TLS 1.2. */
  contentType: number;
  /** The content (TLS 1.3: without the type byte and padding; TLS 1.2: without IV, MAC, padding). */
  plaintext: Buffer;
  /** TLS 1.3 zero padding or CBC padding bytes removed. */
  paddingLength: number;
  /** The nonce or IV used, for the key-schedule view. */
  nonce: Buffer;
}

export interface FailedRecord {
  ok: false;
  /** Stable code: `tag-mismatch`, `mac-mismatch`, `bad-padding`, `too-short`, `no-content-type`. */
  code: string;
  /** Plain sentence, starting "decryption failed: …". */
  reason: string;
}

export type RecordOutcome = OpenedRecord | FailedRecord;

export interface DirectionKeys {
  key: Uint8Array;
  /**
   * TLS 1.3 / 1.2 ChaCha: 12-byte IV; 1.2 GCM: 4-byte salt; CBC in TLS 1.0: the IV of the next
   * record (the key block's, then the previous record's last ciphertext block); CBC in 1.1+: empty.
   */
  iv: Uint8Array;
  /** CBC and stream suites only. */
  macKey?: Uint8Array;
  /** Stream suites (RC4): the direction's decipher, whose key stream continues record to record. */
  stream?: { update(data: Uint8Array): Buffer };
}

function fail(code: string, detail: string): FailedRecord {
  return { ok: false, code, reason: `decryption failed: ${detail}` };
}

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

/** RFC 8446 §5.3: the 64-bit sequence number, left-padded to the IV length, XORed with the IV. */
export function perRecordNonce(iv: Uint8Array, seq: bigint): Buffer {
  const nonce = Buffer.from(iv);
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i] ^= s[i];
  return nonce;
}

function aeadOpen(
  suite: SuiteCrypto,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Buffer | undefined {
  // Node's typings split GCM/CCM/ChaCha overloads by literal cipher name; all three take the same
  // calls (CCM needs the tag length up front and the plaintext length before the AAD).
  const d = createDecipheriv(suite.cipher as 'aes-128-ccm', key, nonce, { authTagLength: suite.tagLength });
  d.setAAD(aad, { plaintextLength: ciphertext.length });
  d.setAuthTag(tag);
  const head = d.update(ciphertext);
  try {
    return Buffer.concat([head, d.final()]);
  } catch {
    return undefined; // "Unsupported state or unable to authenticate data": the tag did not match
  }
}

/** aeadOpen's counterpart: ciphertext followed by the tag (a hand-built client's records). */
function aeadSeal(suite: SuiteCrypto, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv(suite.cipher as 'aes-128-ccm', key, nonce, { authTagLength: suite.tagLength });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

/**
 * TLS 1.3: AEAD-open the record body with AAD = the 5-byte record header, then strip the zero
 * padding; the last non-zero byte is the real content type (RFC 8446 §5.2, §5.4).
 */
export function openTls13Record(suite: SuiteCrypto, keys: DirectionKeys, seq: bigint, header: Uint8Array, body: Uint8Array): RecordOutcome {
  const tag = suite.tagLength;
  if (body.length < tag + 1) return fail('too-short', `record body of ${body.length} bytes is shorter than the ${tag}-byte tag plus a content type`);
  const nonce = perRecordNonce(keys.iv, seq);
  const inner = aeadOpen(suite, keys.key, nonce, header, body.subarray(0, body.length - tag), body.subarray(body.length - tag));
  if (!inner) return fail('tag-mismatch', 'authentication tag mismatch');
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--;
  if (end === 0) return fail('no-content-type', 'inner plaintext is all zeros (no content type)');
  return { ok: true, contentType: inner[end - 1], plaintext: inner.subarray(0, end - 1), paddingLength: inner.length - end, nonce };
}

/** seq_num(8) + type(1) + version(2) + length(2): the TLS 1.2 MAC / AEAD additional data prefix. */
function additionalData12(seq: bigint, contentType: number, version: number, length: number): Buffer {
  return Buffer.concat([seqBytes(seq), Buffer.from([contentType, version >> 8, version & 0xff, length >> 8, length & 0xff])]);
}

export interface Tls12Options {
  /** RFC 7366 encrypt_then_mac negotiated (CBC suites only). */
  encryptThenMac: boolean;
}

/** TLS 1.0–1.2 record: the header gives the real content type and the version used in the AAD/MAC. */
export function openTls12Record(
  suite: SuiteCrypto,
  keys: DirectionKeys,
  seq: bigint,
  header: Uint8Array,
  body: Uint8Array,
  opts: Tls12Options,
): RecordOutcome {
  const contentType = header[0];
  const version = header[1] * 256 + header[2];
  if (suite.aead) {
    const explicit = suite.explicitIvLength;
    const tag = suite.tagLength;
    if (body.length < explicit + tag) return fail('too-short', `record body of ${body.length} bytes is shorter than nonce and tag`);
    const nonce =
      explicit > 0
        ? Buffer.concat([keys.iv, body.subarray(0, explicit)]) // GCM, CCM: salt + explicit nonce (RFC 5288 §3, RFC 6655 §3)
        : perRecordNonce(keys.iv, seq); // ChaCha20-Poly1305: IV XOR seq (RFC 7905 §2)
    const ciphertext = body.subarray(explicit, body.length - tag);
    const aad = additionalData12(seq, contentType, version, ciphertext.length);
    const plain = aeadOpen(suite, keys.key, nonce, aad, ciphertext, body.subarray(body.length - tag));
    if (!plain) return fail('tag-mismatch', 'authentication tag mismatch');
    return { ok: true, contentType, plaintext: plain, paddingLength: 0, nonce };
  }
  if (suite.stream) return openStream(suite, keys, seq, contentType, version, body);
  return openCbc(suite, keys, seq, contentType, version, body, opts.encryptThenMac);
}

/**
 * TLS 1.0 CBC: the IV of the direction's next record is this record's last ciphertext block
 * (RFC 2246 §6.2.3.2), whether or not this record opened; undefined when the suite sends
 * explicit IVs or the body holds no whole block.
 */
export function chainedIvAfter(suite: SuiteCrypto, body: Uint8Array, encryptThenMac: boolean): Buffer | undefined {
  if (suite.aead || suite.stream || suite.explicitIvLength > 0) return undefined;
  const end = body.length - (encryptThenMac ? suite.macLength : 0);
  if (end < suite.blockSize) return undefined;
  return Buffer.from(body.subarray(end - suite.blockSize, end));
}

function macCheck(suite: SuiteCrypto, keys: DirectionKeys, seq: bigint, contentType: number, version: number, data: Uint8Array, mac: Uint8Array): boolean {
  const expected = hmac(suite.macHash ?? 'sha1', keys.macKey ?? new Uint8Array(0), additionalData12(seq, contentType, version, data.length), data);
  return macEqual(expected, mac);
}

/** RC4: decrypt with the running key stream, then check the MAC over the content (RFC 5246 §6.2.3.1). */
function openStream(suite: SuiteCrypto, keys: DirectionKeys, seq: bigint, contentType: number, version: number, body: Uint8Array): RecordOutcome {
  if (!keys.stream) return fail('too-short', 'no key stream for this direction');
  // The key stream must advance over every record, even one too short to hold a MAC.
  const plain = keys.stream.update(body);
  if (plain.length < suite.macLength) return fail('too-short', `record body of ${body.length} bytes is shorter than the ${suite.macLength}-byte MAC`);
  const content = plain.subarray(0, plain.length - suite.macLength);
  if (!macCheck(suite, keys, seq, contentType, version, content, plain.subarray(content.length))) return fail('mac-mismatch', 'record MAC mismatch');
  return { ok: true, contentType, plaintext: content, paddingLength: 0, nonce: Buffer.alloc(0) };
}

function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function openCbc(
  suite: SuiteCrypto,
  keys: DirectionKeys,
  seq: bigint,
  contentType: number,
  version: number,
  body: Uint8Array,
  encryptThenMac: boolean,
): RecordOutcome {
  const macLen = suite.macLength;
  const block = suite.blockSize;
  const explicit = suite.explicitIvLength;
  let cbcPart = body;
  if (encryptThenMac) {
    // RFC 7366 §3: MAC(seq + type + version + length + IV + ciphertext) follows the ciphertext
    // (TLS 1.0 sends no IV, so the MAC covers the ciphertext alone).
    if (body.length < explicit + block + macLen) return fail('too-short', `record body of ${body.length} bytes is too short for ${explicit > 0 ? 'IV, ' : ''}one block and MAC`);
    cbcPart = body.subarray(0, body.length - macLen);
    if (!macCheck(suite, keys, seq, contentType, version, cbcPart, body.subarray(body.length - macLen))) return fail('mac-mismatch', 'record MAC mismatch (encrypt-then-MAC)');
  }
  if (cbcPart.length < explicit + block || cbcPart.length % block !== 0) {
    return fail('too-short', `CBC body of ${cbcPart.length} bytes is not ${explicit > 0 ? 'IV plus ' : ''}whole ${block}-byte blocks`);
  }
  const iv = explicit > 0 ? cbcPart.subarray(0, explicit) : keys.iv;
  const d = createDecipheriv(suite.cipher, keys.key, iv);
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(cbcPart.subarray(explicit)), d.final()]);
  const pad = plain[plain.length - 1];
  const padTotal = pad + 1;
  const minLength = padTotal + (encryptThenMac ? 0 : macLen);
  if (minLength > plain.length) return fail('bad-padding', `padding length ${pad} runs past the record`);
  for (let i = plain.length - padTotal; i < plain.length; i++) {
    if (plain[i] !== pad) return fail('bad-padding', 'CBC padding bytes are not all equal to the padding length');
  }
  const unpadded = plain.subarray(0, plain.length - padTotal);
  if (encryptThenMac) return { ok: true, contentType, plaintext: unpadded, paddingLength: padTotal, nonce: Buffer.from(iv) };
  const content = unpadded.subarray(0, unpadded.length - macLen);
  if (!macCheck(suite, keys, seq, contentType, version, content, unpadded.subarray(content.length))) return fail('mac-mismatch', 'record MAC mismatch');
  return { ok: true, contentType, plaintext: content, paddingLength: padTotal, nonce: Buffer.from(iv) };
}

/**
 * TLS 1.2 AEAD (RFC 5246 §6.2.3.3): one record of `contentType` holding `plaintext` under `keys`
 * at `seq`, as the peer opens it with openTls12Record — what a hand-built client (the scan's
 * session probes) sends once its keys are in place. GCM and CCM send the sequence number as the
 * explicit nonce (RFC 5288 §3); ChaCha20-Poly1305 sends none (RFC 7905 §2). Throws for a suite
 * that is not AEAD: the caller offers only AEAD suites.
 */
export function sealTls12Record(suite: SuiteCrypto, keys: DirectionKeys, seq: bigint, contentType: number, plaintext: Uint8Array): Buffer {
  if (!suite.aead) throw new TypeError(`sealTls12Record: ${suite.name} is not an AEAD suite`);
  const explicit = suite.explicitIvLength > 0 ? seqBytes(seq).subarray(8 - suite.explicitIvLength) : Buffer.alloc(0);
  const nonce = suite.explicitIvLength > 0 ? Buffer.concat([keys.iv, explicit]) : perRecordNonce(keys.iv, seq);
  const sealed = aeadSeal(suite, keys.key, nonce, additionalData12(seq, contentType, 0x0303, plaintext.length), plaintext);
  const length = explicit.length + sealed.length;
  return Buffer.concat([Buffer.from([contentType, 3, 3, length >> 8, length & 0xff]), explicit, sealed]);
}

/**
 * TLS 1.3 (RFC 8446 §5.2): one protected record of `contentType` holding `plaintext`, without
 * padding, under `keys` at `seq`, as openTls13Record opens it: what a hand-built client sends as
 * its Finished and close_notify. The outer type is application_data and the version TLS 1.2.
 */
export function sealTls13Record(suite: SuiteCrypto, keys: DirectionKeys, seq: bigint, contentType: number, plaintext: Uint8Array): Buffer {
  const inner = Buffer.concat([plaintext, Buffer.from([contentType])]);
  const length = inner.length + suite.tagLength;
  const header = Buffer.from([23, 3, 3, length >> 8, length & 0xff]);
  return Buffer.concat([header, aeadSeal(suite, keys.key, perRecordNonce(keys.iv, seq), header, inner)]);
}
