// The chain report: every validation result is a separate fact with its reason (zcrypto style),
// never one boolean. JSON-able throughout; `renderChain` and the check writers read only this.

import type { CertificateInfo } from '../certificates/types.js';
import type { AnchorOrigin } from './trust-store.js';
import type { OcspResponseInfo } from './ocsp.js';

/** How bad a failed fact is: `error` makes the chain invalid, `warning` is shown, `info` is a note. */
export type Severity = 'error' | 'warning' | 'info';

export interface ChainFact {
  /** Stable machine name: `link.signature`, `validity`, `hostname`, `trust`, `sent.order`, … */
  check: string;
  ok: boolean;
  /** The severity the fact has when it fails (kept on passing facts too, for filtering). */
  severity: Severity;
  reason: string;
  /** Row in `ChainReport.certificates` the fact is about (absent for chain-wide facts). */
  cert?: number;
}

export type CertificateRole = 'leaf' | 'intermediate' | 'root' | 'anchor' | 'extra';

export interface ChainCertificate {
  /** Index in the chain as the server sent it; null for an anchor taken from the trust store. */
  sentIndex: number | null;
  /** Not sent: fetched from this AIA caIssuers URL to complete the chain. */
  fetchedFrom?: string;
  role: CertificateRole;
  /** On the path from the leaf to the trust anchor (or as far as it could be built). */
  inPath: boolean;
  /** Whole days from `at` to notAfter (negative when expired). */
  daysLeft: number;
  info: CertificateInfo;
  verdict: 'ok' | 'warning' | 'error';
  /** Failed facts about this certificate, most severe first (empty when ok). */
  problems: string[];
}

/** good / revoked / unknown are the CA's answer; unavailable means no answer could be had (why in `detail`). */
export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'unavailable';

/** One certificate's revocation result: where the answer came from and what it said. */
export interface RevocationResult {
  /** SHA-256 of the certificate checked (ties the result to its chain row). */
  fingerprint256: string;
  subject: string;
  serial: string;
  status: RevocationStatus;
  /** Where the answer came from; `none` when neither a responder nor a CRL was reachable or named. */
  method: 'ocsp-staple' | 'ocsp' | 'crl' | 'none';
  url?: string;
  revokedAt?: string;
  /** CRLReason name (`keyCompromise`, …) when the CA gave one. */
  reason?: string;
  /** One sentence: the verdict and its evidence, or why it is unavailable. */
  detail: string;
  /** Why earlier sources gave no answer (an OCSP responder that failed before the CRL answered). */
  tried?: string[];
}

/** A certificate the server did not send, fetched from the AIA caIssuers URL of the one below it. */
export interface FetchedIssuer {
  der: Uint8Array | string;
  url: string;
}

export type RevocationMode = 'off' | 'soft' | 'hard';

export interface ChainReport {
  /** Where the certificates came from: the decoded Certificate message, or Node's view. */
  source: 'decoded' | 'node';
  /** The decoded Certificate message came from decrypted (TLS 1.3) records. */
  decrypted?: boolean;
  /** The pinned clock every check used. */
  at: string;
  /** The reference identity checked (servername or host), if any. */
  host?: string;
  /** Path order first (leaf → anchor), then certificates sent but unused. */
  certificates: ChainCertificate[];
  anchor?: { subject: string; fingerprint256: string; origin: AnchorOrigin; file?: string; sent: boolean };
  facts: ChainFact[];
  ocsp?: OcspResponseInfo;
  /** Per-certificate revocation results (check with --revocation soft|hard). */
  revocation?: RevocationResult[];
  /** Certificate Transparency: every SCT judged against the log list, and the browser policies. */
  ct?: import('../ct/index.js').CtReport;
  /** No fact of severity `error` failed. */
  valid: boolean;
  /** Fewest days left among the certificates the server sent on the path (null: no certificate). */
  daysLeft: number | null;
  /** notAfter of that certificate. */
  expiresAt?: string;
  /** Failed error and warning facts as sentences, errors first: the verdict line. */
  problems: string[];
  /** Just the failed `error` facts. */
  errors: string[];
}

export interface ChainInput {
  /** DER certificates leaf first, in the order the server sent them. */
  certificates: Array<Uint8Array | string>;
  source: 'decoded' | 'node';
  /** The certificates were read from decrypted records (shown in the report). */
  decrypted?: boolean;
  /** Pinned clock. */
  at: Date;
  /** Name or IP to check the leaf against (servername, else the target host). Omit to skip. */
  host?: string;
  trustStore: import('./trust-store.js').TrustStore;
  /** Stapled OCSPResponse DER, when the server sent one. */
  ocspResponse?: Uint8Array | string;
  /** Whether a staple was requested (so its absence is worth a note). */
  ocspRequested?: boolean;
  /** Intermediates fetched from AIA caIssuers because the server did not send them. */
  fetchedIssuers?: FetchedIssuer[];
  /** Why fetching a missing issuer from caIssuers gave nothing (named in the missing-issuer error). */
  issuerFetchFailures?: string[];
  /** Revocation results gathered by check (network), judged here as facts. */
  revocation?: RevocationResult[];
  /** How unavailable revocation is judged: soft warns, hard fails. */
  revocationMode?: RevocationMode;
  /** Add an `expiry.soon` warning when a sent certificate expires within this many days. */
  warnDays?: number;
  /** check --crit-days: a sent certificate expiring within this many days is critical (its fact says so). */
  critDays?: number;
  /** Judge Certificate Transparency against this log list (absent: CT is not looked at). */
  ct?: import('./ct-facts.js').CtOptions;
}

/** What check's fetches add to a chain analysis (check, and trace with --revocation soft|hard). */
export type ChainEvidenceInput = Pick<ChainInput, 'fetchedIssuers' | 'issuerFetchFailures' | 'revocation' | 'revocationMode'>;
