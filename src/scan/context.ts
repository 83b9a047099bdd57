// What every scan question shares: the target as resolved, the options, the probe runner with its
// connection budget (hand-built hellos and Node handshakes draw from the same limit), the
// certificates seen so far, the notes for the reader and the progress counter. Each question
// module takes this object and returns its own typed result; nothing else is shared between them.

import type { ProfileName } from './profiles/mozilla-guidelines.js';
import { nodeHandshake, type NodeHandshakeResult } from '../capture/node-handshake.js';
import type { ResolveOptions } from '../capture/resolve.js';
import type { RouteOptions } from '../capture/route.js';
import type { StarttlsProtocol, StarttlsRequest } from '../capture/starttls/index.js';
import { Prober, type FollowUp, type ProbeEndpoint, type ProbeResult } from './probe.js';
import type { FlightOptions } from './first-flight.js';
import { makeHello, type HelloParams } from './hello.js';
import { summariseCertificate } from './certificate-summary.js';
import type { CertificateSeen } from './types.js';

export interface ScanOptions {
  host: string;
  port: number;
  /** SNI; default the host unless it is an IP literal; `false` sends none. */
  servername?: string | false;
  /** Per-probe deadline, ms. */
  timeoutMs: number;
  /** Probes in flight at once. */
  concurrency: number;
  lookup?: ResolveOptions['lookup'];
  /** Called as steps start and finish with (done, planned, probes sent so far). */
  onProgress?: (done: number, planned: number, probes: number) => void;
  /** Largest number of suites in one hello (keeps hellos far below 16 KiB). */
  maxSuitesPerHello?: number;
  /** Proxy, --connect-to, --resolve, -4/-6 (every probe goes the same way). */
  route?: RouteOptions;
  /** Client certificate for the full handshakes, for servers that require one (PEM). */
  clientCert?: { cert: string; key: string; passphrase?: string };
  /** Every probe first speaks this protocol's plaintext dialogue up to its STARTTLS go-ahead. */
  starttls?: StarttlsProtocol;
  /** XMPP: the domain for the stream header (default: the host). */
  xmppHost?: string;
  /** Mozilla configuration whose deviations fail the scan (--profile). */
  profile?: ProfileName;
}

/** A scan that could not start: the CLI maps `code` to an exit code. */
export class ScanError extends Error {
  constructor(
    readonly code: 'dns' | 'connect' | 'timeout' | 'not-tls' | 'starttls' | 'proxy',
    message: string,
  ) {
    super(message);
    this.name = 'ScanError';
  }
}

export interface ScanTarget {
  host: string;
  port: number;
  /** The address connected to: the proxy's, with `tunnel`. */
  address: string;
  family: 4 | 6;
  /** The SNI every probe sends, if any. */
  sni?: string;
  /** The TCP port connected to (the target's, --connect-to's, or the proxy's). */
  dialPort: number;
  /** Every probe asks this proxy for a tunnel to host:port first. */
  tunnel?: ProbeEndpoint['tunnel'];
  /** The STARTTLS dialogue every connection starts with, if any. */
  starttls?: StarttlsRequest;
}

/** What a Node TLS 1.3 handshake may be asked for (the version and deadline come from the scan). */
export interface Node13Request {
  sigalgs?: string;
  alpn?: string[];
  /** Overrides the scan's SNI ('' sends none). */
  servername?: string;
  requestOcsp?: boolean;
  ticketWaitMs?: number;
  wantChain?: boolean;
}

/** Chains a scan keeps summaries of (a server serves a handful; a hostile one could vary them per connection). */
const MAX_DISTINCT_CHAINS = 64;

/** Every distinct leaf seen, with where it was served. */
export class CertificateBook {
  private readonly certs = new Map<string, CertificateSeen>();
  // Most probes carry the same chain: summarise each distinct chain once. A server has a handful
  // of chains, so they are found by comparing bytes (a text key per probe, the chain in base64,
  // cost more than the comparison).
  private readonly summaries: Array<{ chain: readonly Buffer[]; summary: ReturnType<typeof summariseCertificate> }> = [];

  private summaryOf(chain: readonly Buffer[]): ReturnType<typeof summariseCertificate> {
    const known = this.summaries.find((k) => k.chain.length === chain.length && k.chain.every((c, i) => c.equals(chain[i])));
    if (known) return known.summary;
    const summary = summariseCertificate(chain);
    if (this.summaries.length < MAX_DISTINCT_CHAINS) this.summaries.push({ chain, summary });
    return summary;
  }

  note(chain: readonly Buffer[] | undefined, context: string): void {
    if (!chain || chain.length === 0) return;
    const s = this.summaryOf(chain);
    if (!s) return;
    const seen = this.certs.get(s.fingerprint256) ?? { ...s, servedFor: [] };
    if (!seen.servedFor.includes(context)) seen.servedFor.push(context);
    this.certs.set(s.fingerprint256, seen);
  }

  /** In the order first seen. */
  list(): CertificateSeen[] {
    return [...this.certs.values()];
  }
}

export class ScanContext {
  readonly prober: Prober;
  readonly certificates = new CertificateBook();
  /** Things the reader should know, in the order they were learnt. */
  readonly notes: string[] = [];
  /** Full handshakes done with Node's tls. */
  nodeHandshakes = 0;
  private planned = 0;
  private finished = 0;

  constructor(
    readonly target: ScanTarget,
    readonly opts: ScanOptions,
  ) {
    this.prober = new Prober(this.endpoint, { concurrency: opts.concurrency, timeoutMs: opts.timeoutMs });
  }

  get endpoint(): ProbeEndpoint {
    const { address, dialPort: port, tunnel, starttls } = this.target;
    return { address, port, ...(tunnel ? { tunnel } : {}), ...(starttls ? { starttls } : {}) };
  }

  /** `SNI name` or `no SNI`, for where a certificate was served. */
  get sniLabel(): string {
    return this.target.sni ? `SNI ${this.target.sni}` : 'no SNI';
  }

  /** Counts `p` as one step of the progress bar. */
  step<T>(p: Promise<T>): Promise<T> {
    this.planned++;
    this.opts.onProgress?.(this.finished, this.planned, this.prober.stats.probes);
    return p.finally(() => this.opts.onProgress?.(++this.finished, this.planned, this.prober.stats.probes));
  }

  /** One probe with the hello `params` describe. */
  probe(params: HelloParams, flight: FlightOptions = {}, followUp?: FollowUp): Promise<ProbeResult> {
    return this.prober.probe(makeHello(params), flight, followUp);
  }

  /** One round of an elimination chain: served before one-off probes (see ProbePriority). */
  chainProbe(params: HelloParams, flight: FlightOptions = {}): Promise<ProbeResult> {
    return this.prober.probe(makeHello(params), flight, undefined, 'chain');
  }

  /** A full TLS 1.3 handshake through Node, under the same connection limit as the probes. */
  node13(o: Node13Request): Promise<NodeHandshakeResult> {
    return this.prober.limit(() => {
      this.nodeHandshakes++;
      const cert = this.opts.clientCert ? { clientCert: this.opts.clientCert } : {};
      return nodeHandshake(this.endpoint, { version: 'TLSv1.3', timeoutMs: this.opts.timeoutMs, ...cert, ...o, servername: o.servername ?? this.target.sni });
    });
  }
}
