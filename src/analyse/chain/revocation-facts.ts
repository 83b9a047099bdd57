// Facts from check's network evidence: intermediates fetched from caIssuers, each certificate's
// revocation result, and OCSP Must-Staple. Kept beside analyse.ts so the pure chain checks stay
// readable; the evidence is gathered in src/check and passed in as data.

import type { ParsedCertificate } from '../certificates/types.js';
import { name, type PathNode } from './path.js';
import type { ChainFact, ChainInput, ChainReport, Severity } from './types.js';

export type AddFact = (check: string, ok: boolean, severity: Severity, reason: string, cert?: ParsedCertificate) => void;

/** "incomplete chain": a warning per fetched intermediate, since many clients do not fetch. */
export function fetchedIssuerFacts(path: PathNode[], fact: AddFact): void {
  for (const n of path) {
    if (!n.fetchedFrom) continue;
    fact('chain.incomplete', false, 'warning', `incomplete chain: intermediate "${name(n.cert)}" fetched from ${n.fetchedFrom} (the server did not send it; many clients do not fetch)`, n.cert);
  }
}

/** One `revocation` fact per certificate checked; revoked fails, unavailable/unknown per the mode. */
export function revocationFacts(input: ChainInput, report: ChainReport, path: PathNode[], fact: AddFact): void {
  if (!input.revocation) return;
  report.revocation = input.revocation;
  const soft: Severity = input.revocationMode === 'hard' ? 'error' : 'warning';
  for (const r of input.revocation) {
    const node = path.find((n) => n.cert.info.fingerprint256 === r.fingerprint256);
    const who = node === path[0] ? 'leaf' : `"${r.subject}"`;
    const via = r.method === 'none' ? '' : ` via ${r.method === 'crl' ? 'CRL' : r.method === 'ocsp' ? 'OCSP' : 'stapled OCSP'}${r.url ? ` ${r.url}` : ''}`;
    // A certificate naming no responder and no CRL (private CAs) cannot be checked: a note when soft.
    const nothingNamed = r.method === 'none' && !r.tried;
    const severity: Severity = r.status === 'revoked' ? 'error' : nothingNamed && soft === 'warning' ? 'info' : soft;
    fact('revocation', r.status === 'good', severity, `${who} revocation ${r.status}${via}: ${r.detail}`, node?.cert);
  }
}

/** OCSP Must-Staple (TLS Feature status_request): no usable staple is a failure (RFC 7633 §4.2.3). */
export function mustStapleFacts(input: ChainInput, leaf: ParsedCertificate, facts: ChainFact[], fact: AddFact): void {
  if (!leaf.info.mustStaple) return;
  const stapleFailed = facts.some((f) => f.check.startsWith('ocsp.') && f.check !== 'ocsp.stapled' && !f.ok);
  if (input.ocspResponse === undefined) {
    fact('ocsp.mustStaple', false, 'error', `leaf requires a stapled OCSP response (Must-Staple), but none was sent${input.ocspRequested ? '' : ' (not requested: --no-ocsp)'}`, leaf);
  } else if (stapleFailed) {
    fact('ocsp.mustStaple', false, 'error', 'leaf requires a valid stapled OCSP response (Must-Staple), but the staple failed its checks', leaf);
  } else {
    fact('ocsp.mustStaple', true, 'error', 'Must-Staple: a valid OCSP response was stapled', leaf);
  }
}
