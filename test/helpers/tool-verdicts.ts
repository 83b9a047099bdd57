// One shape for what a TLS scanner concluded about a server, so tls-trace's `scan --json`, sslscan
// and testssl.sh can be compared check by check (test/scan/agreement.test.ts, bench/scan.ts).
// Everything is in IANA code points: the tools' OpenSSL names go through the project's registry.
// A check a tool does not report (or could not test) is absent, never `false`.

import { cipherSuites, byName, namedGroups } from '../../src/registry/index.js';

/** `SSL 2.0`, `SSL 3.0`, `TLS 1.0` … `TLS 1.3`. */
export type VersionName = string;

export const VERSION_NAMES: readonly VersionName[] = ['SSL 2.0', 'SSL 3.0', 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3'];

/** Key for groups a tool lists without saying in which version it saw them (testssl.sh's curves). */
export const ANY_VERSION = 'any version';

export interface Verdicts {
  tool: string;
  /** Per version tested: offered or not. */
  protocols: Map<VersionName, boolean>;
  /** Accepted suites per offered version, sorted. */
  suites: Map<VersionName, number[]>;
  /** ECDHE groups (curves) per version, sorted; `ANY_VERSION` when the tool does not say. */
  groups: Map<VersionName, number[]>;
  /** Smallest DH prime used by an accepted DHE suite, in bits. */
  dhBits?: number;
  /** Yes/no verdicts, keyed by check name (CHECKS). */
  flags: Map<FlagCheck, boolean>;
}

/** The yes/no checks, each phrased so that `true` is the same fact for every tool. */
export const CHECKS = {
  secureRenegotiation: 'the server supports secure renegotiation (RFC 5746)',
  fallbackScsv: 'the server refuses a downgraded hello carrying TLS_FALLBACK_SCSV',
  compression: 'the server accepts TLS compression (CRIME)',
  heartbleed: 'the server leaks memory through heartbeats (Heartbleed)',
  ccsInjection: 'the server accepts an early ChangeCipherSpec (CCS injection)',
  clientRenegotiation: 'the server renegotiates when the client asks (TLS 1.2)',
} as const;
export type FlagCheck = keyof typeof CHECKS;

export function emptyVerdicts(tool: string): Verdicts {
  return { tool, protocols: new Map(), suites: new Map(), groups: new Map(), flags: new Map() };
}

const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** Adds `code` to the sorted list under `key`. */
export function addCode(map: Map<VersionName, number[]>, key: VersionName, code: number): void {
  map.set(key, sorted([...(map.get(key) ?? []), code]));
}

/** The elliptic-curve groups among `codes`, sorted (the check all three tools make). */
export function ecdheOnly(codes: Iterable<number>): number[] {
  return sorted([...codes].filter((c) => namedGroups.get(c)?.family === 'ecdhe'));
}

/** A suite's IANA code from an OpenSSL name (`ECDHE-RSA-AES128-GCM-SHA256`; TLS 1.3 names are IANA's). */
export function suiteByOpensslName(name: string): number | undefined {
  for (const s of cipherSuites.values()) if (s.openssl === name || s.name === name) return s.code;
  return undefined;
}

/** OpenSSL's aliases for curves whose IANA name differs (X9.62 `prime256v1` is secp256r1). */
const CURVE_ALIASES: Readonly<Record<string, string>> = { prime256v1: 'secp256r1', prime192v1: 'secp192r1' };

/** A group's IANA code from an OpenSSL curve name (`prime256v1`, `X25519`, `secp384r1`). */
export function groupByOpensslName(name: string): number | undefined {
  const lower = name.toLowerCase();
  return byName(namedGroups, CURVE_ALIASES[lower] ?? lower)?.code;
}

/** tls-trace's `scan --json` document, as far as the shared checks go. */
export interface ScanJson {
  ssl2: boolean | null;
  protocols: Array<{ version: { code: number; name: string }; supported: boolean; suites: Array<{ code: number; dhBits?: number }> }>;
  groups: { tls12: { groups: Array<{ code: number }> } | null; tls13: { groups: Array<{ code: number }> } | null };
  features: { secureRenegotiation: boolean | null; fallbackScsv: string | null; compression: number[] | null };
  findings: Array<{ id: string; severity: string }>;
  /** The probes past the first flight (Heartbleed, CCS injection), each null when not run. */
  probes?: Record<string, { verdict: 'vulnerable' | 'not-vulnerable' | 'unknown' } | null>;
  /** The session probes; client-initiated renegotiation is the one other tools check too. */
  session?: { renegotiation: { clientInitiated: 'accepted' | 'refused' | null } };
  stats: { probes: number; nodeHandshakes: number; connections?: number };
}

/** The yes/no checks tls-trace answers with a probe of its own, by their key under `probes`. */
const PROBE_CHECKS: ReadonlyArray<FlagCheck> = ['heartbleed', 'ccsInjection'];

export function tlsTraceVerdicts(doc: ScanJson): Verdicts {
  const v = emptyVerdicts('tls-trace');
  if (doc.ssl2 !== null) v.protocols.set('SSL 2.0', doc.ssl2);
  const dh: number[] = [];
  for (const p of doc.protocols) {
    v.protocols.set(p.version.name, p.supported);
    if (p.supported) v.suites.set(p.version.name, sorted(p.suites.map((s) => s.code)));
    for (const s of p.suites) if (s.dhBits) dh.push(s.dhBits);
  }
  if (dh.length) v.dhBits = Math.min(...dh);
  if (doc.groups.tls12) v.groups.set('TLS 1.2', ecdheOnly(doc.groups.tls12.groups.map((g) => g.code)));
  if (doc.groups.tls13) v.groups.set('TLS 1.3', ecdheOnly(doc.groups.tls13.groups.map((g) => g.code)));
  const f = doc.features;
  if (f.secureRenegotiation !== null) v.flags.set('secureRenegotiation', f.secureRenegotiation);
  if (f.fallbackScsv !== null) v.flags.set('fallbackScsv', f.fallbackScsv === 'protected');
  if (f.compression !== null) v.flags.set('compression', f.compression.length > 0);
  for (const check of PROBE_CHECKS) {
    const verdict = doc.probes?.[check]?.verdict;
    if (verdict === 'vulnerable' || verdict === 'not-vulnerable') v.flags.set(check, verdict === 'vulnerable');
  }
  const reneg = doc.session?.renegotiation.clientInitiated;
  if (reneg) v.flags.set('clientRenegotiation', reneg === 'accepted');
  return v;
}

export interface Comparison {
  /** The checks both tools reported, by name (`TLS 1.2 suites`, `heartbleed` …). */
  compared: string[];
  /** One sentence per check on which they differ. */
  disagreements: string[];
}

const hex = (c: number): string => `0x${c.toString(16).padStart(4, '0')}`;

function compareLists(name: string, a: Verdicts, x: number[], b: Verdicts, y: number[], out: Comparison): void {
  out.compared.push(name);
  const onlyA = x.filter((c) => !y.includes(c));
  const onlyB = y.filter((c) => !x.includes(c));
  if (onlyA.length) out.disagreements.push(`${name}: ${a.tool} has ${onlyA.map(hex).join(' ')}, ${b.tool} does not`);
  if (onlyB.length) out.disagreements.push(`${name}: ${b.tool} has ${onlyB.map(hex).join(' ')}, ${a.tool} does not`);
}

/** Groups one tool lists per version against another's version-less list: the union must match. */
function groupLists(v: Verdicts, key: VersionName, other: Verdicts): number[] | undefined {
  if (key !== ANY_VERSION || v.groups.has(ANY_VERSION)) return v.groups.get(key);
  return other.groups.size && v.groups.size ? sorted([...v.groups.values()].flat()) : undefined;
}

/** Every check both `a` and `b` report, and where they differ. */
export function compareVerdicts(a: Verdicts, b: Verdicts): Comparison {
  const out: Comparison = { compared: [], disagreements: [] };
  for (const name of VERSION_NAMES) {
    const x = a.protocols.get(name);
    const y = b.protocols.get(name);
    if (x === undefined || y === undefined) continue;
    out.compared.push(`${name} offered`);
    if (x !== y) out.disagreements.push(`${name}: ${a.tool} says ${x ? 'offered' : 'not offered'}, ${b.tool} says ${y ? 'offered' : 'not offered'}`);
    else if (x && a.suites.has(name) && b.suites.has(name)) compareLists(`${name} suites`, a, a.suites.get(name)!, b, b.suites.get(name)!, out);
  }
  const keys = new Set([...a.groups.keys(), ...b.groups.keys()]);
  for (const key of keys) {
    const x = groupLists(a, key, b);
    const y = groupLists(b, key, a);
    if (x && y) compareLists(`${key} ECDHE groups`, a, x, b, y, out);
  }
  if (a.dhBits !== undefined && b.dhBits !== undefined) {
    out.compared.push('smallest DH prime');
    if (a.dhBits !== b.dhBits) out.disagreements.push(`smallest DH prime: ${a.tool} ${a.dhBits} bits, ${b.tool} ${b.dhBits} bits`);
  }
  for (const check of Object.keys(CHECKS) as FlagCheck[]) {
    const x = a.flags.get(check);
    const y = b.flags.get(check);
    if (x === undefined || y === undefined) continue;
    out.compared.push(check);
    if (x !== y) out.disagreements.push(`${check} (${CHECKS[check]}): ${a.tool} says ${x ? 'yes' : 'no'}, ${b.tool} says ${y ? 'yes' : 'no'}`);
  }
  return out;
}
