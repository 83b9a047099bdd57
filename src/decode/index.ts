// The decoder's public face: a capture (or one direction's bytes) in, the typed wire model out.
// Pure: no I/O, no printing, never throws for bad input.

import type { Capture } from '../capture/types.js';
import type { DecodedTrace, TlsRecord } from './model.js';
import type { ByteSpace, Direction } from './types.js';
import type { HandshakeContext } from './context.js';
import { decodeChunks, type DecodeOptions } from './trace.js';
export type { DecodeOptions } from './trace.js';
import { recordCoverage, type CoverageReport } from './coverage.js';

export { decodeHandshakeMessage, decodeHandshakeMessages, handshakeTitles, HandshakeType } from './handshake.js';
export { updateContext, keyExchangeForm, type HandshakeContext } from './context.js';
export { detectNotTls, type NotTls } from './not-tls.js';
export { decodeSslv2ServerHello, SSL2_MT_SERVER_HELLO, type DecodedSslv2ServerHello, type Sslv2ServerHello } from './sslv2.js';
export { splitRecords, isWholeRecord, MAX_RECORD_LENGTH } from './record.js';
export { MAX_HANDSHAKE_MESSAGE, handshakeMessageCap } from './defragment.js';
import { handshakeMessageCap } from './defragment.js';
export { HELLO_RETRY_REQUEST_RANDOM, downgradeTail, clientRandomOfMessage, clientRandomOfRecord } from './messages/hello.js';
export { recordCoverage, recordLeafSpans, leafSpans, toStreamSpans, type CoverageReport, type LeafSpan, type Span } from './coverage.js';
export { bytesAsText } from './format.js';

/** Decodes every record and message of a capture, both directions in capture-time order. */
export function decodeCapture(capture: Capture): DecodedTrace {
  return decodeChunks(capture.chunks, {}, handshakeMessageCap(capture.source), capture.gaps ?? []);
}

/**
 * Decodes one direction's bytes on their own (e.g. a server's first flight in a scan). `ctx`
 * seeds what earlier messages would have told (version, suite); the ServerHello in the bytes
 * updates it as usual. `opts.itemise: false` skips the field trees (see DecodeOptions).
 */
export function decodeStream(direction: Direction, bytes: Uint8Array, ctx: HandshakeContext = {}, opts: DecodeOptions = {}): DecodedTrace {
  return decodeChunks([{ direction, timeMs: 0, offset: 0, bytes }], ctx, undefined, undefined, opts);
}

/**
 * The raw stream space of a direction (where record offsets point), or undefined when the trace
 * has none (a direction that sent nothing).
 */
export function findStreamSpace(trace: DecodedTrace, direction: Direction): ByteSpace | undefined {
  return trace.spaces.find((x) => x.id === direction) ?? trace.spaces.find((x) => x.direction === direction && !x.decrypted && x.segments.length <= 1);
}

/** The raw stream space of a direction in a trace; throws if there is none (a caller's bug). */
export function streamSpaceOf(trace: DecodedTrace, direction: Direction): ByteSpace {
  const s = findStreamSpace(trace, direction);
  if (!s) throw new Error(`trace has no ${direction} stream space`);
  return s;
}

/** Coverage of one record of a decoded trace (see coverage.ts). */
export function traceRecordCoverage(trace: DecodedTrace, record: TlsRecord): CoverageReport {
  return recordCoverage(record, trace.messages, streamSpaceOf(trace, record.direction));
}
