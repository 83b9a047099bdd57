// The scan's connections, kept with the rest of the socket code: a raw "send these bytes, collect
// the first flight within a deadline" connection, and a full handshake with Node's tls for what a
// first-flight probe cannot see in TLS 1.3 (the certificate and CertificateVerify are encrypted).
// Neither knows what the bytes mean: the caller builds the hello and says when it has read enough,
// so the scan interprets answers without ever touching a socket.

import net from 'node:net';
import tls from 'node:tls';
import { openTunnel, tunnelProblem, type ProxySettings } from './proxy.js';
import { formatAddress } from './options.js';

export interface ProbeEndpoint {
  /** Resolved address to connect to (no DNS per probe): the proxy's, with `tunnel`. */
  address: string;
  port: number;
  /** Through an HTTP proxy: every connection first asks it for a tunnel to host:port (CONNECT). */
  tunnel?: { proxy: ProxySettings; host: string; port: number };
}

/**
 * Connects to the endpoint and, through a proxy, opens the tunnel; calls `ready` with the socket
 * once bytes may be sent, or `failed` with why not (the proxy's refusal, `connect-failed`).
 * Errors on the socket are the caller's: it listens for them from the start.
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

/** A socket with the tunnel open, or why the proxy gave none. Never rejects. */
function tunnelledSocket(endpoint: ProbeEndpoint, timeoutMs: number): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: net.Socket | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      if (typeof result === 'string') socket.destroy();
      resolve(result);
    };
    const proxy = endpoint.tunnel ? `proxy ${formatAddress(endpoint.tunnel.proxy.host, endpoint.tunnel.proxy.port)}` : 'the proxy';
    const timer = setTimeout(() => done(`${proxy} did not open a tunnel within ${timeoutMs} ms`), timeoutMs);
    const socket = dialEndpoint(endpoint, () => done(socket), done);
    const onError = (e: NodeJS.ErrnoException): void => done(`cannot connect to ${proxy}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message)}`);
    socket.on('error', onError);
  });
}

/** Opens one tunnel and closes it: undefined when the proxy opens tunnels, else why not. Never rejects. */
export async function tryTunnel(endpoint: ProbeEndpoint, timeoutMs: number): Promise<string | undefined> {
  const r = await tunnelledSocket(endpoint, timeoutMs);
  if (typeof r === 'string') return r;
  r.destroy();
  return undefined;
}

/** How a single connection ended. `answered` means the caller saw enough to stop. */
export type ProbeEnd = 'answered' | 'closed' | 'reset' | 'timeout' | 'connect-failed' | 'too-big';

export interface ExchangeOptions {
  /** Deadline for connect + answer, ms. */
  timeoutMs: number;
  /** Stop reading after this many bytes (default 64 KiB: a long chain fits, a flood does not). */
  maxBytes?: number;
  /** Called with everything received so far after each read; true ends the connection as `answered`. */
  enough: (received: Buffer) => boolean;
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
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs);
    // A proxy that refuses a tunnel it opened before is a connection that failed, like a refusal.
    const socket = dialEndpoint(endpoint, () => start(), () => finish('connect-failed', 'proxy'));
    const start = (): void => {
      connected = true;
      socket.on('data', onData);
      socket.on('end', () => finish('closed'));
      socket.on('close', () => finish('closed'));
      socket.write(bytes);
    };
    const onData = (d: Buffer): void => {
      chunks.push(d);
      received += d.length;
      if (opts.enough(chunks.length === 1 ? d : Buffer.concat(chunks))) finish('answered');
      else if (received >= maxBytes) finish('too-big');
    };
    socket.on('close', () => finish(connected ? 'closed' : 'connect-failed', connected ? undefined : 'closed'));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A server that accepts and resets at once can report ECONNRESET before 'connect' fires.
      const reset = e.code === 'ECONNRESET' || e.code === 'EPIPE';
      if (!connected && !reset) finish('connect-failed', e.code);
      // A reset after the server sent a complete answer is just how some servers hang up.
      else finish(received > 0 ? 'closed' : 'reset', e.code);
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

function connectOptions(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions, socket?: net.Socket): tls.ConnectionOptions {
  // `requestOCSP` is a TLSSocket option that tls.connect passes through; @types/node omits it.
  const options: tls.ConnectionOptions & { requestOCSP?: boolean } = {
    host: endpoint.address,
    port: endpoint.port,
    servername: opts.servername && !net.isIP(opts.servername) ? opts.servername : undefined,
    rejectUnauthorized: false,
    minVersion: opts.version,
    maxVersion: opts.version,
    sigalgs: opts.sigalgs,
    ALPNProtocols: opts.alpn,
    requestOCSP: opts.requestOcsp,
    ...(socket ? { socket } : {}),
    ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key, passphrase: opts.clientCert.passphrase } : {}),
  };
  return options;
}

/** One full handshake with Node's tls, pinned to one version (through the tunnel, if any); never rejects. */
export async function nodeHandshake(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions): Promise<NodeHandshakeResult> {
  if (!endpoint.tunnel) return handshakeOver(endpoint, opts);
  const started = Date.now();
  const raw = await tunnelledSocket(endpoint, opts.timeoutMs);
  if (typeof raw === 'string') return { ok: false, error: raw };
  // One deadline for tunnel and handshake together.
  return handshakeOver(endpoint, { ...opts, timeoutMs: Math.max(1, opts.timeoutMs - (Date.now() - started)) }, raw);
}

function handshakeOver(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions, raw?: net.Socket): Promise<NodeHandshakeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let ocsp = false;
    let ticket = false;
    let socket: tls.TLSSocket;
    let connected: NodeHandshakeResult | undefined;
    const done = (r: NodeHandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.removeAllListeners('error');
      socket?.on('error', () => undefined);
      socket?.destroy();
      raw?.destroy();
      resolve({ ...r, ocspStapled: opts.requestOcsp ? ocsp : undefined, sessionTicket: opts.ticketWaitMs ? ticket : undefined });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), opts.timeoutMs);
    try {
      socket = tls.connect(connectOptions(endpoint, opts, raw));
    } catch (e) {
      // OpenSSL refuses a sigalg name it does not know: that scheme cannot be tested.
      done({ ok: false, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    socket.on('OCSPResponse', (r: Buffer) => {
      if (r && r.length > 0) ocsp = true;
    });
    socket.on('session', () => {
      ticket = true;
    });
    socket.on('secureConnect', () => {
      const chain = opts.wantChain ? peerChain(socket) : [];
      const alpn = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined;
      const result = { ok: true, chain, alpn };
      connected = result;
      if (opts.ticketWaitMs && !ticket) {
        socket.on('session', () => done(result));
        setTimeout(() => done(result), opts.ticketWaitMs);
        socket.resume();
      } else done(result);
    });
    socket.on('error', (e) => done(connected ?? { ok: false, error: e.message }));
    socket.on('close', () => done(connected ?? { ok: false, error: 'closed' }));
  });
}

const sigalgSupport = new Map<string, boolean>();

/** Whether this Node's OpenSSL accepts `name` in a `sigalgs` list (3.0 lacks the brainpool ones). */
export function nodeKnowsSigalg(name: string): boolean {
  let ok = sigalgSupport.get(name);
  if (ok === undefined) {
    try {
      tls.createSecureContext({ sigalgs: name });
      ok = true;
    } catch {
      ok = false;
    }
    sigalgSupport.set(name, ok);
  }
  return ok;
}

/** 4 or 6 for an IP literal, 0 for a name (SNI is never an IP address, RFC 6066 §3). */
export function ipFamilyOf(host: string): number {
  return net.isIP(host);
}
