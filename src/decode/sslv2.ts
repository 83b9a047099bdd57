// SSL 2.0 SERVER-HELLO (draft-hickman-netscape-ssl-00, "SSL Record Header" and "Server Only
// Protocol Messages"). Only a server that still speaks SSL 2.0 sends one, in answer to an SSL 2.0
// CLIENT-HELLO; the scan uses it to tell that SSL 2.0 is enabled. Layout, all in the clear:
//
//   record header   2 bytes: high bit set, then the 15-bit record length (no padding)
//   MSG-SERVER-HELLO (4)      1 byte
//   SESSION-ID-HIT            1 byte
//   CERTIFICATE-TYPE          1 byte
//   SERVER-VERSION            2 bytes
//   CERTIFICATE-LENGTH        2 bytes
//   CIPHER-SPECS-LENGTH       2 bytes (3 bytes per cipher kind)
//   CONNECTION-ID-LENGTH      2 bytes
//   CERTIFICATE-DATA, CIPHER-SPECS-DATA, CONNECTION-ID-DATA
//
// Pure, never throws for bad input: a short buffer is an `incomplete` issue, lengths that
// contradict the record are `malformed`, and the fields read up to there are kept.

import { firstIssue, labelUndecoded } from './fields.js';
import { fmt } from './format.js';
import { decodeWith, toHex, type ByteReader } from './reader.js';
import type { DecodeIssue, Field } from './types.js';
import type { ClientHello } from './model.js';

/** SSL 2.0 message type of a SERVER-HELLO. */
export const SSL2_MT_SERVER_HELLO = 4;

/** Bytes of a SERVER-HELLO before its variable-length data (type to connection-id length). */
const FIXED_HEADER_LENGTH = 11;

/** SSL 2.0 certificate types (the spec defines one). */
const CERTIFICATE_TYPES: Readonly<Record<number, string>> = { 1: 'SSL_CT_X509_CERTIFICATE' };

export interface Sslv2ServerHello {
  sessionIdHit: number;
  certificateType: number;
  /** SERVER-VERSION: 0x0002 for SSL 2.0. */
  version: number;
  certificateLength: number;
  cipherSpecsLength: number;
  connectionIdLength: number;
  /** Certificate DER as hex, once its bytes were read. */
  certificate?: string;
  /** 24-bit cipher kinds, in the server's order, once the whole list was read. */
  cipherSpecs: number[];
  /** Connection id as hex, once its bytes were read. */
  connectionId?: string;
}

export interface DecodedSslv2ServerHello {
  offset: number;
  /** Record length as declared, header included (may be more than the bytes given). */
  length: number;
  /** Present once the fixed header (through CONNECTION-ID-LENGTH) was read, even when the data
   * after it is truncated or malformed. */
  hello?: Sslv2ServerHello;
  fields: Field[];
  issue?: DecodeIssue;
}

/** Decodes one SSL 2.0 record holding a SERVER-HELLO from `bytes[start, end)`. */
export function decodeSslv2ServerHello(bytes: Uint8Array, start = 0, end = bytes.length): DecodedSslv2ServerHello {
  let hello: Sslv2ServerHello | undefined;
  let length = Math.min(2, end - start);
  const res = decodeWith(bytes, start, end, (r) => {
    const header = r.u16('record_header', 'SSL 2.0 record header', (v) => `${v & 0x7fff} bytes${v & 0x8000 ? '' : ' (3-byte header)'}`);
    const recordLength = header & 0x7fff;
    if ((header & 0x8000) === 0) {
      r.fail('SSL 2.0 SERVER-HELLO: expected a 2-byte record header (high bit set)', start, 2, 'high bit set', 'high bit clear');
    }
    length = 2 + recordLength;
    r.within(recordLength, 'server_hello', 'SSL 2.0 SERVER-HELLO', (m) =>
      readServerHello(m, recordLength, (h) => {
        hello = h;
      }),
    );
  });
  const fields = res.fields;
  labelUndecoded(bytes, fields, start, Math.min(end, start + length));
  const out: DecodedSslv2ServerHello = { offset: start, length, fields };
  if (hello) out.hello = hello;
  const issue = res.issue ?? firstIssue(fields);
  if (issue) out.issue = issue;
  return out;
}

/**
 * The record body. `recordLength` is the declared length: the reader holds fewer bytes when the
 * record is truncated, and then running out is `incomplete`, not a contradiction. `onHeader` gets
 * the hello as soon as the fixed header is read; the data fields are filled in as they are read,
 * so a stop in the data still leaves the header with the caller.
 */
function readServerHello(r: ByteReader, recordLength: number, onHeader: (h: Sslv2ServerHello) => void): void {
  const at = r.offset;
  if (recordLength < FIXED_HEADER_LENGTH) {
    r.fail(
      `SSL 2.0 SERVER-HELLO: a ${recordLength}-byte record is shorter than the ${FIXED_HEADER_LENGTH}-byte message header`,
      at,
      Math.min(recordLength, r.remaining),
      `at least ${FIXED_HEADER_LENGTH} bytes`,
      `${recordLength} bytes`,
    );
  }
  const type = r.u8('msg_type', 'Message type', (v) => (v === SSL2_MT_SERVER_HELLO ? 'SERVER-HELLO (4)' : `not SERVER-HELLO (${v})`));
  if (type !== SSL2_MT_SERVER_HELLO) r.fail(`SSL 2.0 message type ${type} is not SERVER-HELLO`, at, 1, String(SSL2_MT_SERVER_HELLO), String(type));
  const sessionIdHit = r.u8('session_id_hit', 'Session id hit');
  const certificateType = r.u8('certificate_type', 'Certificate type', (v) => `${CERTIFICATE_TYPES[v] ?? 'unknown'} (${v})`);
  const version = r.u16('server_version', 'Server version', fmt.version);
  const certificateLength = r.u16('certificate_length', 'Certificate length');
  const specsAt = r.offset;
  const cipherSpecsLength = r.u16('cipher_specs_length', 'Cipher specs length');
  const connectionIdLength = r.u16('connection_id_length', 'Connection id length');
  const hello: Sslv2ServerHello = { sessionIdHit, certificateType, version, certificateLength, cipherSpecsLength, connectionIdLength, cipherSpecs: [] };
  onHeader(hello);

  if (cipherSpecsLength % 3 !== 0) {
    r.fail(`SSL 2.0 SERVER-HELLO: cipher specs length ${cipherSpecsLength} is not a multiple of 3`, specsAt, 2, 'a multiple of 3', String(cipherSpecsLength));
  }
  const declared = FIXED_HEADER_LENGTH + certificateLength + cipherSpecsLength + connectionIdLength;
  if (declared > recordLength) {
    r.fail(`SSL 2.0 SERVER-HELLO: header and data need ${declared} bytes, the record has ${recordLength}`, at, FIXED_HEADER_LENGTH, `${declared} bytes`, `${recordLength} bytes`);
  }
  hello.certificate = toHex(r.bytesField(certificateLength, 'certificate', 'Certificate data'));
  hello.cipherSpecs = r.group('cipher_specs', 'Cipher specs', () => {
    const specs: number[] = [];
    for (let i = 0; i < cipherSpecsLength; i += 3) specs.push(r.u24('cipher_spec', 'Cipher kind', (v) => '0x' + v.toString(16).padStart(6, '0')));
    return specs;
  });
  hello.connectionId = toHex(r.bytesField(connectionIdLength, 'connection_id', 'Connection id'));
}

// ---- The SSL 2.0-compatible CLIENT-HELLO (RFC 5246 Appendix E.2, RFC 6101 Appendix E): old
// clients sent it to reach SSL 2.0 and SSL 3.0/TLS servers alike; the connection then goes on
// with TLS records. Layout after the 2-byte record header:
//
//   msg_type (1)  version (2)  cipher_spec_length (2)  session_id_length (2)  challenge_length (2)
//   cipher_specs (3 bytes each)  session_id  challenge (16..32)
//
// The TLS handshake hash covers the message from msg_type on (E.2), so it is decoded as a
// ClientHello whose `raw` is that span.

/** SSL 2.0 message type of a CLIENT-HELLO. */
export const SSL2_MT_CLIENT_HELLO = 1;

/** True when `b[at…]` starts with a 2-byte SSL 2.0 record header and a CLIENT-HELLO. */
export function startsSslv2ClientHello(b: Uint8Array, at = 0): boolean {
  if (b.length - at < 3 || (b[at] & 0x80) === 0) return false;
  const length = ((b[at] & 0x7f) << 8) | b[at + 1];
  return length >= 9 && b[at + 2] === SSL2_MT_CLIENT_HELLO && (b.length - at < 4 || b[at + 3] <= 3);
}

export interface DecodedSslv2ClientHello {
  /** Record length as declared plus the 2-byte header (may be more than the bytes given). */
  length: number;
  hello?: ClientHello;
  fields: Field[];
  issue?: DecodeIssue;
}

/** Decodes one SSL 2.0 record holding a CLIENT-HELLO from `bytes[start, end)`. */
export function decodeSslv2ClientHello(bytes: Uint8Array, start = 0, end = bytes.length): DecodedSslv2ClientHello {
  let hello: ClientHello | undefined;
  let length = Math.min(2, end - start);
  const res = decodeWith(bytes, start, end, (r) => {
    const recordLength = r.u16('record_header', 'SSL 2.0 record header', (v) => `${v & 0x7fff} bytes`) & 0x7fff;
    length = 2 + recordLength;
    r.within(recordLength, 'client_hello', 'SSL 2.0-compatible ClientHello', (m) => {
      hello = readClientHello(m);
    });
  });
  const fields = res.fields;
  labelUndecoded(bytes, fields, start, Math.min(end, start + length));
  const out: DecodedSslv2ClientHello = { length, fields };
  if (hello) out.hello = hello;
  const issue = res.issue ?? firstIssue(fields);
  if (issue) out.issue = issue;
  return out;
}

function readClientHello(r: ByteReader): ClientHello {
  r.u8('msg_type', 'Message type', (v) => (v === SSL2_MT_CLIENT_HELLO ? 'CLIENT-HELLO (1)' : `not CLIENT-HELLO (${v})`));
  const legacyVersion = r.u16('version', 'Version', fmt.version);
  const specsAt = r.offset;
  const specLength = r.u16('cipher_spec_length', 'Cipher specs length');
  const sessionIdLength = r.u16('session_id_length', 'Session ID length');
  const challengeAt = r.offset;
  const challengeLength = r.u16('challenge_length', 'Challenge length');
  if (specLength % 3 !== 0) r.fail(`cipher_spec_length ${specLength} is not a multiple of 3`, specsAt, 2, 'a multiple of 3', String(specLength));
  if (challengeLength < 16 || challengeLength > 32) r.fail(`challenge_length ${challengeLength} is outside 16..32`, challengeAt, 2, '16..32', String(challengeLength));
  const specs = r.group('cipher_specs', 'Cipher specs', () => {
    const out: number[] = [];
    for (let i = 0; i < specLength; i += 3) out.push(r.u24('cipher_spec', 'Cipher spec', specName));
    return out;
  });
  const sessionId = toHex(r.bytesField(sessionIdLength, 'session_id', 'Session ID'));
  const challenge = toHex(r.bytesField(challengeLength, 'challenge', 'Challenge'));
  // E.2: a TLS server uses the challenge, right-aligned and zero-padded, as the client random.
  const random = challenge.padStart(64, '0');
  // V2CipherSpec {0x00, suite} is a TLS suite; the others are SSL 2.0 kinds TLS cannot select.
  const cipherSuites = specs.filter((s) => s >> 16 === 0);
  return { type: 'client_hello', legacyVersion, random, sessionId, cipherSuites, compressionMethods: [], extensions: [], sslv2: { cipherSpecs: specs } };
}

/** `TLS_RSA_WITH_AES_128_CBC_SHA (0x002f)` for a TLS suite, `SSL 2.0 kind 0x010080` otherwise. */
function specName(v: number): string {
  return v >> 16 === 0 ? fmt.suite(v) : `SSL 2.0 kind 0x${v.toString(16).padStart(6, '0')}`;
}
