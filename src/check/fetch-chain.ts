// Gets what the chain analysis needs from one live handshake (see chainFromCapture for which
// certificates are used), or the capture's error.

import { performance } from 'node:perf_hooks';
import { chainFromCapture, chainFromTrace, chainOrNodes, type CapturedChain } from '../analyse/chain/from-capture.js';
import { decodeAndDecrypt } from '../analyse/pipeline.js';
import { captureHandshake, formatAddress, serverBytesIn, type CaptureOptions } from '../capture/capture.js';
import type { Capture, CaptureError } from '../capture/types.js';
import { namedNotTlsAnswer } from '../analyse/not-tls-answer.js';
import { chainFromServerFlight } from './server-flight.js';
import { Alert, AlertLevel, ContentType, HS, Version } from '../registry/index.js';
import { EndpointMemo, ownFlight13, ownFlightFits } from './own-flight13.js';

export interface FetchedChain {
  certificates: string[];
  source: 'decoded' | 'node';
  decrypted?: boolean;
  ocspResponse?: string;
  /** SCTs from the TLS extension, when the server sent them. */
  tlsScts?: import('../decode/sct.js').DecodedSct[];
  /** Why the TLS extension was not searched for SCTs (no --ct-tls, or its connection skipped or empty). */
  tlsSctsNotSearched?: string;
  /** Node's default client was refused, and one allowing TLS 1.0/1.1 and OpenSSL's security level 0 was answered. */
  legacyClient?: boolean;
  /** The handshake itself asked for SCTs in the TLS extension (check's own TLS 1.3 flight, --ct-tls): what came is all there is. */
  tlsSctsAsked?: boolean;
  protocol?: string;
  address?: string;
  /** The proxy tunnelled through (host:port). */
  proxy?: string;
  error?: { code: string; message: string };
  /** Bytes the server sent before the failure (a reset before any is a connection failure). */
  serverBytes?: number;
  durationMs: number;
}

export type FetchChain = (opts: CaptureOptions) => Promise<FetchedChain>;

/** Endpoints whose answer check's own flight declined in this process: Node's handshake goes there at once. */
const leftToNode = new EndpointMemo(10_000);

export const fetchChain: FetchChain = (opts) => fetchChainBy(opts, ownFlightFits(opts));

/** fetchChain with Node's handshake alone, never check's own flight: the reference the own flight is held to (tests, benches). */
export const fetchChainViaNode: FetchChain = (opts) => fetchChainBy(opts, false);

async function fetchChainBy(opts: CaptureOptions, ownFlight: boolean): Promise<FetchedChain> {
  const t0 = performance.now();
  // The certificates are decoded from the bytes as the handshake ends, so Node's copy of them
  // (getPeerCertificate, a tenth of the CPU per target) is asked for only when that finds none:
  // from the server's flight alone when it has the usual shape, else by the whole pipeline.
  let early: Omit<CapturedChain, 'source'> | undefined;
  /** The chain check's own flight took, when it took the handshake. */
  let own: Omit<CapturedChain, 'source'> | undefined;
  const chainFromBytes = (handshake: Capture): boolean => {
    early = chainFromServerFlight(handshake) ?? chainFromTrace(decodeAndDecrypt(handshake, { skipVerification: true }).trace);
    return early !== undefined;
  };
  // No post-handshake drain: tickets do not matter for a chain check and cost time per target.
  // Node's own verdict is not read either: the chain is judged from the certificates.
  const viaNode: CaptureOptions = { ...opts, drainMs: 0, chainFromBytes, nodeVerdict: false };
  // check's own TLS 1.3 flight first (own-flight13.ts); what it declines, Node's handshake answers
  // on a new connection, within what is left of the target's deadline.
  let capture = ownFlight ? await captureHandshake({ ...viaNode, ownHandshake: ownFlight13(opts, (chain) => (early = own = chain), leftToNode) }) : undefined;
  if (!capture || capture.error?.code === 'declined') {
    early = undefined;
    const timeoutMs = capture ? Math.max(1, Math.round(opts.timeoutMs - (performance.now() - t0))) : opts.timeoutMs;
    const first = capture;
    capture = await captureHandshake({ ...viaNode, timeoutMs, reportedTimeoutMs: opts.timeoutMs });
    // The name resolved for the first connection: a retry that runs out of time looking it up
    // again is the target's deadline (exit 5), not a name that does not resolve (exit 3).
    if (first?.target.address && capture.error?.code === 'dns') capture = { ...capture, error: { ...capture.error, code: 'timeout' } };
  }
  let legacy = false;
  if (capture.error && !opts.minVersion && !opts.ciphers && refusedModernClient(capture)) {
    // Node's default client (TLS 1.2 and up, OpenSSL's security level 1) was refused: a server of
    // TLS 1.0/1.1 or of old suites only. Its certificate still expires and is still judged: once
    // more with them allowed, within what is left of the deadline; the first failure stands if
    // this one fails too.
    const timeoutMs = Math.max(1, Math.round(opts.timeoutMs - (performance.now() - t0)));
    early = undefined;
    const retried = await captureHandshake({ ...viaNode, minVersion: '1.0', ciphers: LEGACY_CIPHERS, timeoutMs, reportedTimeoutMs: opts.timeoutMs });
    if (!retried.error) [capture, legacy] = [retried, true];
  }
  const durationMs = performance.now() - t0;
  const p = capture.target.proxy;
  const address = { ...(capture.target.address ? { address: capture.target.address } : {}), ...(p ? { proxy: formatAddress(p.host, p.port) } : {}) };
  if (capture.error) {
    return { certificates: [], source: 'node', error: namedError(capture, capture.error), serverBytes: serverBytesIn(capture.chunks), durationMs, ...address };
  }
  const chain = chainOf(capture, early) ?? { certificates: [], source: 'node' as const };
  const asked = own && opts.askScts ? { tlsSctsAsked: true } : {};
  return { ...chain, durationMs, ...address, ...(capture.node?.protocol ? { protocol: capture.node.protocol } : {}), ...asked, ...(legacy ? { legacyClient: true } : {}) };
}

/** OpenSSL's default suites at security level 0, with TLS 1.0 allowed: what a legacy-only server needs from a client. */
const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0';

/**
 * Whether the server's first answer refused Node's default client for its versions or suites: a
 * fatal protocol_version or handshake_failure alert (RFC 8446 §6.2, RFC 5246 §7.2.2), or a
 * ServerHello for TLS 1.0 or 1.1, which the client then refuses itself.
 */
function refusedModernClient(capture: Capture): boolean {
  const first = capture.chunks.find((c) => c.direction === 'server')?.bytes;
  if (!first || first.length < 7 || first[1] !== 3) return false;
  if (first[0] === ContentType.alert) return first[5] === AlertLevel.fatal && (first[6] === Alert.protocol_version || first[6] === Alert.handshake_failure);
  if (first[0] !== ContentType.handshake || first[5] !== HS.server_hello || first.length < 11) return false;
  const version = (first[9] << 8) | first[10];
  return version === Version.TLS10 || version === Version.TLS11;
}

/** The chain decoded as the handshake ended; else the whole capture decoded now (or Node's chain). */
function chainOf(capture: Capture, early: Omit<CapturedChain, 'source'> | undefined): CapturedChain | undefined {
  return early ? chainOrNodes(capture, early) : chainFromCapture(capture, decodeAndDecrypt(capture, { skipVerification: true }).trace);
}

/** The capture says only that the answer was not TLS; name what it was, as trace's stderr line does. */
function namedError(capture: Capture, error: CaptureError): CaptureError {
  const named = error.code === 'not-tls' ? namedNotTlsAnswer(capture) : undefined;
  return named ? { ...error, message: `the server ${named}` } : error;
}
