// The server's TLS 1.3 handshake flight under its handshake traffic secret (RFC 8446 §4, §5.2),
// opened record by record up to the record that holds its Finished. Two callers share it, so they
// number records and find message boundaries alike: check (src/check/server-flight.ts) feeds it
// the records a capture holds, the scan's hand-built handshake (src/scan/handshake13.ts) feeds it
// records as they arrive. Each caller keeps its own rules for what this cannot judge alone: which
// unprotected records may stand between the protected ones, what an alert or another content type
// means, and whether the flight must end at the Finished.

import { HANDSHAKE_HEADER } from '../decode/handshake.js';
import { ContentType, HS } from '../registry/index.js';
import { hashLength } from './hkdf.js';
import { openTls13Record, type DirectionKeys, type FailedRecord, type OpenedRecord } from './record-protection.js';
import type { SuiteCrypto } from './suites.js';
import { trafficKeys } from './tls13.js';

/** One whole handshake message in `FramedHandshake.bytes`, header included. */
export interface MessageSpan {
  type: number;
  start: number;
  end: number;
}

export interface FramedHandshake {
  /** The bytes framed: what was left over before, then the new bytes. */
  bytes: Uint8Array;
  messages: MessageSpan[];
  /** Bytes after the last whole message: the start of one still waiting for its next record. */
  rest: Uint8Array;
  /** The body length the message in `rest` declares, once its 4-byte header is in. */
  restDeclared?: number;
}

const EMPTY = new Uint8Array(0);

/** Frames `before` + `more` into whole handshake messages (RFC 8446 §4: type, 3-byte length, body). */
export function frameHandshake(before: Uint8Array, more: Uint8Array): FramedHandshake {
  const bytes = before.length === 0 ? more : more.length === 0 ? before : Buffer.concat([before, more]);
  const messages: MessageSpan[] = [];
  let at = 0;
  while (bytes.length - at >= HANDSHAKE_HEADER) {
    const declared = (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    const end = at + HANDSHAKE_HEADER + declared;
    if (end > bytes.length) return { bytes, messages, rest: bytes.subarray(at), restDeclared: declared };
    messages.push({ type: bytes[at], start: at, end });
    at = end;
  }
  return { bytes, messages, rest: bytes.subarray(at) };
}

/** A record opened (its content, and for handshake bytes the messages they complete) or why not. */
export type FlightRecord13 =
  | Pick<FailedRecord, 'ok' | 'reason'>
  | (Pick<OpenedRecord, 'ok' | 'contentType' | 'plaintext'> & {
      /** For a handshake record: its messages, framed with the bytes earlier records left over. */
      handshake?: FramedHandshake;
      /** The record completed the server's Finished. */
      finished: boolean;
    });

/** The server's protected handshake records, opened in order with its handshake traffic keys. */
export class ServerFlight13 {
  private seq = 0n;
  private rest: Uint8Array = EMPTY;

  private constructor(
    readonly suite: SuiteCrypto,
    private readonly keys: DirectionKeys,
  ) {}

  /** The opener for `secret` (server_handshake_traffic_secret); undefined when it is not as long as the suite's hash. */
  static fromSecret(suite: SuiteCrypto, secret: Uint8Array): ServerFlight13 | undefined {
    if (secret.length !== hashLength(suite.hash)) return undefined;
    return new ServerFlight13(suite, trafficKeys(suite.hash, secret, suite.keyLength, 12));
  }

  /** Protected records given so far, opened or not (each uses up a sequence number). */
  get records(): number {
    return Number(this.seq);
  }

  /** Opens the next protected record (`header` its 5 bytes, `body` the rest) and frames the handshake bytes in it. */
  open(header: Uint8Array, body: Uint8Array): FlightRecord13 {
    const opened = openTls13Record(this.suite, this.keys, this.seq++, header, body);
    if (!opened.ok) return { ok: false, reason: opened.reason };
    const { contentType, plaintext } = opened;
    if (contentType !== ContentType.handshake) return { ok: true, contentType, plaintext, finished: false };
    const handshake = frameHandshake(this.rest, plaintext);
    this.rest = handshake.rest;
    return { ok: true, contentType, plaintext, handshake, finished: handshake.messages.some((m) => m.type === HS.finished) };
  }
}
