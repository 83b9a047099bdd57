// The facts of one row of `read`'s connections table: SNI, version, suite, ALPN (as the negotiated
// table words them, without code points), records, bytes and the outcome. A plain, complete
// handshake is read by the quick scan (src/decode/handshake-scan.ts); anything else, and any
// connection with key log lines to decrypt with, by the full decode → analyse pipeline.

import type { Capture } from '../capture/types.js';
import { scanHandshake, type HandshakeScan } from '../decode/handshake-scan.js';
import { decodeClientHello, decodeServerHello } from '../decode/messages/hello.js';
import { ByteReader } from '../decode/reader.js';
import { MAX_FINGERPRINT_DIGESTS_CACHED } from '../limits.js';
import { ja3, ja3s, ja4, type Fingerprints } from './fingerprints.js';
import { cipherSuites, protocolVersions } from '../registry/index.js';
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
export function scannedFacts(capture: Capture, scan: HandshakeScan): ConnectionFacts | undefined {
  const fingerprints = helloFingerprints(scan);
  if (!fingerprints) return undefined;
  const bytes = { client: 0, server: 0 };
  for (const c of capture.chunks) bytes[c.direction] += c.bytes.length;
  const tls13 = scan.version === 0x0304;
  const alpn = tls13 ? (scan.alpnOffered ? undefined : 'none') : (scan.serverAlpn ?? 'none');
  return {
    ...optional('sni', scan.sni),
    ...optional('version', rowWords(showCodePoint(codePoint(protocolVersions, scan.version)))),
    ...optional('cipherSuite', rowWords(showCodePoint(codePoint(cipherSuites, scan.cipherSuite)))),
    ...optional('alpn', alpn),
    records: scan.records,
    bytes,
    outcome: { complete: true, summary: 'Handshake complete' },
    fingerprints,
  };
}

/**
 * The fingerprints of the two hellos the scan found, decoded by the full decoder's hello readers
 * (so the extension lists and their infos are the ones fingerprintsOf sees); undefined when either
 * does not decode cleanly, which leaves the connection to the full path.
 */
function helloFingerprints(scan: HandshakeScan): Fingerprints | undefined {
  try {
    const ch = decodeClientHello(helloReader(scan.clientHelloRecord));
    const sh = decodeServerHello(helloReader(scan.serverHelloRecord));
    return shared({ ja3: ja3(ch), ja4: ja4(ch), ja3s: ja3s(sh) });
  } catch {
    return undefined;
  }
}

/**
 * One object for each distinct set of fingerprints: the table keeps every row until it prints,
 * and the clients in one capture mostly send the same hellos, so the rows share these strings
 * (a few hundred bytes a row) instead of each holding a copy. Rows are never changed in place.
 */
const sharedFingerprints = new Map<string, Fingerprints>();

function shared(fp: Required<Fingerprints>): Fingerprints {
  // JA4's raw original-order form holds every input of the JA4s, JA3's full string the rest of the client's, JA3S's the server's.
  const key = `${fp.ja4.ja4_ro}|${fp.ja3.full}|${fp.ja3s.full}`;
  const known = sharedFingerprints.get(key);
  if (known) return known;
  if (sharedFingerprints.size >= MAX_FINGERPRINT_DIGESTS_CACHED) sharedFingerprints.clear();
  sharedFingerprints.set(key, fp);
  return fp;
}

/** A reader over the body of the handshake message at the start of `record` (its 4-byte header skipped). */
function helloReader(record: Uint8Array): ByteReader {
  const length = (record[1] << 16) | (record[2] << 8) | record[3];
  return new ByteReader(record, 4, 4 + length);
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
