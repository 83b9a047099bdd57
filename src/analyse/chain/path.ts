// Building the certification path the way a verifier would: sent certificates first, then the
// trust store, recording why each candidate issuer was rejected. Kept apart from the checks
// (analyse.ts) because it is search with caches shared across a fleet, not judgement.

import { parseCertificate } from '../certificates/parse.js';
import type { ParsedCertificate } from '../certificates/types.js';
import type { TrustAnchor, TrustStore } from './trust-store.js';

export const DAY = 86_400_000;
export const MAX_PATH = 12;

// A fleet check sees the same intermediates again and again: parsed certificates are immutable,
// so they are shared through a small bounded cache keyed by their DER.
const PARSE_CACHE_MAX = 2048;
const parseCache = new Map<string, ParsedCertificate>();

export function parseCached(der: Uint8Array | string): ParsedCertificate {
  const key = typeof der === 'string' ? der.toLowerCase() : Buffer.from(der).toString('hex');
  const hit = parseCache.get(key);
  if (hit) return hit;
  const parsed = parseCertificate(key);
  if (parseCache.size >= PARSE_CACHE_MAX) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(key, parsed);
  return parsed;
}

export interface PathNode {
  cert: ParsedCertificate;
  sentIndex: number | null;
  anchor?: TrustAnchor;
  /** caIssuers URL a certificate the server did not send was fetched from (check). */
  fetchedFrom?: string;
}

export type PathEnd =
  | { kind: 'anchor'; anchor: TrustAnchor; sent: boolean }
  | { kind: 'self-signed-leaf' }
  | { kind: 'untrusted-root' }
  | { kind: 'missing-issuer'; issuer: string; caIssuers: string[]; rejected: string[] }
  | { kind: 'too-long' };

// Signature checks are the costliest step and repeat across a fleet (every leaf's intermediate is
// verified against the same root): the answer for a (child, issuer) pair never changes.
const verifyCache = new Map<string, boolean>();

function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const key = `${child.info.fingerprint256}:${issuer.info.fingerprint256}`;
  const hit = verifyCache.get(key);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    ok = child.x509.verify(issuer.x509.publicKey);
  } catch {
    ok = false;
  }
  if (verifyCache.size >= PARSE_CACHE_MAX) verifyCache.delete(verifyCache.keys().next().value as string);
  verifyCache.set(key, ok);
  return ok;
}

export function name(c: ParsedCertificate): string {
  return c.info.subject || '(empty subject)';
}

/**
 * Whole days from `from` to `to`, rounded toward zero: the floor of the elapsed days, signed. The
 * Days column (-2160) and the reason ("expired … (2160 days ago)") use this one rule, so they
 * show the same number; flooring the signed value gave -2161 beside "2160 days ago".
 */
export function daysBetween(from: number, to: number): number {
  const whole = Math.floor(Math.abs(to - from) / DAY);
  return to >= from ? whole : whole === 0 ? 0 : -whole;
}

/**
 * A store anchor with `child`'s issuer name whose key verifies its signature, and why others did
 * not. Of several (a root re-issued with the same name and key), one valid at `at` is preferred,
 * as OpenSSL's issuer lookup does; else the first.
 */
function trustedIssuer(child: ParsedCertificate, store: TrustStore, rejected: string[], at?: number): TrustAnchor | undefined {
  let first: TrustAnchor | undefined;
  for (const anchor of store.bySubject.get(child.issuerDer.toString('hex')) ?? []) {
    // Anchors are parsed lazily; one that does not parse is a rejected candidate, not a crash.
    try {
      void anchor.cert;
    } catch (e) {
      rejected.push(`trust anchor from ${originLabel(anchor)} has the issuer's name but does not parse: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (!signedBy(child, anchor.cert)) {
      rejected.push(`trust anchor "${name(anchor.cert)}" has the issuer's name but its key does not verify the signature`);
      continue;
    }
    const info = anchor.cert.info;
    if (at === undefined || (Date.parse(info.notBefore) <= at && at <= Date.parse(info.notAfter))) return anchor;
    first ??= anchor;
  }
  return first;
}

/**
 * Builds leaf → … → anchor. At each step the trust store is asked first, then the sent
 * certificates (OpenSSL's X509_V_FLAG_TRUSTED_FIRST, its default, and what browsers do): when a
 * server sends its root cross-signed by an older root for old clients, the path ends at the
 * self-signed root the store holds with the same name and key, not at the old (perhaps expired or
 * absent) root. An anchor the server also sent keeps its sent index (a root included). `at` (ms)
 * picks among store anchors that differ only in validity.
 */
export function buildPath(sent: Array<ParsedCertificate | undefined>, store: TrustStore, at?: number): { path: PathNode[]; end: PathEnd } {
  const leaf = sent[0] as ParsedCertificate;
  const path: PathNode[] = [{ cert: leaf, sentIndex: 0 }];
  const used = new Set<number>([0]);
  for (;;) {
    const cur = path[path.length - 1];
    const pinned = store.byFingerprint.get(cur.cert.info.fingerprint256);
    if (pinned) {
      cur.anchor = pinned;
      return { path, end: { kind: 'anchor', anchor: pinned, sent: cur.sentIndex !== null } };
    }
    if (path.length >= MAX_PATH) return { path, end: { kind: 'too-long' } };
    if (cur.cert.info.selfSigned) return { path, end: path.length === 1 ? { kind: 'self-signed-leaf' } : { kind: 'untrusted-root' } };
    const rejected: string[] = [];
    const anchor = trustedIssuer(cur.cert, store, rejected, at);
    const fingerprint = anchor?.cert.info.fingerprint256;
    let next: PathNode | undefined;
    sent.forEach((cand, i) => {
      if (next || !cand || used.has(i) || !cand.subjectDer.equals(cur.cert.issuerDer)) return;
      if (anchor && cand.info.fingerprint256 !== fingerprint) return; // the store's issuer comes first
      if (signedBy(cur.cert, cand)) next = { cert: cand, sentIndex: i };
      else rejected.push(`sent #${i} has the issuer's name but its key does not verify the signature`);
    });
    if (next) {
      used.add(next.sentIndex as number);
      path.push(next);
      continue;
    }
    if (anchor) {
      path.push({ cert: anchor.cert, sentIndex: null, anchor });
      return { path, end: { kind: 'anchor', anchor, sent: false } };
    }
    return { path, end: { kind: 'missing-issuer', issuer: cur.cert.info.issuer, caIssuers: cur.cert.info.aia.caIssuers, rejected } };
  }
}

export function originLabel(a: TrustAnchor): string {
  if (a.origin === 'system') return "Node's root store";
  if (a.origin === 'ca-file') return `--ca ${a.file ?? ''}`.trim();
  return `NODE_EXTRA_CA_CERTS ${a.file ?? ''}`.trim();
}
