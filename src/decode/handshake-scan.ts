// A quick look at a plain, whole handshake: the few facts a row of `read`'s connections table
// shows (records, SNI, version, suite, ALPN, whether both sides got to protected records), read
// from record headers and the two hellos without building the field trees the full decoder makes
// for the hex view. It answers only for the ordinary case — contiguous streams that start with a
// ClientHello and a ServerHello each alone in its first record and end on a record boundary, no
// HelloRetryRequest, no plaintext alert, nothing else unusual — and returns undefined for
// everything else, which then goes through the full decoder. Its answers must be the full
// decoder's: test/decode/handshake-scan.test.ts compares the two.

import type { CaptureChunk } from '../capture/types.js';
import { HELLO_RETRY_REQUEST_RANDOM } from './messages/hello.js';
import type { Direction } from './types.js';

export interface HandshakeScan {
  records: number;
  sni?: string;
  /** The ClientHello carried an ALPN extension. */
  alpnOffered: boolean;
  /** The selected version: supported_versions, else the ServerHello's legacy version. */
  version: number;
  cipherSuite: number;
  /** The ServerHello's ALPN choice (TLS ≤ 1.2; TLS 1.3 sends it encrypted). */
  serverAlpn?: string;
  /** Each side sent a protected record at or after the ServerHello's time. */
  protectedBoth: boolean;
  /** What the fingerprints read of the two hellos (the decoder's values for the same bytes). */
  clientCodePoints: ClientHelloCodePoints;
  serverCodePoints: ServerHelloCodePoints;
}

/**
 * The code points of a ClientHello that JA3 and JA4 read, in wire order: what the decoded hello's
 * fields and extension infos hold, read here without building them.
 */
export interface ClientHelloCodePoints {
  legacyVersion: number;
  cipherSuites: number[];
  extensionTypes: number[];
  groups: number[];
  pointFormats: number[];
  signatureSchemes: number[];
  versions: number[];
  /** The first ALPN protocol name's bytes; none without an ALPN extension. */
  firstAlpn?: Uint8Array;
}

/** The code points of a ServerHello that JA3S reads. */
export interface ServerHelloCodePoints {
  legacyVersion: number;
  cipherSuite: number;
  extensionTypes: number[];
}

/** More records or plaintext messages than this per direction: left to the full decoder and its caps. */
const MAX_RECORDS = 4096;
const CT_CCS = 20;
const CT_HANDSHAKE = 22;
const CT_APPLICATION_DATA = 23;
/** Plaintext handshake messages each side may send after its hello in TLS ≤ 1.2. */
const LATER_PLAINTEXT: Record<Direction, readonly number[]> = { client: [11, 15, 16], server: [4, 11, 12, 13, 14, 22] };
const KNOWN_VERSIONS = [0x0301, 0x0302, 0x0303, 0x0304];

interface Rec {
  type: number;
  offset: number;
  length: number;
  timeMs: number;
}

/** One direction's bytes as its chunks; undefined when they are not one contiguous run from 0. */
class Stream {
  private constructor(
    private readonly chunks: readonly CaptureChunk[],
    private readonly total: number,
  ) {}

  static of(chunks: readonly CaptureChunk[], direction: Direction): Stream | undefined {
    const mine = chunks.filter((c) => c.direction === direction);
    let at = 0;
    for (const c of mine) {
      if (c.offset !== at) return undefined;
      at += c.bytes.length;
    }
    return new Stream(mine, at);
  }

  /** Records in stream order, or undefined when a header is implausible or the bytes end inside a record. */
  records(): Rec[] | undefined {
    const out: Rec[] = [];
    let ci = 0;
    let base = 0;
    let at = 0;
    const header = new Uint8Array(5);
    for (;;) {
      while (ci < this.chunks.length && at >= base + this.chunks[ci].bytes.length) base += this.chunks[ci++].bytes.length;
      if (ci === this.chunks.length) return at === this.total ? out : undefined;
      if (out.length >= MAX_RECORDS || !this.read(ci, base, at, header)) return undefined;
      const length = (header[3] << 8) | header[4];
      if (header[0] < CT_CCS || header[0] > CT_APPLICATION_DATA || header[1] !== 3 || header[2] > 4 || length === 0 || length > 16384 + 2048) return undefined;
      out.push({ type: header[0], offset: at, length, timeMs: this.chunks[ci].timeMs });
      at += 5 + length;
    }
  }

  /** Copies bytes from stream offset `at` (in chunk `ci`, which starts at `base`); false past the end. */
  private read(ci: number, base: number, at: number, into: Uint8Array): boolean {
    let filled = 0;
    // Byte by byte: a record header is five bytes, and a view per record costs more than the copy.
    for (let i = ci, start = base; i < this.chunks.length && filled < into.length; start += this.chunks[i++].bytes.length) {
      const b = this.chunks[i].bytes;
      for (let from = Math.max(0, at + filled - start); from < b.length && filled < into.length; from++) into[filled++] = b[from];
    }
    return filled === into.length;
  }

  /** A record's body: a view when one chunk holds it (the usual case), else a copy. */
  body(r: Rec): Uint8Array | undefined {
    const start = r.offset + 5;
    for (let i = 0, base = 0; i < this.chunks.length && base <= start; base += this.chunks[i++].bytes.length) {
      const b = this.chunks[i].bytes;
      if (start - base + r.length <= b.length) return b.subarray(start - base, start - base + r.length);
    }
    const out = new Uint8Array(r.length);
    return this.read(0, 0, start, out) ? out : undefined;
  }
}

/** A bounds-checked cursor; every read past the end makes `ok` false and returns 0. */
class Cursor {
  ok = true;
  constructor(
    private readonly b: Uint8Array,
    public at = 0,
    public end = b.length,
  ) {}
  n(len: number): number {
    if (this.at + len > this.end) {
      this.ok = false;
      return 0;
    }
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + this.b[this.at++];
    return v;
  }
  skip(len: number): void {
    if (this.at + len > this.end) this.ok = false;
    else this.at += len;
  }
  /** A length-prefixed vector's end, or -1 when it does not fit. */
  vector(lenBytes: number): number {
    const len = this.n(lenBytes);
    return this.ok && this.at + len <= this.end ? this.at + len : -1;
  }
  text(len: number): string | undefined {
    if (len === 0 || this.at + len > this.end) return undefined;
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = this.b[this.at + i];
      // Printable ASCII only: anything else is left to the full decoder's escaping path.
      if (c < 0x21 || c > 0x7e) return undefined;
      s += String.fromCharCode(c);
    }
    this.at += len;
    return s;
  }
}

/** The hello's extensions as type → [start, end) in `b`; undefined when malformed or repeated. */
function extensions(c: Cursor): Map<number, [number, number]> | undefined {
  const out = new Map<number, [number, number]>();
  if (c.at === c.end) return out;
  const end = c.vector(2);
  if (end < 0 || end !== c.end) return undefined;
  while (c.at < end) {
    const type = c.n(2);
    const extEnd = c.vector(2);
    if (!c.ok || extEnd < 0 || out.has(type)) return undefined;
    out.set(type, [c.at, extEnd]);
    c.at = extEnd;
  }
  return out;
}

/** The single name a list of one-entry text vectors holds (SNI's host_name, ALPN's protocol). */
function onlyName(b: Uint8Array, span: [number, number] | undefined, typeByte: boolean, lenBytes: number): string | undefined {
  if (!span) return undefined;
  const c = new Cursor(b, span[0], span[1]);
  const listEnd = c.vector(2);
  if (listEnd !== span[1]) return undefined;
  if (typeByte && c.n(1) !== 0) return undefined;
  const name = c.text(c.n(lenBytes));
  return c.ok && c.at === listEnd ? name : undefined;
}

/** A hello at the start of `body`: the cursor over its fields (ending where it ends), or undefined. */
function hello(body: Uint8Array, type: number): Cursor | undefined {
  const c = new Cursor(body);
  if (c.n(1) !== type) return undefined;
  const len = c.n(3);
  return c.ok && 4 + len <= body.length ? new Cursor(body, 4, 4 + len) : undefined;
}

function clientHello(body: Uint8Array): { sni?: string; alpnOffered: boolean; clientCodePoints: ClientHelloCodePoints } | undefined {
  const c = hello(body, 1);
  if (!c || c.end !== body.length) return undefined;
  const legacyVersion = c.n(2);
  c.skip(32);
  const sessionIdLength = c.n(1);
  c.skip(sessionIdLength);
  const cipherSuites = codeList(c, 2, 2, { min: 2, max: 0xfffe });
  const compressionMethods = c.n(1);
  c.skip(compressionMethods);
  // Lengths the decoder would flag (and then fingerprint differently) are left to it.
  if (!c.ok || sessionIdLength > 32 || !cipherSuites || compressionMethods === 0) return undefined;
  const ext = extensions(c);
  if (!ext) return undefined;
  const sni = onlyName(body, ext.get(0), true, 2);
  if (ext.has(0) && sni === undefined) return undefined;
  if (ext.has(16) && !plausibleAlpnList(body, ext.get(16))) return undefined;
  const clientCodePoints = helloCodePoints(body, legacyVersion, cipherSuites, ext);
  if (!clientCodePoints) return undefined;
  const found: { sni?: string; alpnOffered: boolean; clientCodePoints: ClientHelloCodePoints } = { alpnOffered: ext.has(16), clientCodePoints };
  if (sni !== undefined) found.sni = sni;
  return found;
}

/**
 * A vector of `item`-byte code points at the cursor, or undefined when its length breaks the
 * bounds the decoder checks (in bytes) or is not a whole number of items.
 */
function codeList(c: Cursor, lenBytes: number, item: number, bounds: { min: number; max?: number }): number[] | undefined {
  const end = c.vector(lenBytes);
  const length = end - c.at;
  if (end < 0 || length < bounds.min || length > (bounds.max ?? Infinity) || length % item !== 0) return undefined;
  const out: number[] = [];
  while (c.at < end) out.push(c.n(item));
  return out;
}

/** An extension body that is exactly one such vector; [] without the extension. */
function extensionList(b: Uint8Array, span: [number, number] | undefined, lenBytes: number, item: number, bounds: { min: number; max?: number }): number[] | undefined {
  if (!span) return [];
  const c = new Cursor(b, span[0], span[1]);
  const list = codeList(c, lenBytes, item, bounds);
  return list && c.at === span[1] ? list : undefined;
}

/** The ClientHello's fingerprint inputs; undefined when one of their extensions is malformed. */
function helloCodePoints(body: Uint8Array, legacyVersion: number, cipherSuites: number[], ext: Map<number, [number, number]>): ClientHelloCodePoints | undefined {
  const groups = extensionList(body, ext.get(10), 2, 2, { min: 2 });
  const pointFormats = extensionList(body, ext.get(11), 1, 1, { min: 1 });
  const signatureSchemes = extensionList(body, ext.get(13), 2, 2, { min: 2, max: 0xfffe });
  const versions = extensionList(body, ext.get(43), 1, 2, { min: 2, max: 254 });
  if (!groups || !pointFormats || !signatureSchemes || !versions) return undefined;
  const alpn = ext.get(16);
  // The list was checked whole by plausibleAlpnList: its first name follows the 2-byte list length.
  const firstAlpn = alpn ? body.subarray(alpn[0] + 3, alpn[0] + 3 + body[alpn[0] + 2]) : undefined;
  return { legacyVersion, cipherSuites, extensionTypes: [...ext.keys()], groups, pointFormats, signatureSchemes, versions, ...(firstAlpn ? { firstAlpn } : {}) };
}

/** An ALPN offer of several protocols: only its framing matters here. */
function plausibleAlpnList(b: Uint8Array, span: [number, number] | undefined): boolean {
  if (!span) return false;
  const c = new Cursor(b, span[0], span[1]);
  if (c.vector(2) !== span[1]) return false;
  while (c.ok && c.at < span[1]) if (c.text(c.n(1)) === undefined) return false;
  return c.ok && c.at === span[1];
}

function serverHello(body: Uint8Array): { version: number; cipherSuite: number; serverAlpn?: string; serverCodePoints: ServerHelloCodePoints } | undefined {
  const c = hello(body, 2);
  if (!c) return undefined;
  const legacy = c.n(2);
  const random = c.at;
  c.skip(32);
  const sessionIdLength = c.n(1);
  c.skip(sessionIdLength);
  const cipherSuite = c.n(2);
  c.skip(1);
  // A TLS 1.3 draft version has another layout (src/decode/messages/hello.ts): the decoder's.
  const plain = c.ok && legacy >> 8 === 3 && sessionIdLength <= 32 && !isHelloRetryRandom(body, random);
  const ext = plain ? extensions(c) : undefined;
  if (!ext) return undefined;
  const sv = ext.get(43);
  if (sv && sv[1] - sv[0] !== 2) return undefined;
  const version = sv ? (body[sv[0]] << 8) | body[sv[0] + 1] : legacy;
  const serverAlpn = onlyName(body, ext.get(16), false, 1);
  if (!KNOWN_VERSIONS.includes(version) || (ext.has(16) && serverAlpn === undefined)) return undefined;
  // Messages packed after it in the same record (a TLS ≤ 1.2 flight in one record) must be whole.
  if (c.end < body.length && (version === 0x0304 || !wholeMessages(body, c.end, 'server'))) return undefined;
  const serverCodePoints = { legacyVersion: legacy, cipherSuite, extensionTypes: [...ext.keys()] };
  const found: { version: number; cipherSuite: number; serverAlpn?: string; serverCodePoints: ServerHelloCodePoints } = { version, cipherSuite, serverCodePoints };
  if (serverAlpn !== undefined) found.serverAlpn = serverAlpn;
  return found;
}

/** HelloRetryRequest's special random (RFC 8446 §4.1.3), as bytes. */
const HRR_RANDOM = Buffer.from(HELLO_RETRY_REQUEST_RANDOM, 'hex');

function isHelloRetryRandom(body: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i++) if (body[at + i] !== HRR_RANDOM[i]) return false;
  return true;
}

/**
 * Walks one direction's records after its hello: false for anything the full decoder would say
 * more about (a plaintext alert, a second hello, a handshake message split oddly). Sets whether a
 * protected record came at or after `shTime`.
 */
function laterRecords(stream: Stream, recs: readonly Rec[], direction: Direction, tls13: boolean, shTime: number): { ok: boolean; protectedAfter: boolean } {
  let ccs = false;
  let protectedAfter = false;
  for (let i = 1; i < recs.length; i++) {
    const r = recs[i];
    if (direction === 'client' && r.timeMs < shTime) return { ok: false, protectedAfter };
    const encrypted = r.type === CT_APPLICATION_DATA || (ccs && !tls13);
    if (encrypted) {
      if (r.timeMs >= shTime) protectedAfter = true;
      continue;
    }
    if (r.type === CT_CCS) ccs = true;
    else if (r.type !== CT_HANDSHAKE || tls13) return { ok: false, protectedAfter };
    else if (!plaintextMessages(stream, r, direction)) return { ok: false, protectedAfter };
  }
  return { ok: true, protectedAfter };
}

/** A plaintext handshake record holding whole messages of the kinds a TLS ≤ 1.2 flight has. */
function plaintextMessages(stream: Stream, r: Rec, direction: Direction): boolean {
  const body = stream.body(r);
  return body !== undefined && wholeMessages(body, 0, direction);
}

function wholeMessages(body: Uint8Array, from: number, direction: Direction): boolean {
  const c = new Cursor(body, from);
  while (c.ok && c.at < body.length) {
    if (!LATER_PLAINTEXT[direction].includes(c.n(1))) return false;
    c.skip(c.n(3));
  }
  return c.ok && c.at === body.length;
}

/** The row facts of a plain handshake, or undefined when the full decoder must look. */
export function scanHandshake(chunks: readonly CaptureChunk[]): HandshakeScan | undefined {
  const client = Stream.of(chunks, 'client');
  const server = Stream.of(chunks, 'server');
  const clientRecs = client?.records();
  const serverRecs = server?.records();
  if (!client || !server || !clientRecs?.length || !serverRecs?.length) return undefined;
  const [ch, sh] = [clientRecs[0], serverRecs[0]];
  if (ch.type !== CT_HANDSHAKE || sh.type !== CT_HANDSHAKE || ch.timeMs > sh.timeMs) return undefined;
  const chBody = client.body(ch);
  const shBody = server.body(sh);
  const c = chBody && clientHello(chBody);
  const s = shBody && serverHello(shBody);
  if (!c || !s) return undefined;
  const tls13 = s.version === 0x0304;
  const fromClient = laterRecords(client, clientRecs, 'client', tls13, sh.timeMs);
  const fromServer = laterRecords(server, serverRecs, 'server', tls13, sh.timeMs);
  if (!fromClient.ok || !fromServer.ok) return undefined;
  // Built field by field, not spread from the two hellos' answers (a scan per connection).
  const scan: HandshakeScan = { records: clientRecs.length + serverRecs.length, alpnOffered: c.alpnOffered, version: s.version, cipherSuite: s.cipherSuite, protectedBoth: fromClient.protectedAfter && fromServer.protectedAfter, clientCodePoints: c.clientCodePoints, serverCodePoints: s.serverCodePoints };
  if (c.sni !== undefined) scan.sni = c.sni;
  if (s.serverAlpn !== undefined) scan.serverAlpn = s.serverAlpn;
  return scan;
}
