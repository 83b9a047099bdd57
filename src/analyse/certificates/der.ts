// Small DER walking helpers over node-forge's `asn1` module (only `asn1`: forge's `pki` cannot
// read ECDSA or Ed25519 certificates). Everything here is pure and throws `DerError` on shapes it
// does not expect, so callers can turn one bad extension into a finding instead of losing the cert.

import type forge from 'node-forge';
// Only forge's ASN.1 module (plus the util/oids it needs): the package index pulls in all of
// forge — TLS, RSA, AES… — which costs start-up time on every run for nothing we use.
import asn1Module from 'node-forge/lib/asn1.js';
import { MAX_ASN1_DEPTH } from '../../limits.js';

const asn1 = asn1Module as typeof forge.asn1;

export type Asn1 = forge.asn1.Asn1;

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const Tag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BITSTRING: 3,
  OCTETSTRING: 4,
  NULL: 5,
  OID: 6,
  ENUMERATED: 10,
  SEQUENCE: 16,
  SET: 17,
  UTCTIME: 23,
  GENERALIZEDTIME: 24,
} as const;

export const CONTEXT = 0x80;

// The typings only know the old `strict` boolean; the implementation takes an options object.
// decodeBitStrings must stay off: forge otherwise tries to parse every BIT STRING as ASN.1.
type FromDer = (bytes: string, options: { strict: boolean; decodeBitStrings: boolean; parseAllBytes: boolean; maxDepth: number }) => Asn1;
const fromDerWithOptions = asn1.fromDer as unknown as FromDer;

/** Parses one DER value that must span all of `bytes`. */
export function parseDer(bytes: Uint8Array): Asn1 {
  try {
    return fromDerWithOptions(Buffer.from(bytes).toString('binary'), { strict: true, decodeBitStrings: false, parseAllBytes: true, maxDepth: MAX_ASN1_DEPTH });
  } catch (e) {
    throw new DerError(`not valid DER: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function children(node: Asn1, what: string): Asn1[] {
  if (!Array.isArray(node.value)) throw new DerError(`${what}: expected a constructed value`);
  return node.value;
}

export function primitive(node: Asn1, what: string): string {
  if (typeof node.value !== 'string') throw new DerError(`${what}: expected a primitive value`);
  return node.value;
}

export function isUniversal(node: Asn1 | undefined, type: number): node is Asn1 {
  return node !== undefined && node.tagClass === 0 && node.type === type;
}

export function isContext(node: Asn1 | undefined, tag: number): node is Asn1 {
  return node !== undefined && node.tagClass === CONTEXT && node.type === tag;
}

export function expectUniversal(node: Asn1 | undefined, type: number, what: string): Asn1 {
  if (!isUniversal(node, type)) throw new DerError(`${what}: unexpected tag`);
  return node;
}

export function oid(node: Asn1 | undefined, what: string): string {
  return asn1.derToOid(primitive(expectUniversal(node, Tag.OID, what), what));
}

/** Dotted text of OID contents under any tag (registeredID is an implicitly tagged OID). */
export function oidContents(binary: string): string {
  return asn1.derToOid(binary);
}

export function binaryToBuffer(binary: string): Buffer {
  return Buffer.from(binary, 'binary');
}

export function hexOf(binary: string): string {
  return binaryToBuffer(binary).toString('hex');
}

/** INTEGER as lower-case hex without leading zero padding (as serial numbers are shown). */
export function integerHex(node: Asn1 | undefined, what: string): string {
  const hex = hexOf(primitive(expectUniversal(node, Tag.INTEGER, what), what));
  const trimmed = hex.replace(/^(00)+(?=[0-9a-f]{2})/, '');
  return trimmed === '' ? '00' : trimmed;
}

export function smallInteger(node: Asn1 | undefined, what: string): number {
  const bytes = binaryToBuffer(primitive(expectUniversal(node, Tag.INTEGER, what), what));
  if (bytes.length > 6) throw new DerError(`${what}: integer too large`);
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

/** UTCTime or GeneralizedTime to a Date. */
export function time(node: Asn1 | undefined, what: string): Date {
  if (isUniversal(node, Tag.UTCTIME)) return asn1.utcTimeToDate(primitive(node, what));
  if (isUniversal(node, Tag.GENERALIZEDTIME)) return asn1.generalizedTimeToDate(primitive(node, what));
  throw new DerError(`${what}: expected a time`);
}

/** Re-encodes a parsed node to DER (byte-exact for DER input: forge keeps primitive contents). */
export function toDer(node: Asn1): Buffer {
  return binaryToBuffer(asn1.toDer(node).getBytes());
}

/** BIT STRING contents without the leading unused-bits byte. */
export function bitStringBytes(node: Asn1 | undefined, what: string): Buffer {
  const raw = binaryToBuffer(primitive(expectUniversal(node, Tag.BITSTRING, what), what));
  if (raw.length === 0) throw new DerError(`${what}: empty BIT STRING`);
  return raw.subarray(1);
}

/** One DER TLV header: where its contents start and end. */
function tlv(bytes: Uint8Array, at: number, what: string): { tag: number; start: number; end: number } {
  if (at + 2 > bytes.length) throw new DerError(`${what}: truncated at byte ${at}`);
  const tag = bytes[at];
  let len = bytes[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > bytes.length) throw new DerError(`${what}: bad length at byte ${at + 1}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[start + i];
    start += n;
  }
  if (start + len > bytes.length) throw new DerError(`${what}: length ${len} runs past the end at byte ${at}`);
  return { tag, start, end: start + len };
}

/**
 * The subject Name of a certificate as DER, found by skipping TLV headers only (no full parse):
 * Certificate → tbsCertificate → [0] version? → serial → signature → issuer → validity → subject.
 * Used to index trust anchors cheaply.
 */
export function subjectNameDer(cert: Uint8Array): Buffer {
  const outer = tlv(cert, 0, 'Certificate');
  const tbs = tlv(cert, outer.start, 'tbsCertificate');
  let at = tbs.start;
  let field = tlv(cert, at, 'version/serial');
  if (field.tag === 0xa0) field = tlv(cert, (at = field.end), 'serialNumber');
  for (const what of ['signature', 'issuer', 'validity']) field = tlv(cert, (at = field.end), what);
  const subject = tlv(cert, (at = field.end), 'subject');
  if (subject.tag !== 0x30) throw new DerError(`subject: expected a SEQUENCE, found tag 0x${subject.tag.toString(16)}`);
  return Buffer.from(cert.subarray(at, subject.end));
}
