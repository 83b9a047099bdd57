// The scan's connections, kept with the rest of the socket code: a raw "send these bytes, collect
// what comes back within a deadline" connection (the full handshake through Node's tls is in
// node-handshake.ts), on the endpoint as dialled: straight, through a proxy's tunnel, after STARTTLS.
// Neither knows what the bytes mean: the caller builds the hello and says when it has read enough,
// so the scan interprets answers without ever touching a socket.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatAddress } from './options.js';
import { runStarttls, starttlsDeadlineMessage, type StarttlsRequest } from './starttls/index.js';
import type { CapturePrologue } from './types.js';
import { openTunnel, tunnelProblem, type ProxySettings } from './proxy.js';

export interface ProbeEndpoint {
  /** Resolved address to connect to (no DNS per probe): the proxy's, with `tunnel`. */
  address: string;
  port: number;
  /** Every connection first speaks this protocol's plaintext dialogue up to its STARTTLS go-ahead. */
  starttls?: StarttlsRequest;
  /** Through an HTTP proxy: every connection first asks it for a tunnel to host:port (CONNECT). */
  tunnel?: { proxy: ProxySettings; host: string; port: number };
}

/**
 * Connects to the endpoint and, through a proxy, opens the tunnel; calls `ready` once bytes may be
 * sent to the server, or `refused` with why the proxy gave no tunnel. Socket errors are the
 * caller's: it listens for them from the start.
 */
function dialEndpoint(endpoint: ProbeEndpoint, ready: () => void, refused: (problem: string) => void): net.Socket {
  const socket = net.connect({ host: endpoint.address, port: endpoint.port });
  socket.setNoDelay(true);
  socket.once('connect', () => {
    const t = endpoint.tunnel;
    if (!t) return ready();
    void openTunnel(socket, t.host, t.port, t.proxy, { onBytes: () => undefined }).then((o) => {
      const problem = tunnelProblem(o, t.proxy, t);
      if (problem || !o.answered) return refused(problem ?? '');
      if (o.rest.length > 0) socket.unshift(o.rest);
      socket.resume();
      ready();
    });
  });
  return socket;
}

/** A socket with the tunnel open (or plainly connected), or why there is none. Never rejects. */
export function connectedSocket(endpoint: ProbeEndpoint, timeoutMs: number, raw: { socket?: net.Socket } = {}): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: net.Socket | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      socket.on('error', () => undefined); // the TLS socket reports what matters from here on
      if (typeof result === 'string') socket.destroy();
      resolve(result);
    };
    const proxy = endpoint.tunnel ? `proxy ${formatAddress(endpoint.tunnel.proxy.host, endpoint.tunnel.proxy.port)}` : formatAddress(endpoint.address, endpoint.port);
    const timer = setTimeout(() => done(`${proxy} did not open a tunnel within ${timeoutMs} ms`), timeoutMs);
    const socket = dialEndpoint(endpoint, () => done(socket), done);
    raw.socket = socket;
    const onError = (e: NodeJS.ErrnoException): void => done(endpoint.tunnel ? `cannot connect to ${proxy}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message)}` : e.message);
    socket.on('error', onError);
  });
}

/** Opens one tunnel and closes it: undefined when the proxy opens tunnels, else why not. Never rejects. */
export async function tryTunnel(endpoint: ProbeEndpoint, timeoutMs: number): Promise<string | undefined> {
  const r = await connectedSocket(endpoint, timeoutMs);
  if (typeof r === 'string') return r;
  r.destroy();
  return undefined;
}

/** How a single connection ended. `answered` means the caller saw enough to stop. */
export type ProbeEnd = 'answered' | 'closed' | 'reset' | 'timeout' | 'connect-failed' | 'too-big' | 'starttls-failed';

/** Runs the endpoint's STARTTLS dialogue on a connected socket; the bytes after the go-ahead, or the failure's message. */
export async function dialogue(socket: net.Socket, endpoint: ProbeEndpoint & { starttls: StarttlsRequest }): Promise<{ rest: Buffer } | { error: string; code: string }> {
  const o = await runStarttls(socket, endpoint.starttls, performance.now(), formatAddress(endpoint.address, endpoint.port), [], true);
  return o.error ? { error: o.error.message, code: o.error.code } : { rest: o.rest ?? Buffer.alloc(0) };
}

export interface ExchangeOptions {
  /** Deadline for connect + answer, ms. */
  timeoutMs: number;
  /** Stop reading after this many bytes (default 64 KiB: a long chain fits, a flood does not). */
  maxBytes?: number;
  /**
   * Called with everything received so far after each read; true ends the connection as
   * `answered`. Bytes instead are written to the peer and reading goes on (a probe that answers
   * the first flight, e.g. with a heartbeat); the caller keeps track of which step it is in.
   * A `Linger` writes its bytes and gives the peer `lingerMs` more (within the deadline): reading
   * goes on, and the time running out or the peer hanging up ends the connection as `answered`
   * (a Finished sent and the tickets after it awaited; a close_notify sent and the peer's awaited).
   */
  enough: (received: Buffer) => boolean | Uint8Array | Linger;
}

/** Bytes to send, and how long the peer then has before the connection ends as `answered`. */
export interface Linger {
  write: Uint8Array;
  lingerMs: number;
}

export interface ExchangeResult {
  end: ProbeEnd;
  bytesReceived: number;
  /** Socket error code for connect-failed / reset (ECONNREFUSED, ECONNRESET, …). */
  errorCode?: string;
}

/** Connects, sends `bytes` once and reads until `enough` says so, the peer hangs up or the deadline passes. Never rejects. */
export function exchangeFirstFlight(endpoint: ProbeEndpoint, bytes: Uint8Array, opts: ExchangeOptions): Promise<ExchangeResult> {
  const maxBytes = opts.maxBytes ?? 65536;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    let settled = false;
    const finish = (end: ProbeEnd, errorCode?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined); // errors after we are done are of no interest
      socket.destroy();
      resolve({ end, bytesReceived: received, errorCode });
    };
    const deadline = performance.now() + opts.timeoutMs;
    let timer = setTimeout(() => finish('timeout'), opts.timeoutMs);
    const onData = (d: Buffer): void => {
      chunks.push(d);
      received += d.length;
      const verdict = opts.enough(chunks.length === 1 ? d : Buffer.concat(chunks));
      if (verdict === true) finish('answered');
      else if (received >= maxBytes) finish('too-big');
      else if (verdict instanceof Uint8Array) socket.write(verdict);
      else if (verdict !== false) linger(verdict);
    };
    let lingering = false;
    const linger = (l: Linger): void => {
      lingering = true;
      socket.write(l.write);
      clearTimeout(timer);
      timer = setTimeout(() => finish('answered'), Math.max(0, Math.min(l.lingerMs, deadline - performance.now())));
    };
    // A proxy that refuses a tunnel it opened before is a connection that failed, like a refusal.
    const socket = dialEndpoint(endpoint, () => onReady(), () => finish('connect-failed', 'proxy'));
    const onReady = (): void => {
      connected = true;
      const starttls = endpoint.starttls;
      if (!starttls) {
        socket.on('data', onData);
        socket.write(bytes);
        return;
      }
      // The flight is read only after the go-ahead: the dialogue's bytes are not TLS.
      void dialogue(socket, { ...endpoint, starttls }).then((d) => {
        if (settled) return;
        if ('error' in d) return finish('starttls-failed', d.code);
        socket.on('data', onData);
        socket.resume();
        socket.write(bytes);
        if (d.rest.length > 0) onData(d.rest);
      });
    };
    // The peer hanging up after our last bytes is the answer a lingering close waits for.
    socket.on('end', () => finish(lingering ? 'answered' : 'closed'));
    socket.on('close', () => finish(lingering ? 'answered' : 'closed'));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A server that accepts and resets at once can report ECONNRESET before 'connect' fires.
      const reset = e.code === 'ECONNRESET' || e.code === 'EPIPE';
      if (!connected && !reset) finish('connect-failed', e.code);
      // A reset after the server sent a complete answer is just how some servers hang up.
      else finish(lingering ? 'answered' : received > 0 ? 'closed' : 'reset', e.code);
    });
  });
}


/** 4 or 6 for an IP literal, 0 for a name (SNI is never an IP address, RFC 6066 §3). */
export function ipFamilyOf(host: string): number {
  return net.isIP(host);
}

export interface DialogueResult {
  prologue: CapturePrologue[];
  error?: { code: string; message: string };
}

/**
 * Connects, speaks the endpoint's STARTTLS dialogue up to the go-ahead and hangs up: what the
 * server says in plaintext (for the scan's STARTTLS findings), or why the dialogue failed. Within
 * `timeoutMs`; never rejects.
 */
export function plaintextDialogue(endpoint: ProbeEndpoint & { starttls: StarttlsRequest }, timeoutMs: number): Promise<DialogueResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const prologue: CapturePrologue[] = [];
    const where = formatAddress(endpoint.address, endpoint.port);
    let settled = false;
    const finish = (error?: { code: string; message: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.on('error', () => undefined);
      socket.destroy();
      resolve({ prologue, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => {
      const received = prologue.reduce((n, p) => n + (p.direction === 'server' ? p.bytes.length : 0), 0);
      finish({ code: 'timeout', message: starttlsDeadlineMessage(endpoint.starttls.protocol, where, timeoutMs, received) });
    }, timeoutMs);
    let connected = false;
    const socket = dialEndpoint(endpoint, () => onReady(), (message) => finish({ code: 'proxy', message }));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      // After the connect, the dialogue reports errors itself.
      if (connected) return;
      finish({ code: e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable', message: e.code === 'ECONNREFUSED' ? `connection refused by ${where}` : `cannot reach ${where}: ${e.code ?? e.message}` });
    });
    const onReady = (): void => {
      connected = true;
      void runStarttls(socket, endpoint.starttls, t0, where, prologue, true).then((o) => finish(o.error ? { code: o.error.code, message: o.error.message } : undefined));
    };
  });
}
