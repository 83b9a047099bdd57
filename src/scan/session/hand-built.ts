// What the session probes' hand-built full handshakes (full12.ts, full13.ts) share: one exchange
// whose state decides when it has read enough, the same three ways it can end short (no connection
// made, a fallback to Node, a connection that ended before the server's Finished), the recording
// as capture chunks for the shared decoder, and the close_notify they end with.

import type { Linger } from '../../capture/probe-connection.js';
import type { SessionHandshakeResult } from '../../capture/session-connection.js';
import type { CaptureChunk } from '../../capture/types.js';
import { Alert, AlertLevel } from '../../registry/index.js';
import type { ScanContext } from '../context.js';
import { exchange13, type Exchanged } from '../tls13-wire.js';

/** How long the server gets to answer our close_notify (Node's session connections wait as long). */
export const CLOSE_WAIT_MS = 500;

/** A warning close_notify alert (its plaintext): OpenSSL keeps a session only after a clean close. */
export const CLOSE_NOTIFY = Uint8Array.from([AlertLevel.warning, Alert.close_notify]);

/** A hand-built connection's state, one per attempt: what it sent, and why Node must take over. */
export interface HandBuiltState {
  readonly enough: (received: Buffer) => boolean | Uint8Array | Linger;
  readonly sent: readonly Uint8Array[];
  readonly fallback?: string;
}

/** Why a Node handshake makes the connection instead, and how many connections the try made. */
export type Fallback = { fallback: string; connections: 0 | 1 };

export type HandBuiltExchange<S> = Fallback | { failed: SessionHandshakeResult } | { state: S; x: Exchanged; chunks: CaptureChunk[] };

/**
 * Runs one hand-built connection under the scan's limit (counted as a probe). `completed` says
 * whether the state got through the server's Finished; short of that, no answer, a hang-up or a
 * reset is what a Node handshake would report too (`failed`). Never rejects.
 */
export async function exchangeHandBuilt<S extends HandBuiltState>(ctx: ScanContext, hello: Uint8Array, make: () => S, completed: (s: S) => boolean): Promise<HandBuiltExchange<S>> {
  let state: S | undefined;
  const x = await exchange13(ctx, hello, () => (state = make()).enough);
  const s = state as S | undefined;
  // No state: the prober made no connection (it has stopped probing a stalled server), so the Node
  // handshake after this is the probe's only one.
  if (!s) return { fallback: 'the scan has stopped probing the server (it stalled)', connections: 0 };
  if (x.end === 'too-big' || s.fallback) return { fallback: s.fallback ?? 'the server sent more than a probe reads', connections: 1 };
  if (!completed(s)) {
    const error = x.end === 'timeout' ? 'timeout' : x.end === 'connect-failed' || x.end === 'starttls-failed' ? `no connection (${x.end})` : `the connection ended before the server's Finished (${x.end})`;
    return { failed: { ok: false, error, sessions: [], chunks: x.chunks, keylog: [] } };
  }
  const chunks: CaptureChunk[] = [
    { direction: 'client', timeMs: 0, offset: 0, bytes: Buffer.concat(s.sent) },
    { direction: 'server', timeMs: 0, offset: 0, bytes: x.server },
  ];
  return { state: s, x, chunks };
}
