// The scan's connections, kept with the rest of the socket code: a raw "send these bytes, collect
// the first flight within a deadline" connection, and a full handshake with Node's tls for what a
// first-flight probe cannot see in TLS 1.3 (the certificate and CertificateVerify are encrypted).
// Neither knows what the bytes mean: the caller builds the hello and says when it has read enough,
// so the scan interprets answers without ever touching a socket.

import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { formatAddress } from './options.js';
import { replayStream, runStarttls, starttlsDeadlineMessage, type StarttlsRequest } from './starttls/index.js';
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
   * A `Linger` writes its bytes and ends the connection as `answered` once the peer answers or
   * hangs up, or after `lingerMs` without either (a close_notify sent, the peer's awaited).
   */
  enough: (received: Buffer) => boolean | Uint8Array | Linger;
}

/** Last bytes to send, and how long to wait for the peer's answer to them before ending as `answered`. */
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
      if (lingering) return finish('answered');
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

export interface NodeHandshakeOptions {
  servername?: string;
  sigalgs?: string;
  alpn?: string[];
  requestOcsp?: boolean;
  /** Collect the peer's chain (costs a parse of every certificate into JS objects). */
  wantChain?: boolean;
  /** Wait this long after the handshake for a NewSessionTicket (0: do not wait). */
  ticketWaitMs?: number;
  version: 'TLSv1.2' | 'TLSv1.3';
  timeoutMs: number;
  /** Client certificate for servers that require one (PEM). */
  clientCert?: { cert: string; key: string; passphrase?: string };
}

export interface NodeHandshakeResult {
  ok: boolean;
  error?: string;
  /** Leaf and chain as DER, leaf first. */
  chain?: Buffer[];
  alpn?: string;
  ocspStapled?: boolean;
  sessionTicket?: boolean;
}

/** Leaf first, each certificate once (a self-signed root is its own issuer). */
function peerChain(socket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Secure contexts shared by the scan's Node handshakes, one per (version, sigalgs, secureOptions).
 * Building one per connection was a tenth of a millisecond to a millisecond each, and the first
 * loaded Node's whole root store, which a scan never consults (it does not verify: certificates
 * are judged from their bytes). An empty CA list skips that load. Per-connection options (SNI,
 * ALPN, OCSP, the session offered) stay on the socket; client sessions are never cached in a
 * context by Node (SSL_SESS_CACHE_NO_INTERNAL), so sharing one cannot resume a session by itself.
 */
const sharedContexts = new Map<string, tls.SecureContext>();
const MAX_SHARED_CONTEXTS = 64;

function sharedContext(version: NodeHandshakeOptions['version'], sigalgs: string | undefined, secureOptions: number | undefined): tls.SecureContext | undefined {
  const key = `${version}|${sigalgs ?? ''}|${secureOptions ?? ''}`;
  let context = sharedContexts.get(key);
  if (!context) {
    try {
      context = tls.createSecureContext({ minVersion: version, maxVersion: version, ca: [], ...(sigalgs ? { sigalgs } : {}), ...(secureOptions ? { secureOptions } : {}) });
    } catch {
      // OpenSSL refuses a sigalg name it does not know: tls.connect then says so in the caller.
      return undefined;
    }
    if (sharedContexts.size >= MAX_SHARED_CONTEXTS) sharedContexts.clear();
    sharedContexts.set(key, context);
  }
  return context;
}

/**
 * tls.connect options for one scan handshake. Without a client certificate the TLS settings come
 * from a shared secure context (a context holds certificate and key, so a client certificate
 * gets its own, built by tls.connect from the options as before).
 */
export function connectOptions(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions, secureOptions?: number): tls.ConnectionOptions {
  const shared = opts.clientCert ? undefined : sharedContext(opts.version, opts.sigalgs, secureOptions);
  // `requestOCSP` is a TLSSocket option that tls.connect passes through; @types/node omits it.
  const options: tls.ConnectionOptions & { requestOCSP?: boolean } = {
    host: endpoint.address,
    port: endpoint.port,
    servername: opts.servername && !net.isIP(opts.servername) ? opts.servername : undefined,
    rejectUnauthorized: false,
    ALPNProtocols: opts.alpn,
    requestOCSP: opts.requestOcsp,
    ...(shared
      ? { secureContext: shared }
      : {
          minVersion: opts.version,
          maxVersion: opts.version,
          sigalgs: opts.sigalgs,
          ...(secureOptions ? { secureOptions } : {}),
          ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key, passphrase: opts.clientCert.passphrase } : {}),
        }),
  };
  return options;
}

/** One full handshake with Node's tls, pinned to one version; never rejects. */
export function nodeHandshake(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions): Promise<NodeHandshakeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const seen = { ocsp: false, ticket: false };
    let socket: tls.TLSSocket | undefined;
    const raw: { socket?: net.Socket } = {};
    const done = (r: NodeHandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.removeAllListeners('error');
      socket?.on('error', () => undefined);
      socket?.destroy();
      raw.socket?.destroy();
      resolve({ ...r, ocspStapled: opts.requestOcsp ? seen.ocsp : undefined, sessionTicket: opts.ticketWaitMs ? seen.ticket : undefined });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), opts.timeoutMs);
    void openTls(endpoint, connectOptions(endpoint, opts), raw, opts.timeoutMs).then((s) => {
      if (typeof s === 'string') return done({ ok: false, error: s });
      socket = s;
      if (settled) s.destroy();
      else watchHandshake(s, opts, seen, done);
    });
  });
}

/** Follows one Node handshake to its end (and, if asked, a NewSessionTicket after it). */
function watchHandshake(socket: tls.TLSSocket, opts: NodeHandshakeOptions, seen: { ocsp: boolean; ticket: boolean }, done: (r: NodeHandshakeResult) => void): void {
  let connected: NodeHandshakeResult | undefined;
  socket.on('OCSPResponse', (r: Buffer) => {
    if (r && r.length > 0) seen.ocsp = true;
  });
  socket.on('session', () => {
    seen.ticket = true;
  });
  socket.on('secureConnect', () => {
    const chain = opts.wantChain ? peerChain(socket) : [];
    const alpn = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined;
    const result = { ok: true, chain, alpn };
    connected = result;
    if (opts.ticketWaitMs && !seen.ticket) {
      // Cleared when done() runs first, so the wait never outlives the connection.
      const wait = setTimeout(() => done(result), opts.ticketWaitMs);
      socket.on('session', () => {
        clearTimeout(wait);
        done(result);
      });
      socket.on('close', () => clearTimeout(wait));
      socket.resume();
    } else done(result);
  });
  socket.on('error', (e) => done(connected ?? { ok: false, error: e.message }));
  socket.on('close', () => done(connected ?? { ok: false, error: 'closed' }));
}

/**
 * The TLS socket for one Node handshake: straight to the endpoint, or over a socket that has
 * gone through the proxy's tunnel and/or spoken the STARTTLS dialogue first. A string is why
 * there is none (never rejects).
 */
async function openTls(endpoint: ProbeEndpoint, options: tls.ConnectionOptions, raw: { socket?: net.Socket }, timeoutMs: number): Promise<tls.TLSSocket | string> {
  const starttls = endpoint.starttls;
  try {
    if (!starttls && !endpoint.tunnel) return tls.connect(options);
    const socket = await connectedSocket(endpoint, timeoutMs, raw);
    if (typeof socket === 'string') return socket;
    const { host: _host, port: _port, ...rest } = options;
    if (!starttls) return tls.connect({ ...rest, socket });
    const d = await dialogue(socket, { ...endpoint, starttls });
    if ('error' in d) return d.error;
    return tls.connect({ ...rest, socket: d.rest.length > 0 ? replayStream(socket, d.rest) : socket });
  } catch (e) {
    // OpenSSL refuses a sigalg name it does not know: that scheme cannot be tested.
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Whether this Node's OpenSSL accepts `name` in a `sigalgs` list (3.0 lacks the brainpool ones).
 * Asked through the TLS 1.3 context a handshake offering only `name` uses, so the scan's
 * one-scheme handshakes find theirs already built (a context is ≈ 0.3 ms of CPU, and a scan asks
 * about every TLS 1.3 scheme).
 */
export function nodeKnowsSigalg(name: string): boolean {
  return sharedContext('TLSv1.3', name, undefined) !== undefined;
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
