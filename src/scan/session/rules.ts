// The session probes' rows of the findings table (see ../findings.ts): client-initiated
// renegotiation, 0-RTT in TLS 1.3 tickets, and a server that resumes no session at all.

import { when, type FindingRule } from '../finding-tests.js';
import type { ResumptionProbe, SessionScan } from './types.js';

const mechanisms = (s: SessionScan): ResumptionProbe[] => [s.sessionId, s.sessionTicket, s.psk];

/** The probe's last evidence line (what the server answered). */
const lastStep = (evidence: readonly string[]): string => evidence[evidence.length - 1] ?? '';

export const SESSION_RULES: readonly FindingRule[] = [
  {
    id: 'client-renegotiation',
    // testssl.sh rates an accepted client-initiated renegotiation as a potential DoS threat (MEDIUM).
    severity: 'medium',
    title: 'client-initiated renegotiation accepted',
    why: "each renegotiation makes the server redo a full handshake's key exchange on one cheap connection (DoS amplification)",
    explain:
      'A client may ask for a new handshake on an established TLS 1.2 connection. The server does the expensive public-key work every time while the client can skip most of it, so a few clients can keep a server busy. Servers should refuse renegotiation the client starts.',
    cve: ['CVE-2011-1473'],
    probe: 'renegotiation',
    test: (r) => when(r.session?.renegotiation.clientInitiated === 'accepted', '', `TLS 1.2: a new ClientHello on the established connection; ${lastStep(r.session?.renegotiation.evidence ?? [])}`),
  },
  {
    id: 'zero-rtt',
    severity: 'low',
    title: '0-RTT early data',
    why: 'data a client sends in 0-RTT can be replayed by an attacker (RFC 8446 §8)',
    explain:
      'With 0-RTT a returning client sends a request before the handshake finishes. That early data is not protected against replay: an attacker can resend it, so the application must accept only requests that are safe to repeat.',
    probe: 'early-data',
    test: (r) => {
      const e = r.session?.earlyData;
      const size = e?.maxEarlyDataSize ?? 0;
      if (!e || size === 0 || e.accepted === false) return undefined;
      return e.accepted
        ? when(true, `the server accepts it (tickets allow ${size} bytes)`, `a ClientHello resuming a ticket with early_data got early_data in EncryptedExtensions; max_early_data_size ${size}`)
        : when(true, `its TLS 1.3 tickets allow ${size} bytes (acceptance not tested)`, `the NewSessionTicket's early_data extension has max_early_data_size ${size}`);
    },
  },
  {
    id: 'no-session-resumption',
    severity: 'info',
    title: 'no session resumption',
    why: 'every connection needs a full handshake: slower for clients and more work for the server',
    explain: 'Resumption lets a returning client skip the public-key operations of a full handshake. This server resumed no session by any mechanism tested (session ID, session ticket, TLS 1.3 PSK).',
    probe: 'resumption',
    test: (r) => {
      const tested = r.session ? mechanisms(r.session).filter((p) => p.resumed !== null) : [];
      return when(tested.length > 0 && tested.every((p) => p.resumed === false), '', tested.map((p) => lastStep(p.evidence)).join('; '));
    },
  },
];
