// The messages that prove who is at the other end: Certificate, the stapled OCSP status,
// CertificateRequest and CertificateVerify.

import { codePoint } from '../../analyse/code-point.js';
import type { CertificateMessage, CertificateRequest, CertificateStatus, CertificateVerify, CompressedCertificate } from '../../decode/model.js';
import { certificateCompressionAlgorithms, certificateStatusTypes, clientCertificateTypes, label, signatureSchemes } from '../../registry/index.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../../limits.js';
import { bytesOf, codesOf, counted, names, notShown } from '../words.js';
import type { Describer } from './describer.js';

export const describeCertificate: Describer<CertificateMessage> = (body, { step, add }) => {
  // Entries past the decoder's keep cap are counted, not kept (entriesOmitted).
  const total = body.entries.length + (body.entriesOmitted ?? 0);
  add('certificates', String(total));
  const certs = step.certificates ?? [];
  // A legal message can carry 65,000 one-byte entries: show the head and say what was left out.
  const shown = certs.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE);
  for (const [i, c] of shown.entries()) {
    add(`  #${i + 1}`, c.error ? `unreadable: ${c.error}` : `${c.subject}${c.key ? ` (${c.key})` : ''}`);
  }
  if (total > shown.length && shown.length > 0) add('  …', notShown(total - shown.length));
  const empty = body.entries.length === 0;
  if (step.direction === 'client') {
    return empty
      ? 'The server asked for a client certificate; the client has none to offer and sends an empty list. The server decides whether to go on.'
      : "The client's certificate chain, sent because the server asked for one.";
  }
  return empty
    ? 'An empty certificate list.'
    : "The server's certificate chain. The first certificate carries the server's public key; the client checks the chain up to a trusted root and that it names the host.";
};

/** RFC 8879: the algorithm and sizes, then the decompressed chain as a Certificate is shown. */
export const describeCompressedCertificate: Describer<CompressedCertificate> = (body, ctx) => {
  const { add } = ctx;
  add('algorithm', label(certificateCompressionAlgorithms, body.algorithm), [codePoint(certificateCompressionAlgorithms, body.algorithm)]);
  add('compressed', `${body.compressedLength} bytes`);
  add('uncompressed length', `${body.uncompressedLength} bytes`);
  const what = 'The certificate chain, compressed (RFC 8879) with an algorithm the peer offered in compress_certificate.';
  if (!body.certificate) {
    add('not decompressed', body.notDecompressed ?? 'no compressed bytes');
    return `${what} tls-trace could not decompress it, so the chain inside is not shown.`;
  }
  return `${what} Decompressed: ${describeCertificate(body.certificate, ctx)}`;
};

export const describeCertificateStatus: Describer<CertificateStatus> = (body, { add }) => {
  add('status type', label(certificateStatusTypes, body.statusType, 1), [codePoint(certificateStatusTypes, body.statusType, 1)]);
  add('OCSP response', `${bytesOf(body.response)} bytes`);
  return "A stapled OCSP response: the CA's signed statement that the certificate is not revoked, so the client need not ask the CA itself.";
};

export const describeCertificateRequest: Describer<CertificateRequest> = (body, { add }) => {
  if (body.certificateTypes) {
    add('certificate types', names(body.certificateTypes, clientCertificateTypes, 1), codesOf(clientCertificateTypes, body.certificateTypes, 1));
  }
  add('signature schemes', counted(body.signatureSchemes, signatureSchemes, 'scheme'), codesOf(signatureSchemes, body.signatureSchemes));
  add('acceptable CAs', String(body.authorities.length));
  return 'The server asks the client to authenticate with a certificate of its own.';
};

export const describeCertificateVerify: Describer<CertificateVerify> = (body, { step, add }) => {
  if (body.signatureScheme !== undefined) add('signature scheme', label(signatureSchemes, body.signatureScheme), [codePoint(signatureSchemes, body.signatureScheme)]);
  else add('signature form', 'TLS 1.0/1.1: RSA over MD5 + SHA-1, ECDSA over SHA-1 (no scheme field)');
  add('signature', `${bytesOf(body.signature)} bytes`);
  return step.direction === 'server'
    ? "The server signs the handshake transcript with its certificate's private key, proving it holds that key."
    : "The client signs the handshake transcript with its certificate's private key, proving it holds that key.";
};
