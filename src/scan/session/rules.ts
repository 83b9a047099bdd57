// The session probes' rows of the findings table (see ../findings.ts). `cve` names the CVE where
// there is one; the Finding shape carries it once the shared `cve` field is in (issue 15).

import type { FindingRule } from '../findings.js';
import type { ResumptionProbe } from './types.js';

export type SessionRule = FindingRule & { cve?: string[] };

const when = (condition: boolean, seen: string): { seen: string } | undefined => (condition ? { seen } : undefined);

const mechanisms = (p: { sessionId: ResumptionProbe; sessionTicket: ResumptionProbe; psk: ResumptionProbe }): ResumptionProbe[] => [p.sessionId, p.sessionTicket, p.psk];

export const SESSION_RULES: readonly SessionRule[] = [
  {
    id: 'client-renegotiation',
    // testssl.sh rates an accepted client-initiated renegotiation as a potential DoS threat (MEDIUM).
    severity: 'medium',
    cve: ['CVE-2011-1473'],
    title: 'client-initiated renegotiation accepted',
    why: 'each renegotiation makes the server do a full handshake\'s key exchange again on one cheap connection (CPU exhaustion, DoS amplification)',
    test: (r) => when(r.session?.renegotiation.clientInitiated === 'accepted', 'TLS 1.2: the server completed a renegotiation the client asked for'),
  },
  {
    id: 'zero-rtt',
    severity: 'low',
    title: '0-RTT early data offered',
    why: 'data a client sends in 0-RTT can be replayed by an attacker (RFC 8446 §8): only idempotent requests belong there',
    test: (r) => {
      const size = r.session?.earlyData.maxEarlyDataSize ?? 0;
      return when(size > 0, `TLS 1.3 tickets allow up to ${size} bytes of early data (max_early_data_size)`);
    },
  },
  {
    id: 'no-session-resumption',
    severity: 'info',
    title: 'no session resumption',
    why: 'every connection needs a full handshake: slower for clients and more work for the server',
    test: (r) => {
      const tested = r.session ? mechanisms(r.session).filter((p) => p.resumed !== null) : [];
      return when(tested.length > 0 && tested.every((p) => p.resumed === false), '');
    },
  },
];
