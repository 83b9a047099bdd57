// The scan's session connections: a full Node handshake that can offer an earlier session, refuse
// to offer tickets, wait for the server's tickets and ask for a renegotiation, with every byte in
// both directions recorded (RecordingTap) and the key log kept, so the scan can show what the
// server sent (the ServerHello's session ID and pre_shared_key, the NewSessionTicket's lifetime
// and early_data) rather than only what OpenSSL concluded. Nothing here reads the bytes.

import crypto from 'node:crypto';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { connectedSocket, dialogue, type ProbeEndpoint } from './probe-connection.js';
import { connectOptions } from './node-handshake.js';
import { RecordingTap } from './tap.js';
import type { CaptureChunk } from './types.js';
import { SCAN_SESSION_MAX_SESSIONS, SCAN_SESSION_RECORD_BYTES } from '../limits.js';

export interface SessionHandshakeOptions {
  version: 'TLSv1.2' | 'TLSv1.3';
  /** Deadline for the whole connection (connect, handshake, waits, close), ms. */
  timeoutMs: number;
  servername?: string;
  clientCert?: { cert: string; key: string; passphrase?: string };
  /** Offer this session (OpenSSL's DER, as an earlier connection's 'session' event gave it). */
  session?: Buffer;
  /** Offer no session ticket (SSL_OP_NO_TICKET): a TLS 1.2 resumption can then only be by session ID. */
  noTicket?: boolean;
  /** After the handshake, wait up to this long for a session (TLS 1.3 tickets come after it). */
  ticketWaitMs?: number;
  /** Once connected, ask the server for a new handshake on the same connection (TLS 1.2). */
  renegotiate?: boolean;
}

export interface RenegotiationOutcome {
  /** `completed`: the server went through a second handshake; `refused`: it answered with an
   * alert or hung up; `no-answer`: nothing happened before the deadline. */
  outcome: 'completed' | 'refused' | 'no-answer';
  detail?: string;
}

export interface SessionHandshakeResult {
  ok: boolean;
  error?: string;
  /** OpenSSL's verdict: the handshake resumed the offered session. */
  reused?: boolean;
  /** Sessions the server gave (OpenSSL DER), in order; at most SCAN_SESSION_MAX_SESSIONS. */
  sessions: Buffer[];
  /** Both directions as recorded (capped per direction). */
  chunks: CaptureChunk[];
  /** NSS key log lines, so the scan can open what TLS 1.3 encrypts. */
  keylog: string[];
  /** The server sent more than SCAN_SESSION_RECORD_BYTES: `chunks` holds only its first bytes. */
  truncated?: boolean;
  renegotiation?: RenegotiationOutcome;
}

/** What a connection concluded, before the recording is attached. */
type Outcome = Omit<SessionHandshakeResult, 'sessions' | 'chunks' | 'keylog' | 'truncated'>;

/** The TLS socket over a recording tap: straight, through the proxy's tunnel and/or after STARTTLS. */
async function tappedTls(endpoint: ProbeEndpoint, options: tls.ConnectionOptions, timeoutMs: number, t0: number): Promise<{ socket: tls.TLSSocket; tap: RecordingTap } | string> {
  const raw = await connectedSocket(endpoint, timeoutMs);
  if (typeof raw === 'string') return raw;
  if (endpoint.starttls) {
    const d = await dialogue(raw, { ...endpoint, starttls: endpoint.starttls });
    if ('error' in d) {
      raw.destroy();
      return d.error;
    }
    if (d.rest.length > 0) raw.unshift(d.rest);
  }
  const tap = new RecordingTap(raw, { t0, limit: SCAN_SESSION_RECORD_BYTES });
  const { host: _host, port: _port, ...rest } = options;
  try {
    return { socket: tls.connect({ ...rest, socket: tap }), tap };
  } catch (e) {
    raw.destroy();
    return e instanceof Error ? e.message : String(e);
  }
}

/** One session handshake; never rejects, and ends within `timeoutMs`. */
export async function sessionHandshake(endpoint: ProbeEndpoint, opts: SessionHandshakeOptions): Promise<SessionHandshakeResult> {
  const t0 = performance.now();
  const noTicket = opts.noTicket ? crypto.constants.SSL_OP_NO_TICKET : undefined;
  const base = connectOptions(endpoint, { version: opts.version, timeoutMs: opts.timeoutMs, servername: opts.servername, clientCert: opts.clientCert }, noTicket);
  const options: tls.ConnectionOptions = { ...base, ...(opts.session ? { session: opts.session } : {}) };
  const opened = await tappedTls(endpoint, options, opts.timeoutMs, t0);
  if (typeof opened === 'string') return { ok: false, error: opened, sessions: [], chunks: [], keylog: [] };
  const remaining = Math.max(1, opts.timeoutMs - (performance.now() - t0));
  return new Promise((resolve) => followSession(opened.socket, opened.tap, opts, remaining, resolve));
}

/** Follows one session connection to its end: handshake, the optional wait or renegotiation, a clean close. */
function followSession(socket: tls.TLSSocket, tap: RecordingTap, opts: SessionHandshakeOptions, remainingMs: number, resolve: (r: SessionHandshakeResult) => void): void {
  const sessions: Buffer[] = [];
  const keylog: string[] = [];
  let result: Outcome | undefined;
  let settled = false;
  // The waits after the handshake (for tickets, for the server's close_notify), cleared at the end.
  const waits: NodeJS.Timeout[] = [];
  const finish = (r: Outcome): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    waits.forEach(clearTimeout);
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    socket.destroy();
    resolve({ ...r, sessions, chunks: tap.chunks, keylog, ...(tap.received('server') > tap.bytes('server') ? { truncated: true } : {}) });
  };
  const timer = setTimeout(() => finish(result ? withNoAnswer(result, opts) : { ok: false, error: 'timeout' }), remainingMs);
  socket.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trimEnd()));
  socket.on('session', (s: Buffer) => {
    if (sessions.length < SCAN_SESSION_MAX_SESSIONS) sessions.push(s);
  });
  // OpenSSL drops a session from its cache when the connection ends without close_notify, so
  // every connection that got what it came for ends with one and waits (briefly) for the server's.
  const closeCleanly = (r: Outcome): void => {
    result = r;
    socket.once('close', () => finish(r));
    socket.end();
    waits.push(setTimeout(() => finish(r), Math.min(500, remainingMs)));
  };
  socket.on('secureConnect', () => {
    result = { ok: true, reused: socket.isSessionReused() };
    socket.resume();
    if (opts.renegotiate) return askRenegotiation(socket, (outcome) => finish({ ...result, ok: true, renegotiation: outcome }));
    if (!opts.ticketWaitMs || sessions.length > 0) return closeCleanly(result);
    const ready = result;
    // Not from inside the 'session' event: OpenSSL is still reading there, and a shutdown started
    // then never sends its close_notify (seen with TLS 1.3 tickets).
    socket.once('session', () => setImmediate(() => closeCleanly(ready)));
    waits.push(setTimeout(() => closeCleanly(ready), opts.ticketWaitMs));
  });
  socket.on('error', (e) => finish(result ?? { ok: false, error: e.message }));
  socket.on('close', () => finish(result ?? { ok: false, error: 'the server closed the connection during the handshake' }));
}

function withNoAnswer(r: Outcome, opts: SessionHandshakeOptions): Outcome {
  return opts.renegotiate && !r.renegotiation ? { ...r, renegotiation: { outcome: 'no-answer' } } : r;
}

/** Client-initiated renegotiation through Node: its callback fires once the second handshake is done. */
function askRenegotiation(socket: tls.TLSSocket, done: (o: RenegotiationOutcome) => void): void {
  socket.removeAllListeners('error');
  socket.removeAllListeners('close');
  socket.once('error', (e: Error) => done({ outcome: 'refused', detail: refusalDetail(e) }));
  socket.once('close', () => done({ outcome: 'refused', detail: 'the server closed the connection' }));
  // An empty write makes OpenSSL send the new ClientHello (as Node's own tests do).
  socket.write('');
  try {
    const started = socket.renegotiate({ rejectUnauthorized: false }, (err: Error | null) => done(err ? { outcome: 'refused', detail: refusalDetail(err) } : { outcome: 'completed' }));
    if (!started) done({ outcome: 'refused', detail: 'the connection was already closed' });
  } catch (e) {
    done({ outcome: 'refused', detail: e instanceof Error ? e.message : String(e) });
  }
}

/** OpenSSL's reason without its file/line prefix: `no renegotiation`, `unexpected eof while reading`… */
function refusalDetail(e: Error): string {
  const m = /:SSL routines:[^:]*:([^:]+):/.exec(e.message);
  return m ? m[1] : e.message.split('\n')[0];
}
