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
  /**
   * Packet sources: the position in the file of the frame that carried it, so chunks of the two
   * directions with the same timestamp (coarse clocks) keep the wire's order when merged.
   */
  frame?: number;
}

export interface CaptureTarget {
  /** What the user typed (host name or IP literal, without brackets); punycode for IDNs. */
  host: string;
  /** Unicode form of an internationalised host name, for display beside `host`. */
  unicodeHost?: string;
  port: number;
  /** SNI sent, if any (IP literals send none). */
  servername?: string;
  /** Resolved address actually connected to (absent through a proxy: the proxy resolved the name). */
  address?: string;
  family?: 4 | 6;
  /** Where `--connect-to` sent the connection instead (SNI and certificate checks keep `host`). */
  connectTo?: { host: string; port: number };
  /** The address came from `--resolve`, not from a look-up. */
  pinned?: boolean;
  /** The HTTP proxy the connection was tunnelled through (CONNECT); it resolved the target's name. */
  proxy?: CaptureProxy;
}

/** The proxy of a tunnelled capture (never its credentials). */
export interface CaptureProxy {
  host: string;
  port: number;
  /** The proxy's address connected to. */
  address?: string;
  family?: 4 | 6;
  /** Credentials were sent (Proxy-Authorization: Basic). */
  auth?: boolean;
  /** The proxy's answer to CONNECT, when it gave one. */
  status?: number;
  reason?: string;
}

export interface CaptureTimings {
  dnsMs?: number;
  /** TCP three-way handshake as the socket saw it (connect() call to 'connect' event). */
  connectMs?: number;
  /** Through a proxy: from sending CONNECT to the end of the proxy's answer. */
  proxyMs?: number;
  /** The plaintext STARTTLS dialogue, from the TCP connect to the server's go-ahead. */
  starttlsMs?: number;
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

/**
 * Where a Capture came from. Each source fills the same shape so the decoder, decryption and
 * analysis run unchanged: `live` is the socket tap (src/capture/tap.ts), `file` a capture file
 * saved with `--save`, `pcap` one TCP connection found in a tcpdump/Wireshark file
 * (src/capture/pcap/). Every source sets it; a capture file does not store it (a file read back is `file`).
 */
export type CaptureSource = 'live' | 'file' | 'pcap';

/** TCP header flags of one packet, as names (`SYN`, `ACK`, `FIN`, `RST`, `PSH`, `URG`, `ECE`, `CWR`). */
export type TcpFlagName = 'FIN' | 'SYN' | 'RST' | 'PSH' | 'ACK' | 'URG' | 'ECE' | 'CWR';

/**
 * One TCP segment of a packet source, in capture order. Only packet sources (pcap) have these;
 * a socket never sees segments.
 */
/** The options of a SYN or SYN-ACK, as decoded (RFC 9293 3.2, RFC 7323, RFC 2018). */
export interface TcpSynOptions {
  /** Maximum segment size the sender accepts. */
  mss?: number;
  /** Window scale shift count: the peer multiplies this side's window field by 2^shift. */
  windowScale?: number;
  sackPermitted?: boolean;
  timestamps?: { value: number; echo: number };
  /** Kinds of the other options present (at most 8), e.g. 30 for MPTCP, 34 for TCP Fast Open. */
  otherKinds?: number[];
  /** An option's length did not fit: the options after it were not read. */
  malformed?: boolean;
}

export interface CapturePacket {
  /** The frame's number in the capture file, counting every frame (TLS or not) as tshark numbers them. */
  frame?: number;
  /** Milliseconds since the capture's `startedAt` (the connection's first packet). */
  timeMs: number;
  direction: Direction;
  flags: TcpFlagName[];
  /** Sequence and acknowledgement numbers relative to each side's initial sequence number. */
  seq: number;
  ack?: number;
  window: number;
  payloadLength: number;
  /**
   * Which bytes of its direction's stream (the offsets of `CaptureChunk.offset`) the payload
   * carries, when it carries any that were kept; a retransmission of bytes already kept has none.
   */
  stream?: { offset: number; length: number };
  /** What reassembly made of the segment, when it was not plain new data. */
  note?: 'retransmission' | 'overlap' | 'out-of-order' | 'after-gap';
  /** SYN and SYN-ACK: their options. */
  options?: TcpSynOptions;
}

/**
 * Bytes one side sent before TLS started (a STARTTLS dialogue, an HTTP CONNECT exchange, a PROXY
 * header), one entry per socket read or write (live) or per segment run (pcap), in order.
 */
export interface CapturePrologue {
  direction: Direction;
  timeMs: number;
  bytes: Uint8Array;
}

/** A hole in a direction's stream: bytes the capture did not contain (dropped by the capturer). */
export interface CaptureGap {
  direction: Direction;
  /** Stream offset where the missing bytes start (the bytes after it are not in `chunks`). */
  offset: number;
  length: number;
}

export interface Capture {
  format: 'tls-trace-capture';
  version: 1;
  target: CaptureTarget;
  /**
   * The client's end of the TCP connection (live: the socket's local address and port; pcap: the
   * client endpoint), when known. `--pcap` writes it into the frames.
   */
  client?: { address: string; port: number };
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
  /** Which source produced the capture (optional only for captures built by hand, e.g. in tests). */
  source?: CaptureSource;
  /** The TCP segments, for packet sources only. */
  packets?: CapturePacket[];
  /** Segments reassembled but not in `packets` (tls-trace's packet-list caps), when any were left out. */
  packetsOmitted?: number;
  /**
   * Live `--packets`: the capture file (pcap or pcapng) tcpdump or dumpcap wrote for this
   * connection, every frame as it was on the wire; read it with readPacketBytes (src/capture/pcap/index.ts).
   * Not written by `--save`.
   */
  packetFile?: Uint8Array;
  /** Plaintext sent before TLS started (live STARTTLS/CONNECT dialogues, pcap prologues, capture files). */
  prologue?: CapturePrologue[];
  /** Missing stream bytes, for packet sources only; decoding resumes at the next record boundary after each. */
  gaps?: CaptureGap[];
}
