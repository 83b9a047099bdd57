// The ClientHello builder: the inverse of the decoder. The scan needs hellos Node's OpenSSL will not
// send (SSL 3.0, EXPORT and NULL suites, any group, empty key shares), so it writes the bytes itself
// from a typed description and sends them over a plain socket.
//
// Layout follows RFC 5246 §7.4.1.2 / RFC 8446 §4.1.2; extension bodies follow the RFCs named at
// each case. Lengths are computed, never given, so a spec cannot describe an inconsistent hello.

import { randomBytes } from 'node:crypto';
import { Ext } from '../registry/index.js';

/** Extension code points the builder writes, from the shared registry (IANA "TLS ExtensionType
 * Values"), so the builder and the decoder cannot drift apart. */
export const ExtCode = {
  server_name: Ext.server_name,
  status_request: Ext.status_request,
  supported_groups: Ext.supported_groups,
  ec_point_formats: Ext.ec_point_formats,
  signature_algorithms: Ext.signature_algorithms,
  alpn: Ext.alpn,
  padding: Ext.padding,
  encrypt_then_mac: Ext.encrypt_then_mac,
  extended_master_secret: Ext.extended_master_secret,
  session_ticket: Ext.session_ticket,
  supported_versions: Ext.supported_versions,
  psk_key_exchange_modes: Ext.psk_key_exchange_modes,
  key_share: Ext.key_share,
  renegotiation_info: Ext.renegotiation_info,
  early_data: Ext.early_data,
  pre_shared_key: Ext.pre_shared_key,
} as const;

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

/** One extension, in the order it should appear. `raw` writes any code point with any body. */
export type ExtensionSpec =
  | { type: 'server_name'; host: string }
  | { type: 'status_request' }
  | { type: 'supported_groups'; groups: readonly number[] }
  | { type: 'ec_point_formats'; formats?: readonly number[] }
  | { type: 'signature_algorithms'; schemes: readonly number[] }
  | { type: 'alpn'; protocols: readonly string[] }
  | { type: 'encrypt_then_mac' }
  | { type: 'extended_master_secret' }
  | { type: 'session_ticket'; ticket?: Uint8Array }
  | { type: 'supported_versions'; versions: readonly number[] }
  | { type: 'psk_key_exchange_modes'; modes?: readonly number[] }
  | { type: 'key_share'; shares: readonly KeyShareEntry[] }
  | { type: 'renegotiation_info'; renegotiatedConnection?: Uint8Array }
  | { type: 'early_data' }
  /** RFC 8446 §4.2.11; binders are written as zeros of `binderLength` bytes: the caller computes
   * them over the finished hello and patches them in (this must be the last extension). */
  | { type: 'pre_shared_key'; identities: ReadonlyArray<{ identity: Uint8Array; obfuscatedAge: number }>; binderLength: number }
  /** RFC 7685 padding. Without `length`, pads a hello of 256–511 bytes to 512 (the F5 workaround);
   * must be the last extension so the builder knows the final size. */
  | { type: 'padding'; length?: number }
  | { type: 'raw'; code: number; data: Uint8Array };

export interface ClientHelloSpec {
  /** Version in the record header; default 0x0301 (what browsers send, safest with old servers). */
  recordVersion?: number;
  /** ClientHello.legacy_version (the max version for SSL 3.0 … TLS 1.2 hellos; 0x0303 for 1.3). */
  version: number;
  /** 32 bytes; random if absent. */
  random?: Uint8Array;
  /** 0–32 bytes; empty if absent. */
  sessionId?: Uint8Array;
  cipherSuites: readonly number[];
  /** Default [0] (null). */
  compressionMethods?: readonly number[];
  /** Absent: no extensions block at all (SSL 3.0 style). Empty array: a zero-length block. */
  extensions?: readonly ExtensionSpec[];
}

/** Largest record body (RFC 8446 §5.1): longer hellos are split over several records. */
export const MAX_RECORD_BODY = 16384;

/** A growable byte buffer; `block` reserves the length prefix and patches it afterwards, so nested
 * vectors cost no copies. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.len++] = (v >> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  /** Each value as a u16, one after another (suite, group and scheme lists: hundreds per hello). */
  u16s(vs: readonly number[]): this {
    this.room(2 * vs.length);
    for (const v of vs) {
      this.buf[this.len++] = (v >> 8) & 0xff;
      this.buf[this.len++] = v & 0xff;
    }
    return this;
  }

  u24(v: number): this {
    return this.u8(v >> 16).u8(v >> 8).u8(v);
  }

  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000)).u16(v & 0xffff);
  }

  bytes(b: Uint8Array | readonly number[]): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Writes what `body` writes, prefixed by its length in `lenSize` bytes. */
  block(lenSize: 1 | 2 | 3, body: (w: ByteWriter) => void): this {
    this.room(lenSize);
    const at = this.len;
    this.len += lenSize;
    body(this);
    const n = this.len - at - lenSize;
    if (n >= 2 ** (8 * lenSize)) throw new RangeError(`block of ${n} bytes does not fit a ${lenSize}-byte length`);
    for (let i = 0; i < lenSize; i++) this.buf[at + i] = (n >> (8 * (lenSize - 1 - i))) & 0xff;
    return this;
  }

  get length(): number {
    return this.len;
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeExtensionBody(w: ByteWriter, ext: Exclude<ExtensionSpec, { type: 'padding' } | { type: 'raw' }>): void {
  switch (ext.type) {
    case 'server_name': // RFC 6066 §3: list of (name_type, HostName)
      w.block(2, (l) => l.u8(0).block(2, (h) => h.bytes(Buffer.from(ext.host, 'ascii'))));
      return;
    case 'status_request': // RFC 6066 §8: ocsp, empty responder list, empty request extensions
      w.u8(1).u16(0).u16(0);
      return;
    case 'supported_groups':
      w.block(2, (l) => l.u16s(ext.groups));
      return;
    case 'ec_point_formats':
      w.block(1, (l) => (ext.formats ?? [0]).forEach((f) => l.u8(f)));
      return;
    case 'signature_algorithms':
      w.block(2, (l) => l.u16s(ext.schemes));
      return;
    case 'alpn': // RFC 7301 §3.1
      w.block(2, (l) => ext.protocols.forEach((p) => l.block(1, (n) => n.bytes(Buffer.from(p, 'ascii')))));
      return;
    case 'encrypt_then_mac':
    case 'extended_master_secret':
    case 'early_data':
      return;
    case 'pre_shared_key':
      w.block(2, (l) => ext.identities.forEach((i) => l.block(2, (b) => b.bytes(i.identity)).u32(i.obfuscatedAge)));
      w.block(2, (l) => ext.identities.forEach(() => l.block(1, (b) => b.bytes(new Uint8Array(ext.binderLength)))));
      return;
    case 'session_ticket': // RFC 5077 §3.2: empty asks for a new ticket
      if (ext.ticket) w.bytes(ext.ticket);
      return;
    case 'supported_versions': // RFC 8446 §4.2.1 (client form)
      w.block(1, (l) => ext.versions.forEach((v) => l.u16(v)));
      return;
    case 'psk_key_exchange_modes':
      w.block(1, (l) => (ext.modes ?? [1]).forEach((m) => l.u8(m)));
      return;
    case 'key_share': // RFC 8446 §4.2.8: client_shares may be empty (asks the server for an HRR)
      w.block(2, (l) => ext.shares.forEach((s) => l.u16(s.group).block(2, (k) => k.bytes(s.keyExchange))));
      return;
    case 'renegotiation_info': // RFC 5746 §3.2
      w.block(1, (l) => l.bytes(ext.renegotiatedConnection ?? new Uint8Array(0)));
      return;
  }
}

function codeOf(ext: ExtensionSpec): number {
  return ext.type === 'raw' ? ext.code : ExtCode[ext.type];
}

/** The ClientHello handshake message (4-byte header included), without record framing. */
export function buildClientHelloMessage(spec: ClientHelloSpec): Uint8Array {
  const random = spec.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('random must be 32 bytes');
  const sessionId = spec.sessionId ?? new Uint8Array(0);
  if (sessionId.length > 32) throw new RangeError('session id is at most 32 bytes');
  const body = new ByteWriter();
  body.u16(spec.version).bytes(random);
  body.block(1, (w) => w.bytes(sessionId));
  body.block(2, (w) => w.u16s(spec.cipherSuites));
  body.block(1, (w) => (spec.compressionMethods ?? [0]).forEach((m) => w.u8(m)));
  if (spec.extensions) {
    const exts = new ByteWriter();
    for (const ext of spec.extensions) {
      if (ext.type === 'padding') {
        // Size so far: header 4 + body + extensions length 2 + extensions so far + this ext's 4.
        const sizeBefore = 4 + body.length + 2 + exts.length + 4;
        const n = ext.length ?? (sizeBefore >= 256 && sizeBefore < 512 ? 512 - sizeBefore : 0);
        exts.u16(ExtCode.padding).u16(n).bytes(new Uint8Array(n));
        continue;
      }
      exts.u16(codeOf(ext));
      exts.block(2, (w) => (ext.type === 'raw' ? w.bytes(ext.data) : writeExtensionBody(w, ext)));
    }
    body.block(2, (w) => w.bytes(exts.toBytes()));
  }
  const msg = new ByteWriter();
  msg.u8(1).block(3, (w) => w.bytes(body.toBytes()));
  return msg.toBytes();
}

/** Wraps a handshake message into handshake records of at most MAX_RECORD_BODY bytes each. */
export function frameRecords(message: Uint8Array, recordVersion = 0x0301, contentType = 22): Uint8Array {
  const out = new ByteWriter();
  let at = 0;
  do {
    const piece = message.subarray(at, Math.min(message.length, at + MAX_RECORD_BODY));
    out.u8(contentType).u16(recordVersion).block(2, (w) => w.bytes(piece));
    at += MAX_RECORD_BODY;
  } while (at < message.length);
  return out.toBytes();
}

/** The hello as it goes on the wire: handshake record(s). */
export function buildClientHello(spec: ClientHelloSpec): Uint8Array {
  return frameRecords(buildClientHelloMessage(spec), spec.recordVersion ?? 0x0301);
}

/**
 * An SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00 §C; the form RFC 5246 Appendix E.2
 * describes as "compatible"). Sent with version 0x0002 it asks for SSL 2.0 itself, which only an
 * SSL 2.0 server answers with a SERVER-HELLO.
 */
export function buildSslv2ClientHello(cipherSpecs: readonly number[], version = 0x0002, challenge: Uint8Array = randomBytes(16)): Uint8Array {
  const body = new ByteWriter();
  body.u8(1).u16(version).u16(cipherSpecs.length * 3).u16(0).u16(challenge.length);
  for (const c of cipherSpecs) body.u24(c);
  body.bytes(challenge);
  const n = body.length;
  // Two-byte header with the high bit set: no padding, length in the low 15 bits.
  const out = new ByteWriter();
  out.u16(0x8000 | n).bytes(body.toBytes());
  return out.toBytes();
}

/** SSL 2.0 cipher kinds (the values OpenSSL 0.9.8 and sslscan offer). */
export const SSL2_CIPHER_SPECS: readonly number[] = [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0];
