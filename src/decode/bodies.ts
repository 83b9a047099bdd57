// Typed handshake message bodies (the `body` of a HandshakeMessage), one interface per message,
// split from model.ts, which re-exports them. Code points stay numbers; byte strings are hex.

import type { Extension } from './model.js';

export interface ClientHello {
  type: 'client_hello';
  legacyVersion: number;
  random: string;
  sessionId: string;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: Extension[];
  /** Sent in the SSL 2.0-compatible format (RFC 5246 E.2): its 24-bit cipher specs, of which the
   * {0x00, suite} ones are `cipherSuites`; no compression list or extensions on the wire. */
  sslv2?: { cipherSpecs: number[] };
}

export interface ServerHello {
  type: 'server_hello';
  legacyVersion: number;
  random: string;
  sessionId: string;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[];
  /** ServerHello whose random is the RFC 8446 §4.1.3 HelloRetryRequest value. */
  helloRetryRequest: boolean;
  /** RFC 8446 §4.1.3 downgrade sentinel in the last 8 bytes of the random. */
  downgradeSentinel?: 'tls12' | 'tls11';
  /** Sent in the layout of TLS 1.3 drafts before -22 (this draft number): no session id and no
   * compression method on the wire (`sessionId` is empty, `compressionMethod` the implicit null). */
  draftLayout?: number;
}

export interface CertificateEntry {
  /** DER of the certificate. */
  der: string;
  /** Offset of the entry (its 3-byte length prefix) in the message's space; `length` covers the
   * prefix, the DER and (TLS 1.3) the entry's extensions. */
  offset: number;
  length: number;
  /** TLS 1.3 per-certificate extensions (status_request, SCTs). */
  extensions?: Extension[];
}

export interface CertificateMessage {
  type: 'certificate';
  /** TLS 1.3 form (with request context and per-entry extensions). */
  tls13: boolean;
  requestContext?: string;
  /** The first MAX_CERTIFICATE_ENTRIES_KEPT entries (every entry is still read and checked). */
  entries: CertificateEntry[];
  /** Entries read but not kept, past MAX_CERTIFICATE_ENTRIES_KEPT (tls-trace's own cap). */
  entriesOmitted?: number;
}

/** RFC 8879 CompressedCertificate: the compressed form, and the Certificate inside once decompressed. */
export interface CompressedCertificate {
  type: 'compressed_certificate';
  /** CertificateCompressionAlgorithm (1 zlib, 2 brotli, 3 zstd). */
  algorithm: number;
  uncompressedLength: number;
  compressedLength: number;
  /** The decompressed Certificate body; its offsets index the nested space (`HandshakeMessage.nested`). */
  certificate?: CertificateMessage;
  /** Why the certificate was not decompressed (no zstd in this Node, a cap, bad data). */
  notDecompressed?: string;
}

export interface CertificateStatus {
  type: 'certificate_status';
  statusType: number;
  /** DER OCSPResponse. */
  response: string;
}

export interface ServerKeyExchange {
  type: 'server_key_exchange';
  /** Which shape the body was decoded as (it depends on the negotiated suite). */
  form: 'ecdhe' | 'dhe' | 'psk' | 'unknown';
  curveType?: number;
  namedGroup?: number;
  publicKey?: string;
  dh?: { pBits: number; gBits: number; ysBits: number; p: string; g: string; ys: string };
  /** TLS 1.2 SignatureAndHashAlgorithm as a 16-bit scheme; absent for TLS 1.0/1.1. */
  signatureScheme?: number;
  signature?: string;
  /** The bytes the signature covers after the two randoms (the params), for verification. */
  params?: string;
}

export interface CertificateRequest {
  type: 'certificate_request';
  tls13: boolean;
  requestContext?: string;
  certificateTypes?: number[];
  signatureSchemes: number[];
  /** Distinguished names as DER hex. */
  authorities: string[];
  extensions?: Extension[];
}

export interface ServerHelloDone {
  type: 'server_hello_done';
}

export interface ClientKeyExchange {
  type: 'client_key_exchange';
  form: 'ecdhe' | 'dhe' | 'rsa' | 'unknown';
  /** Client's ECDHE point, DH Yc, or RSA-encrypted pre-master secret. */
  exchange: string;
}

export interface CertificateVerify {
  type: 'certificate_verify';
  /** TLS 1.2 and 1.3 name the scheme; TLS 1.0/1.1 do not (RSA signs MD5 ‖ SHA-1, ECDSA SHA-1). */
  signatureScheme?: number;
  signature: string;
}

export interface Finished {
  type: 'finished';
  verifyData: string;
}

export interface NewSessionTicket {
  type: 'new_session_ticket';
  lifetime: number;
  ageAdd?: number;
  nonce?: string;
  ticket: string;
  extensions?: Extension[];
}

export interface EncryptedExtensions {
  type: 'encrypted_extensions';
  extensions: Extension[];
}

export interface KeyUpdate {
  type: 'key_update';
  requestUpdate: number;
}

export interface EndOfEarlyData {
  type: 'end_of_early_data';
}

export interface HelloRequest {
  type: 'hello_request';
}

export interface UnknownHandshake {
  type: 'unknown';
  body: string;
}

export type HandshakeBody =
  | HelloRequest
  | ClientHello
  | ServerHello
  | NewSessionTicket
  | EndOfEarlyData
  | EncryptedExtensions
  | CertificateMessage
  | CompressedCertificate
  | ServerKeyExchange
  | CertificateRequest
  | ServerHelloDone
  | CertificateVerify
  | ClientKeyExchange
  | Finished
  | CertificateStatus
  | KeyUpdate
  | UnknownHandshake;

/** The Certificate a handshake body carries: itself, or the decompressed one of a CompressedCertificate. */
export function certificateOf(body: HandshakeBody | undefined): CertificateMessage | undefined {
  if (body?.type === 'certificate') return body;
  if (body?.type === 'compressed_certificate') return body.certificate;
  return undefined;
}
