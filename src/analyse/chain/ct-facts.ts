// Certificate Transparency as chain facts: the CT report (src/analyse/ct) for the path's leaf and
// issuer, one `ct.sct` fact per SCT and one per browser policy. A policy failure is a warning for
// a certificate that chains to a public (system) anchor, a note for a private one (browsers do not
// ask private CAs for CT), and an error when the caller requires CT (check --require-ct).

import type { DecodedSct } from '../../decode/sct.js';
import type { ParsedCertificate } from '../certificates/types.js';
import { analyseCt, type CtLogList, type CtReport, type SctResult } from '../ct/index.js';
import type { ParsedOcspResponse } from './ocsp.js';
import type { Severity } from './types.js';

/** What the caller asks of CT: the list to judge against, SCTs from the TLS extension, and whether the policy is required. */
export interface CtOptions {
  list: CtLogList;
  tlsScts?: DecodedSct[];
  /**
   * Why the TLS extension could not hold SCTs, when it could not: the client did not ask for them
   * (Node's client cannot), or check's --ct-tls connection was skipped or got nothing. A policy
   * failure then names the places that were searched, not the extension.
   */
  tlsNotSearched?: string;
  /** A policy failure is an error (check --require-ct), not a warning. */
  required?: boolean;
}

export type FactSink = (check: string, ok: boolean, severity: Severity, reason: string, cert?: ParsedCertificate) => void;

/** How bad each SCT verdict is when it is not `valid`. */
const sctSeverity: Record<SctResult['status'], Severity> = {
  valid: 'warning',
  'invalid-signature': 'warning',
  'future-timestamp': 'warning',
  malformed: 'warning',
  'unknown-log': 'info',
  'retired-log': 'info',
  'untrusted-log': 'info',
  // Nothing wrong with the SCT: its issuer is missing, which the chain facts already report.
  unverifiable: 'info',
};

const sourceLabel: Record<SctResult['source'], string> = { certificate: 'embedded', tls: 'TLS extension', ocsp: 'OCSP staple' };

export interface CtFactInput {
  ct: CtOptions;
  leaf: ParsedCertificate;
  issuer?: ParsedCertificate;
  staple?: ParsedOcspResponse;
  at: Date;
  publicAnchor: boolean;
}

/**
 * The CT report and its facts; undefined (nothing said) when there is no SCT anywhere, CT is not
 * required and the anchor is private: a private CA's certificates are not expected to be logged.
 */
export function ctFacts(input: CtFactInput, fact: FactSink): CtReport | undefined {
  const { ct, leaf, issuer, staple } = input;
  const ocspSctList = staple?.sctLists.find((s) => s.serial === leaf.info.serial)?.list;
  const report = analyseCt({ leaf, ...(issuer ? { issuer } : {}), ...(ct.tlsScts ? { tlsScts: ct.tlsScts } : {}), ...(ocspSctList ? { ocspSctList } : {}), list: ct.list, at: input.at });
  if (report.scts.length === 0 && report.issues.length === 0 && !ct.required && !input.publicAnchor) return undefined;
  for (const issue of report.issues) fact('ct.sct', false, 'warning', `CT: ${issue}`, leaf);
  for (const r of report.scts) {
    fact('ct.sct', r.status === 'valid', sctSeverity[r.status], `${sourceLabel[r.source]} ${r.detail}`, leaf);
  }
  const severity: Severity = ct.required ? 'error' : input.publicAnchor ? 'warning' : 'info';
  const none = report.scts.length === 0 ? noSctsText(ct) : '';
  fact('ct.chrome', report.chrome.met, severity, `Chrome CT policy ${report.chrome.reason}${report.chrome.met ? '' : none}`, leaf);
  fact('ct.apple', report.apple.met, severity, `Apple CT policy ${report.apple.reason}${report.apple.met ? '' : none}`, leaf);
  return report;
}

/** Where SCTs were looked for and not found, for a policy that is not met. */
function noSctsText(ct: CtOptions): string {
  if (ct.tlsNotSearched === undefined) return ' (no SCTs in the certificate, the TLS extension or the OCSP staple)';
  return ` (no SCTs in the certificate or the OCSP staple; the TLS extension was not searched: ${ct.tlsNotSearched})`;
}
