// What the capture layer hands to the decoder, and what `--save` writes / `replay` reads.

/** Who sent the bytes. Defined here, where bytes are first seen; the decoder re-exports it. */
export type Direction = 'client' | 'server';

/** One chunk of bytes as a socket read or write delivered it. */
export interface CaptureChunk {
  direction: Direction;
  /** Milliseconds since the capture started (high resolution). */
  timeMs: number;
  /** Offset of the chunk's first byte in its direction's stream. */
  offset: number;
  bytes: Uint8Array;
}

export interface CaptureTarget {
  /** What the user typed (host name or IP literal, without brackets); punycode for IDNs. */
  host: string;
  /** Unicode form of an internationalised host name, for display beside `host`. */
  unicodeHost?: string;
  port: number;
  /** SNI sent, if any (IP literals send none). */
  servername?: string;
  /** Resolved address actually connected to. */
  address?: string;
  family?: 4 | 6;
}

export interface CaptureTimings {
  dnsMs?: number;
  /** TCP three-way handshake as the socket saw it (connect() call to 'connect' event). */
  connectMs?: number;
  /** From the first ClientHello byte to the handshake's end ('secureConnect'). */
  tlsMs?: number;
  totalMs: number;
}

/** What Node's TLS stack said about the connection: used only for cross-checks and gaps. */
export interface NodeSummary {
  protocol?: string;
  cipher?: { name: string; standardName?: string; version?: string };
  alpn?: string;
  ephemeralKey?: { type: string; name?: string; size: number };
  /** Peer chain as DER hex, leaf first, as `getPeerCertificate(true)` reports it. */
  peerCertificates?: string[];
  authorized?: boolean;
  authorizationError?: string;
  ocspResponse?: string;
  sessionReused?: boolean;
}

export interface CaptureError {
  /** Stable machine code, e.g. `dns`, `refused`, `timeout`, `not-tls`, `alert`, `reset`. */
  code: string;
  message: string;
}

/**
 * A direction whose recording stopped at tls-trace's own per-direction capture cap: the first
 * `recordedBytes` are in `chunks`, the rest passed through unrecorded. A cap of tls-trace's, never
 * a fault of the peer's; the connection's outcome is decided as usual.
 */
export interface CaptureTruncation {
  direction: Direction;
  recordedBytes: number;
}

export interface Capture {
  format: 'tls-trace-capture';
  version: 1;
  target: CaptureTarget;
  /** ISO time the capture started. */
  startedAt: string;
  timings: CaptureTimings;
  /** The options the client was run with (versions, ciphers, groups, ALPN…), for the report. */
  options: Record<string, string | number | boolean | string[] | undefined>;
  chunks: CaptureChunk[];
  /** NSS key log lines Node emitted (empty unless the capture kept them). */
  keylog: string[];
  node?: NodeSummary;
  error?: CaptureError;
  /** Present when a direction was longer than the capture cap (see CaptureTruncation). */
  truncated?: CaptureTruncation[];
}
