// A full handshake through Node's tls for what a first-flight probe cannot see (the scan's Node
// handshakes: the TLS 1.3 certificate and CertificateVerify are encrypted, and a fallback when a
// hand-built handshake cannot be read), on the scan's endpoint (proxy tunnel, STARTTLS), with one
// secure context per version and signature-scheme list shared by a run's connections.

import net from 'node:net';
import tls from 'node:tls';
import { connectedSocket, dialogue, type ProbeEndpoint } from './probe-connection.js';
import { replayStream } from './starttls/index.js';

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
