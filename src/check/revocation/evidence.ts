// What check fetches beyond the handshake, for one target, inside its deadline: missing
// intermediates from caIssuers, then revocation for every certificate on the completed path.

import { buildPath, parseCached } from '../../analyse/chain/path.js';
import type { TrustStore } from '../../analyse/chain/trust-store.js';
import type { ChainEvidenceInput, FetchedIssuer, RevocationMode, RevocationResult } from '../../analyse/chain/types.js';
import type { ParsedCertificate } from '../../analyse/certificates/types.js';
import type { FetchedChain } from '../fetch-chain.js';
import { chainRevocation, type FetchContext } from './chain-revocation.js';
import { completeChain } from './complete-chain.js';

export interface ChainEvidence {
  fetchedIssuers: FetchedIssuer[];
  issuerFetchFailures?: string[];
  revocation?: RevocationResult[];
}

/** The evidence as the chain analysis takes it (check's judge and trace alike). */
export function evidenceInput(evidence: ChainEvidence | undefined, mode: RevocationMode): ChainEvidenceInput {
  return {
    ...(evidence?.fetchedIssuers.length ? { fetchedIssuers: evidence.fetchedIssuers } : {}),
    ...(evidence?.issuerFetchFailures ? { issuerFetchFailures: evidence.issuerFetchFailures } : {}),
    ...(evidence?.revocation ? { revocation: evidence.revocation, revocationMode: mode } : {}),
  };
}

function parsedOrNothing(der: string | Uint8Array): ParsedCertificate[] {
  try {
    return [parseCached(der)];
  } catch {
    return [];
  }
}

export async function gatherEvidence(fetched: FetchedChain, store: TrustStore, mode: RevocationMode, ctx: FetchContext): Promise<ChainEvidence> {
  if (fetched.error || !fetched.certificates.length) return { fetchedIssuers: [] };
  const sent = fetched.certificates.flatMap(parsedOrNothing);
  if (sent.length !== fetched.certificates.length) return { fetchedIssuers: [] };
  const { fetched: fetchedIssuers, failures } = await completeChain(sent, store, ctx);
  const base: ChainEvidence = { fetchedIssuers, ...(failures.length ? { issuerFetchFailures: failures } : {}) };
  if (mode === 'off') return base;
  const { path } = buildPath([...sent, ...fetchedIssuers.flatMap((f) => parsedOrNothing(f.der))], store);
  const staple = fetched.ocspResponse ? Buffer.from(fetched.ocspResponse, 'hex') : undefined;
  return { ...base, revocation: await chainRevocation(path, staple, ctx) };
}
