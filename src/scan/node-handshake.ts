// Full handshakes with Node's tls, for what a first-flight probe cannot see in TLS 1.3: the
// certificate and the CertificateVerify scheme are encrypted, so the scan restricts `sigalgs` to
// one scheme per handshake and watches which handshakes succeed. Also used for ALPN, OCSP and
// session tickets on TLS 1.3-only servers.

import tls from 'node:tls';
import net from 'node:net';
import type { ProbeEndpoint } from './probe.js';

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

export function nodeHandshake(endpoint: ProbeEndpoint, opts: NodeHandshakeOptions): Promise<NodeHandshakeResult> {
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
      resolve({ ...r, ocspStapled: opts.requestOcsp ? ocsp : undefined, sessionTicket: opts.ticketWaitMs ? ticket : undefined });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), opts.timeoutMs);
    try {
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
      };
      socket = tls.connect(options);
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
      const chain: Buffer[] = [];
      let cert: tls.DetailedPeerCertificate | undefined = opts.wantChain ? socket.getPeerCertificate(true) : undefined;
      const seen = new Set<string>();
      while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(cert.raw);
        cert = cert.issuerCertificate;
      }
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
