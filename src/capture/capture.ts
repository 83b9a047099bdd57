// Runs one real TLS handshake with Node's `tls` over a recording tap and returns everything seen:
// the bytes both ways with times and offsets, DNS/TCP/TLS timings, Node's own summary and the key
// log. It never rejects: every failure (DNS, refused, timeout, not TLS, alert…) resolves with a
// Capture whose `error` says what went wrong, holding whatever was exchanged until then.

import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { AlertWatcher, openSslReason } from './alert-watch.js';
import { cutAtCompleteRecords, looksNotTls, serverBytesIn } from './framing.js';
import { captureOptionsRecord, contextOptionsFor, formatAddress, type CaptureErrorCode, type CaptureOptions, type OwnHandshake } from './options.js';
import { endpointText, runOwnHandshake } from './own-handshake.js';
import { errorMessage, summariseSocket } from './socket-facts.js';
import { deadlineError, failureFromEvidence, lateAlertError } from './failure.js';
import { openTunnel, tunnelProblem, type ProxySettings } from './proxy.js';
import { dialFor, resolveDial, routeFacts, type Dial } from './route.js';
import { RecordingTap, DEFAULT_CAPTURE_LIMIT } from './tap.js';
import { sharedSecureContext } from './secure-context.js';
import { runStarttls, starttlsDeadlineMessage } from './starttls/index.js';
import { dialAddresses } from './dial-addresses.js';
import { drainTickets } from './ticket-drain.js';
import { pollUntil, TimerSet } from './timer-set.js';
export { formatAddress, type CaptureErrorCode, type CaptureOptions, type TlsVersionName } from './options.js';
export { looksNotTls, serverBytesIn } from './framing.js';
import type { Capture, CaptureChunk, CaptureError, CaptureTarget, CaptureTimings, CaptureTruncation, CapturePrologue, NodeSummary } from './types.js';

/** After a non-TLS first byte, how long we wait for the rest of the peer's first line. */
const NOT_TLS_GRACE_MS = 100;
/** After the client's close_notify, how long we wait (by default) for the server's side of the close. */
const CLOSE_WAIT_MS = 100;
/**
 * After a fatal alert is read from the bytes, how long Node gets to report it too (its OpenSSL
 * reason goes into the message). OpenSSL stays silent on alerts it has no name for.
 */
const ALERT_GRACE_MS = 20;
/** An own handshake reads at most this much of the server's flight: more is Node's to handle (its caps apply there). */
const OWN_READ_CAP = 256 * 1024;

export function captureHandshake(opts: CaptureOptions): Promise<Capture> {
  return new Promise((resolve) => new CaptureRun(opts, resolve).start());
}

/** One capture attempt; a class only to keep the many pieces of connection state together. */
class CaptureRun {
  private readonly t0 = performance.now();
  private readonly startedAt = new Date().toISOString();
  private readonly target: CaptureTarget;
  /** The socket's local end, once connected (for `--pcap`). */
  private client: Capture['client'];
  private readonly timings: CaptureTimings = { totalMs: 0 };
  private readonly keylog: string[] = [];
  private readonly node: NodeSummary = {};
  private readonly timers = new TimerSet();
  private stage: 'dns' | 'connect' | 'proxy' | 'starttls' | 'tls' | 'drain' = 'dns';
  /** Where the TCP connection goes (the proxy, a --connect-to host, or the target). */
  private readonly dial: Dial;
  /** Plaintext before TLS as it was exchanged: a proxy's CONNECT, then a STARTTLS dialogue. */
  private readonly prologue: CapturePrologue[] = [];
  /** Where the STARTTLS dialogue starts in `prologue` (after a proxy's CONNECT exchange). */
  private dialogueFrom = 0;
  private finished = false;
  private raw?: net.Socket;
  private tap?: RecordingTap;
  private tlsSocket?: tls.TLSSocket;
  /** What the raw socket itself reported: the ground truth for reset vs. orderly close. */
  private rawErrorCode?: string;
  private rawEnded = false;
  private notTls = false;
  private handshakeDone = false;
  /** The first error Node's TLS socket reported, kept for the message. */
  private nodeError?: NodeJS.ErrnoException;
  /** The server's plaintext alerts, read from the bytes (see alert-watch.ts). */
  private readonly alerts = new AlertWatcher();
  /** Directions whose recording stopped at the capture limit. */
  private readonly truncated: CaptureTruncation[] = [];
  /** Ends a DNS look-up still running when the capture finishes (deadline). */
  private readonly dnsAbort = new AbortController();
  private closing = false;
  /** What an own handshake (`opts.ownHandshake`) sent and received; the tap records Node's. */
  private readonly ownChunks: CaptureChunk[] = [];

  constructor(
    private readonly opts: CaptureOptions,
    private readonly resolve: (c: Capture) => void,
  ) {
    const servername = opts.servername === false ? undefined : (opts.servername ?? (net.isIP(opts.host) ? undefined : opts.host));
    this.target = { host: opts.host, port: opts.port, ...(servername ? { servername } : {}) };
    this.dial = dialFor(opts.host, opts.port, opts.route ?? {});
    Object.assign(this.target, routeFacts(opts.route ?? {}));
  }

  start(): void {
    this.timers.after(this.opts.timeoutMs, () => this.onDeadline());
    const t = performance.now();
    const lookup = this.opts.lookup ? { lookup: this.opts.lookup } : {};
    const route = this.opts.route ?? {};
    void resolveDial(this.dial, route, { timeoutMs: this.opts.timeoutMs, reportedMs: this.reportedMs(), signal: this.dnsAbort.signal, ...lookup }).then((r) => {
      if (this.finished) return;
      // An IP literal or a --resolve address needs no look-up: no DNS time to report.
      if (!net.isIP(this.dial.host) && !route.pinnedAddresses) this.timings.dnsMs = performance.now() - t;
      if ('error' in r) this.fail(route.proxy ? 'proxy' : 'dns', route.proxy ? `cannot resolve the proxy's name: ${r.error}` : r.error);
      else this.connect(r.addresses);
    });
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  /** Connects to the resolved addresses in order (see dial-addresses.ts). */
  private connect(addresses: LookupAddress[]): void {
    const hook = this.opts.connectHook;
    const plan = { addresses, port: this.dial.port, now: () => this.now(), ...(hook ? { hook } : {}) };
    dialAddresses(plan, {
      ended: () => this.finished,
      trying: (address, family) => {
        this.stage = 'connect';
        // Through a proxy the address is the proxy's; the target's name is the proxy's to resolve.
        Object.assign(this.target.proxy ?? this.target, { address, family });
      },
      opened: (raw) => {
        this.raw = raw;
      },
      connected: (raw, connectMs) => this.connected(raw, connectMs),
      failed: (code, message) => {
        if (this.opts.route?.proxy) this.fail('proxy', `cannot connect to the proxy: ${message}`);
        else this.fail(code, message);
      },
    });
  }

  /** The TCP connection is up: a tunnel through the proxy first, if there is one. */
  private connected(raw: net.Socket, connectMs: number): void {
    this.timings.connectMs = connectMs;
    if (raw.localAddress !== undefined && raw.localPort !== undefined) this.client = { address: raw.localAddress, port: raw.localPort };
    const proxy = this.opts.route?.proxy;
    if (this.dial.tunnelTo && proxy) this.tunnel(raw, this.dial.tunnelTo, proxy);
    else this.afterConnect(raw);
  }

  /** Asks the proxy for a tunnel (CONNECT), records the exchange, and starts TLS after a 2xx. */
  private tunnel(raw: net.Socket, to: { host: string; port: number }, proxy: ProxySettings): void {
    this.stage = 'proxy';
    raw.setNoDelay(true);
    // Errors between the proxy's answer and the TLS layer's own listener must not go unhandled.
    raw.on('error', () => undefined);
    const t = performance.now();
    const onBytes = (direction: 'client' | 'server', bytes: Buffer): void => void this.prologue.push({ direction, timeMs: this.now(), bytes: new Uint8Array(bytes) });
    void openTunnel(raw, to.host, to.port, proxy, { onBytes }).then((o) => {
      if (this.finished) return;
      this.timings.proxyMs = performance.now() - t;
      if (o.answered) Object.assign(this.target.proxy ?? {}, { status: o.status, reason: o.reason });
      const problem = tunnelProblem(o, proxy, to);
      if (problem || !o.answered) return this.fail('proxy', problem ?? '');
      // Bytes after the proxy's head are the server's first TLS bytes: hand them to the TLS side.
      if (o.rest.length > 0) raw.unshift(o.rest);
      // openTunnel paused the socket; flowing resumes on the next tick, after the next reader listens.
      raw.resume();
      this.dialogueFrom = this.prologue.length;
      this.afterConnect(raw);
    });
  }

  /** Once bytes reach the server: its STARTTLS dialogue first, if asked for, then TLS. */
  private afterConnect(raw: net.Socket): void {
    if (this.opts.starttls) void this.starttls(raw);
    else this.startTls(raw);
  }

  /** The plaintext dialogue up to the go-ahead, then TLS on the same socket; its failure ends the capture. */
  private async starttls(raw: net.Socket): Promise<void> {
    const protocol = this.opts.starttls;
    if (!protocol) return;
    this.stage = 'starttls';
    raw.setNoDelay(true);
    const t = performance.now();
    const where = formatAddress(this.target.address ?? this.opts.host, this.opts.port);
    const req = { protocol, host: this.opts.host, ...(this.opts.xmppHost ? { xmppHost: this.opts.xmppHost } : {}) };
    // Live view of the dialogue: a deadline that ends it mid-way still keeps what was said.
    const outcome = await runStarttls(raw, req, this.t0, where, this.prologue);
    if (this.finished) return;
    this.timings.starttlsMs = performance.now() - t;
    if (outcome.error) this.finish({ code: outcome.error.code, message: outcome.error.message });
    else this.startTls(raw);
  }

  private startTls(raw: net.Socket): void {
    if (this.finished) {
      raw.destroy();
      return;
    }
    const own = this.opts.ownHandshake?.(this.target.servername, endpointText(this.target, this.dial, this.opts));
    if (own) return this.startOwnHandshake(raw, own);
    this.stage = 'tls';
    raw.setNoDelay(true);
    raw.on('error', (err: NodeJS.ErrnoException) => {
      this.rawErrorCode ??= err.code ?? 'error';
    });
    raw.on('end', () => {
      this.rawEnded = true;
    });
    let sawServerByte = false;
    const tap = new RecordingTap(raw, {
      t0: this.t0,
      limit: this.opts.captureLimit ?? DEFAULT_CAPTURE_LIMIT,
      onServerChunk: (chunk) => {
        this.watchAlerts(chunk);
        if (sawServerByte) return;
        sawServerByte = true;
        if (looksNotTls(chunk)) {
          this.notTls = true;
          // OpenSSL normally fails on these bytes at once; this covers a peer that sends a few
          // non-TLS bytes and then waits, which OpenSSL would wait out until the deadline.
          this.timers.after(NOT_TLS_GRACE_MS, () => this.handshakeFailed());
        }
      },
      onLimit: (direction, recorded) => {
        this.truncated.push({ direction, recordedBytes: recorded });
        // After the handshake nothing more is needed: end now rather than decrypt a flood.
        if (this.handshakeDone) this.close();
      },
    });
    this.tap = tap;
    // Write errors surface here too; the raw socket's own events already classify them.
    tap.on('error', () => undefined);
    const o = this.opts;
    let sock: tls.TLSSocket;
    try {
      sock = tls.connect({
        socket: tap,
        rejectUnauthorized: false, // we validate the chain ourselves, and want the trace either way
        secureContext: sharedSecureContext(contextOptionsFor(o)),
        ...(this.target.servername ? { servername: this.target.servername } : {}),
        ...(o.alpn && o.alpn.length > 0 ? { ALPNProtocols: o.alpn } : {}),
        ...(o.requestOcsp ? { requestOCSP: true } : {}),
      });
    } catch (e) {
      // Bad option values (unknown cipher or group names) throw synchronously.
      this.fail('tls', openSslReason(errorMessage(e)));
      return;
    }
    this.tlsSocket = sock;
    sock.on('keylog', (line: Buffer) => this.keylog.push(line.toString('latin1').trimEnd()));
    sock.on('OCSPResponse', (resp: Buffer | null) => {
      // Node emits null when the client asked for a staple and the server sent none.
      if (resp) this.node.ocspResponse = resp.toString('hex');
    });
    sock.once('secureConnect', () => this.onSecure(sock));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      this.nodeError ??= err;
      // Let the raw socket's own error/end events land first: they decide reset vs. closed.
      setImmediate(() => this.handshakeFailed());
    });
    sock.on('close', () => setImmediate(() => this.handshakeFailed()));
  }

  /** The caller's own first flight on the socket instead of Node's (own-handshake.ts); the deadline stays the capture's. */
  private startOwnHandshake(raw: net.Socket, own: OwnHandshake): void {
    this.stage = 'tls';
    raw.setNoDelay(true);
    runOwnHandshake(raw, own, {
      now: () => this.now(),
      chunks: this.ownChunks,
      limit: Math.min(this.opts.captureLimit ?? DEFAULT_CAPTURE_LIMIT, OWN_READ_CAP),
      ended: (outcome) => {
        if (this.finished) return;
        if ('declined' in outcome) this.fail('declined', outcome.declined);
        else this.ownComplete(outcome.protocol, outcome.keylog);
      },
    });
  }

  /** The own handshake got what its caller needs: a success, closed at once (no Finished of ours is owed to anyone). */
  private ownComplete(protocol: string, keylog: string[]): void {
    this.handshakeDone = true;
    this.node.protocol = protocol;
    this.keylog.push(...keylog);
    const endMs = this.now();
    this.timings.tlsMs = endMs - (this.ownChunks[0]?.timeMs ?? endMs);
    this.timings.totalMs = endMs;
    this.finish();
  }

  /** Feeds the alert watcher; a fatal alert before the handshake ended ends the capture. */
  private watchAlerts(chunk: Uint8Array): void {
    // After the handshake alerts are encrypted (Node reports those): stop following the framing.
    if (this.handshakeDone) return;
    const hadFatal = this.alerts.fatal !== undefined;
    this.alerts.feed(chunk);
    if (!hadFatal && this.alerts.fatal) this.timers.after(ALERT_GRACE_MS, () => this.handshakeFailed());
  }

  /** Classifies a handshake that ended without 'secureConnect'. */
  private handshakeFailed(): void {
    if (this.finished) return;
    if (this.handshakeDone) {
      // TLS 1.3 client authentication is judged after the client's Finished: a server that
      // rejects the client (certificate_required, bad_certificate…) says so in an alert that
      // arrives after 'secureConnect'. That is still a failed connection.
      const late = lateAlertError(this.nodeError);
      if (late) this.finish(late);
      return;
    }
    if (this.notTls) {
      this.waitForFirstLine(() => this.fail('not-tls', 'the server answered with bytes that are not TLS'));
      return;
    }
    const failure = failureFromEvidence({
      nodeError: this.nodeError,
      alerts: this.alerts,
      rawErrorCode: this.rawErrorCode,
      rawEnded: this.rawEnded,
      rawDestroyed: this.raw?.destroyed === true,
    });
    // Undefined: a bare 'close' with no reason yet; the error event follows.
    if (failure) this.finish(failure);
  }

  /** For not-TLS answers, give the peer a moment to finish its first line (an HTTP status line). */
  private waitForFirstLine(then: () => void): void {
    const hasLine = (): boolean => (this.tap?.chunks ?? []).some((c) => c.direction === 'server' && c.bytes.includes(0x0a));
    const over = (): boolean => hasLine() || this.rawEnded || !this.raw || this.raw.destroyed;
    pollUntil(this.timers, { done: over, cancelled: () => this.finished, graceMs: NOT_TLS_GRACE_MS }, then);
  }

  private onSecure(sock: tls.TLSSocket): void {
    if (this.finished) return;
    this.handshakeDone = true;
    const endMs = this.now();
    const firstClient = this.tap?.chunks.find((c) => c.direction === 'client');
    if (firstClient) this.timings.tlsMs = endMs - firstClient.timeMs;
    this.timings.totalMs = endMs;
    summariseSocket(sock, this.node, { peerChain: !this.haveChainFromBytes() });
    this.stage = 'drain';
    // Keep reading so Node consumes post-handshake messages (tickets) instead of buffering.
    sock.on('data', () => undefined);
    const drainMs = this.opts.drainMs ?? 150;
    // Past the capture cap nothing more would be recorded: no point waiting for tickets.
    if (sock.getProtocol() !== 'TLSv1.3' || drainMs <= 0 || this.truncated.length > 0) {
      this.close();
      return;
    }
    // TLS 1.3 servers send NewSessionTickets right after the client's Finished: wait for them.
    drainTickets({ raw: this.raw, tap: this.tap, timers: this.timers, drainMs, finished: () => this.finished, close: () => this.close() });
  }

  /** Whether the caller has the certificates from the bytes (then Node's peer chain is not asked for). */
  private haveChainFromBytes(): boolean {
    try {
      return this.opts.chainFromBytes?.(this.snapshot(undefined)) === true;
    } catch {
      // A bug there must not escape an event handler and end the process: Node's chain is taken.
      return false;
    }
  }

  /** Ends politely (close_notify, FIN), waits briefly for the server's side, then finishes. */
  private close(): void {
    if (this.finished || this.closing) return;
    this.closing = true;
    const sock = this.tlsSocket;
    const raw = this.raw;
    if (!sock || !raw || raw.destroyed) {
      this.finish();
      return;
    }
    raw.once('close', () => this.finish());
    this.timers.after(this.opts.closeWaitMs ?? CLOSE_WAIT_MS, () => this.finish());
    sock.end();
  }

  private onDeadline(): void {
    if (this.finished) return;
    if (this.handshakeDone) return this.finish();
    const where = formatAddress(this.target.address ?? this.opts.host, this.opts.port);
    if (this.stage === 'starttls' && this.opts.starttls) {
      const received = this.prologue.slice(this.dialogueFrom).reduce((n, p) => n + (p.direction === 'server' ? p.bytes.length : 0), 0);
      return this.finish({ code: 'timeout', message: starttlsDeadlineMessage(this.opts.starttls, where, this.reportedMs(), received) });
    }
    const proxy = this.target.proxy ? formatAddress(this.target.proxy.host, this.target.proxy.port) : undefined;
    this.finish(deadlineError({ ...(proxy ? { proxy } : {}), stage: this.stage, notTls: this.notTls, host: this.opts.host, where, ms: this.reportedMs(), received: this.tap ? this.tap.received('server') : serverBytesIn(this.ownChunks) }));
  }

  /** The budget deadline messages name. */
  private reportedMs(): number {
    return this.opts.reportedTimeoutMs ?? this.opts.timeoutMs;
  }

  private fail(code: CaptureErrorCode, message: string): void {
    this.finish({ code, message });
  }

  private finish(error: CaptureError | undefined = this.handshakeDone ? lateAlertError(this.nodeError) : undefined): void {
    if (this.finished) return;
    this.finished = true;
    // Only a look-up still running needs ending (abort() builds a DOMException: a cost per target in a fleet).
    if (this.stage === 'dns') this.dnsAbort.abort();
    this.timers.clear();
    if (!this.handshakeDone) this.timings.totalMs = this.now();
    this.tlsSocket?.destroy();
    this.tap?.destroy();
    this.raw?.destroy();
    this.resolve(this.snapshot(error));
  }

  /** The capture as it stands: what finish() hands back, and what chainFromBytes is shown at the handshake's end. */
  private snapshot(error: CaptureError | undefined): Capture {
    return {
      format: 'tls-trace-capture',
      version: 1,
      source: 'live',
      target: this.target,
      ...(this.client ? { client: this.client } : {}),
      startedAt: this.startedAt,
      timings: this.timings,
      options: captureOptionsRecord(this.opts),
      chunks: this.tap ? cutAtCompleteRecords([...this.tap.chunks], this.truncated) : [...this.ownChunks],
      keylog: this.keylog,
      ...(this.handshakeDone ? { node: this.node } : {}),
      ...(error ? { error } : {}),
      ...(this.truncated.length > 0 ? { truncated: [...this.truncated] } : {}),
      ...(this.prologue.length > 0 ? { prologue: this.prologue } : {}),
    };
  }
}
