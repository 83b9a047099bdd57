// LDAP StartTLS (RFC 4511 §4.14, RFC 4513 §3): an ExtendedRequest with requestName
// 1.3.6.1.4.1.1466.20037 in BER, and the ExtendedResponse's resultCode: 0 (success) is the
// go-ahead, anything else (protocolError 2, unavailable 52, …) a refusal with its diagnostic.

import type { Dialogue } from './types.js';
import { StarttlsFailure, unexpected } from './conversation.js';

export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

/** LDAPMessage { messageID 1, extendedReq [APPLICATION 23] { requestName [0] OID } }. */
export function startTlsRequest(messageId = 1): Uint8Array {
  const oid = Buffer.from(STARTTLS_OID, 'latin1');
  const ext = Buffer.concat([Buffer.from([0x80, oid.length]), oid]);
  const op = Buffer.concat([Buffer.from([0x77, ext.length]), ext]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, messageId]), op]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** The length of a complete BER element at the start of `b` (definite lengths only), or undefined while incomplete. */
export function berElementLength(b: Buffer): number | undefined {
  if (b.length < 2) return undefined;
  const first = b[1];
  if (first < 0x80) return b.length >= 2 + first ? 2 + first : undefined;
  const n = first & 0x7f;
  // Indefinite (0x80) or longer than four length bytes: not what an LDAP server sends.
  if (n === 0 || n > 4) return -1;
  if (b.length < 2 + n) return undefined;
  const len = b.readUIntBE(2, n);
  return b.length >= 2 + n + len ? 2 + n + len : undefined;
}

interface Tlv {
  tag: number;
  value: Buffer;
  end: number;
}

/** One TLV at `at` inside `b`, or undefined when it does not fit. */
function tlv(b: Buffer, at: number): Tlv | undefined {
  const len = berElementLength(b.subarray(at));
  if (len === undefined || len < 0) return undefined;
  const lenBytes = b[at + 1] < 0x80 ? 0 : b[at + 1] & 0x7f;
  return { tag: b[at], value: b.subarray(at + 2 + lenBytes, at + len), end: at + len };
}

export interface ExtendedResult {
  resultCode: number;
  diagnostic: string;
  /** responseName, when present (a Notice of Disconnection is 1.3.6.1.4.1.1466.20036). */
  responseName?: string;
}

/** The resultCode, diagnosticMessage and responseName of an LDAPMessage holding an ExtendedResponse. */
export function parseExtendedResponse(msg: Buffer): ExtendedResult | undefined {
  const outer = tlv(msg, 0);
  if (!outer || outer.tag !== 0x30) return undefined;
  const id = tlv(outer.value, 0);
  const op = id && id.tag === 0x02 ? tlv(outer.value, id.end) : undefined;
  if (!op || op.tag !== 0x78) return undefined;
  const code = tlv(op.value, 0);
  const dn = code && code.tag === 0x0a ? tlv(op.value, code.end) : undefined;
  const diag = dn ? tlv(op.value, dn.end) : undefined;
  if (!code || !diag || code.value.length === 0 || code.value.length > 4) return undefined;
  const result: ExtendedResult = { resultCode: code.value.readUIntBE(0, code.value.length), diagnostic: diag.value.toString('latin1') };
  for (let at = diag.end; at < op.value.length; ) {
    const t = tlv(op.value, at);
    if (!t) break;
    if (t.tag === 0x8a) result.responseName = t.value.toString('latin1');
    at = t.end;
  }
  return result;
}

/** RFC 4511 §4.1.9 names for the result codes a StartTLS answer carries. */
const RESULT_NAMES: Record<number, string> = { 0: 'success', 1: 'operationsError', 2: 'protocolError', 13: 'confidentialityRequired', 51: 'busy', 52: 'unavailable', 53: 'unwillingToPerform', 80: 'other' };

export const ldap: Dialogue = async (conv) => {
  conv.send(startTlsRequest());
  const msg = await conv.read((b) => {
    if (b.length > 0 && b[0] !== 0x30) return b.length;
    const n = berElementLength(b);
    return n === -1 ? b.length : n;
  }, 'message');
  const r = parseExtendedResponse(msg);
  if (!r) throw unexpected(conv, msg.subarray(0, 40).toString('latin1'), 'an LDAP ExtendedResponse');
  if (r.resultCode === 0) return;
  const name = RESULT_NAMES[r.resultCode] ?? 'unknown';
  throw new StarttlsFailure('starttls-refused', `${conv.where} refused StartTLS: LDAP resultCode ${r.resultCode} (${name})${r.diagnostic ? `: ${r.diagnostic}` : ''}`);
};
