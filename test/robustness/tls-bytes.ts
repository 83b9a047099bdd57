// Small byte builders for the hostile test servers: records, handshake messages, ServerHellos,
// Certificates, alerts and raw DER, written from the RFCs' struct layouts (RFC 8446 §4, RFC 5246
// §7.4) so each scenario sends real wire bytes with exactly one thing wrong. Plus a minimal
// ClientHello reader: enough to echo the session id and pick an offered suite.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { demoCertDir } from '../helpers/servers.js';

export const ContentType = { ccs: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
export const HandshakeType = { serverHello: 2, certificate: 11, serverHelloDone: 14, finished: 20 } as const;

/** RFC 8446 §4.1.3: the ServerHello.random that marks a HelloRetryRequest. */
export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  return Buffer.from([(v >> 8) & 0xff, v & 0xff]);
}

export function u24(v: number): Buffer {
  return Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
}

/** A length-prefixed vector (`lenSize` bytes of length, then the body). */
export function vec(lenSize: 1 | 2 | 3, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const len = lenSize === 1 ? u8(body.length) : lenSize === 2 ? u16(body.length) : u24(body.length);
  return Buffer.concat([len, body]);
}

/** One TLSPlaintext record; `declared` overrides the length field (for lying headers). */
export function record(type: number, body: Uint8Array, version = 0x0303, declared = body.length): Buffer {
  return Buffer.concat([u8(type), u16(version), u16(declared), body]);
}

/** A handshake message (type, 24-bit length, body); `declared` overrides the length. */
export function handshake(type: number, body: Uint8Array, declared = body.length): Buffer {
  return Buffer.concat([u8(type), u24(declared), body]);
}

/** Splits handshake bytes into records of at most 2^14 bytes each. */
export function handshakeRecords(bytes: Uint8Array, version = 0x0303): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 16384) out.push(record(ContentType.handshake, bytes.subarray(at, at + 16384), version));
  return Buffer.concat(out);
}

export function extension(type: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([u16(type), vec(2, data)]);
}

export function alert(level: 1 | 2, description: number, version = 0x0303): Buffer {
  return record(ContentType.alert, Buffer.from([level, description]), version);
}

export interface ServerHelloSpec {
  version?: number;
  random?: Uint8Array;
  sessionId: Uint8Array;
  suite: number;
  compression?: number;
  /** Already-encoded extensions; undefined writes no extensions block at all. */
  extensions?: Buffer[];
}

export function serverHelloBody(s: ServerHelloSpec): Buffer {
  const random = s.random ?? Buffer.alloc(32, 0x5a);
  const parts = [u16(s.version ?? 0x0303), Buffer.from(random), vec(1, s.sessionId), u16(s.suite), u8(s.compression ?? 0)];
  if (s.extensions) parts.push(vec(2, ...s.extensions));
  return Buffer.concat(parts);
}

export function serverHello(s: ServerHelloSpec): Buffer {
  return handshake(HandshakeType.serverHello, serverHelloBody(s));
}

/** TLS 1.2 Certificate body: a 24-bit list of 24-bit-prefixed DER certificates. */
export function certificate12(ders: Uint8Array[]): Buffer {
  return handshake(HandshakeType.certificate, vec(3, ...ders.map((d) => vec(3, d))));
}

/** The demo chain (leaf RSA + intermediate) as DER, from the committed fixtures. */
export function demoChainDer(): Buffer[] {
  const pem = readFileSync(path.join(demoCertDir, 'chain-rsa.pem'), 'utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

/** A DER length field (short or long form). */
export function derLength(n: number): Buffer {
  if (n < 0x80) return u8(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([u8(tag), derLength(content.length), content]);
}

/** `depth` SEQUENCEs nested inside each other around a NULL: valid DER, absurd structure. */
export function deeplyNestedDer(depth: number): Buffer {
  // Sizes from the inside out, then headers written outside-in: linear, not quadratic, time.
  const sizes = [2];
  for (let i = 0; i < depth; i++) sizes.push(1 + derLength(sizes[i]).length + sizes[i]);
  const out = Buffer.alloc(sizes[depth]);
  let at = 0;
  for (let i = depth; i > 0; i--) {
    out[at++] = 0x30;
    at += derLength(sizes[i - 1]).copy(out, at);
  }
  out[at] = 0x05;
  return out;
}

// -------------------------------------------------------------------------------------------------
// The ClientHello, read just enough.

export interface ParsedHello {
  legacyVersion: number;
  sessionId: Buffer;
  suites: number[];
  extensions: Map<number, Buffer>;
  /** supported_versions, if offered. */
  versions: number[];
}

/** Parses a ClientHello handshake message (header included); throws on anything unexpected. */
export function parseClientHello(msg: Uint8Array): ParsedHello {
  const b = Buffer.from(msg);
  if (b[0] !== 1) throw new Error(`expected a ClientHello, got handshake type ${b[0]}`);
  let at = 4;
  const legacyVersion = b.readUInt16BE(at);
  at += 2 + 32;
  const sidLen = b[at];
  const sessionId = b.subarray(at + 1, at + 1 + sidLen);
  at += 1 + sidLen;
  const suitesLen = b.readUInt16BE(at);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(at + 2 + i));
  at += 2 + suitesLen;
  at += 1 + b[at];
  const extensions = new Map<number, Buffer>();
  if (at + 2 <= b.length) {
    const end = at + 2 + b.readUInt16BE(at);
    at += 2;
    while (at + 4 <= end) {
      const type = b.readUInt16BE(at);
      const len = b.readUInt16BE(at + 2);
      extensions.set(type, b.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
  }
  const sv = extensions.get(0x002b);
  const versions: number[] = [];
  if (sv) for (let i = 1; i + 1 < sv.length; i += 2) versions.push(sv.readUInt16BE(i));
  return { legacyVersion, sessionId: Buffer.from(sessionId), suites, extensions, versions };
}

/**
 * Reads handshake messages out of a growing client byte stream (records reassembled; CCS and
 * other records skipped). `take()` returns the next complete handshake message or undefined.
 */
export class ClientStream {
  private buf = Buffer.alloc(0);
  private hs = Buffer.alloc(0);

  push(data: Buffer): void {
    this.buf = Buffer.concat([this.buf, data]);
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt16BE(3);
      if (this.buf.length < 5 + len) break;
      if (this.buf[0] === ContentType.handshake) this.hs = Buffer.concat([this.hs, this.buf.subarray(5, 5 + len)]);
      this.buf = this.buf.subarray(5 + len);
    }
  }

  take(): Buffer | undefined {
    if (this.hs.length < 4) return undefined;
    const len = this.hs.readUIntBE(1, 3);
    if (this.hs.length < 4 + len) return undefined;
    const msg = this.hs.subarray(0, 4 + len);
    this.hs = this.hs.subarray(4 + len);
    return Buffer.from(msg);
  }
}

/** Suites a plausible TLS 1.2 server would pick from, in preference order. */
const TLS12_PREFERENCE = [0xc02f, 0xc030, 0xc02b, 0x009c, 0x002f];

/** An offered TLS 1.2 suite (never GREASE or an SCSV). */
export function pickTls12Suite(hello: ParsedHello): number {
  return TLS12_PREFERENCE.find((s) => hello.suites.includes(s)) ?? hello.suites.find((s) => s !== 0x00ff && s !== 0x5600 && (s & 0x0f0f) !== 0x0a0a) ?? 0xc02f;
}

/** The renegotiation_info extension OpenSSL 3 insists on (RFC 5746), empty for an initial handshake. */
export const RENEGOTIATION_INFO = extension(0xff01, Buffer.from([0]));

/** A fresh TLS 1.2 session id: echoing the client's would claim a resumption. */
export const FRESH_SESSION_ID = Buffer.alloc(32, 0x77);

/** A believable TLS 1.2 ServerHello record answering `hello`, with optional changes. */
export function tls12ServerHelloRecord(hello: ParsedHello, change: Partial<ServerHelloSpec> = {}): Buffer {
  return record(
    ContentType.handshake,
    serverHello({ sessionId: FRESH_SESSION_ID, suite: pickTls12Suite(hello), extensions: [RENEGOTIATION_INFO], ...change }),
  );
}
