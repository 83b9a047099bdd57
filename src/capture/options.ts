// What a live capture is asked to do (the options the CLI and scan pass) and the record of them a
// capture keeps. Apart from capture.ts so that callers can build options without the socket code.

import net from 'node:net';
import type tls from 'node:tls';
import type { LookupFunction } from 'node:net';
import type { Capture } from './types.js';
import type { RouteOptions } from './route.js';
import type { StarttlsErrorCode, StarttlsProtocol } from './starttls/index.js';
import type { ContextOptions } from './secure-context.js';

export type TlsVersionName = '1.0' | '1.1' | '1.2' | '1.3';

export interface CaptureOptions {
  host: string;
  port: number;
  /** SNI to send; default: the host unless it is an IP literal. `false` sends none. */
  servername?: string | false;
  minVersion?: TlsVersionName;
  maxVersion?: TlsVersionName;
  /** OpenSSL cipher string (TLS 1.2 and below) and TLS 1.3 suites, as Node takes them. */
  ciphers?: string;
  /** Colon-separated group list, as Node's `ecdhCurve` takes it. */
  groups?: string;
  alpn?: string[];
  /** Ask for an OCSP staple (status_request). */
  requestOcsp?: boolean;
  /** Overall deadline for DNS + connect + handshake, ms. */
  timeoutMs: number;
  /**
   * The budget deadline messages name, when it is not `timeoutMs`: check's retry on a new connection
   * runs within what is left of the target's deadline, and says the target's `--timeout`.
   */
  reportedTimeoutMs?: number;
  /** Injected resolver (tests); see resolve.ts for the default. */
  lookup?: LookupFunction;
  /** Client certificate to offer if the server asks (PEM). */
  clientCert?: { cert: string; key: string; passphrase?: string };
  /**
   * Maximum bytes recorded per direction (default 4 MiB). Past it recording stops but the
   * connection goes on; the capture's `truncated` says where, and the verdict is the handshake's.
   */
  captureLimit?: number;
  /**
   * How long to keep listening after the handshake for the server's post-handshake records
   * (TLS 1.3 NewSessionTickets), ms. Default 150; 0 closes at once.
   */
  drainMs?: number;
  /** After our close_notify, how long to wait for the server's side of the close, ms (default 100). */
  closeWaitMs?: number;
  /** Speak this protocol's plaintext dialogue up to its STARTTLS go-ahead before TLS starts. */
  starttls?: StarttlsProtocol;
  /** XMPP: the domain for the stream header's `to` (default: the host). */
  xmppHost?: string;
  /** Proxy, `--connect-to`, `--resolve`, `-4`/`-6` (see route.ts); the target itself is `host`/`port`. */
  route?: RouteOptions;
  /** Live --packets (src/capture/live-packets.ts): told the address before each connect attempt. */
  connectHook?: ConnectHook;
  /**
   * Asked once the handshake completes, with the capture so far: true when the caller already has
   * the server's certificates from the recorded bytes (check decodes them there), so Node's peer
   * chain, whose getPeerCertificate(true) costs a tenth of a fleet check's CPU, is not asked for.
   */
  chainFromBytes?: (handshake: Capture) => boolean;
  /**
   * False when no one reads Node's own verdict (`check` judges chains itself): Node's context
   * then has an empty store, which spares OpenSSL a chain search through the roots on every
   * handshake (`node.authorized` is then always false). Default true.
   */
  nodeVerdict?: boolean;
  /**
   * A handshake the caller writes itself in place of Node's (check's TLS 1.3 fetch,
   * src/check/own-flight13.ts), made afresh for each capture once TLS is about to start, with the
   * SNI and the endpoint as text (the address and port dialled, the tunnel's target through a
   * proxy, the STARTTLS protocol); undefined leaves that connection to Node. Everything before TLS
   * (DNS, the proxy's tunnel, a STARTTLS dialogue) is the capture's as usual.
   */
  /**
   * check --ct-tls: the own handshake also asks for SCTs in the TLS extension (RFC 6962 §3.3.1),
   * which Node's client cannot (OpenSSL sends the request only with CT validation on).
   */
  askScts?: boolean;
  ownHandshake?: (servername: string | undefined, endpoint: string) => OwnHandshake | undefined;
}

/**
 * A first flight written by the caller: `hello` goes out as the first TLS bytes and `read` judges
 * everything the server has sent so far. The capture knows nothing of what the bytes mean.
 */
export interface OwnHandshake {
  hello: Uint8Array;
  read(received: Buffer): OwnHandshakeStep;
  /** Told when the judge itself declined (not for a hang-up, a socket error or the read cap). */
  declined?: (why: string) => void;
}

/**
 * - `more`: not enough yet.
 * - `complete`: the handshake went as far as the caller needs; the capture ends as a success with
 *   `protocol` as Node would name it and the key-log lines of the secrets it derived.
 * - `declined`: the caller cannot judge this server on its own bytes (another version, a
 *   HelloRetryRequest, an alert, a signature that does not verify…); the capture ends with error
 *   code `declined`, which a caller that set `ownHandshake` answers by asking Node instead.
 */
export type OwnHandshakeStep = { step: 'more' } | { step: 'complete'; protocol: string; keylog: string[] } | { step: 'declined'; why: string };

/**
 * Runs around each TCP connect attempt. `prepare` gets the address about to be dialled and
 * resolves with the local port to bind (undefined: any); it runs inside the capture's deadline,
 * which fails the capture if it never settles. `connecting` gets the capture-clock time (ms) at
 * which connect() was called, to line the wire's packet times up with the capture's.
 */
export interface ConnectHook {
  prepare(remote: { address: string; port: number; family: 4 | 6 }): Promise<number | undefined>;
  connecting(timeMs: number): void;
}

/** Stable `error.code` values of a failed capture. */
export type CaptureErrorCode =
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'reset'
  | 'timeout'
  | 'closed'
  | 'alert'
  | 'not-tls'
  | 'tls'
  | 'proxy'
  /** Only with `ownHandshake`, and never shown: the caller asks Node instead. */
  | 'declined'
  | StarttlsErrorCode;

export const tlsVersion: Record<TlsVersionName, tls.SecureVersion> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

/** The TLS context (shared, see secure-context.ts) these options ask for. */
export function contextOptionsFor(o: CaptureOptions): ContextOptions {
  return {
    ...(o.minVersion ? { minVersion: tlsVersion[o.minVersion] } : {}),
    // Node's default floor is TLS 1.2; a ceiling below it alone would leave no version at all.
    ...(!o.minVersion && (o.maxVersion === '1.0' || o.maxVersion === '1.1') ? { minVersion: 'TLSv1' as const } : {}),
    ...(o.maxVersion ? { maxVersion: tlsVersion[o.maxVersion] } : {}),
    ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    ...(o.groups ? { ecdhCurve: o.groups } : {}),
    ...(o.clientCert ? { cert: o.clientCert.cert, key: o.clientCert.key, passphrase: o.clientCert.passphrase } : {}),
    // Node's root store costs ≈ 47 ms to build here, and a chain search through it per handshake.
    ...(o.nodeVerdict === false ? { ca: [] as [] } : {}),
  };
}

/** The options as a capture file records them (no secrets, no functions). */
export function captureOptionsRecord(o: CaptureOptions): Capture['options'] {
  const rec: Capture['options'] = { timeoutMs: o.timeoutMs };
  if (o.servername !== undefined) rec.servername = o.servername === false ? false : o.servername;
  if (o.minVersion) rec.minVersion = o.minVersion;
  if (o.maxVersion) rec.maxVersion = o.maxVersion;
  if (o.ciphers) rec.ciphers = o.ciphers;
  if (o.groups) rec.groups = o.groups;
  if (o.alpn && o.alpn.length > 0) rec.alpn = [...o.alpn];
  if (o.requestOcsp) rec.requestOcsp = true;
  if (o.clientCert) rec.clientCert = true;
  const r = o.route;
  // The proxy without its credentials: a capture file is shared in bug reports.
  if (r?.proxy) rec.proxy = `http://${r.proxy.auth ? '***@' : ''}${formatAddress(r.proxy.host, r.proxy.port)}`;
  if (r?.connectTo) rec.connectTo = formatAddress(r.connectTo.host, r.connectTo.port);
  if (r?.pinnedAddresses) rec.resolve = [...r.pinnedAddresses];
  if (r?.family) rec.family = r.family;
  if (o.starttls) rec.starttls = o.starttls;
  if (o.xmppHost) rec.xmppHost = o.xmppHost;
  return rec;
}

export function formatAddress(host: string, port: number): string {
  // Every IPv6 address has a colon: the others skip isIPv6's long pattern (read formats two per connection).
  return host.includes(':') && net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
