// check's certificates from the server's first flight alone. The trace pipeline (decodeAndDecrypt)
// decodes both directions field by field, derives every key in the key log and opens every record:
// about a sixth of check's CPU per target, most of it for bytes a verdict never reads (the
// ClientHello, the client's Finished, the application keys). Here only the server's plaintext
// handshake (ServerHello; in TLS 1.2 also Certificate and CertificateStatus) and, in TLS 1.3, the
// records under the server's handshake traffic secret are decoded, with decode's own message
// decoders, and chainFromMessages picks from them exactly as chainFromTrace does from the trace.
//
// It runs only on a handshake Node accepted, whose server flight has the shape RFC 8446 §4 and RFC
// 5246 §7.3 give it. Any other shape (a HelloRetryRequest, a record or message it does not expect,
// a message past decode's caps, a record that does not open, bytes after the server's Finished) is
// not judged here: the answer is undefined and the caller runs the whole pipeline, so the chain
// never differs from the one the trace shows (test/check/server-flight.test.ts compares them).

import type { Capture } from '../capture/types.js';
import { chainFromMessages, type CapturedChain } from '../analyse/chain/from-capture.js';
import { TLS13, updateContext, type HandshakeContext } from '../decode/context.js';
import { handshakeMessageCap } from '../decode/defragment.js';
import { decodeHandshakeMessage, HANDSHAKE_HEADER } from '../decode/handshake.js';
import type { HandshakeMessage } from '../decode/model.js';
import type { ByteSpace } from '../decode/types.js';
import { splitRecords } from '../decode/record.js';
import { KeyLogLabel, secretForFirstHello } from '../decrypt/keylog.js';
import { frameHandshake, ServerFlight13, type FramedHandshake } from '../decrypt/server-flight13.js';
import { isSupported, suiteCrypto, tls13SuiteCrypto } from '../decrypt/suites.js';
import { ContentType, HS } from '../registry/index.js';
import { MAX_FIELDS_PER_DIRECTION } from '../limits.js';

/** A server flight with more messages than this is not the usual one: the pipeline takes it (and applies its message caps). */
const MAX_FLIGHT_MESSAGES = 32;
/** A TLS 1.2 Finished: 4-byte header and 12 bytes of verify_data (RFC 5246 §7.4.9). */
const TLS12_FINISHED = HANDSHAKE_HEADER + 12;

interface RawRecord {
  type: number;
  header: Uint8Array;
  body: Uint8Array;
}

/** What a flight decodes to: the chain, or `undefined` when the pipeline must decide. */
export function chainFromServerFlight(capture: Capture): Omit<CapturedChain, 'source'> | undefined {
  const records = serverRecords(capture);
  if (!records) return undefined;
  const cap = handshakeMessageCap(capture.source);
  // The plaintext handshake runs up to the first ChangeCipherSpec or protected record.
  let plainEnd = 0;
  while (plainEnd < records.length && records[plainEnd].type === ContentType.handshake) plainEnd++;
  const plain = newFlight({});
  const framed = frameHandshake(EMPTY, concat(records.slice(0, plainEnd).map((r) => r.body)));
  if (framed.rest.length > 0 || !addToFlight(plain, framed, false, cap) || plain.ctx.helloRetryRequest || plain.ctx.version === undefined || plain.ctx.cipherSuite === undefined) return undefined;
  const rest = records.slice(plainEnd);
  if (plain.ctx.version !== TLS13) return tls12Finished(rest, plain.ctx) ? chainFromMessages(plain.messages) : undefined;
  const protectedPart = tls13Flight(capture, rest, plain.ctx, cap);
  return protectedPart ? chainFromMessages([...plain.messages, ...protectedPart]) : undefined;
}

/**
 * The server's records (the shared record reader's), each whole; undefined when the stream has a
 * hole, a cut record, a header that is not TLS's or a record longer than TLS allows.
 */
function serverRecords(capture: Capture): RawRecord[] | undefined {
  if (capture.truncated?.length) return undefined;
  const chunks = capture.chunks.filter((c) => c.direction === 'server');
  let at = 0;
  for (const c of chunks) {
    if (c.offset !== at) return undefined;
    at += c.bytes.length;
  }
  const bytes = concat(chunks.map((c) => c.bytes));
  const split = splitRecords(bytes);
  if (split.garbage) return undefined;
  const records: RawRecord[] = [];
  for (const r of split.records) {
    if (r.issue) return undefined;
    records.push({ type: r.contentType, header: bytes.subarray(r.offset, r.bodyOffset), body: bytes.subarray(r.bodyOffset, r.bodyOffset + r.bodyLength) });
  }
  return records;
}

const EMPTY = new Uint8Array(0);

function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

interface Flight {
  messages: HandshakeMessage[];
  ctx: HandshakeContext;
  /** Whole messages framed, decoded or not. */
  count: number;
}

const newFlight = (ctx: HandshakeContext): Flight => ({ messages: [], ctx, count: 0 });

/**
 * The messages chainFromMessages reads (and the ServerHello, whose context the later ones are
 * decoded with); the others (EncryptedExtensions, CertificateVerify, Finished, the key exchange)
 * are framed and counted but not decoded. No skipped type changes how a kept one decodes: the
 * Certificate and CertificateStatus decoders read only the version.
 */
const DECODED = new Set<number>([HS.server_hello, HS.certificate, HS.certificate_status, HS.compressed_certificate]);

/**
 * Adds the whole messages `framed` holds to the flight, each decoded with the context the ones
 * before it left (as decode's trace does); false past the message cap or the flight's size, which
 * a message still waiting for its next record is held to as soon as its header is in.
 */
function addToFlight(flight: Flight, framed: FramedHandshake, decrypted: boolean, cap: number): boolean {
  const space: ByteSpace = { id: decrypted ? 'server/plain' : 'server', direction: 'server', bytes: framed.bytes, segments: [], ...(decrypted ? { decrypted } : {}) };
  const budget = { left: MAX_FIELDS_PER_DIRECTION, exhausted: false };
  for (const m of framed.messages) {
    if (m.end - m.start - HANDSHAKE_HEADER > cap || flight.count >= MAX_FLIGHT_MESSAGES) return false;
    if (DECODED.has(m.type)) {
      const msg = decodeHandshakeMessage(space, m.start, m.end, flight.ctx, budget);
      flight.ctx = updateContext(flight.ctx, msg.body);
      flight.messages.push(msg);
    }
    flight.count++;
  }
  return framed.restDeclared === undefined || (framed.restDeclared <= cap && flight.count < MAX_FLIGHT_MESSAGES);
}

/**
 * TLS 1.0–1.2: after the plaintext handshake, a ChangeCipherSpec and a protected handshake record
 * that can hold nothing but the Finished Node accepted; later records must not be handshake
 * records (an alert, such as the close_notify of a server that ends at once, or application
 * data: the pipeline opens them, but they hold no handshake message). A Finished record with room
 * for more (CBC padding can hide a small message) is left to the pipeline, which opens it; one
 * under a suite it cannot open it leaves shut, so nothing in it reaches the chain there either.
 */
function tls12Finished(rest: RawRecord[], ctx: HandshakeContext): boolean {
  if (rest.length < 2 || !isChangeCipherSpec(rest[0]) || rest[1].type !== ContentType.handshake) return false;
  if (rest.slice(2).some((r) => r.type === ContentType.handshake)) return false;
  const suite = suiteCrypto(ctx.cipherSuite!, ctx.version!);
  if (!isSupported(suite)) return true;
  const overhead = suite.explicitIvLength + (suite.aead ? suite.tagLength : suite.macLength + (suite.stream ? 0 : 1));
  return rest[1].body.length - overhead <= TLS12_FINISHED;
}

function isChangeCipherSpec(r: RawRecord): boolean {
  return r.type === ContentType.change_cipher_spec && r.body.length === 1 && r.body[0] === 1;
}

/**
 * TLS 1.3: the server's protected handshake messages (EncryptedExtensions to Finished), opened
 * by the shared flight opener with its handshake traffic secret from the key log; undefined
 * unless every record opens as handshake bytes and the Finished ends the records captured.
 */
function tls13Flight(capture: Capture, rest: RawRecord[], ctx: HandshakeContext, cap: number): HandshakeMessage[] | undefined {
  const opener = handshakeOpener(capture, ctx.cipherSuite!);
  if (!opener) return undefined;
  const flight = newFlight(ctx);
  for (const [i, r] of rest.entries()) {
    // The middlebox-compatibility ChangeCipherSpec (RFC 8446 §D.4) comes before the first protected record.
    if (opener.records === 0 && isChangeCipherSpec(r)) continue;
    if (r.type !== ContentType.application_data) return undefined;
    const opened = opener.open(r.header, r.body);
    if (!opened.ok || !opened.handshake) return undefined;
    if (!addToFlight(flight, opened.handshake, true, cap)) return undefined;
    if (opened.finished) return opened.handshake.rest.length === 0 && i === rest.length - 1 ? flight.messages : undefined;
  }
  return undefined;
}

/** The server's handshake record opener, from the key log's secret for this connection's client random. */
function handshakeOpener(capture: Capture, cipherSuite: number): ServerFlight13 | undefined {
  const suite = tls13SuiteCrypto(cipherSuite);
  const secret = suite && secretForFirstHello(capture, KeyLogLabel.serverHandshake);
  return suite && secret ? ServerFlight13.fromSecret(suite, secret) : undefined;
}
