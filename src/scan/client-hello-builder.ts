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

/**
 * A growable byte buffer; `block` reserves the length prefix and patches it afterwards, so nested
 * vectors cost no copies. A whole hello (record header, handshake header, body, extensions) is
 * written into one writer over a reused buffer (withScratch): a scan builds ~70 hellos, and a
 * fresh 1 KiB buffer per nesting level plus a copy per level was most of what each one cost.
 */
class ByteWriter {
  private len = 0;

  constructor(private buf: Uint8Array) {}

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
    // Locals, not this.buf/this.len per byte: the loop runs in V8's interpreter in a short scan.
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      buf[at] = (v >> 8) & 0xff;
      buf[at + 1] = v & 0xff;
      at += 2;
    }
    this.len = at;
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

  /** `n` zero bytes (padding, binders): the buffer is zeroed where it has not been written. */
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
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

  /** Overwrites two bytes already written (a length known only afterwards). */
  patchU16(at: number, v: number): void {
    this.buf[at] = (v >> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** A copy of the bytes written from `from` on. */
  toBytes(from = 0): Uint8Array {
    return this.buf.slice(from, this.len);
  }

  /** The buffer written into (a grown one after `room` outgrew the first). */
  get buffer(): Uint8Array {
    return this.buf;
  }
}

/** The buffer hellos are written into before their bytes are copied out; kept up to 64 KiB. */
let scratch: Uint8Array = new Uint8Array(2048);
const MAX_SCRATCH = 65536;

/** Runs `write` on a writer over the scratch buffer; `write` must copy its result out (toBytes). */
function withScratch<T>(write: (w: ByteWriter) => T): T {
  const w = new ByteWriter(scratch);
  scratch = new Uint8Array(0); // a nested call (there is none today) must not share it
  try {
    return write(w);
  } finally {
    scratch = w.buffer.length <= MAX_SCRATCH ? w.buffer : new Uint8Array(2048);
  }
}

/**
 * Client randoms, drawn from Node's CSPRNG 64 at a time: one call per hello was a tenth of the
 * time a hello took. Each random is used once; nothing else reads the pool.
 */
const RANDOMS_PER_DRAW = 64;
let randomPool = new Uint8Array(0);
let randomAt = 0;

function freshRandom(): Uint8Array {
  if (randomAt + 32 > randomPool.length) {
    randomPool = randomBytes(32 * RANDOMS_PER_DRAW);
    randomAt = 0;
  }
  randomAt += 32;
  return randomPool.subarray(randomAt - 32, randomAt);
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
      w.block(2, (l) => ext.identities.forEach(() => l.block(1, (b) => b.zeros(ext.binderLength))));
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

/**
 * Writes the ClientHello handshake message (4-byte header included) at the writer's end. The
 * padding extension's size depends on the message's size so far, counted from `start`.
 */
function writeClientHelloMessage(w: ByteWriter, spec: ClientHelloSpec): void {
  const random = spec.random ?? freshRandom();
  if (random.length !== 32) throw new RangeError('random must be 32 bytes');
  const sessionId = spec.sessionId ?? new Uint8Array(0);
  if (sessionId.length > 32) throw new RangeError('session id is at most 32 bytes');
  const start = w.length;
  w.u8(1).block(3, (body) => {
    body.u16(spec.version).bytes(random);
    body.block(1, (v) => v.bytes(sessionId));
    body.block(2, (v) => v.u16s(spec.cipherSuites));
    body.block(1, (v) => v.bytes(spec.compressionMethods ?? [0]));
    const extensions = spec.extensions;
    if (!extensions) return;
    body.block(2, (exts) => {
      for (const ext of extensions) {
        if (ext.type === 'padding') {
          // The hello's size with this extension's 4-byte header, before its body.
          const sizeBefore = exts.length - start + 4;
          const n = ext.length ?? (sizeBefore >= 256 && sizeBefore < 512 ? 512 - sizeBefore : 0);
          exts.u16(ExtCode.padding).u16(n).zeros(n);
          continue;
        }
        exts.u16(codeOf(ext));
        exts.block(2, (v) => (ext.type === 'raw' ? v.bytes(ext.data) : writeExtensionBody(v, ext)));
      }
    });
  });
}

/** The ClientHello handshake message (4-byte header included), without record framing. */
export function buildClientHelloMessage(spec: ClientHelloSpec): Uint8Array {
  return withScratch((w) => {
    writeClientHelloMessage(w, spec);
    return w.toBytes();
  });
}

/** A handshake message (RFC 5246 §7.4, RFC 8446 §4): type, 3-byte length, body — what a hand-built client sends after its hello. */
export function handshakeMessage(type: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
}

/** Wraps a handshake message into handshake records of at most MAX_RECORD_BODY bytes each. */
export function frameRecords(message: Uint8Array, recordVersion = 0x0301, contentType = 22): Uint8Array {
  const out = new ByteWriter(new Uint8Array(message.length + 5 * Math.max(1, Math.ceil(message.length / MAX_RECORD_BODY))));
  let at = 0;
  do {
    const piece = message.subarray(at, Math.min(message.length, at + MAX_RECORD_BODY));
    out.u8(contentType).u16(recordVersion).block(2, (w) => w.bytes(piece));
    at += MAX_RECORD_BODY;
  } while (at < message.length);
  return out.toBytes();
}

/**
 * The hello as it goes on the wire: handshake record(s). Written behind a record header in the
 * same buffer; only a hello longer than one record is copied out and split by frameRecords.
 */
export function buildClientHello(spec: ClientHelloSpec): Uint8Array {
  const recordVersion = spec.recordVersion ?? 0x0301;
  return withScratch((w) => {
    w.u8(22).u16(recordVersion).u16(0);
    writeClientHelloMessage(w, spec);
    const n = w.length - 5;
    if (n > MAX_RECORD_BODY) return frameRecords(w.toBytes(5), recordVersion);
    w.patchU16(3, n);
    return w.toBytes();
  });
}

/**
 * An SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00 §C; the form RFC 5246 Appendix E.2
 * describes as "compatible"). Sent with version 0x0002 it asks for SSL 2.0 itself, which only an
 * SSL 2.0 server answers with a SERVER-HELLO.
 */
export function buildSslv2ClientHello(cipherSpecs: readonly number[], version = 0x0002, challenge: Uint8Array = randomBytes(16)): Uint8Array {
  return withScratch((w) => {
    w.u16(0);
    w.u8(1).u16(version).u16(cipherSpecs.length * 3).u16(0).u16(challenge.length);
    for (const c of cipherSpecs) w.u24(c);
    w.bytes(challenge);
    // Two-byte header with the high bit set: no padding, length in the low 15 bits.
    w.patchU16(0, 0x8000 | (w.length - 2));
    return w.toBytes();
  });
}

/** SSL 2.0 cipher kinds (the values OpenSSL 0.9.8 and sslscan offer). */
export const SSL2_CIPHER_SPECS: readonly number[] = [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0];

/**
 * A hello `build` writes, or why it cannot be sent ("not tested: …"): a hello carrying what a
 * server gave (a ticket may be up to 2^16-1 bytes, RFC 5077 §3.3, RFC 8446 §4.6.1) can outgrow
 * the extensions' 2-byte length, and the builder refuses it (RangeError) rather than write a wrong
 * length. `offering` names what the hello offers, for the sentence.
 */
export function helloOrWhyNot<T>(build: () => T, offering: string): T | string {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return `not tested: a ClientHello offering ${offering} cannot be written (${e.message})`;
  }
}
