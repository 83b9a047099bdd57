// TLS fingerprints of the hellos: JA3 and JA3S (Salesforce's method, as Wireshark 4.x computes
// `tls.handshake.ja3`/`ja3s`) and JA4 for the client (FoxIO's JA4 specification, BSD 3-Clause)
// with its raw and original-order forms. JA4S, JA4X and the rest of JA4+ are under FoxIO's
// non-commercial licence and are left out on purpose.
//
// The inputs are the decoded hellos (code points stay numbers), so the fingerprint describes the
// bytes on the wire, not what the TLS library meant to send.

import { createHash } from 'node:crypto';
import type { ClientHelloCodePoints, ServerHelloCodePoints } from '../decode/handshake-scan.js';
import type { ClientHello, DecodedTrace, Extension, HandshakeMessage, ServerHello } from '../decode/model.js';
import { MAX_FINGERPRINT_DIGESTS_CACHED } from '../limits.js';
import { isGrease16 } from '../registry/index.js';
import { extInfo } from './messages.js';

/** JA3/JA3S: the comma-separated decimal string and its MD5 (tshark's `ja3_full` and `ja3`). */
export interface Ja3 {
  full: string;
  hash: string;
}

/** JA4 of a ClientHello and its raw (`_r`), original-order (`_o`) and raw original-order (`_ro`) forms. */
export interface Ja4 {
  ja4: string;
  ja4_r: string;
  ja4_o: string;
  ja4_ro: string;
}

export interface Fingerprints {
  /** Of the first ClientHello carried in TLS handshake records. */
  ja3?: Ja3;
  ja4?: Ja4;
  /** Of the first ServerHello (a HelloRetryRequest included, as tshark does). */
  ja3s?: Ja3;
}

const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const HANDSHAKE_CONTENT_TYPE = 22;
/** JA4's hash part when its list is empty: "000000000000", not the hash of nothing. */
const EMPTY_JA4_HASH = '000000000000';

/** JA4's two-character version names (the specification's table); anything else is "00". */
const JA4_VERSIONS: Readonly<Record<number, string>> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

/**
 * The fingerprints of the first ClientHello and the first ServerHello. A hello that was not carried
 * in TLS handshake records (an SSL 2.0-compatible CLIENT-HELLO) gets none: the reference JA3 and
 * JA4 implementations read TLS records only, and a fingerprint no other tool computes would match
 * nothing.
 */
export function fingerprintsOf(decoded: DecodedTrace): Fingerprints {
  const out: Fingerprints = {};
  const ch = firstHello(decoded, 'client_hello');
  if (ch) {
    out.ja3 = ja3(ch);
    out.ja4 = ja4(ch);
  }
  const sh = firstHello(decoded, 'server_hello');
  if (sh) out.ja3s = ja3s(sh);
  return out;
}

type HelloOf<T extends 'client_hello' | 'server_hello'> = T extends 'client_hello' ? ClientHello : ServerHello;

function firstHello<T extends 'client_hello' | 'server_hello'>(decoded: DecodedTrace, type: T): HelloOf<T> | undefined {
  const direction = type === 'client_hello' ? 'client' : 'server';
  for (const m of decoded.messages) {
    if (m.kind !== 'handshake' || m.direction !== direction || m.body?.type !== type) continue;
    if (!inHandshakeRecords(decoded, m)) continue;
    return m.body as HelloOf<T>;
  }
  return undefined;
}

function inHandshakeRecords(decoded: DecodedTrace, m: HandshakeMessage): boolean {
  return m.records.length > 0 && m.records.every((i) => decoded.records[i]?.contentType === HANDSHAKE_CONTENT_TYPE);
}

const notGrease = (code: number): boolean => !isGrease16(code);

/**
 * Digests of fingerprint strings already hashed: the clients in one capture mostly send the same
 * few hellos, and `read`'s table computes JA3/JA4/JA3S for each of its (often tens of thousands of)
 * connections. Emptied when it reaches its cap, so memory stays bounded.
 */
const digests = new Map<string, string>();

function digest(algorithm: 'md5' | 'sha256', text: string): string {
  const key = `${algorithm}:${text}`;
  let hex = digests.get(key);
  if (hex === undefined) {
    if (digests.size >= MAX_FINGERPRINT_DIGESTS_CACHED) digests.clear();
    hex = createHash(algorithm).update(text, 'latin1').digest('hex');
    digests.set(key, hex);
  }
  return hex;
}

function md5(text: string): string {
  return digest('md5', text);
}

function sha256Prefix(text: string): string {
  return digest('sha256', text).slice(0, 12);
}

/** What the fingerprints read of a decoded ClientHello (the quick scan reads the same from its bytes). */
export function clientHelloCodePoints(ch: ClientHello): ClientHelloCodePoints {
  const firstAlpn = firstAlpnProtocol(ch.extensions);
  return {
    legacyVersion: ch.legacyVersion,
    cipherSuites: ch.cipherSuites,
    extensionTypes: ch.extensions.map((e) => e.type),
    groups: extInfo(ch.extensions, 'supported_groups')?.groups ?? [],
    pointFormats: extInfo(ch.extensions, 'ec_point_formats')?.formats ?? [],
    signatureSchemes: extInfo(ch.extensions, 'signature_algorithms')?.schemes ?? [],
    versions: extInfo(ch.extensions, 'supported_versions')?.versions ?? [],
    ...(firstAlpn ? { firstAlpn } : {}),
  };
}

export function serverHelloCodePoints(sh: ServerHello): ServerHelloCodePoints {
  return { legacyVersion: sh.legacyVersion, cipherSuite: sh.cipherSuite, extensionTypes: sh.extensions.map((e) => e.type) };
}

/** JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats (decimal, `-`-joined, GREASE left out). */
export function ja3(ch: ClientHello): Ja3 {
  return ja3Of(clientHelloCodePoints(ch));
}

export function ja3Of(ch: ClientHelloCodePoints): Ja3 {
  const full = [
    String(ch.legacyVersion),
    ch.cipherSuites.filter(notGrease).join('-'),
    ch.extensionTypes.filter(notGrease).join('-'),
    ch.groups.filter(notGrease).join('-'),
    ch.pointFormats.join('-'),
  ].join(',');
  return { full, hash: md5(full) };
}

/** JA3S: SSLVersion,Cipher,Extensions of the ServerHello. */
export function ja3s(sh: ServerHello): Ja3 {
  return ja3sOf(serverHelloCodePoints(sh));
}

export function ja3sOf(sh: ServerHelloCodePoints): Ja3 {
  const full = [String(sh.legacyVersion), String(sh.cipherSuite), sh.extensionTypes.filter(notGrease).join('-')].join(',');
  return { full, hash: md5(full) };
}

const hex4 = (code: number): string => code.toString(16).padStart(4, '0');

/** Two digits, capped at 99 as the specification says. */
const count2 = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');

export function ja4(ch: ClientHello): Ja4 {
  return ja4Of(clientHelloCodePoints(ch));
}

export function ja4Of(ch: ClientHelloCodePoints): Ja4 {
  const suites = ch.cipherSuites.filter(notGrease).map(hex4);
  const extTypes = ch.extensionTypes.filter(notGrease);
  const sigs = ch.signatureSchemes.filter(notGrease).map(hex4);
  const a = `t${ja4Version(ch)}${extTypes.includes(EXT_SERVER_NAME) ? 'd' : 'i'}${count2(suites.length)}${count2(extTypes.length)}${ja4Alpn(ch.firstAlpn)}`;
  // Sorted forms leave SNI and ALPN out (section a has them); original-order forms keep them.
  const sortedExts = extTypes.filter((t) => t !== EXT_SERVER_NAME && t !== EXT_ALPN).map(hex4).sort();
  const originalExts = extTypes.map(hex4);
  const sortedSuites = [...suites].sort();
  const c = (exts: string[]): string => (exts.length > 0 && sigs.length > 0 ? `${exts.join(',')}_${sigs.join(',')}` : exts.join(','));
  const hashOf = (list: string): string => (list === '' ? EMPTY_JA4_HASH : sha256Prefix(list));
  const hashC = (exts: string[]): string => (exts.length === 0 ? EMPTY_JA4_HASH : sha256Prefix(c(exts)));
  return {
    ja4: `${a}_${hashOf(sortedSuites.join(','))}_${hashC(sortedExts)}`,
    ja4_r: `${a}_${sortedSuites.join(',')}_${c(sortedExts)}`,
    ja4_o: `${a}_${hashOf(suites.join(','))}_${hashC(originalExts)}`,
    ja4_ro: `${a}_${suites.join(',')}_${c(originalExts)}`,
  };
}

/** The highest non-GREASE supported_versions entry, else the hello's legacy version. */
function ja4Version(ch: ClientHelloCodePoints): string {
  const offered = ch.versions.filter(notGrease);
  const version = offered.length > 0 ? Math.max(...offered) : ch.legacyVersion;
  return JA4_VERSIONS[version] ?? '00';
}

const isAlphanumeric = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * First and last character of the first ALPN protocol; when either end byte is not an ASCII
 * letter or digit, the first and last characters of the protocol's hex instead; "00" without one.
 */
function ja4Alpn(first: Uint8Array | undefined): string {
  if (!first || first.length === 0) return '00';
  const lo = first[0];
  const hi = first[first.length - 1];
  if (isAlphanumeric(lo) && isAlphanumeric(hi)) return String.fromCharCode(lo, hi);
  const hex = Buffer.from(first).toString('hex');
  return `${hex[0]}${hex[hex.length - 1]}`;
}

/**
 * The first protocol name's bytes, read from the extension body itself: the decoded list holds
 * text, and the JA4 rule for non-alphanumeric names needs the bytes. A body too short for its
 * lengths gives no name.
 */
function firstAlpnProtocol(extensions: readonly Extension[]): Uint8Array | undefined {
  const ext = extensions.find((e) => e.type === EXT_ALPN);
  if (!ext) return undefined;
  const body = Buffer.from(ext.data, 'hex');
  if (body.length < 3) return undefined;
  const len = body[2];
  if (3 + len > body.length) return undefined;
  return body.subarray(3, 3 + len);
}
