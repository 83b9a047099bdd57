// The probes that answer the server's first flight on the same connection, run after the versions
// are known (they ask in the best version below TLS 1.3; a server without one gets null).

import type { ScanContext } from '../context.js';
import type { ProbeOutcome, VulnerabilityProbes } from '../types.js';
import type { VersionsFound } from '../versions.js';
import { Version } from '../../registry/index.js';
import { probeCcsInjection } from './ccs-injection.js';
import { probeHeartbleed } from './heartbleed.js';

/** An outcome the probe could not decide is also a note for the reader. */
function noted(ctx: ScanContext, name: string, p: Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  return p.then((o) => {
    if (o.verdict === 'unknown') ctx.notes.push(`${name}: not decided — ${o.detail}`);
    return o;
  });
}

export async function scanVulnerabilityProbes(ctx: ScanContext, found: VersionsFound): Promise<VulnerabilityProbes> {
  // Heartbeat is a TLS extension (no SSL 3.0); the CCS probe runs in SSL 3.0 too.
  const tls = found.best12 !== undefined && found.best12 > Version.SSL3;
  const [heartbleed, ccsInjection] = await Promise.all([
    tls ? noted(ctx, 'Heartbleed probe', probeHeartbleed(ctx, found)) : null,
    found.best12 !== undefined ? noted(ctx, 'CCS injection probe', probeCcsInjection(ctx, found)) : null,
  ]);
  return { heartbleed, ccsInjection };
}
