// The scan's result model: plain data, JSON-ready. Code points stay numbers; the report layer adds
// names from the registry. `null` means "could not be determined" (e.g. needs a version the server
// does not offer), which is different from `false`.

import type { CertificateInfo, PublicKeyInfo } from '../analyse/certificates/types.js';
import type { SessionScan } from './session/types.js';

export type * from './session/types.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** What a finding rests on: the check that saw it and what it saw, bounded (see FINDING_DETAIL_CHARS
 * and FINDING_EVIDENCE_BYTES in src/limits.ts). */
export interface FindingEvidence {
  /** The check: a probe (`heartbeat`, `early-ccs`, `fallback-scsv`, …) or the scan step a rule read (`versions`, `cipher-suites`, …). */
  probe: string;
  /** What was sent and what came back, or what the scan saw, in one line. */
  detail: string;
  /** The server's bytes that decided it, lower-case hex, at most FINDING_EVIDENCE_BYTES bytes. */
  bytesHex?: string;
}

export interface Finding {
  /** Stable id: `ssl3-enabled`, `rc4-suites`, `weak-dh`, `heartbleed` … */
  id: string;
  severity: Severity;
  title: string;
  /** One line saying why it matters and what was seen. */
  reason: string;
  /** The attack or weakness in plain words, the same for every occurrence of the id. */
  explanation: string;
  /** CVE identifiers, where the weakness has one (`CVE-2014-0160`). */
  cve?: string[];
  evidence: FindingEvidence;
}

/** What one vulnerability probe sent and saw. `unknown` says in `detail` why it could not tell. */
export interface ProbeOutcome {
  verdict: 'vulnerable' | 'not-vulnerable' | 'unknown';
  /** What was sent and what came back, in one line. */
  detail: string;
  /** The server's bytes that decided it, lower-case hex, capped at FINDING_EVIDENCE_BYTES. */
  bytesHex?: string;
  /** Connections this probe opened (retries included). */
  connections: number;
}

/** The probes that send more than a hello; `null`: not run (no TLS ≤ 1.2 to run it in). */
export interface VulnerabilityProbes {
  /** CVE-2014-0160: a heartbeat request declaring more payload than it carries. */
  heartbleed: ProbeOutcome | null;
  /** CVE-2014-0224: ChangeCipherSpec before any key exchange. */
  ccsInjection: ProbeOutcome | null;
}

/** What the server said in plaintext before TLS (one dialogue, before the probes). */
export interface ScanStarttls {
  protocol: string;
  /** Its capability keywords before TLS, as sent. */
  capabilities: string[];
  starttlsRequired?: boolean;
  /** Why `starttlsRequired` is what it is, in words. */
  requiredEvidence?: string;
  /** Cleartext logins offered before TLS (`AUTH PLAIN`, `LOGIN command`, `USER`…). */
  plaintextAuth: string[];
}

export interface AcceptedSuite {
  code: number;
  /** Key exchange parameters the server used with this suite, where read (TLS ≤ 1.2). */
  group?: number;
  dhBits?: number;
}

export interface VersionScan {
  version: number;
  supported: boolean;
  /** Accepted cipher suites, in the server's preference order (or our offer order under client
   * preference). Empty when the version is not supported. */
  suites: AcceptedSuite[];
  /** `server`: the server picks by its own order; `client`: it follows the offer order;
   * `single`: only one suite, nothing to order. */
  order?: 'server' | 'client' | 'single';
  /** Why the version counts as not supported: the alert, or how the connection ended. */
  refusal?: string;
}

export interface GroupScan {
  /** Supported groups, in server preference order where that could be seen. */
  groups: number[];
  order?: 'server' | 'client' | 'single';
  /** TLS 1.3: the group a typical client (shares for x25519 and secp256r1) ends up with, and
   * whether that took a HelloRetryRequest. */
  typicalClient?: { group: number; helloRetryRequest: boolean };
}

export interface CertificateSeen {
  /** SHA-256 fingerprint of the leaf, lower-case hex without separators. */
  fingerprint256: string;
  subject: string;
  issuer: string;
  /** Lower-case hex. */
  serial: string;
  /** Type, size or curve, and the `RSA 2048` / `EC P-256` / `Ed25519` label, as the chain table has them. */
  publicKey: PublicKeyInfo;
  /** Absent when only Node could read the certificate. */
  signatureAlgorithm?: CertificateInfo['signatureAlgorithm'];
  notBefore: string;
  notAfter: string;
  san: CertificateInfo['san'];
  chainLength: number;
  /** Where this certificate was served: `TLS 1.2 ECDSA suites, SNI localhost`, … */
  servedFor: string[];
}

export interface FeatureScan {
  /** ALPN protocols the server selected, in its preference order; [] = none selected. */
  alpn: string[] | null;
  ocspStapling: boolean | null;
  sessionTickets: boolean | null;
  secureRenegotiation: boolean | null;
  extendedMasterSecret: boolean | null;
  encryptThenMac: boolean | null;
  /** TLS_FALLBACK_SCSV: `protected` (inappropriate_fallback alert), `not-protected`, or null when
   * the server has only one version. */
  fallbackScsv: 'protected' | 'not-protected' | null;
  /** RFC 8446 §4.1.3 sentinel in a TLS 1.2 ServerHello of a 1.3-capable server. */
  downgradeSentinel: 'present' | 'missing' | null;
  /** Compression methods the server accepted besides null (1 = DEFLATE). */
  compression: number[] | null;
}

export interface ScanStats {
  /** Every TCP connection the scan opened: probes (retries included), full handshakes, the
   * STARTTLS dialogue and the proxy tunnel tried first. */
  connections: number;
  probes: number;
  retries: number;
  resets: number;
  timeouts: number;
  connectFailures: number;
  /** Full handshakes done with Node's tls (TLS 1.3 signature schemes, certificates, ALPN). */
  nodeHandshakes: number;
}

/** One Mozilla configuration checked against the scan: every deviation, as findings. */
export interface ProfileCheck {
  name: 'modern' | 'intermediate' | 'old';
  deviations: Finding[];
  /** Rules that could not be checked because the scan could not tell (no certificate, groups unknown). */
  unchecked: string[];
}

/** The scan against Mozilla's server-side TLS guidelines (the bundled version). */
export interface MozillaCompliance {
  guideline: string;
  /** The configuration asked for with --profile; its deviations fail the scan. */
  required?: ProfileCheck['name'];
  /** The strictest configuration met with no deviation, or null when none is met. */
  best: ProfileCheck['name'] | null;
  /** Strictest first: modern, intermediate, old. */
  profiles: ProfileCheck[];
}

export interface ScanResult {
  /** `address` is the one connected to: with `proxy` (host:port), the proxy's, which resolved `host` itself. */
  target: { host: string; port: number; address: string; family: 4 | 6; servername?: string; proxy?: string };
  startedAt: string;
  durationMs: number;
  /** SSL 2.0: true / false, or null when not probed. */
  ssl2: boolean | null;
  versions: VersionScan[];
  groups: { tls12: GroupScan | null; tls13: GroupScan | null };
  signatureSchemes: {
    /** From the ServerKeyExchange, in server preference order. */
    tls12: number[] | null;
    /** From the encrypted CertificateVerify, read by hand-built handshakes (handshake13.ts), or
     * from Node tls handshakes with `sigalgs` restricted when those could not be read. */
    tls13: number[] | null;
    tls13Method?: 'certificate-verify' | 'node-sigalgs';
  };
  certificates: CertificateSeen[];
  features: FeatureScan;
  /** Probes that go past the first flight (Heartbleed, CCS injection). Absent only in results built by hand. */
  probes?: VulnerabilityProbes;
  /** Renegotiation, resumption and 0-RTT probes; absent only in results built by hand. */
  session?: SessionScan;
  /** The plaintext dialogue before TLS, when the scan went through STARTTLS. */
  starttls?: ScanStarttls;
  findings: Finding[];
  /** Always set by scanServer; absent only in results built by hand. */
  mozilla?: MozillaCompliance;
  stats: ScanStats;
  /** Things the reader should know: probes that could not run, servers that reset, … */
  notes: string[];
}
