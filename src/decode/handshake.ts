// The handshake layer (RFC 8446 §4, RFC 5246 §7.4): a 4-byte header (type, uint24 length) and a
// body decoded by the message's own decoder. Works on any ByteSpace: a direction's raw stream, a
// message reassembled from several records, or decrypted TLS 1.3 plaintext.

import type { HandshakeBody, HandshakeMessage } from './model.js';
import type { ByteSpace, DecodeIssue, Field } from './types.js';
import { decodeWith, toHex, type ByteReader, type FieldBudget } from './reader.js';
import { firstIssue, labelUndecoded } from './fields.js';
import { fmt } from './format.js';
import { TLS12, TLS13, updateContext, type HandshakeContext } from './context.js';
import { decodeClientHello, decodeServerHello } from './messages/hello.js';
import { decodeCertificate, decodeCertificateStatus } from './messages/certificate.js';
import { decodeClientKeyExchange, decodeServerKeyExchange } from './messages/key-exchange.js';
import { decodeCertificateRequest } from './messages/certificate-request.js';
import { decodeCompressedCertificate, decompressCertificate } from './messages/compressed-certificate.js';
import {
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket,
} from './messages/simple.js';
import { HS } from '../registry/index.js';

/** Handshake message types by IANA name (the registry's table, under the decoder's name for it). */
export const HandshakeType = HS;

/** Display titles of the messages we decode (the registry holds the IANA snake_case names). */
export const handshakeTitles: Readonly<Record<number, string>> = {
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
  25: 'CompressedCertificate',
  254: 'MessageHash',
};

/** Handshake header size: msg_type (1) + length (3). */
export const HANDSHAKE_HEADER = 4;

function decodeBody(type: number, r: ByteReader, ctx: HandshakeContext): HandshakeBody {
  const tls13 = ctx.version === TLS13;
  switch (type) {
    case HandshakeType.hello_request:
      return { type: 'hello_request' };
    case HandshakeType.client_hello:
      return decodeClientHello(r);
    case HandshakeType.server_hello:
      return decodeServerHello(r);
    case HandshakeType.new_session_ticket:
      return decodeNewSessionTicket(r, tls13);
    case HandshakeType.end_of_early_data:
      return { type: 'end_of_early_data' };
    case HandshakeType.encrypted_extensions:
      return decodeEncryptedExtensions(r);
    case HandshakeType.certificate:
      return decodeCertificate(r, tls13);
    case HandshakeType.server_key_exchange:
      return decodeServerKeyExchange(r, ctx);
    case HandshakeType.certificate_request:
      return decodeCertificateRequest(r, ctx, tls13);
    case HandshakeType.server_hello_done:
      return { type: 'server_hello_done' };
    case HandshakeType.certificate_verify:
      return decodeCertificateVerify(r, ctx.version !== undefined && ctx.version < TLS12);
    case HandshakeType.client_key_exchange:
      return decodeClientKeyExchange(r, ctx);
    case HandshakeType.finished:
      return decodeFinished(r);
    case HandshakeType.certificate_status:
      return decodeCertificateStatus(r);
    case HandshakeType.key_update:
      return decodeKeyUpdate(r);
    case HandshakeType.compressed_certificate:
      return decodeCompressedCertificate(r);
    default: {
      const body = r.done ? new Uint8Array() : r.rest('body', 'Message body (unknown type)');
      return { type: 'unknown', body: toHex(body) };
    }
  }
}

/**
 * One handshake message at `space.bytes[start, end)`. `end` may cut the message short (the
 * capture ended): the message then carries an `incomplete` issue. Never throws for bad input.
 * `records` and `timeMs` are left for the caller (empty / 0).
 */
export function decodeHandshakeMessage(space: ByteSpace, start: number, end: number, ctx: HandshakeContext, budget?: FieldBudget): HandshakeMessage {
  let msgType = -1;
  let declaredLength = 0;
  let body: HandshakeBody | undefined;
  if (budget) budget.firstIssue = undefined;
  const out = decodeWith(
    space.bytes,
    start,
    end,
    (r) => {
      msgType = r.u8('msg_type', 'Handshake type', fmt.handshakeType);
      declaredLength = r.u24('length', 'Message length');
      const title = handshakeTitles[msgType] ?? 'Handshake message';
      body = r.within(declaredLength, 'body', title, (b) => decodeBody(msgType, b, ctx));
    },
    budget,
  );
  // Past the field budget the tree is incomplete: show the header and the body as one span, which
  // carries the first issue found (the fields that held it may not have been kept).
  const treeIssue = firstIssue(out.fields) ?? budget?.firstIssue;
  const fields = budget?.exhausted && out.consumed >= 4 ? unitemisedFields(space, start, end, msgType, declaredLength, treeIssue) : out.fields;
  if (out.issue) {
    // The 4-byte header itself was cut short: label the stub so coverage still holds.
    fields.push({ name: 'fragment', label: 'Truncated handshake header', offset: start + out.consumed, length: end - start - out.consumed, issue: out.issue });
  }
  labelUndecoded(space.bytes, fields, start, end);
  const msg: HandshakeMessage = {
    kind: 'handshake',
    direction: space.direction,
    space,
    offset: start,
    length: end - start,
    records: [],
    timeMs: 0,
    fields,
    msgType,
    declaredLength,
    raw: toHex(space.bytes.subarray(start, end)),
  };
  if (body) msg.body = body;
  const issue = out.issue ?? treeIssue;
  if (issue) msg.issue = issue;
  if (body?.type === 'compressed_certificate') addDecompressed(msg, body, budget);
  return msg;
}

/**
 * RFC 8879: inflates a CompressedCertificate and hangs the decoded Certificate on the message. A
 * length mismatch or bad data is an issue on the compressed bytes (where the fault is).
 */
function addDecompressed(msg: HandshakeMessage, body: Extract<HandshakeBody, { type: 'compressed_certificate' }>, budget?: FieldBudget): void {
  const { nested, issue } = decompressCertificate(body, msg.space, budget);
  if (nested) msg.nested = nested;
  if (!issue) return;
  const field = findField(msg.fields, 'compressed_certificate_message');
  const placed: DecodeIssue = { ...issue, offset: field?.offset ?? msg.offset, length: field?.length ?? msg.length };
  if (field) field.issue ??= placed;
  msg.issue ??= placed;
}

function findField(fields: readonly Field[], name: string): Field | undefined {
  for (const f of fields) {
    if (f.name === name) return f;
    const inner = f.children ? findField(f.children, name) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** The header fields and one span over the body, for a message decoded past the field budget. */
function unitemisedFields(space: ByteSpace, start: number, end: number, msgType: number, declaredLength: number, issue: DecodeIssue | undefined): Field[] {
  const fields: Field[] = [
    { name: 'msg_type', label: 'Handshake type', offset: start, length: 1, value: msgType, display: fmt.handshakeType(msgType) },
    { name: 'length', label: 'Message length', offset: start + 1, length: 3, value: declaredLength },
  ];
  if (end > start + 4) {
    const label = `${handshakeTitles[msgType] ?? 'Handshake message'} body, not itemised (tls-trace's field cap)`;
    fields.push({ name: 'body', label, offset: start + 4, length: end - start - 4, ...(issue ? { issue } : {}) });
  }
  return fields;
}

/**
 * Every handshake message in `space.bytes[start, end)` (e.g. a decrypted TLS 1.3 record body).
 * The context advances as messages are read (a ServerHello sets version and suite for what
 * follows). A final partial message is returned with an `incomplete` issue.
 */
export function decodeHandshakeMessages(space: ByteSpace, start: number, end: number, ctx: HandshakeContext): HandshakeMessage[] {
  const out: HandshakeMessage[] = [];
  let at = start;
  let context = ctx;
  while (at < end) {
    let msgEnd = end;
    if (end - at >= HANDSHAKE_HEADER) {
      const len = (space.bytes[at + 1] << 16) | (space.bytes[at + 2] << 8) | space.bytes[at + 3];
      msgEnd = Math.min(end, at + HANDSHAKE_HEADER + len);
    }
    const msg = decodeHandshakeMessage(space, at, msgEnd, context);
    context = updateContext(context, msg.body);
    out.push(msg);
    at = msgEnd;
  }
  return out;
}
