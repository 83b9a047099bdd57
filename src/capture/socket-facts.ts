// What Node's sockets report, turned into capture facts: its summary of a finished handshake, the
// peer chain, and connect errors as capture error codes. Kept apart from the capture run
// (capture.ts), which decides when to ask.

import type tls from 'node:tls';
import type { CaptureErrorCode } from './options.js';
import type { NodeSummary } from './types.js';

/**
 * What Node says about the finished handshake, written into `n` (the capture's `node`); the peer
 * chain (the costly part) unless `peerChain` is false: the caller has it from the bytes.
 */
export function summariseSocket(sock: tls.TLSSocket, n: NodeSummary, { peerChain: withChain = true }: { peerChain?: boolean } = {}): void {
  n.protocol = sock.getProtocol() ?? undefined;
  const c = sock.getCipher();
  if (c) n.cipher = { name: c.name, standardName: c.standardName, version: c.version };
  if (sock.alpnProtocol) n.alpn = sock.alpnProtocol;
  const k = sock.getEphemeralKeyInfo();
  if (k && 'type' in k && k.type) n.ephemeralKey = { type: k.type, ...(k.name ? { name: k.name } : {}), size: k.size ?? 0 };
  if (withChain) n.peerCertificates = peerChain(sock);
  n.authorized = sock.authorized;
  if (sock.authorizationError) n.authorizationError = String(sock.authorizationError);
  n.sessionReused = sock.isSessionReused();
}

/** The peer chain as DER hex, leaf first; Node links a self-signed root to itself, so stop on repeats. */
function peerChain(sock: tls.TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
  while (cert && cert.raw && cert.raw.length > 0) {
    const hex = cert.raw.toString('hex');
    if (seen.has(hex)) break;
    seen.add(hex);
    out.push(hex);
    cert = cert.issuerCertificate;
  }
  return out;
}

/** The message of anything thrown; `instanceof Error` is unreliable across realms (jest's vm). */
export function errorMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return e.message;
  return String(e);
}

export function classifyConnectError(err: NodeJS.ErrnoException): CaptureErrorCode {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
      return 'reset';
    default:
      return 'unreachable';
  }
}

/** The sentence for a TCP connect that failed (`where` is address:port). */
export function connectFailureText(code: CaptureErrorCode, where: string, err: NodeJS.ErrnoException): string {
  if (code === 'refused') return `connection refused by ${where}`;
  return code === 'timeout' ? `TCP connect to ${where} timed out` : `cannot reach ${where}: ${err.code ?? err.message}`;
}
