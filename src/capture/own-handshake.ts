// The socket side of a handshake the caller writes itself (CaptureOptions.ownHandshake: check's TLS
// 1.3 first flight): its hello out, the server's bytes recorded as capture chunks and handed to its
// judge as they come, until the judge is done, the peer hangs up or errs, or the read cap. It knows
// nothing of what the bytes mean; the capture (capture.ts) keeps the deadline and the outcome.

import type net from 'node:net';
import { formatAddress, type CaptureOptions, type OwnHandshake, type OwnHandshakeStep } from './options.js';
import type { Dial } from './route.js';
import { errorMessage } from './socket-facts.js';
import type { CaptureChunk, CaptureTarget } from './types.js';

/** Where TLS is about to start, as text: the address dialled, the tunnel's target, the STARTTLS protocol. */
export function endpointText(target: CaptureTarget, dial: Dial, opts: CaptureOptions): string {
  const p = target.proxy;
  const dialled = formatAddress(p?.address ?? target.address ?? dial.host, dial.port);
  const tunnel = p ? ` to ${formatAddress(opts.host, opts.port)}` : '';
  return `${dialled}${tunnel}${opts.starttls ? ` ${opts.starttls}` : ''}`;
}


/** Socket reads an own handshake judges at most (a usual flight takes a few, a long chain over small segments a few dozen). */
export const MAX_OWN_READS = 64;

export interface OwnHandshakeRun {
  /** Capture-clock time, ms. */
  now(): number;
  /** Where both directions' chunks go, in order. */
  chunks: CaptureChunk[];
  /** Server bytes read at most. */
  limit: number;
  /** Called once the run should stop: declined (why), or done with the judge's `complete` step. */
  ended(outcome: { declined: string } | Extract<OwnHandshakeStep, { step: 'complete' }>): void;
}

/**
 * Sends `own.hello` on `raw` and reads. A hang-up, a socket error or the cap before the judge is
 * done declines, as does a judge that throws (a bug there must not escape an event handler and end
 * the process): Node's handshake then says what the server does.
 */
export function runOwnHandshake(raw: net.Socket, own: OwnHandshake, run: OwnHandshakeRun): void {
  let received: Buffer = Buffer.alloc(0);
  let reads = 0;
  let over = false;
  const end = (outcome: { declined: string } | Extract<OwnHandshakeStep, { step: 'complete' }>): void => {
    if (over) return;
    over = true;
    run.ended(outcome);
  };
  raw.on('error', (err: NodeJS.ErrnoException) => end({ declined: `socket error ${err.code ?? ''}` }));
  raw.on('close', () => end({ declined: 'the server closed the connection' }));
  raw.on('data', (bytes: Buffer) => {
    if (over) return;
    run.chunks.push({ direction: 'server', timeMs: run.now(), offset: received.length, bytes });
    received = received.length === 0 ? bytes : Buffer.concat([received, bytes]);
    if (received.length > run.limit) return end({ declined: `the server's flight passed ${run.limit} bytes` });
    // The judge reads everything received on each read: a flight dripped in tiny records would cost
    // it quadratic time. Past this many reads Node's handshake (and its own caps) takes over.
    if (++reads > MAX_OWN_READS) return end({ declined: `the server's flight took more than ${MAX_OWN_READS} reads` });
    let r: OwnHandshakeStep;
    try {
      r = own.read(received);
    } catch (e) {
      r = { step: 'declined', why: `own handshake failed: ${errorMessage(e)}` };
    }
    // Only the judge's own declines are the server's answer (the caller may remember them); a
    // hang-up, an error or the cap may be this connection's alone.
    if (r.step === 'declined') {
      own.declined?.(r.why);
      end({ declined: r.why });
    }
    else if (r.step === 'complete') end(r);
  });
  // A STARTTLS dialogue or a proxy's tunnel may have left the socket paused: a 'data' listener alone would not start it.
  raw.resume();
  run.chunks.push({ direction: 'client', timeMs: run.now(), offset: 0, bytes: own.hello });
  raw.write(own.hello);
}
