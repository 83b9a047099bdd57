// Typed wire model of records and messages. Every decoded thing keeps its byte position and its
// labelled field tree (`fields`) beside the typed values the analysis reads. Byte strings are
// lower-case hex so the model serialises to JSON unchanged. Code points stay numbers; names come
// from src/registry.

import type { ByteSpace, DecodeIssue, Direction, Field } from './types.js';
import type { HandshakeBody } from './bodies.js';
import type { DecodedSct } from './sct.js';

/** The handshake message bodies live in bodies.ts; importers keep reading them from here. */
export * from './bodies.js';

/** Record content types by IANA name (the registry's table). */
export { ContentType } from '../registry/index.js';

/** One TLS record as it appeared in a direction's stream. */
export interface TlsRecord {
  /** Position among all records of the capture, in capture order (both directions). */
  index: number;
  direction: Direction;
  /** Offset of the 5-byte header in the direction's stream. */
  offset: number;
  /** Header plus body as far as captured. */
  length: number;
  contentType: number;
  legacyVersion: number;
  /** Length the header declares. */
  declaredLength: number;
  bodyOffset: number;
  /** Body bytes actually present (less than declared when the capture ends inside it). */
  bodyLength: number;
  /** Capture time (ms since start) of the chunk holding the record's first byte. */
  timeMs: number;
  /** Set when the record is protected (after ChangeCipherSpec, or TLS 1.3 application_data). */
  encrypted: boolean;
  /** Header fields (content type, version, length) and, for unparsed bodies, a body field. */
  fields: Field[];
  issue?: DecodeIssue;
  /** The first record after missing bytes: records may have been lost, so its sequence number is unknown. */
  afterGap?: boolean;
}

export interface Extension {
  type: number;
  /** Offset of the 2-byte type in the message's space; length covers type, length and body. */
  offset: number;
  length: number;
  /** Body bytes (without type and length). */
  data: string;
  info?: ExtensionInfo;
  issue?: DecodeIssue;
}

/** Decoded extension bodies that analysis relies on; other extensions keep only `data`. */
export type ExtensionInfo =
  | { kind: 'server_name'; names: string[] }
  | { kind: 'supported_groups'; groups: number[] }
  | { kind: 'ec_point_formats'; formats: number[] }
  | { kind: 'signature_algorithms'; schemes: number[] }
  | { kind: 'signature_algorithms_cert'; schemes: number[] }
  | { kind: 'alpn'; protocols: string[] }
  | { kind: 'status_request'; statusType?: number; /** TLS 1.3 certificate entry: the stapled OCSPResponse (DER hex). */ ocspResponse?: string }
  /** RFC 6962 §3.3: the client's empty request, or the server's list (each SCT decoded, offsets in the message's space). */
  | { kind: 'signed_certificate_timestamp'; count?: number; scts?: DecodedSct[] }
  | { kind: 'extended_master_secret' }
  | { kind: 'encrypt_then_mac' }
  | { kind: 'session_ticket'; ticketLength: number }
  | { kind: 'supported_versions'; versions: number[] }
  | { kind: 'supported_versions_selected'; version: number }
  | { kind: 'psk_key_exchange_modes'; modes: number[] }
  | { kind: 'key_share'; shares: Array<{ group: number; keyExchange: string }> }
  | { kind: 'key_share_selected'; group: number; keyExchange?: string }
  | { kind: 'pre_shared_key'; identities?: number; selected?: number }
  | { kind: 'early_data'; maxEarlyDataSize?: number }
  | { kind: 'cookie'; cookieLength: number }
  | { kind: 'renegotiation_info'; renegotiatedConnection: string }
  | { kind: 'record_size_limit'; limit: number }
  /** RFC 6520 §2: 1 peer_allowed_to_send, 2 peer_not_allowed_to_send. */
  | { kind: 'heartbeat'; mode: number }
  | { kind: 'padding'; length: number }
  | { kind: 'compress_certificate'; algorithms: number[] }
  | { kind: 'post_handshake_auth' }
  | { kind: 'encrypted_client_hello'; echType: number; configId?: number; encLength?: number; payloadLength?: number }
  /** TLS 1.3 CertificateRequest / ClientHello: acceptable CAs as DER DistinguishedNames (hex). */
  | { kind: 'certificate_authorities'; authorities: string[] }
  | { kind: 'grease' }
  | { kind: 'unknown' };

/** What every kind of message has: where its bytes are and when they arrived. */
export interface MessageBase {
  direction: Direction;
  /** The byte space the message's fields index into. */
  space: ByteSpace;
  /** Offset and length of the whole message in `space`. */
  offset: number;
  length: number;
  /** Records that carried the message's bytes. */
  records: number[];
  timeMs: number;
  fields: Field[];
  issue?: DecodeIssue;
}

export interface HandshakeMessage extends MessageBase {
  kind: 'handshake';
  msgType: number;
  /** Length the handshake header declares (body only). */
  declaredLength: number;
  /** The decoded body; absent when decoding stopped before anything typed was known. */
  body?: HandshakeBody;
  /** Whole message bytes (header and body) as hex, for transcript hashing. */
  raw: string;
  /** A message carried inside this one's body in another form (the decompressed Certificate of a
   * CompressedCertificate): its fields index its own space. */
  nested?: NestedMessage;
}

/** A message decoded from bytes derived from another message's body (decompressed). */
export interface NestedMessage {
  space: ByteSpace;
  /** `Certificate (decompressed)`. */
  title: string;
  fields: Field[];
  issue?: DecodeIssue;
}


export interface ChangeCipherSpecMessage extends MessageBase {
  kind: 'change_cipher_spec';
  /** TLS 1.3 middlebox-compatibility CCS (RFC 8446 §D.4) rather than a real key switch. */
  compatibility: boolean;
}

export interface AlertMessage extends MessageBase {
  kind: 'alert';
  level: number;
  description: number;
}

/** A protected record we could not (or did not) decrypt. */
export interface EncryptedMessage extends MessageBase {
  kind: 'encrypted';
  /** Outer content type of the record (23 in TLS 1.3, the real type in TLS 1.2). */
  contentType: number;
  /** What the record most likely holds, judged from its position and size (the view words it). */
  guess?: ProtectedGuess;
}

/** A TLS 1.3 handshake message that travels encrypted in the first flights. */
export type FlightMessageName = 'EncryptedExtensions' | 'CertificateRequest' | 'Certificate' | 'CertificateVerify';

/**
 * The decoder's guess at a protected record it could not open: a typed value, so the view words it
 * and every reader branches on `kind` rather than on text.
 */
export type ProtectedGuess =
  | { kind: 'finished' }
  | { kind: 'early-data' }
  | { kind: 'early-or-application-data' }
  | { kind: 'application-data' }
  | { kind: 'alert' }
  /** A second protected handshake record in TLS 1.2: most likely renegotiation. */
  | { kind: 'renegotiation' }
  /** A TLS 1.3 server record after its Finished. */
  | { kind: 'ticket-or-application-data' }
  /** A protected heartbeat record (content type 24, RFC 6520). */
  | { kind: 'heartbeat' }
  /** A TLS 1.3 client record before its Finished: client authentication. */
  | { kind: 'client-auth' }
  /** Part of a TLS 1.3 encrypted flight; `message` once the flight's shape tells which. */
  | { kind: 'flight-message'; message?: FlightMessageName };

/** A heartbeat record's HeartbeatMessage (RFC 6520 §4), in the clear or decrypted. */
export interface HeartbeatMessage extends MessageBase {
  kind: 'heartbeat';
  /** 1 heartbeat_request, 2 heartbeat_response; -1 when the record was too short for it. */
  heartbeatType: number;
  /** As declared (may be more than the record holds: see `heartbleed`). */
  payloadLength: number;
  /** The first bytes of the payload present, hex. */
  payload: string;
  paddingLength: number;
  /** payload_length + 3 + 16 exceeds the record: the Heartbleed over-read pattern. */
  heartbleed?: boolean;
}

export interface ApplicationDataMessage extends MessageBase {
  kind: 'application_data';
}

/** A record of a content type we do not know, or bytes that are not TLS at all. */
export interface OpaqueMessage extends MessageBase {
  kind: 'opaque';
  reason: string;
  /** The span is undecoded because tls-trace hit one of its own caps, not because of the bytes. */
  cap?: boolean;
  /**
   * A zero-length marker where the capture lacks bytes of this direction (a packet capture's
   * gap): how many, from which stream offset, and where decoding resumed (capture stream offsets).
   */
  missing?: { streamOffset: number; length: number; resumedAt?: number };
}

/** Where tls-trace stopped decoding a direction at one of its caps (src/limits.ts). */
export interface DecodeCap {
  direction: Direction;
  cap: 'records' | 'messages';
  /** The cap's value. */
  limit: number;
  /** Stream offset where the undecoded rest starts, and its length. */
  offset: number;
  length: number;
  /** Capture time of the first undecoded byte: messages from then on may miss what it held. */
  timeMs: number;
  /** `tls-trace stopped decoding the server's bytes after 16384 records (its record cap)`. */
  said: string;
}

export type Message =
  | HandshakeMessage
  | ChangeCipherSpecMessage
  | AlertMessage
  | EncryptedMessage
  | ApplicationDataMessage
  | HeartbeatMessage
  | OpaqueMessage;

/** Everything the decoder found in a capture, both directions interleaved in time order. */
export interface DecodedTrace {
  records: TlsRecord[];
  messages: Message[];
  /** Byte spaces referenced by messages: the two raw streams plus derived ones. */
  spaces: ByteSpace[];
  /** Problems not tied to one message (e.g. the server's first bytes are HTTP, not TLS). */
  issues: Array<DecodeIssue & { direction: Direction }>;
  /** What the bytes look like if they are not TLS (`http`, `ssh`, `smtp`, …). */
  notTls?: { direction: Direction; protocol: string; firstLine: string };
  /** Directions whose decoding stopped at a cap; absent when everything was decoded. */
  caps?: DecodeCap[];
}
