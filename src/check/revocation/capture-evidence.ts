// The same evidence check gathers (caIssuers for a missing intermediate, then revocation of every
// certificate on the path), for one live trace's capture: `tls-trace HOST --revocation soft|hard`
// shows it in the chain section with check's own code. Every fetch stays inside what is left of
// the trace's --timeout.

import { chainFromCapture } from '../../analyse/chain/from-capture.js';
import type { TrustStore } from '../../analyse/chain/trust-store.js';
import type { RevocationMode } from '../../analyse/chain/types.js';
import { decodeAndDecrypt } from '../../analyse/pipeline.js';
import type { HttpFetcher } from '../../capture/http-fetch.js';
import type { Capture } from '../../capture/types.js';
import { CrlCache } from './chain-revocation.js';
import { gatherEvidence, type ChainEvidence } from './evidence.js';

export interface CaptureEvidenceOptions {
  /** The clock the chain is judged at (the trace's --at, else its start). */
  at: Date;
  /** Date.now() value past which nothing more is fetched. */
  deadline: number;
  fetcher: HttpFetcher;
}

/** Undefined when there is nothing to look up: mode off, a failed handshake, no certificate. */
export async function captureEvidence(capture: Capture, store: TrustStore, mode: RevocationMode, opts: CaptureEvidenceOptions): Promise<ChainEvidence | undefined> {
  if (mode === 'off' || capture.error || !capture.node) return undefined;
  const chain = chainFromCapture(capture, decodeAndDecrypt(capture, { skipVerification: true }).trace);
  if (!chain) return undefined;
  return gatherEvidence({ ...chain, durationMs: 0 }, store, mode, { ...opts, crls: new CrlCache() });
}
