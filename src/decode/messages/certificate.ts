// Certificate (RFC 5246 §7.4.2; RFC 8446 §4.4.2 with request context and per-entry extensions)
// and CertificateStatus (RFC 6066 §8).

import type { CertificateEntry, CertificateMessage, CertificateStatus, Extension } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { byteCount, fmt } from '../format.js';
import { decodeExtensions } from '../extensions/index.js';
import { MAX_CERTIFICATE_ENTRIES_KEPT } from '../../limits.js';

export function decodeCertificate(r: ByteReader, tls13: boolean): CertificateMessage {
  let requestContext: string | undefined;
  if (tls13) {
    const ctx = r.vector(1, 'certificate_request_context', 'Request context', {}, (v) => (v.done ? new Uint8Array() : v.rest('value', 'Context')));
    requestContext = ctx ? toHex(ctx) : '';
  }
  const entries: CertificateEntry[] = [];
  let omitted = 0;
  r.vector(3, 'certificate_list', 'Certificates', {}, (list) =>
    list.each((_, i) => {
      const offset = list.offset;
      let der = '';
      let extensions: Extension[] | undefined;
      list.group('certificate_entry', `Certificate ${i + 1}`, () => {
        list.vector(3, 'cert_data', 'Certificate (DER)', { min: 1 }, (c) => {
          const n = c.remaining;
          // Past the keep cap only the framing is checked: no hex copy of an entry that is not kept.
          if (n > 0 && entries.length >= MAX_CERTIFICATE_ENTRIES_KEPT) c.rest('der', 'DER');
          else if (n > 0) der = toHex(c.rest('der', 'DER', () => byteCount(n)));
        });
        if (tls13) extensions = decodeExtensions(list, 'certificate');
      });
      if (entries.length >= MAX_CERTIFICATE_ENTRIES_KEPT) {
        omitted++;
        return;
      }
      const entry: CertificateEntry = { der, offset, length: list.offset - offset };
      if (extensions) entry.extensions = extensions;
      entries.push(entry);
    }),
  );
  const out: CertificateMessage = { type: 'certificate', tls13, entries };
  if (omitted > 0) out.entriesOmitted = omitted;
  if (requestContext !== undefined) out.requestContext = requestContext;
  return out;
}

export function decodeCertificateStatus(r: ByteReader): CertificateStatus {
  const statusType = r.u8('status_type', 'Status type', fmt.statusType);
  let response = '';
  r.vector(3, 'ocsp_response', 'OCSP response', { min: 1 }, (v) => {
    const n = v.remaining;
    if (n > 0) response = toHex(v.rest('der', 'OCSPResponse (DER)', () => byteCount(n)));
  });
  return { type: 'certificate_status', statusType, response };
}
