// What the finding rules read from a scan result: the rule's shape, and the helpers the table in
// findings.ts is built from (a rule on versions, on accepted suites, on certificates) together with
// the tests that need more than one line. Pure functions of the result.

import { cipherSuites, isForwardSecret, label, Version, versionName } from '../registry/index.js';
import type { CertificateSeen, ProbeOutcome, ScanResult, Severity } from './types.js';

/** What a rule saw, one per occurrence; `severity` and `cve` override the rule's when the evidence
 * makes it worse, milder or narrower. */
export interface Hit {
  seen: string;
  severity?: Severity;
  cve?: string[];
  /** Server bytes that decided it (hex, already capped by the probe). */
  bytesHex?: string;
  /** The evidence line when it says more than `seen` (which goes into the reason). */
  detail?: string;
}

export interface FindingRule {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  /** The weakness in plain words, for a reader who has not met it (the finding's `explanation`). */
  explain: string;
  cve?: string[];
  /** The check the evidence comes from (the finding's `evidence.probe`). */
  probe: string;
  /** Hits, one per occurrence; undefined or [] when the rule does not apply. */
  test: (r: ScanResult) => Hit | Hit[] | undefined;
  /** The finding's one line; default `why`, then `; seen` when something specific was seen. Rows
   * whose evidence is already a whole sentence (a certificate, a count) show it alone. */
  reason?: (seen: string, why: string) => string;
}

export function suiteParts(code: number): { name: string; enc: string; kx: string; auth: string } {
  const s = cipherSuites.get(code);
  return { name: s?.name ?? '', enc: (s?.enc ?? '').toUpperCase(), kx: (s?.kx ?? '').toUpperCase(), auth: s?.auth ?? '' };
}

export const supportedVersions = (r: ScanResult): Set<number> => new Set(r.versions.filter((v) => v.supported).map((v) => v.version));

/** Every accepted suite, in the order first seen across versions. */
export const acceptedSuites = (r: ScanResult): number[] => [...new Set(r.versions.flatMap((v) => v.suites.map((s) => s.code)))];

export const isCbc = (code: number): boolean => suiteParts(code).enc.includes('CBC');

export const when = (condition: boolean, seen = '', detail?: string): Hit | undefined => (condition ? { seen, ...(detail ? { detail } : {}) } : undefined);

/** `A, B, C and 4 more`. */
export function suiteList(codes: readonly number[]): string {
  return codes.slice(0, 3).map((c) => label(cipherSuites, c)).join(', ') + (codes.length > 3 ? ` and ${codes.length - 3} more` : '');
}

export const versionRule = (id: string, severity: Severity, version: number, why: string, explain: string): FindingRule => ({
  id,
  severity,
  title: `${versionName(version)} enabled`,
  why,
  explain,
  probe: 'versions',
  test: (r) => when(supportedVersions(r).has(version), '', `a ${versionName(version)} ClientHello was answered with a ${versionName(version)} ServerHello`),
});

export type SuiteMatch = (name: string, enc: string, kx: string, auth: string) => boolean;

/** A rule on the suites accepted in any version, matched on the suite's name and registry words. */
export const suiteRule = (id: string, severity: Severity, title: string, why: string, explain: string, match: SuiteMatch, cve?: string[]): FindingRule => ({
  id,
  severity,
  title: `${title} accepted`,
  why,
  explain,
  ...(cve ? { cve } : {}),
  probe: 'cipher-suites',
  test: (r) => {
    const hits = acceptedSuites(r).filter((c) => {
      const p = suiteParts(c);
      return match(p.name, p.enc, p.kx, p.auth);
    });
    return when(hits.length > 0, `accepted: ${suiteList(hits)}`);
  },
});

export const certificateRule = (id: string, severity: Severity, title: string, why: string, explain: string, seen: (c: CertificateSeen) => string | undefined): FindingRule => ({
  id,
  severity,
  title,
  why,
  explain,
  probe: 'certificates',
  test: (r) => r.certificates.flatMap((c) => {
    const s = seen(c);
    return s === undefined ? [] : [{ seen: s }];
  }),
  reason: (s) => s,
});

/** CBC-only: no AEAD suite at all (CBC, stream or NULL ciphers only) in the best version below 1.3. */
export function cbcOnly(r: ScanResult): Hit | undefined {
  const best = r.versions.filter((v) => v.supported && v.version <= Version.TLS12).pop();
  const aead = (code: number): boolean => cipherSuites.get(code)?.mac === 'AEAD';
  const cbc = best !== undefined && best.suites.some((s) => isCbc(s.code)) && !best.suites.some((s) => aead(s.code));
  return best && cbc && !supportedVersions(r).has(Version.TLS13) ? { seen: versionName(best.version) } : undefined;
}

/** CBC suites accepted in the given versions: `TLS 1.0: A, B`. */
export function cbcIn(r: ScanResult, versions: readonly number[]): Hit | undefined {
  const parts = r.versions
    .filter((v) => v.supported && versions.includes(v.version))
    .map((v) => ({ v, cbc: v.suites.map((s) => s.code).filter(isCbc) }))
    .filter((x) => x.cbc.length > 0)
    .map((x) => `${versionName(x.v.version)}: ${suiteList(x.cbc)}`);
  return parts.length > 0 ? { seen: `CBC suites accepted in ${parts.join('; ')}` } : undefined;
}

export function weakDh(r: ScanResult): Hit | undefined {
  const dh = r.versions.flatMap((v) => v.suites.filter((s) => s.dhBits !== undefined && s.dhBits < 2048).map((s) => ({ v: v.version, code: s.code, bits: s.dhBits! })));
  if (dh.length === 0) return undefined;
  const min = dh.reduce((a, b) => (b.bits < a.bits ? b : a));
  const detail = `the ServerKeyExchange for ${label(cipherSuites, min.code)} in ${versionName(min.v)} carried a ${min.bits}-bit prime${dh.length > 1 ? ` (${dh.length} DHE suites below 2048 bits)` : ''}`;
  return { seen: String(min.bits), detail, severity: min.bits < 1024 ? 'critical' : 'high' };
}

export function staticKeyExchange(r: ScanResult): Hit | undefined {
  const all = acceptedSuites(r);
  if (!all.some(isForwardSecret)) return undefined; // no-forward-secrecy says it
  const nonFs = all.filter((c) => !isForwardSecret(c) && cipherSuites.has(c));
  return nonFs.length > 0 ? { seen: `${nonFs.length} accepted suite(s) use static RSA/DH key exchange, e.g. ${label(cipherSuites, nonFs[0])}` } : undefined;
}

/** FREAK is RSA_EXPORT; export DHE is Logjam's downgrade. */
export function exportSuites(r: ScanResult): Hit | undefined {
  const hits = acceptedSuites(r).filter((c) => suiteParts(c).name.includes('EXPORT'));
  if (hits.length === 0) return undefined;
  const cve = [...(hits.some((c) => /^TLS_RSA_EXPORT/.test(suiteParts(c).name)) ? ['CVE-2015-0204'] : []), ...(hits.some((c) => /^TLS_DHE?_.*EXPORT/.test(suiteParts(c).name)) ? ['CVE-2015-4000'] : [])];
  return { seen: `accepted: ${suiteList(hits)}`, ...(cve.length > 0 ? { cve } : {}) };
}

/** The version the fallback probe claimed: the highest supported below the server's highest (features.ts). */
export function fallbackDetail(r: ScanResult): string {
  const supported = [...supportedVersions(r)].sort((a, b) => a - b);
  const lower = supported.filter((v) => v < supported[supported.length - 1]).pop();
  const top = supported[supported.length - 1];
  return lower === undefined
    ? 'a ClientHello with TLS_FALLBACK_SCSV got a ServerHello'
    : `a ${versionName(lower)} ClientHello with TLS_FALLBACK_SCSV (0x5600), below the server's ${versionName(top)}, got a ServerHello instead of an inappropriate_fallback alert`;
}

export function renegotiationDetail(r: ScanResult): string {
  const best = r.versions.filter((v) => v.supported && v.version <= Version.TLS12).pop()?.version;
  if (best === undefined) return 'the ServerHello carried no renegotiation_info extension';
  const offered = best === Version.SSL3 ? 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' : 'an empty renegotiation_info extension';
  return `the ${versionName(best)} ServerHello carried no renegotiation_info extension (the ClientHello offered ${offered})`;
}

export function probeHit(outcome: ProbeOutcome | null | undefined): Hit | undefined {
  if (outcome?.verdict !== 'vulnerable') return undefined;
  return { seen: '', detail: outcome.detail, ...(outcome.bytesHex ? { bytesHex: outcome.bytesHex } : {}) };
}

