// HTTP CONNECT through a proxy (RFC 9110 §9.3.6): the request tls-trace sends, the proxy's answer
// read within caps, and what it means. The TLS handshake starts only after a 2xx answer, on the
// same socket, so everything before it is plaintext prologue (Capture.prologue), never TLS.
//
// The target name goes to the proxy as written: the proxy resolves it, tls-trace does not.

import type net from 'node:net';
import { MAX_PROXY_RESPONSE_BYTES, MAX_PROXY_LINE_BYTES } from '../limits.js';
import { formatAddress } from './options.js';

/** A proxy to tunnel through (an `http://` URL, already validated by the CLI). */
export interface ProxySettings {
  host: string;
  port: number;
  /** Basic credentials, percent-decoded from `user:pass@` in the URL. */
  auth?: { user: string; pass: string };
}

/** The proxy's answer to CONNECT as far as the head goes. */
export type ConnectAnswer =
  | { kind: 'incomplete' }
  | { kind: 'answer'; status: number; reason: string; headLength: number }
  | { kind: 'not-http'; problem: string }
  | { kind: 'too-big' };

/** `host:port` as CONNECT's request target wants it (IPv6 in brackets, RFC 9110 §7.2). */
export function connectAuthority(host: string, port: number): string {
  return formatAddress(host, port);
}

/** The CONNECT request, with Proxy-Authorization when credentials were given (`***` if `redacted`). */
export function connectRequest(host: string, port: number, proxy: ProxySettings, redacted = false): Buffer {
  const authority = connectAuthority(host, port);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxy.auth) {
    // RFC 7617: user-id ":" password, UTF-8, base64.
    const token = Buffer.from(`${proxy.auth.user}:${proxy.auth.pass}`, 'utf8').toString('base64');
    lines.push(`Proxy-Authorization: Basic ${redacted ? '***' : token}`);
  }
  lines.push('User-Agent: tls-trace', '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

const STATUS_LINE = /^HTTP\/1\.[01] ([0-9]{3})(?: ([^\r\n]*))?\r?$/;

/**
 * Reads the head of the proxy's answer from what arrived so far. Strict enough to tell a proxy
 * from something else: the first bytes must be an HTTP/1.x status line; the head ends at the first
 * empty line and must fit tls-trace's caps (whole head, and each line). Interim 1xx answers
 * (`100 Continue`, `102 Processing`, `103 Early Hints`) are skipped, as RFC 9110 §15.2 has a
 * client do: the final answer follows them, and the caps count them too. A 101 is final here:
 * it switches to another protocol, which is no tunnel.
 */
export function readConnectAnswer(received: Buffer): ConnectAnswer {
  let at = 0;
  for (;;) {
    const a = readHead(received, at);
    if (a.kind !== 'answer' || a.status < 100 || a.status > 199 || a.status === 101) return a;
    at = a.headLength;
  }
}

/** One head starting at `at` (a later one follows interim answers); `headLength` counts from 0. */
function readHead(received: Buffer, at: number): ConnectAnswer {
  const rest = received.subarray(at);
  const prefix = 'HTTP/1.';
  const start = rest.subarray(0, prefix.length).toString('latin1');
  if (!prefix.startsWith(start)) return { kind: 'not-http', problem: `${at > 0 ? 'after an interim 1xx answer, ' : ''}its first bytes are ${hexPreview(rest)}, not an HTTP status line` };
  const end = headEnd(rest);
  const head = rest.subarray(0, end === -1 ? rest.length : end);
  const lines = head.toString('latin1').split('\n');
  if (lines.some((l) => l.length > MAX_PROXY_LINE_BYTES)) return { kind: 'too-big' };
  if (end === -1) return received.length >= MAX_PROXY_RESPONSE_BYTES ? { kind: 'too-big' } : { kind: 'incomplete' };
  if (at + end > MAX_PROXY_RESPONSE_BYTES) return { kind: 'too-big' };
  const m = STATUS_LINE.exec(lines[0]);
  if (!m) return { kind: 'not-http', problem: `its ${at > 0 ? 'line after an interim 1xx answer' : 'first line'} is not an HTTP status line` };
  return { kind: 'answer', status: Number(m[1]), reason: (m[2] ?? '').trim(), headLength: at + end };
}

/** Offset just past the empty line ending the head (CRLF CRLF, or bare LF LF), or -1. */
function headEnd(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function hexPreview(b: Buffer): string {
  return b.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ') || 'none';
}

/** One plain sentence for a proxy's non-2xx answer (the status line is quoted by the caller). */
export function refusalReason(status: number, withAuth: boolean): string {
  // tinyproxy answers wrong credentials with 401 rather than 407.
  if (status === 407 || (status === 401 && withAuth)) {
    return withAuth ? 'the proxy rejected the credentials in the proxy URL' : 'the proxy requires authentication (give user:pass@ in the proxy URL)';
  }
  if (status === 403) return 'the proxy does not allow a tunnel to this host and port';
  if (status === 502 || status === 504) return 'the proxy could not reach the target';
  if (status === 405 || status === 501) return 'the proxy does not support CONNECT';
  if (status === 101) return 'the proxy switched to another protocol instead of opening a tunnel (CONNECT needs a 2xx)';
  return 'the proxy refused the tunnel';
}

/** The capture error message for a dialogue that opened no tunnel; undefined after a 2xx. */
export function tunnelProblem(o: TunnelOutcome, proxy: ProxySettings, to: { host: string; port: number }): string | undefined {
  const where = formatAddress(proxy.host, proxy.port);
  if (!o.answered) return `proxy ${where}: ${o.problem}`;
  if (o.status >= 200 && o.status <= 299) return undefined;
  const line = `${o.status}${o.reason ? ` ${o.reason}` : ''}`;
  return `proxy ${where} answered CONNECT ${connectAuthority(to.host, to.port)} with "${line}": ${refusalReason(o.status, proxy.auth !== undefined)}`;
}

/** How a CONNECT dialogue ended. `rest` is whatever followed the head (already TLS). */
export type TunnelOutcome =
  | { answered: true; status: number; reason: string; rest: Buffer }
  | { answered: false; problem: string };

export interface TunnelEvents {
  /** Bytes as they are sent and received, for the prologue (the head only; `rest` is not included). */
  onBytes: (direction: 'client' | 'server', bytes: Buffer) => void;
}

/**
 * Sends CONNECT on a connected socket and reads the answer's head. Never rejects and sets no timer:
 * the caller's one deadline destroys the socket, which ends the dialogue as "closed".
 */
export function openTunnel(socket: net.Socket, host: string, port: number, proxy: ProxySettings, events: TunnelEvents): Promise<TunnelOutcome> {
  return new Promise((resolve) => {
    let received: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (o: TunnelOutcome): void => {
      if (done) return;
      done = true;
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      resolve(o);
    };
    const onData = (d: Buffer): void => {
      received = received.length === 0 ? d : Buffer.concat([received, d]);
      const a = readConnectAnswer(received);
      if (a.kind === 'incomplete') return;
      if (a.kind === 'answer') {
        events.onBytes('server', received.subarray(0, a.headLength));
        // Pausing keeps the TLS bytes that may follow in the socket for the TLS layer.
        socket.pause();
        return finish({ answered: true, status: a.status, reason: a.reason, rest: received.subarray(a.headLength) });
      }
      events.onBytes('server', received.subarray(0, MAX_PROXY_RESPONSE_BYTES));
      if (a.kind === 'too-big') return finish({ answered: false, problem: `the proxy's answer to CONNECT is longer than tls-trace reads (its limit: ${MAX_PROXY_RESPONSE_BYTES} bytes, ${MAX_PROXY_LINE_BYTES} per line)` });
      finish({ answered: false, problem: `the proxy answered CONNECT with something that is not HTTP: ${a.problem}` });
    };
    const onEnd = (): void => {
      if (received.length > 0) events.onBytes('server', received);
      finish({ answered: false, problem: `the proxy closed the connection ${received.length === 0 ? 'without answering' : `in the middle of its answer (${received.length} bytes)`} to CONNECT` });
    };
    const onError = (e: NodeJS.ErrnoException): void => {
      if (received.length > 0) events.onBytes('server', received);
      finish({ answered: false, problem: `the proxy ${e.code === 'ECONNRESET' ? 'reset the connection' : `connection failed (${e.code ?? e.message})`} before answering CONNECT` });
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    const request = connectRequest(host, port, proxy);
    // The recording never holds credentials (a capture file ends up in bug reports): the token is
    // recorded as `***`; what went on the wire is the real one.
    events.onBytes('client', proxy.auth ? connectRequest(host, port, proxy, true) : request);
    socket.write(request);
  });
}
