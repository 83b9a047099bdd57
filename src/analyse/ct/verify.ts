// One SCT's verdict (RFC 6962 §3.2): which log signed it (from the log list), whether the
// signature verifies over what that log saw (the leaf itself for SCTs sent in TLS or an OCSP
// staple, the precertificate for SCTs embedded in the certificate), and whether its timestamp and
// the log's state allow it. Signatures are checked with Node's crypto; nothing here throws on
// peer data.

import { createHash, verify as cryptoVerify } from 'node:crypto';
import { isoTime, type DecodedSct } from '../../decode/sct.js';

/** The largest time a JavaScript Date holds (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;
import type { CtLog, CtLogList } from './log-list.js';

/** Where the SCT came from. */
export type SctSource = 'certificate' | 'tls' | 'ocsp';

/**
 * valid: the listed log's signature verifies and nothing else is wrong; invalid-signature: it
 * does not; unknown-log: the log is not in the list; retired-log: verifies, but the log is retired
 * (or was retired before the SCT was issued); untrusted-log: pending or rejected; future-timestamp:
 * verifies, but the SCT is dated after the check; malformed: could not be read or is not v1;
 * unverifiable: well formed and from a listed log, but what it signs cannot be rebuilt (an embedded
 * SCT whose certificate's issuer is unknown), so it is neither valid nor invalid.
 */
export type SctStatus = 'valid' | 'invalid-signature' | 'unknown-log' | 'retired-log' | 'untrusted-log' | 'future-timestamp' | 'malformed' | 'unverifiable';

export interface SctResult {
  source: SctSource;
  /** Log ID, base64 as log lists write it. */
  logId?: string;
  /** From the log list. */
  log?: { description: string; operator: string; state?: string; stateAt?: string; url?: string };
  /** ISO time the log wrote. */
  timestamp?: string;
  version: number;
  /** `ecdsa-sha256`, `rsa-sha256`, or the two code points. */
  signatureAlgorithm?: string;
  /** CtExtensions, hex (empty for almost every log). */
  extensions?: string;
  /** Whether the signature verified (absent when it could not be checked: unknown log, malformed). */
  signatureValid?: boolean;
  status: SctStatus;
  /** One sentence: the verdict and why. */
  detail: string;
}

/** What each SCT's signature covers (RFC 6962 §3.2 signed_entry). */
export interface SignedEntries {
  /** The leaf DER (x509_entry). */
  leaf: Buffer;
  /** SHA-256 of the issuer's SubjectPublicKeyInfo and the precertificate TBS (precert_entry); absent without an issuer. */
  precert?: { issuerKeyHash: Buffer; tbs: Buffer };
  /** Why `precert` is absent (embedded SCTs are then unverifiable); default: the issuer is unknown. */
  noPrecert?: string;
}

/** Why an embedded SCT cannot be checked when the leaf's issuer is not known (not sent, not fetched). */
export const ISSUER_UNKNOWN = 'the issuer is unknown (not sent, not fetched), so the precertificate cannot be rebuilt';

function u64(ms: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(ms));
  return b;
}

function u24Vector(data: Buffer): Buffer {
  const len = Buffer.from([(data.length >> 16) & 0xff, (data.length >> 8) & 0xff, data.length & 0xff]);
  return Buffer.concat([len, data]);
}

/** The bytes an SCT's signature covers (RFC 6962 §3.2 digitally-signed struct). */
export function signedData(sct: DecodedSct, entry: { type: 'x509'; leaf: Buffer } | { type: 'precert'; issuerKeyHash: Buffer; tbs: Buffer }): Buffer {
  const ext = Buffer.from(sct.extensions ?? '', 'hex');
  const extVec = Buffer.concat([Buffer.from([(ext.length >> 8) & 0xff, ext.length & 0xff]), ext]);
  const head = Buffer.concat([Buffer.from([sct.version, 0]), u64(sct.timestamp ?? 0)]);
  const body = entry.type === 'x509' ? Buffer.concat([Buffer.from([0, 0]), u24Vector(entry.leaf)]) : Buffer.concat([Buffer.from([0, 1]), entry.issuerKeyHash, u24Vector(entry.tbs)]);
  return Buffer.concat([head, body, extVec]);
}

/** SHA-256 over the issuer's SubjectPublicKeyInfo DER. */
export function issuerKeyHash(issuerSpkiDer: Buffer): Buffer {
  return createHash('sha256').update(issuerSpkiDer).digest();
}

function algorithmName(sct: DecodedSct): string {
  const hash = sct.hashAlgorithm === 4 ? 'sha256' : `hash ${sct.hashAlgorithm}`;
  const sig = sct.signatureAlgorithm === 3 ? 'ecdsa' : sct.signatureAlgorithm === 1 ? 'rsa' : `signature ${sct.signatureAlgorithm}`;
  return `${sig}-${hash}`;
}

/** Whether the SCT's algorithm fits the log's key (RFC 6962 §2.1.4: SHA-256 with ECDSA P-256 or RSA). */
function algorithmFits(sct: DecodedSct, log: CtLog): boolean {
  if (sct.hashAlgorithm !== 4) return false;
  const type = log.key?.asymmetricKeyType;
  return (sct.signatureAlgorithm === 3 && type === 'ec') || (sct.signatureAlgorithm === 1 && type === 'rsa');
}

function verifies(sct: DecodedSct, log: CtLog, data: Buffer): boolean {
  if (!log.key || !algorithmFits(sct, log)) return false;
  try {
    return cryptoVerify('sha256', data, log.key, Buffer.from(sct.signature ?? '', 'hex'));
  } catch {
    return false;
  }
}

function logFacts(log: CtLog): NonNullable<SctResult['log']> {
  return { description: log.description, operator: log.operator, ...(log.state ? { state: log.state } : {}), ...(log.stateAt ? { stateAt: log.stateAt } : {}), ...(log.url ? { url: log.url } : {}) };
}

/** The verdict for one SCT at the pinned clock `at`. */
export function judgeSct(sct: DecodedSct, source: SctSource, entries: SignedEntries, list: CtLogList, at: Date): SctResult {
  const base: Omit<SctResult, 'status' | 'detail'> = {
    source,
    version: sct.version,
    ...(sct.logId ? { logId: Buffer.from(sct.logId, 'hex').toString('base64') } : {}),
    ...(sct.timestamp !== undefined && Number.isSafeInteger(sct.timestamp) && sct.timestamp <= MAX_DATE_MS ? { timestamp: new Date(sct.timestamp).toISOString() } : {}),
    ...(sct.hashAlgorithm !== undefined ? { signatureAlgorithm: algorithmName(sct) } : {}),
    ...(sct.extensions !== undefined ? { extensions: sct.extensions } : {}),
  };
  if (sct.issue) return { ...base, status: 'malformed', detail: `SCT could not be read: ${sct.issue.reason}` };
  if (sct.version !== 0) return { ...base, status: 'malformed', detail: `SCT version ${sct.version} is not v1 (0), the only version RFC 6962 defines` };
  if (base.timestamp === undefined) return { ...base, status: 'malformed', detail: `SCT timestamp ${isoTime(sct.timestamp ?? 0)} is not a time` };
  const log = list.logs.get(sct.logId ?? '');
  if (!log) return { ...base, status: 'unknown-log', detail: `log ${base.logId} is not in the CT log list (${listName(list)})` };
  const withLog = { ...base, log: logFacts(log) };
  const who = `"${log.description}" (${log.operator})`;
  let data: Buffer;
  if (source === 'certificate') {
    // Nothing is wrong with the SCT itself: what it signs cannot be rebuilt here, so it is neither valid nor invalid.
    if (!entries.precert) return { ...withLog, status: 'unverifiable', detail: `embedded SCT from ${who} is not verifiable: ${entries.noPrecert ?? ISSUER_UNKNOWN}` };
    data = signedData(sct, { type: 'precert', ...entries.precert });
  } else {
    data = signedData(sct, { type: 'x509', leaf: entries.leaf });
  }
  const ok = verifies(sct, log, data);
  if (!ok) {
    const why = !log.key ? "the list's key for this log does not parse" : !algorithmFits(sct, log) ? `${algorithmName(sct)} does not fit the log's ${log.key.asymmetricKeyType} key` : 'the signature does not verify';
    return { ...withLog, signatureValid: false, status: 'invalid-signature', detail: `SCT from ${who}: ${why}` };
  }
  return { ...withLog, signatureValid: true, ...stateVerdict(sct, log, who, at) };
}

function listName(list: CtLogList): string {
  return list.source === 'bundled' ? `bundled list of ${list.timestamp ?? 'unknown date'}` : `${list.source}${list.timestamp ? ` of ${list.timestamp}` : ''}`;
}

/** A verified SCT: its timestamp against the clock, then the log's state. */
function stateVerdict(sct: DecodedSct, log: CtLog, who: string, at: Date): { status: SctStatus; detail: string } {
  const ts = sct.timestamp ?? 0;
  if (ts > at.getTime()) return { status: 'future-timestamp', detail: `SCT from ${who} verifies but is dated ${new Date(ts).toISOString()}, after the check` };
  if (log.state === 'retired') return { status: 'retired-log', detail: `SCT from ${who} verifies; the log was retired ${log.stateAt ?? '(date not listed)'}` };
  if (log.state === 'pending' || log.state === 'rejected') return { status: 'untrusted-log', detail: `SCT from ${who} verifies, but the log is ${log.state}${log.stateAt ? ` since ${log.stateAt}` : ''}` };
  return { status: 'valid', detail: `SCT from ${who} verifies (log ${log.state ?? 'state not listed'})` };
}
