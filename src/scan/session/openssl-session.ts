// What the 0-RTT probe needs from a TLS 1.3 session Node handed over: OpenSSL's SSL_SESSION DER
// (ssl/ssl_asn1.c), whose master_key field holds the resumption PSK for a TLS 1.3 session, beside
// the ticket, its age_add, the issue time and max_early_data. Read with the shared DER helpers; a
// shape not expected gives undefined (the probe then says it could not test), never a throw.

import { children, isContext, isUniversal, parseDer, primitive, binaryToBuffer, Tag, type Asn1 } from '../../analyse/certificates/der.js';

export interface ResumableSession {
  /** The session's cipher suite (TLS 1.3: 0x1301…). */
  suite: number;
  /** The resumption PSK (RFC 8446 §4.6.1). */
  psk: Buffer;
  ticket: Buffer;
  ageAdd: number;
  /** Issue time, Unix seconds. */
  issuedAt: number;
  maxEarlyData: number;
}

/** A small non-negative INTEGER (forge keeps it as big-endian bytes). */
function uint(node: Asn1 | undefined): number | undefined {
  if (!isUniversal(node, Tag.INTEGER)) return undefined;
  const b = binaryToBuffer(primitive(node, 'INTEGER'));
  if (b.length > 7) return undefined;
  return b.reduce((n, x) => n * 256 + x, 0);
}

/** The value inside an EXPLICIT [tag] field of the session SEQUENCE, if present. */
function tagged(fields: Asn1[], tag: number): Asn1 | undefined {
  const f = fields.find((x) => isContext(x, tag));
  return f && Array.isArray(f.value) ? f.value[0] : undefined;
}

export function resumableSession(der: Uint8Array): ResumableSession | undefined {
  try {
    const fields = children(parseDer(der), 'SSL_SESSION');
    const [, sslVersion, cipher, , masterKey] = fields;
    if (uint(sslVersion) !== 0x0304 || !isUniversal(cipher, Tag.OCTETSTRING) || !isUniversal(masterKey, Tag.OCTETSTRING)) return undefined;
    const suite = binaryToBuffer(primitive(cipher, 'cipher'));
    const ticketNode = tagged(fields, 10);
    if (suite.length !== 2 || !isUniversal(ticketNode, Tag.OCTETSTRING)) return undefined;
    return {
      suite: suite.readUInt16BE(0),
      psk: binaryToBuffer(primitive(masterKey, 'master_key')),
      ticket: binaryToBuffer(primitive(ticketNode, 'ticket')),
      ageAdd: uint(tagged(fields, 14)) ?? 0,
      issuedAt: uint(tagged(fields, 1)) ?? 0,
      maxEarlyData: uint(tagged(fields, 15)) ?? 0,
    };
  } catch {
    return undefined;
  }
}
