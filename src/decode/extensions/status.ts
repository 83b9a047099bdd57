// status_request (RFC 6066 §8, RFC 8446 §4.4.2.1) and signed_certificate_timestamp (RFC 6962 §3.3).

import type { ExtensionInfo } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import type { ExtensionWhere } from './where.js';
import { readSctList } from '../sct.js';

export function statusRequest(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  // ServerHello / EncryptedExtensions acknowledge with an empty body.
  if (r.done && where !== 'client_hello' && where !== 'certificate_request') return { kind: 'status_request' };
  const statusType = r.u8('status_type', 'Status type', fmt.statusType);
  if (where === 'certificate') {
    // TLS 1.3: the stapled CertificateStatus itself.
    const der = r.vector(3, 'ocsp_response', 'OCSP response', { min: 1 }, (v) => (v.done ? undefined : v.rest('der', 'OCSPResponse (DER)')));
    return der && der.length > 0 ? { kind: 'status_request', statusType, ocspResponse: toHex(der) } : { kind: 'status_request', statusType };
  }
  if (statusType === 1) {
    r.vector(2, 'responder_id_list', 'Responder IDs', {}, (v) =>
      v.each(() => v.vector(2, 'responder_id', 'Responder ID', { min: 1 }, (i) => (i.done ? undefined : i.rest('der', 'ResponderID (DER)')))),
    );
    r.vector(2, 'request_extensions', 'Request extensions', {}, (v) => (v.done ? undefined : v.rest('der', 'Extensions (DER)')));
  } else if (!r.done) {
    r.rest('request', 'Request (unknown status type)');
  }
  return { kind: 'status_request', statusType };
}

export function signedCertificateTimestamp(r: ByteReader): ExtensionInfo {
  // The client asks with an empty body; server and certificate entries carry the list.
  if (r.done) return { kind: 'signed_certificate_timestamp' };
  const scts = readSctList(r);
  return { kind: 'signed_certificate_timestamp', count: scts.length, scts };
}
