// The facts of one row of `read`'s connections table: SNI, version, suite, ALPN (as the negotiated
// table words them, without code points), records, bytes and the outcome. A plain, complete
// handshake is read by the quick scan (src/decode/handshake-scan.ts); anything else, and any
// connection with key log lines to decrypt with, by the full decode → analyse pipeline.

import type { Capture } from '../capture/types.js';
import { scanHandshake, type HandshakeScan } from '../decode/handshake-scan.js';
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
}

/** A table value as the row shows it: the first line, without the code point; none when unknown. */
export function rowWords(words: string | undefined): string | undefined {
  return words !== undefined && words !== 'unknown' && words !== '' ? words.split('\n')[0].replace(/ \(0x[0-9a-f]+\)$/, '') : undefined;
}

export function connectionFacts(capture: Capture): ConnectionFacts {
  const plain = capture.keylog.length === 0 && !capture.error && !capture.node && !capture.gaps?.length && !capture.truncated?.length;
  const scan = plain ? scanHandshake(capture.chunks) : undefined;
  if (scan?.protectedBoth) return scannedFacts(capture, scan);
  return fullConnectionFacts(capture);
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
  };
}

/**
 * The same words deriveNegotiated and negotiatedRows give for a complete handshake: ALPN is the
 * ServerHello's in TLS ≤ 1.2 ("none" when it chose none), and in TLS 1.3 "none" when the client
 * did not offer it, else unknown (the choice is encrypted).
 */
export function scannedFacts(capture: Capture, scan: HandshakeScan): ConnectionFacts {
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
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
