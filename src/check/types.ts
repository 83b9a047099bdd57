// The check command's results: one TargetResult per target, and the run summary. JSON-able; the
// summary table, NDJSON, JSON and JUnit writers read only these.

import type { ChainReport } from '../analyse/chain/types.js';
import type { CodePoint } from '../analyse/types.js';
import type { ProxySettings } from '../capture/proxy.js';
import type { RouteOptions } from '../capture/route.js';
import type { StarttlsProtocol } from '../capture/starttls/index.js';

export interface CheckTarget {
  /** As the user wrote it (command line or --targets line). */
  input: string;
  host: string;
  port: number;
  /** `host:port` for display. */
  display: string;
  /** Per-target settings from a --targets line; each beats the command-line option. */
  settings?: CheckTargetSettings;
  /** Proxy, --connect-to, --resolve, -4/-6 as they apply to this target (the CLI matches them). */
  route?: RouteOptions;
  /** This target's STARTTLS protocol (a targets line's starttls=; `none`: TLS at once); default the run's, then the port's. */
  starttls?: StarttlsProtocol | 'none';
}

/** What a --targets line may set for its target alone. */
export interface CheckTargetSettings {
  /** sni=: the SNI sent and the name the certificate is checked against. */
  servername?: string;
  /** address=: connect here instead of looking the name up. */
  addresses?: string[];
  /** warn-days=: this target's expiring threshold. */
  warnDays?: number;
  /** proxy=: this proxy, or `null` for none (proxy=none), whatever --proxy and the environment say. */
  proxy?: ProxySettings | null;
  /** cert= key= (pass=): the client certificate offered to this server. */
  clientCert?: { cert: string; key: string; passphrase?: string };
}

/**
 * valid: trusted, matching, nothing expiring within --warn-days; expiring: valid but a sent
 * certificate expires within --warn-days; critical: valid but a sent certificate expires within
 * --crit-days (a failure, unlike expiring); invalid: a chain, hostname or trust error; error: no
 * chain to judge (DNS, connect, timeout, not TLS, handshake failure).
 */
export type TargetStatus = 'valid' | 'expiring' | 'critical' | 'invalid' | 'error';

export interface TargetResult {
  target: string;
  host: string;
  port: number;
  /** Name the leaf was checked against (servername or host). */
  checkedName: string;
  /** The address connected to; absent through a proxy (it resolved the name). */
  address?: string;
  /** The HTTP proxy (host:port) the connection was tunnelled through. */
  proxy?: string;
  /** The plaintext protocol spoken before TLS (STARTTLS), when one was. */
  starttls?: StarttlsProtocol;
  status: TargetStatus;
  /** The exit code this target alone would give. */
  exitCode: number;
  daysLeft: number | null;
  /** notAfter of the sent certificate `daysLeft` counts to. */
  notAfter?: string;
  /** Verdict sentences: failed errors and warnings, or the connection error. */
  problems: string[];
  /** The version the handshake settled on, named as the trace names it (`TLS 1.3`). */
  protocol?: CodePoint;
  chain?: ChainReport;
  error?: { code: string; message: string };
  durationMs: number;
}

/**
 * The run's summary. `R` is what the run kept of each result: the whole TargetResult (JSON, chain
 * tables), or only what a summary renderer reads (a fleet's text, CSV…), so that memory does not
 * grow with each target's chain report.
 */
export interface CheckSummary<R = TargetResult> {
  /** Pinned clock of the run. */
  at: string;
  warnDays: number;
  /** --crit-days; 0 when not given (no target is critical). */
  critDays: number;
  /** Sorted by days left, soonest (and failures) first, then by status and target. */
  results: R[];
  counts: Record<TargetStatus, number>;
  exitCode: number;
  durationMs: number;
}
