// The extensions block (RFC 8446 §4.2): each extension's type and length as fields, the body
// decoded by a per-type decoder into `Extension.info` and labelled fields. Unknown and GREASE
// types keep their raw body. A duplicate type is flagged on the later copy.

import type { Extension, ExtensionInfo } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { firstIssue } from '../fields.js';
import { byteCount, fmt } from '../format.js';
import { extensionTypes, isGrease16 } from '../../registry/index.js';
import { alpn, serverName } from './names.js';
import { compressCertificate, ecPointFormats, pskKeyExchangeModes, signatureAlgorithms, supportedGroups, supportedVersions } from './lists.js';
import { keyShare } from './key-share.js';
import { earlyData, preSharedKey } from './psk.js';
import { signedCertificateTimestamp, statusRequest } from './status.js';
import { cookie, empty, heartbeat, maxFragmentLength, padding, recordSizeLimit, renegotiationInfo, sessionTicket } from './simple.js';
import { encryptedClientHello } from './ech.js';
import type { ExtensionWhere } from './where.js';

export type { ExtensionWhere } from './where.js';

type BodyDecoder = (r: ByteReader, where: ExtensionWhere) => ExtensionInfo | undefined;

function certificateAuthorities(r: ByteReader): ExtensionInfo {
  const authorities =
    r.vector(2, 'authorities', 'Certificate authorities', { min: 3 }, (v) =>
      v.each(() => v.vector(2, 'distinguished_name', 'Distinguished name', { min: 1 }, (d) => (d.done ? '' : toHex(d.rest('der', 'Name (DER)')))) ?? ''),
    ) ?? [];
  return { kind: 'certificate_authorities', authorities };
}

function rawBody(r: ByteReader): undefined {
  const n = r.remaining;
  if (n > 0) r.rest('data', 'Extension data', () => byteCount(n));
  return undefined;
}

// Keyed by IANA code point (names in the comments and in the extension registry).
const decoders = new Map<number, BodyDecoder>([
  [0, serverName], // server_name
  [1, maxFragmentLength], // max_fragment_length
  [5, statusRequest], // status_request
  [10, supportedGroups], // supported_groups
  [11, ecPointFormats], // ec_point_formats
  [13, (r) => signatureAlgorithms(r, 'signature_algorithms')],
  [15, heartbeat],
  [16, alpn], // application_layer_protocol_negotiation
  [18, signedCertificateTimestamp],
  [21, padding],
  [22, empty('encrypt_then_mac')],
  [23, empty('extended_master_secret')],
  [27, compressCertificate], // compress_certificate
  [28, recordSizeLimit],
  [35, sessionTicket], // session_ticket
  [41, preSharedKey],
  [42, earlyData],
  [43, supportedVersions],
  [44, cookie],
  [45, pskKeyExchangeModes],
  [47, certificateAuthorities],
  [49, empty('post_handshake_auth')],
  [50, (r) => signatureAlgorithms(r, 'signature_algorithms_cert')],
  [51, keyShare],
  [0xfe0d, encryptedClientHello],
  [0xff01, renegotiationInfo], // renegotiation_info
]);

/** One extension at the reader's cursor. */
export function decodeExtension(r: ByteReader, where: ExtensionWhere): Extension {
  const offset = r.offset;
  const type = r.peekU16();
  const grease = isGrease16(type);
  let info: ExtensionInfo | undefined;
  let bodyStart = offset + 4;
  r.group('extension', `Extension: ${fmt.extension(type)}`, () => {
    r.u16('extension_type', 'Extension type', fmt.extension);
    bodyStart = r.offset + 2;
    r.vector(2, 'extension_data', 'Extension data', {}, (b) => {
      const decode = grease ? rawBody : (decoders.get(type) ?? rawBody);
      info = decode(b, where);
    });
  });
  const field = r.lastField!; // the group's field, built even past the field budget
  const end = field.offset + field.length;
  if (grease) info = { kind: 'grease' };
  // Registered types we do not decode keep only `data`; unregistered ones are marked unknown.
  else if (!decoders.has(type) && !extensionTypes.has(type)) info = { kind: 'unknown' };
  return {
    type,
    offset,
    length: field.length,
    data: toHex(r.bytes.subarray(Math.min(bodyStart, end), end)),
    info,
    issue: firstIssue([field]),
  };
}

/**
 * The extensions vector of a hello / EncryptedExtensions / CertificateEntry / CertificateRequest /
 * NewSessionTicket. `min` is the RFC lower bound for that message.
 */
export function decodeExtensions(r: ByteReader, where: ExtensionWhere, min = 0): Extension[] {
  const out: Extension[] = [];
  r.vector(2, 'extensions', 'Extensions', { min }, (v) => {
    const seen = new Set<number>();
    v.each(() => {
      const ext = decodeExtension(v, where);
      if (seen.has(ext.type)) {
        // RFC 8446 §4.2: no more than one extension of each type per block.
        const issue = {
          kind: 'malformed' as const,
          offset: ext.offset,
          length: 2,
          reason: `duplicate extension ${fmt.extension(ext.type)}`,
        };
        v.flag(v.lastField!, issue); // the extension's group field, kept or not (past the field budget)
        ext.issue ??= issue;
      }
      seen.add(ext.type);
      out.push(ext);
    });
  });
  return out;
}
