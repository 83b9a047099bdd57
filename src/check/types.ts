// The check command's results: one TargetResult per target, and the run summary. JSON-able; the
// summary table, NDJSON, JSON and JUnit writers read only these.

import type { ChainReport } from '../analyse/chain/types.js';
import type { CodePoint } from '../analyse/types.js';
import type { StarttlsProtocol } from '../capture/starttls/index.js';

export interface CheckTarget {
  /** As the user wrote it (command line or --targets line). */
  input: string;
  host: string;
  port: number;
  /** `host:port` for display. */
  display: string;
  /** This target's STARTTLS protocol (`none`: TLS at once); default the run's, then the port's. */
  starttls?: StarttlsProtocol | 'none';
}

/**
 * valid: trusted, matching, nothing expiring within --warn-days; expiring: valid but a sent
 * certificate expires within --warn-days; invalid: a chain, hostname or trust error; error: no
 * chain to judge (DNS, connect, timeout, not TLS, handshake failure).
 */
export type TargetStatus = 'valid' | 'expiring' | 'invalid' | 'error';

export interface TargetResult {
  target: string;
  host: string;
  port: number;
  /** Name the leaf was checked against (servername or host). */
  checkedName: string;
  address?: string;
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

export interface CheckSummary {
  /** Pinned clock of the run. */
  at: string;
  warnDays: number;
  /** Sorted by days left, soonest (and failures) first. */
  results: TargetResult[];
  counts: Record<TargetStatus, number>;
  exitCode: number;
  durationMs: number;
}
