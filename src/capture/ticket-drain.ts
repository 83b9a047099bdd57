// The wait after a TLS 1.3 handshake for the server's post-handshake records (NewSessionTickets,
// which OpenSSL sends two of right after the client's Finished), so the capture records them.

import type net from 'node:net';
import { recordBoundaryWalker } from './framing.js';
import type { RecordingTap } from './tap.js';
import type { TimerSet } from './timer-set.js';

/**
 * Quiet time that ends the post-handshake drain once the server's records are complete. Short:
 * a ticket that comes later still arrives before the server's answer to our close_notify, and
 * everything until then is recorded.
 */
const DRAIN_QUIET_MS = 2;

/** Where the drain listens and what it calls once done. */
export interface TicketDrain {
  raw: net.Socket | undefined;
  tap: RecordingTap | undefined;
  timers: TimerSet;
  /** Bound on the wait, ms: a server that sends no tickets is waited for this long. */
  drainMs: number;
  finished: () => boolean;
  close: () => void;
}

/**
 * Ends (calls `close`) as soon as the server's stream rests at a record boundary with nothing more
 * for DRAIN_QUIET_MS (a record cut across TCP segments is waited for), or after `drainMs`.
 */
export function drainTickets(d: TicketDrain): void {
  const { raw, tap, timers } = d;
  const walk = recordBoundaryWalker();
  let fed = 0;
  /** Feeds the server chunks recorded since the last call; true if they end a record. */
  const feedServer = (): boolean => {
    let boundary = false;
    for (const chunks = tap?.chunks ?? []; fed < chunks.length; fed++) if (chunks[fed].direction === 'server') boundary = walk(chunks[fed].bytes);
    return boundary;
  };
  feedServer();
  const hardStop = timers.after(d.drainMs, () => d.close());
  let quiet: NodeJS.Timeout | undefined;
  const onServerData = (): void => {
    timers.cancel(quiet);
    if (d.finished() || !feedServer()) return;
    quiet = timers.after(DRAIN_QUIET_MS, () => {
      raw?.off('data', onServerData);
      timers.cancel(hardStop);
      d.close();
    });
  };
  // Listens after the tap (added first), so the chunk is already recorded.
  raw?.on('data', onServerData);
}
