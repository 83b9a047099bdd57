// The TCP connect of a live capture: the resolved addresses in order, a refused or unreachable one
// moving on to the next. With a connect hook (live --packets), the hook first gets the address and
// names the local port to bind, so its packet capture is filtered to the exact four-tuple before
// the SYN.

import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatAddress, type CaptureErrorCode, type ConnectHook } from './options.js';
import { classifyConnectError, connectFailureText } from './socket-facts.js';

/** What is dialled: the addresses, their port, the hook, and the capture's clock (for the hook). */
export interface DialPlan {
  addresses: LookupAddress[];
  port: number;
  hook?: ConnectHook;
  now: () => number;
}

/** How the capture follows the attempts. */
export interface DialEvents {
  /** True once the capture has ended (deadline): then nothing more is dialled. */
  ended: () => boolean;
  /** An address is about to be tried. */
  trying: (address: string, family: 4 | 6) => void;
  /** The socket of an attempt exists (the capture destroys it if it ends meanwhile). */
  opened: (raw: net.Socket) => void;
  connected: (raw: net.Socket, connectMs: number) => void;
  /** The last address failed too (or one failed in a way another address would not fix). */
  failed: (code: CaptureErrorCode, message: string) => void;
}

/** Tries `plan.addresses` from `index` on until one connects or the last one fails. */
export function dialAddresses(plan: DialPlan, events: DialEvents, index = 0): void {
  const { address, family } = plan.addresses[index];
  events.trying(address, family === 6 ? 6 : 4);
  const go = (localPort?: number): void => {
    if (!events.ended()) dialAddress(plan, events, index, localPort);
  };
  if (!plan.hook) go();
  else void plan.hook.prepare({ address, port: plan.port, family: family === 6 ? 6 : 4 }).then(go, () => go());
}

/** Opens the TCP connection to one resolved address (from `localPort` when live --packets named one). */
function dialAddress(plan: DialPlan, events: DialEvents, index: number, localPort: number | undefined): void {
  const { address, family } = plan.addresses[index];
  const port = plan.port;
  const t = performance.now();
  plan.hook?.connecting(plan.now());
  const raw = net.connect({ host: address, port, family, ...(localPort !== undefined ? { localPort } : {}) });
  events.opened(raw);
  const onConnectError = (err: NodeJS.ErrnoException): void => {
    if (events.ended()) return;
    const code = classifyConnectError(err);
    if ((code === 'refused' || code === 'unreachable') && index + 1 < plan.addresses.length) {
      raw.destroy();
      dialAddresses(plan, events, index + 1);
      return;
    }
    events.failed(code, connectFailureText(code, formatAddress(address, port), err));
  };
  raw.once('error', onConnectError);
  raw.once('connect', () => {
    raw.off('error', onConnectError);
    events.connected(raw, performance.now() - t);
  });
}
