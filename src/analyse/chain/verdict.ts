// The chain's verdict in one word, for the lines that name it (check's status, the chain section's
// Verdict line): a revoked certificate and revocation left unestablished under --revocation hard
// are failures of their own, with their own exit codes (14, 15), not just "invalid"; so is a CT
// policy not met under --require-ct (16).

import type { ChainReport } from './types.js';

export type ChainVerdict = 'valid' | 'invalid' | 'revoked' | 'revocation-unavailable' | 'ct-policy';

/**
 * revoked: a certificate is revoked (looked up, or the staple says so), whatever else is wrong;
 * revocation-unavailable: the only errors are revocation results that are not good (unknown or
 * unavailable, which fail only under --revocation hard); ct-policy: the only errors are CT
 * policies (errors only under --require-ct), possibly beside such revocation results; else valid
 * or invalid.
 */
export function chainVerdict(chain: Pick<ChainReport, 'valid' | 'facts' | 'revocation'>): ChainVerdict {
  if (chain.valid) return 'valid';
  const errors = chain.facts.filter((f) => !f.ok && f.severity === 'error');
  if (errors.some((f) => f.check === 'ocsp.status') || chain.revocation?.some((r) => r.status === 'revoked')) return 'revoked';
  // Only revocation and CT policy errors: CT (16) outranks unestablished revocation (15) in the
  // documented precedence, so a chain with both is a CT policy failure, not a chain problem (8).
  const ct = (f: { check: string }): boolean => f.check === 'ct.chrome' || f.check === 'ct.apple';
  if (!errors.length || !errors.every((f) => ct(f) || f.check === 'revocation')) return 'invalid';
  return errors.some(ct) ? 'ct-policy' : 'revocation-unavailable';
}
