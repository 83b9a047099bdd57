// The vocabulary the three JSON outputs (trace, check, scan) share, written once so they cannot
// drift apart again: the schema version, one certificate summary, the chain report built on it,
// and one severity scale. schema/common.schema.json describes these shapes; the per-output
// schemas refer to it.

import type { ChainCertificate, ChainFact, ChainReport, Severity as ChainSeverity } from '../analyse/chain/types.js';
import type { CertificateInfo, PublicKeyInfo } from '../analyse/certificates/types.js';
import type { Severity } from '../scan/types.js';

/** Carried beside `format` by every document and every NDJSON line; bumped on a breaking change. */
export const SCHEMA_VERSION = '1';

/** The one severity scale of check facts and scan findings, most severe first. */
export type FindingSeverity = Severity;

/**
 * Chain facts are judged on their own three-step scale (an `error` makes the chain invalid). In
 * JSON they use the scan's scale: a failed `error` fact means clients refuse the connection,
 * which is as bad as anything a scan reports (`critical`); a `warning` is a real problem that
 * does not break the connection today (`medium`); `info` stays `info`.
 */
export const CHAIN_SEVERITY: Readonly<Record<ChainSeverity, FindingSeverity>> = { error: 'critical', warning: 'medium', info: 'info' };

export type SubjectAltNameType = 'dns' | 'ip' | 'email' | 'uri';

export interface SubjectAltNameJson {
  type: SubjectAltNameType;
  value: string;
}

/** The certificate summary every output writes the same way. */
export interface CertificateSummaryJson {
  subject: string;
  issuer: string;
  /** Lower-case hex. */
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Whole days from the output's pinned clock to notAfter, rounded toward zero (negative: expired). */
  daysLeft: number;
  publicKey: PublicKeyInfo;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprint256: string;
  /** subjectAltName entries in the order dns, ip, email, uri. */
  sans: SubjectAltNameJson[];
}

/** The summary plus everything else the certificate parser read (chain reports carry it all). */
export type CertificateJson = CertificateSummaryJson & Omit<CertificateInfo, 'san' | keyof CertificateSummaryJson>;

export interface ChainCertificateJson extends Omit<ChainCertificate, 'info' | 'daysLeft'> {
  certificate: CertificateJson;
}

export interface ChainFactJson extends Omit<ChainFact, 'severity'> {
  severity: FindingSeverity;
}

export interface ChainJson extends Omit<ChainReport, 'certificates' | 'facts' | 'expiresAt'> {
  certificates: ChainCertificateJson[];
  facts: ChainFactJson[];
  /** notAfter of the sent certificate that expires first (the one `daysLeft` counts to). */
  notAfter?: string;
}

const SAN_TYPES: readonly SubjectAltNameType[] = ['dns', 'ip', 'email', 'uri'];

/** The parser's SAN lists by type as one list of `{ type, value }`. */
export function sansOf(san: CertificateInfo['san']): SubjectAltNameJson[] {
  return SAN_TYPES.flatMap((type) => san[type].map((value) => ({ type, value })));
}

/** A parsed certificate as the shared summary (plus its other fields), days counted by the caller's clock. */
export function certificateJson(info: CertificateInfo, daysLeft: number): CertificateJson {
  const { san, subject, issuer, serial, notBefore, notAfter, publicKey, fingerprint256, ...rest } = info;
  return { subject, issuer, serial, notBefore, notAfter, daysLeft, publicKey, fingerprint256, sans: sansOf(san), ...rest };
}

/** The chain report in the shared vocabulary (trace `chain`, check `results[].chain`). Members
 * keep the report's order so the JSON reads as the chain table does. */
export function chainJson(report: ChainReport, certificate: CertificateWriter = certificateJson): ChainJson {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    if (key === 'certificates') out.certificates = report.certificates.map((row) => chainCertificateJson(row, certificate));
    else if (key === 'facts') out.facts = report.facts.map((f) => ({ ...f, severity: CHAIN_SEVERITY[f.severity] }));
    else if (key === 'expiresAt') out.notAfter = value;
    else out[key] = value;
  }
  return out as unknown as ChainJson;
}

/**
 * What a chain row's `certificate` holds: certificateJson, or (check, whose fleet repeats the same
 * certificates) a stand-in the caller swaps for text it wrote once.
 */
export type CertificateWriter = (info: CertificateInfo, daysLeft: number) => unknown;

/** One chain row: its certificate (with the row's days left) where the report had `info`. */
function chainCertificateJson(row: ChainCertificate, certificate: CertificateWriter): ChainCertificateJson {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'info') out.certificate = certificate(row.info, row.daysLeft);
    else if (key !== 'daysLeft') out[key] = value;
  }
  return out as unknown as ChainCertificateJson;
}
