// The check command's results: one TargetResult per target, and the run summary. JSON-able; the
// summary table, NDJSON, JSON and JUnit writers read only these.

import type { ChainReport } from '../analyse/chain/types.js';
import type { CodePoint } from '../analyse/types.js';

export interface CheckTarget {
  /** As the user wrote it (command line or --targets line). */
  input: string;
  host: string;
  port: number;
  /** `host:port` for display. */
  display: string;
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
  address?: string;
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
  /** --crit-days; 0 when not given (no target is critical). */
  critDays: number;
  /** Sorted by days left, soonest (and failures) first, then by status and target. */
  results: TargetResult[];
  counts: Record<TargetStatus, number>;
  exitCode: number;
  durationMs: number;
}
