// The wire model: what the decoders produce. Pure data, no behaviour; the report layer builds its
// own view model from these and never looks at bytes again.

import type { Direction } from '../capture/types.js';

/** Who sent the bytes (defined by the capture layer, where bytes come from). */
export type { Direction };

/**
 * Why a decoder stopped. `incomplete` means the bytes ran out before a length said they would
 * (more bytes could fix it); `malformed` means the bytes contradict the protocol; `limit` means
 * tls-trace reached one of its own caps (src/limits.ts) and says nothing about the bytes.
 */
export interface DecodeIssue {
  kind: 'incomplete' | 'malformed' | 'limit';
  /** Absolute offset (in the field's space) of the first offending byte. */
  offset: number;
  /** How many bytes the issue covers (0 when it is about missing bytes at `offset`). */
  length: number;
  reason: string;
  expected?: string;
  actual?: string;
}

/** A scalar value carried by a field; code points stay numbers, names live in `display`. */
export type FieldValue = number | string | boolean;

/**
 * One labelled span of bytes. Offsets are absolute indexes into the byte space the message was
 * decoded from (see `ByteSpace`); for a message that lies inside one record that is the
 * direction's captured stream itself.
 */
export interface Field {
  /** Machine name, stable for JSON: `cipher_suites`, `random`, `length`. */
  name: string;
  /** Human label: `Cipher suites`. */
  label: string;
  offset: number;
  length: number;
  value?: FieldValue;
  /** Formatted value, e.g. `TLS_AES_128_GCM_SHA256 (0x1301)` or `GREASE (0x0a0a)`. */
  display?: string;
  children?: Field[];
  /** Set when this span could not be decoded; children hold what was decoded before it. */
  issue?: DecodeIssue;
}

/**
 * Where a byte space's bytes came from. A direction's stream maps to itself; a handshake message
 * reassembled from several records or a decrypted record body maps piecewise back to the stream.
 */
export interface ByteSpace {
  /** `client`, `server` for the raw streams; `client/hs#3`, `server/plain#7` for derived ones. */
  id: string;
  direction: Direction;
  bytes: Uint8Array;
  /** Pieces of this space and where each lies in the direction's captured stream. Empty for a
   * space that is not a copy of stream bytes (decrypted plaintext). */
  segments: Array<{ at: number; streamOffset: number; length: number }>;
  /** True when the bytes are decrypted plaintext rather than captured bytes. */
  decrypted?: boolean;
}
