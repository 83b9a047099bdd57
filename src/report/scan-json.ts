// The scan's JSON view: everything in the result in the vocabulary trace and check share
// (shared-json.ts): every code point written as `{ code, hex, name }` (so consumers need no
// registry), certificates as the shared summary, and every peer-supplied string escaped.
// schema/scan.schema.json describes it.

import { daysBetween } from '../analyse/chain/path.js';
import { codePoint } from '../analyse/code-point.js';
import type { CodePoint } from '../analyse/types.js';
import type { CertificateInfo } from '../analyse/certificates/types.js';
import { cipherSuites, namedGroups, protocolVersions, signatureSchemes, type Registry, type RegistryEntry } from '../registry/index.js';
import type { CertificateSeen, Finding, FindingEvidence, MozillaCompliance, ScanResult, ScanStarttls, SessionScan, VulnerabilityProbes } from '../scan/types.js';
import { GUIDELINE_SOURCE, type ProfileName } from '../scan/profiles/mozilla-guidelines.js';
import { escapeControl, escapeStrings } from './escape.js';
import { SCHEMA_VERSION, sansOf, type CertificateSummaryJson, type FindingSeverity } from './shared-json.js';

export const SCAN_JSON_FORMAT = 'tls-trace-scan';

export type CodePointJson = CodePoint;

/** A served leaf: the shared summary, its signature algorithm, and where it was served. */
export interface ScanCertificateJson extends CertificateSummaryJson {
  signatureAlgorithm?: CertificateInfo['signatureAlgorithm'];
  chainLength: number;
  servedFor: string[];
}

export interface SuiteJson extends CodePointJson {
  openssl?: string;
  kx?: string;
  auth?: string;
  enc?: string;
  mac?: string;
  bits?: number;
  group?: CodePointJson;
  dhBits?: number;
}

export interface FindingJson {
  id: string;
  severity: FindingSeverity;
  title: string;
  reason: string;
  explanation: string;
  /** Present when the weakness has CVE identifiers. */
  cve?: string[];
  evidence: FindingEvidence;
}

export interface ScanJson {
  format: typeof SCAN_JSON_FORMAT;
  schemaVersion: typeof SCHEMA_VERSION;
  target: ScanResult['target'];
  startedAt: string;
  durationMs: number;
  ssl2: boolean | null;
  protocols: Array<{ version: CodePointJson; supported: boolean; order: string | null; refusal: string | null; suites: SuiteJson[] }>;
  groups: {
    tls12: { groups: CodePointJson[]; order: string | null } | null;
    tls13: { groups: CodePointJson[]; order: string | null; typicalClient: { group: CodePointJson; helloRetryRequest: boolean } | null } | null;
  };
  signatureSchemes: { tls12: CodePointJson[] | null; tls13: CodePointJson[] | null; tls13Method: string };
  certificates: ScanCertificateJson[];
  features: ScanResult['features'];
  /** The probes that go past the first flight; each `null` when not run. */
  probes: VulnerabilityProbes;
  /** Renegotiation, resumption and 0-RTT probes (evidence escaped). */
  session?: SessionScan;
  /** The plaintext dialogue before TLS, when the scan went through STARTTLS (peer strings escaped). */
  starttls?: ScanStarttls;
  findings: FindingJson[];
  /** Mozilla's server-side TLS guidelines: the bundled version, the best configuration met, each one's deviations. */
  mozilla?: {
    guideline: string;
    source: string;
    required: ProfileName | null;
    best: ProfileName | null;
    profiles: Array<{ name: ProfileName; compliant: boolean; deviations: FindingJson[]; unchecked: string[] }>;
  };
  stats: ScanResult['stats'];
  notes: string[];
}

function cp<E extends RegistryEntry>(registry: Registry<E>, value: number): CodePointJson {
  return codePoint(registry, value);
}

/** Days left count from the scan's start, the one clock of the run (rounded as in check). */
function certificateJson(c: CertificateSeen, startedAt: string): ScanCertificateJson {
  const e = escapeControl;
  return {
    subject: e(c.subject),
    issuer: e(c.issuer),
    serial: c.serial,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    daysLeft: daysBetween(Date.parse(startedAt), Date.parse(c.notAfter)),
    publicKey: { ...c.publicKey },
    fingerprint256: c.fingerprint256,
    sans: sansOf(c.san).map((s) => ({ type: s.type, value: e(s.value) })),
    ...(c.signatureAlgorithm ? { signatureAlgorithm: { ...c.signatureAlgorithm } } : {}),
    chainLength: c.chainLength,
    servedFor: c.servedFor.map(e),
  };
}

/** What `signatureSchemes.tls13Method` says, per way the scan found the TLS 1.3 schemes. */
const TLS13_METHODS: Record<NonNullable<ScanResult['signatureSchemes']['tls13Method']>, string> = {
  'certificate-verify': 'certificate-verify: hand-built TLS 1.3 handshakes read up to the server Finished, by elimination over signature_algorithms; each CertificateVerify verified',
  'node-sigalgs': 'node-tls-sigalgs: one full Node handshake per scheme with sigalgs restricted to it',
};
// A server without TLS 1.3 has no TLS 1.3 schemes to find: naming a method there would claim
// handshakes that were never made. Still a string, as schemaVersion "1" promises.
const TLS13_NOT_SCANNED = 'none: the server does not support TLS 1.3';

export function versionJson(value: number): CodePointJson {
  return cp(protocolVersions, value);
}

/** The session probes with every evidence line escaped (they quote the server's alerts and errors). */
function sessionJson(s: SessionScan): SessionScan {
  const ev = <T extends { evidence: string[] }>(p: T): T => ({ ...p, evidence: p.evidence.map(escapeControl) });
  return { ...s, renegotiation: ev(s.renegotiation), sessionId: ev(s.sessionId), sessionTicket: ev(s.sessionTicket), psk: ev(s.psk), earlyData: ev(s.earlyData) };
}

/** The same keys in the same order for every finding (and deviation); peer text escaped once. */
function findingJson(f: Finding): FindingJson {
  const e = escapeControl;
  const evidence: FindingEvidence = { probe: f.evidence.probe, detail: e(f.evidence.detail), ...(f.evidence.bytesHex ? { bytesHex: f.evidence.bytesHex } : {}) };
  return { id: f.id, severity: f.severity, title: f.title, reason: e(f.reason), explanation: f.explanation, ...(f.cve ? { cve: [...f.cve] } : {}), evidence };
}

function mozillaJson(m: MozillaCompliance): NonNullable<ScanJson['mozilla']> {
  return {
    guideline: m.guideline,
    source: GUIDELINE_SOURCE,
    required: m.required ?? null,
    best: m.best,
    profiles: m.profiles.map((x) => ({ name: x.name, compliant: x.deviations.length === 0, deviations: x.deviations.map(findingJson), unchecked: x.unchecked })),
  };
}

function probesJson(p: VulnerabilityProbes | undefined): VulnerabilityProbes {
  const one = (o: VulnerabilityProbes['heartbleed'] | undefined): VulnerabilityProbes['heartbleed'] => (o ? { ...o, detail: escapeControl(o.detail) } : null);
  return { heartbleed: one(p?.heartbleed), ccsInjection: one(p?.ccsInjection) };
}

export function scanToJson(r: ScanResult): ScanJson {
  const e = escapeControl;
  return {
    format: SCAN_JSON_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    target: { ...r.target, host: e(r.target.host), servername: r.target.servername === undefined ? undefined : e(r.target.servername) },
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    ssl2: r.ssl2,
    protocols: r.versions.map((v) => ({
      version: versionJson(v.version),
      supported: v.supported,
      order: v.order ?? null,
      refusal: v.refusal ?? null,
      suites: v.suites.map((s) => {
        const info = cipherSuites.get(s.code);
        const out: SuiteJson = { ...cp(cipherSuites, s.code) };
        if (info) Object.assign(out, { openssl: info.openssl, kx: info.kx, auth: info.auth, enc: info.enc, mac: info.mac, bits: info.bits });
        if (s.group !== undefined) out.group = cp(namedGroups, s.group);
        if (s.dhBits !== undefined) out.dhBits = s.dhBits;
        return out;
      }),
    })),
    groups: {
      tls12: r.groups.tls12 && { groups: r.groups.tls12.groups.map((g) => cp(namedGroups, g)), order: r.groups.tls12.order ?? null },
      tls13: r.groups.tls13 && {
        groups: r.groups.tls13.groups.map((g) => cp(namedGroups, g)),
        order: r.groups.tls13.order ?? null,
        typicalClient: r.groups.tls13.typicalClient
          ? { group: cp(namedGroups, r.groups.tls13.typicalClient.group), helloRetryRequest: r.groups.tls13.typicalClient.helloRetryRequest }
          : null,
      },
    },
    signatureSchemes: {
      tls12: r.signatureSchemes.tls12 && r.signatureSchemes.tls12.map((s) => cp(signatureSchemes, s)),
      tls13: r.signatureSchemes.tls13 && r.signatureSchemes.tls13.map((s) => cp(signatureSchemes, s)),
      tls13Method: r.signatureSchemes.tls13 === null ? TLS13_NOT_SCANNED : TLS13_METHODS[r.signatureSchemes.tls13Method ?? 'node-sigalgs'],
    },
    certificates: r.certificates.map((c) => certificateJson(c, r.startedAt)),
    features: { ...r.features, alpn: r.features.alpn && r.features.alpn.map(e) },
    probes: probesJson(r.probes),
    ...(r.session ? { session: sessionJson(r.session) } : {}),
    ...(r.starttls ? { starttls: escapeStrings(r.starttls) as unknown as ScanStarttls } : {}),
    findings: r.findings.map(findingJson),
    ...(r.mozilla ? { mozilla: mozillaJson(r.mozilla) } : {}),
    stats: r.stats,
    notes: r.notes.map(e),
  };
}
