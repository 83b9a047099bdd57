// CertificateRequest (RFC 5246 §7.4.4 with the TLS 1.2 signature list; RFC 8446 §4.3.2).

import type { CertificateRequest } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import { TLS12, type HandshakeContext } from '../context.js';
import { decodeExtensions } from '../extensions/index.js';

export function decodeCertificateRequest(r: ByteReader, ctx: HandshakeContext, tls13: boolean): CertificateRequest {
  if (tls13) {
    const c = r.vector(1, 'certificate_request_context', 'Request context', {}, (v) => (v.done ? new Uint8Array() : v.rest('value', 'Context')));
    const extensions = decodeExtensions(r, 'certificate_request', 2);
    let signatureSchemes: number[] = [];
    let authorities: string[] = [];
    for (const e of extensions) {
      if (e.info?.kind === 'signature_algorithms') signatureSchemes = e.info.schemes;
      if (e.info?.kind === 'certificate_authorities') authorities = e.info.authorities;
    }
    return { type: 'certificate_request', tls13, requestContext: c ? toHex(c) : '', signatureSchemes, authorities, extensions };
  }
  const certificateTypes =
    r.vector(1, 'certificate_types', 'Certificate types', { min: 1 }, (v) => v.each(() => v.u8('certificate_type', 'Type', fmt.clientCertType))) ?? [];
  let signatureSchemes: number[] = [];
  // TLS 1.0/1.1 have no signature list; an unknown version is read as 1.2 (the common case).
  if (ctx.version === undefined || ctx.version >= TLS12) {
    signatureSchemes =
      r.vector(2, 'supported_signature_algorithms', 'Signature schemes', { min: 2, max: 0xfffe, multipleOf: 2 }, (v) =>
        v.each(() => v.u16('signature_scheme', 'Signature scheme', fmt.scheme)),
      ) ?? [];
  }
  const authorities =
    r.vector(2, 'certificate_authorities', 'Certificate authorities', {}, (v) =>
      v.each(() => v.vector(2, 'distinguished_name', 'Distinguished name', { min: 1 }, (d) => (d.done ? '' : toHex(d.rest('der', 'Name (DER)')))) ?? ''),
    ) ?? [];
  return { type: 'certificate_request', tls13, certificateTypes, signatureSchemes, authorities };
}
