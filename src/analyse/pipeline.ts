// decode → decrypt → analyse in one place, so trace, replay, the fuzzer and tests all run the same
// pipeline. Pure: takes a Capture, returns the view model; no I/O.

import type { Capture } from '../capture/types.js';
import { decodeCapture } from '../decode/index.js';
import { decryptAndMerge } from '../decrypt/index.js';
import type { DecryptionResult } from '../decrypt/types.js';
import { analyseTrace, summariseTrace } from './index.js';
import { chainReportFromCapture } from './chain/from-capture.js';
import type { CtLogList } from './ct/log-list.js';
import type { TrustStore } from './chain/trust-store.js';
import type { ChainEvidenceInput, ChainReport } from './chain/types.js';
import type { DecodedTrace } from '../decode/model.js';
import type { TraceAnalysis, TraceSummary } from './types.js';

export interface PipelineOptions {
  /** Keep secret values in the key-schedule description (only with --show-secrets). */
  showSecrets?: boolean;
  /** Validate the server's chain against these anchors (the CLI loads them: that is I/O). */
  trustStore?: TrustStore;
  /** Pinned clock for certificate validity (--at); default now. */
  at?: Date;
  /** The CT log list (--ct-log-list); default the bundled one. */
  ctLogList?: CtLogList;
  /** Leave out the Finished and signature checks (check reads only the certificates). */
  skipVerification?: boolean;
  /** Intermediates fetched and revocation looked up for this capture (live trace --revocation soft|hard). */
  chainEvidence?: ChainEvidenceInput;
}

export interface AnalysedCapture {
  capture: Capture;
  /** The decoded trace with every record we could decrypt replaced by what it held. */
  decoded: DecodedTrace;
  analysis: TraceAnalysis;
  decryption: DecryptionResult;
  /** Chain validation of the certificates the server sent; absent without certificates or anchors. */
  chain?: ChainReport;
}

/**
 * The first two stages: decode, then decrypt what the key log opens, merged in place. `check`
 * (which needs only the certificates) stops here; analyseCapture goes on.
 */
export function decodeAndDecrypt(capture: Capture, opts: PipelineOptions = {}): { trace: DecodedTrace; decryption: DecryptionResult } {
  return decryptAndMerge(capture, decodeCapture(capture), { showSecrets: opts.showSecrets === true, ...(opts.skipVerification ? { skipVerification: true } : {}) });
}

export function analyseCapture(capture: Capture, opts: PipelineOptions = {}): AnalysedCapture {
  const { trace, decryption } = decodeAndDecrypt(capture, opts);
  const chain = opts.trustStore
    ? chainReportFromCapture(capture, { trace, trustStore: opts.trustStore, ...(opts.at ? { at: opts.at } : {}), ...(opts.ctLogList ? { ctLogList: opts.ctLogList } : {}), ...(opts.chainEvidence ? { evidence: opts.chainEvidence } : {}) })
    : undefined;
  return { capture, decoded: trace, analysis: analyseTrace(capture, trace), decryption, ...(chain ? { chain } : {}) };
}

export interface SummarisedCapture {
  capture: Capture;
  decoded: DecodedTrace;
  analysis: TraceSummary;
}

/**
 * analyseCapture's facts for one row of `read`'s connections table, at a fraction of its cost: no
 * steps, no chain. Decryption (with its signature and Finished checks) runs only when the key log
 * has lines for this connection; without them it opens nothing and leaves the decoded trace as it
 * is, so every fact here is the one analyseCapture gives.
 */
export function summariseCapture(capture: Capture): SummarisedCapture {
  const decoded = capture.keylog.length > 0 ? decodeAndDecrypt(capture).trace : decodeCapture(capture);
  return { capture, decoded, analysis: summariseTrace(capture, decoded) };
}
