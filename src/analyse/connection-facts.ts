// The facts of one row of `read`'s connections table: SNI, version, suite, ALPN (as the negotiated
// table words them, without code points), records, bytes and the outcome. A plain, complete
// handshake is read by the quick scan (src/decode/handshake-scan.ts); anything else, and any
// connection with key log lines to decrypt with, by the full decode → analyse pipeline.

import type { Capture } from '../capture/types.js';
import { scanHandshake, type ClientHelloCodePoints, type HandshakeScan, type ServerHelloCodePoints } from '../decode/handshake-scan.js';
import { MAX_FINGERPRINT_DIGESTS_CACHED } from '../limits.js';
import { ja3Of, ja3sOf, ja4Of, type Fingerprints } from './fingerprints.js';
import { cipherSuites, protocolVersions, type Registry, type RegistryEntry } from '../registry/index.js';
import { codePoint, showCodePoint } from './code-point.js';
import { summariseCapture } from './pipeline.js';
import type { TraceOutcome } from './types.js';

export interface ConnectionFacts {
  sni?: string;
  version?: string;
  cipherSuite?: string;
  alpn?: string;
  records: number;
  bytes: { client: number; server: number };
  outcome: TraceOutcome;
  /** JA3/JA4 of the ClientHello, JA3S of the ServerHello (as the full analysis gives them). */
  fingerprints: Fingerprints;
  /** A side answered with something that is not TLS (HTTP, SSH, …): the decoder's finding. */
  notTls?: true;
}

/** A table value as the row shows it: the first line, without the code point; none when unknown. */
export function rowWords(words: string | undefined): string | undefined {
  return words !== undefined && words !== 'unknown' && words !== '' ? words.split('\n')[0].replace(/ \(0x[0-9a-f]+\)$/, '') : undefined;
}

export function connectionFacts(capture: Capture): ConnectionFacts {
  return quickConnectionFacts(capture) ?? fullConnectionFacts(capture);
}

/** The facts from the quick scan, or undefined when the connection is not a plain complete handshake. */
export function quickConnectionFacts(capture: Capture): ConnectionFacts | undefined {
  // A prologue, gaps, truncation, a key log or Node's own view each add to what the full path says.
  const plain = capture.keylog.length === 0 && !capture.error && !capture.node && !capture.prologue?.length && !capture.gaps?.length && !capture.truncated?.length;
  const scan = plain ? scanHandshake(capture.chunks) : undefined;
  return scan?.protectedBoth ? scannedFacts(capture, scan) : undefined;
}

/** The facts through the full pipeline (what the quick scan must agree with). */
export function fullConnectionFacts(capture: Capture): ConnectionFacts {
  const { analysis, decoded } = summariseCapture(capture);
  const value = (key: string): string | undefined => rowWords(analysis.table.find((r) => r.key === key)?.value);
  return {
    ...optional('sni', analysis.negotiated.sni.value),
    ...optional('version', value('version')),
    ...optional('cipherSuite', value('cipherSuite')),
    ...optional('alpn', value('alpn')),
    records: decoded.records.length,
    bytes: analysis.bytes,
    outcome: analysis.outcome,
    fingerprints: analysis.fingerprints,
    ...(decoded.notTls ? { notTls: true as const } : {}),
  };
}

/**
 * The same words deriveNegotiated and negotiatedRows give for a complete handshake: ALPN is the
 * ServerHello's in TLS ≤ 1.2 ("none" when it chose none), and in TLS 1.3 "none" when the client
 * did not offer it, else unknown (the choice is encrypted).
 */
export function scannedFacts(capture: Capture, scan: HandshakeScan): ConnectionFacts {
  const fingerprints = helloFingerprints(scan);
  const bytes = { client: 0, server: 0 };
  for (const c of capture.chunks) bytes[c.direction] += c.bytes.length;
  const tls13 = scan.version === 0x0304;
  const alpn = tls13 ? (scan.alpnOffered ? undefined : 'none') : (scan.serverAlpn ?? 'none');
  const version = registryWords(versionWords, protocolVersions, scan.version);
  const cipherSuite = registryWords(suiteWords, cipherSuites, scan.cipherSuite);
  // Set key by key (a row per connection): the optional ones only when known, as the full path gives them.
  const facts: ConnectionFacts = { records: scan.records, bytes, outcome: { complete: true, summary: 'Handshake complete' }, fingerprints };
  if (scan.sni !== undefined) facts.sni = scan.sni;
  if (version !== undefined) facts.version = version;
  if (cipherSuite !== undefined) facts.cipherSuite = cipherSuite;
  if (alpn !== undefined) facts.alpn = alpn;
  return facts;
}

/** A row's words for a version or suite, made once per code point (a table has few and many rows). */
const versionWords = new Map<number, string | undefined>();
const suiteWords = new Map<number, string | undefined>();

function registryWords<E extends RegistryEntry>(known: Map<number, string | undefined>, registry: Registry<E>, code: number): string | undefined {
  if (known.has(code)) return known.get(code);
  const words = rowWords(showCodePoint(codePoint(registry, code)));
  // At most 65,536 entries each (16-bit code points): bounded whatever the capture holds.
  known.set(code, words);
  return words;
}

/**
 * The fingerprints of the two hellos the scan found, from the code points it read of them (the
 * ones the decoder's hellos hold: test/analyse/connection-facts.test.ts compares the two).
 */
function helloFingerprints(scan: HandshakeScan): Fingerprints {
  const key = codePointsKey(scan.clientCodePoints, scan.serverCodePoints);
  const known = sharedFingerprints.get(key);
  if (known) return known;
  const ch = scan.clientCodePoints;
  const fp = { ja3: ja3Of(ch), ja4: ja4Of(ch), ja3s: ja3sOf(scan.serverCodePoints) };
  if (sharedFingerprints.size >= MAX_FINGERPRINT_DIGESTS_CACHED) sharedFingerprints.clear();
  sharedFingerprints.set(key, fp);
  return fp;
}

/**
 * One object for each distinct set of fingerprints: the table keeps every row until it prints,
 * and the clients in one capture mostly send the same hellos, so the rows share these strings
 * (a few hundred bytes a row) instead of each holding a copy, and the strings and digests are
 * made once per kind of hello, not once per connection. Rows are never changed in place.
 */
const sharedFingerprints = new Map<string, Fingerprints>();

/**
 * Every input of the three fingerprints as one string of 16-bit code units, each list led by its
 * length so no two different inputs give the same key. Filled into one array of the exact size and
 * decoded at once: a key per connection, and pushing each value and spreading them into
 * String.fromCharCode made kilobytes of garbage each time.
 */
function codePointsKey(ch: ClientHelloCodePoints, sh: ServerHelloCodePoints): string {
  const lists = [ch.cipherSuites, ch.extensionTypes, ch.groups, ch.pointFormats, ch.signatureSchemes, ch.versions, sh.extensionTypes, ch.firstAlpn ?? []];
  let size = 4 + lists.length;
  for (const list of lists) size += list.length;
  const units = new Uint16Array(size);
  units[0] = ch.legacyVersion;
  units[1] = sh.legacyVersion;
  units[2] = sh.cipherSuite;
  let at = 3;
  for (const list of lists) {
    units[at++] = list.length;
    for (let i = 0; i < list.length; i++) units[at++] = list[i];
  }
  units[at] = ch.firstAlpn ? 1 : 0;
  // UTF-16 code units as they lie in memory: one unit per value, whatever the byte order.
  return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('ucs2');
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
