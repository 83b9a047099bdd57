// One probe: a hand-built hello sent over a capture-layer connection, the server's first flight
// read only as far as needed (bounded in time and bytes). The Prober adds what a polite scanner
// needs around it: a concurrency limit shared by all probes, and retries with backoff when the
// server resets or refuses a connection it accepted before (rate limiting). No socket here: the
// connection lives in capture/probe-connection.ts; this file decides when a flight is complete.

import { exchangeFirstFlight, type ProbeEnd, type ProbeEndpoint } from '../capture/probe-connection.js';
import { readFirstFlight, type FlightOptions, type FlightSummary } from './first-flight.js';
import { SCAN_STALL_LIMIT } from '../limits.js';

export type { ProbeEnd, ProbeEndpoint } from '../capture/probe-connection.js';

export interface ProbeOptions extends FlightOptions {
  /** Per-probe deadline for connect + first flight, ms. */
  timeoutMs: number;
  /** Stop reading after this many bytes (default 64 KiB: a long chain fits, a flood does not). */
  maxBytes?: number;
}

/**
 * A probe that answers the first flight on the same connection (Heartbleed, CCS injection): what
 * to send once the flight is complete, and when what came back after it is enough.
 */
export interface FollowUp {
  /** Bytes to send given the complete first flight, or undefined to stop there. */
  send: (flight: FlightSummary) => Uint8Array | undefined;
  /** True once the bytes received after the follow-up answer the question. */
  enough: (after: Buffer) => boolean;
  /** Bytes read after the follow-up, at most (the connection ends as `too-big` past it). */
  maxBytes: number;
}

export interface ProbeResult {
  end: ProbeEnd;
  flight: FlightSummary;
  /** With a follow-up that was sent: the bytes received after it (possibly none). */
  afterFollowUp?: Buffer;
  bytesReceived: number;
  /** Socket error code for connect-failed / reset (ECONNREFUSED, ECONNRESET, …). */
  errorCode?: string;
  /** Attempts made (1 + retries). */
  attempts: number;
}

/** Sends `hello` once and reads the answer as a first flight, then runs the follow-up if any. Never rejects. */
export async function probeOnce(endpoint: ProbeEndpoint, hello: Uint8Array, opts: ProbeOptions, followUp?: FollowUp): Promise<Omit<ProbeResult, 'attempts'>> {
  // The flight is re-read on every socket read; the last reading is the answer. Once a follow-up
  // is sent, the server has nothing more of the first flight to send (it waits for the client's
  // next flight), so everything past `boundary` is its answer to the follow-up.
  let flight: FlightSummary = { complete: false };
  let boundary = -1;
  let received: Buffer = Buffer.alloc(0);
  let capped = false;
  const enough = (all: Buffer): boolean | Uint8Array => {
    received = all;
    if (boundary >= 0) {
      // The follow-up's answer has its own cap, whatever the first flight took.
      capped = all.length - boundary > followUp!.maxBytes;
      return capped || followUp!.enough(all.subarray(boundary, boundary + followUp!.maxBytes));
    }
    flight = readFirstFlight(all, opts);
    if (!flight.complete) return false;
    const next = followUp?.send(flight);
    if (!next) return true;
    boundary = all.length;
    return next;
  };
  const maxBytes = (opts.maxBytes ?? 65536) + (followUp?.maxBytes ?? 0);
  const r = await exchangeFirstFlight(endpoint, hello, { timeoutMs: opts.timeoutMs, maxBytes, enough });
  const after = boundary >= 0 ? { afterFollowUp: Buffer.from(received.subarray(boundary, boundary + followUp!.maxBytes)) } : {};
  return { end: capped ? 'too-big' : r.end, flight, ...after, bytesReceived: r.bytesReceived, errorCode: r.errorCode };
}

export interface ProberStats {
  probes: number;
  retries: number;
  resets: number;
  timeouts: number;
  connectFailures: number;
  /** Probes not sent because the server had stalled (see STALL_LIMIT); absent when none. */
  abandoned?: number;
}

/**
 * After this many probe timeouts in a row (no other outcome between them) the server is taken to
 * have stalled and the remaining probes are not sent: a server that answers every ClientHello
 * with a ServerHello and then goes quiet would otherwise make each of ~1 400 probes wait its full
 * --timeout (9 minutes at 1.5 s). The scan then reports incomplete results instead of hanging.
 */
export const STALL_LIMIT = SCAN_STALL_LIMIT;

export interface ProberOptions {
  concurrency: number;
  timeoutMs: number;
  /** Retries after a reset / refused reconnect; default 2. */
  retries?: number;
  /** First backoff delay, ms; doubles each retry (default 50). */
  backoffMs?: number;
}

/**
 * Which waiting connection gets the next free slot. The elimination chains (suites, groups,
 * signature schemes) ask one question after another, each waiting for the last answer, so the
 * scan cannot end before its longest chain has: their rounds go first, and the one-off questions
 * (features, vulnerability probes, certificates without SNI) fill the slots the chains leave free
 * instead of delaying them. The same connections are made either way; only the order changes.
 */
export type ProbePriority = 'chain' | 'one-off';

/** Runs probes under a concurrency limit and retries the ones a busy server turned away. */
export class Prober {
  readonly stats: ProberStats = { probes: 0, retries: 0, resets: 0, timeouts: 0, connectFailures: 0 };
  private active = 0;
  /** Waiting for a slot, in arrival order; chain rounds are served before one-off questions. */
  private readonly waiting: Array<{ chain: boolean; go: () => void }> = [];
  /** Set once any connection succeeded: later refusals then look like rate limiting. */
  private everConnected = false;
  /** Probe timeouts in a row; any other outcome resets it. */
  private timeoutsInARow = 0;

  constructor(
    readonly endpoint: ProbeEndpoint,
    readonly opts: ProberOptions,
  ) {}

  /** Runs `task` when a slot is free (also used for Node tls handshakes, so they share the limit). */
  async limit<T>(task: () => Promise<T>, priority: ProbePriority = 'one-off'): Promise<T> {
    if (this.active >= this.opts.concurrency) await new Promise<void>((go) => this.waiting.push({ chain: priority === 'chain', go }));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.next()?.go();
    }
  }

  /** Takes the first waiting chain round, else the first waiting one-off. */
  private next(): { go: () => void } | undefined {
    const i = this.waiting.findIndex((w) => w.chain);
    return this.waiting.splice(i >= 0 ? i : 0, 1)[0];
  }

  probe(hello: Uint8Array, flightOpts: FlightOptions = {}, followUp?: FollowUp, priority: ProbePriority = 'one-off'): Promise<ProbeResult> {
    const abandoned = { end: 'timeout' as const, flight: { complete: false }, bytesReceived: 0 };
    return this.retrying(() => probeOnce(this.endpoint, hello, { ...flightOpts, timeoutMs: this.opts.timeoutMs }, followUp), abandoned, priority);
  }

  /**
   * Runs `once` (one connection) under the limit with the probes' retries, stall detection and
   * counts: for exchanges that read further than a first flight (handshake13.ts). `once` must
   * start afresh on each call; `abandoned` is the answer when the server has stalled.
   */
  async retrying<R extends { end: ProbeEnd }>(once: () => Promise<R>, abandoned: R, priority: ProbePriority = 'one-off', maxRetries = this.opts.retries ?? 2): Promise<R & { attempts: number }> {
    let attempt = 0;
    for (;;) {
      attempt++;
      const r = this.timeoutsInARow >= STALL_LIMIT ? undefined : await this.limit(() => (this.timeoutsInARow >= STALL_LIMIT ? Promise.resolve(undefined) : once()), priority);
      if (!r) {
        this.stats.abandoned = (this.stats.abandoned ?? 0) + 1;
        return { ...abandoned, attempts: attempt - 1 };
      }
      this.stats.probes++;
      this.timeoutsInARow = r.end === 'timeout' ? this.timeoutsInARow + 1 : 0;
      if (r.end === 'timeout') this.stats.timeouts++;
      if (r.end === 'reset') this.stats.resets++;
      if (r.end === 'connect-failed') this.stats.connectFailures++;
      else this.everConnected = true;
      const retryable = r.end === 'reset' || (r.end === 'connect-failed' && this.everConnected);
      if (!retryable || attempt > maxRetries) return { ...r, attempts: attempt };
      this.stats.retries++;
      await new Promise((res) => setTimeout(res, (this.opts.backoffMs ?? 50) * 2 ** (attempt - 1)));
    }
  }
}
