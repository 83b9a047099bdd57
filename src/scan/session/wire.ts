// What the server sent on one recorded session connection, read with the shared decoder and (for
// TLS 1.3, whose tickets travel encrypted) opened with the connection's key log by the shared
// decryption code: the ServerHello and every NewSessionTicket. The probes draw their evidence from
// here, so a verdict rests on the server's own bytes, not only on OpenSSL's isSessionReused().

import type { SessionHandshakeResult } from '../../capture/session-connection.js';
import { HandshakeType } from '../../decode/index.js';
import type { HandshakeBody, Message, NewSessionTicket, ServerHello } from '../../decode/model.js';
import { openConnection } from '../tls13-wire.js';

export interface SessionWire {
  /** The session ID our ClientHello offered (hex; '' for none); absent when only the server's bytes were read. */
  clientSessionId?: string;
  serverHello?: ServerHello;
  /** The ServerHello message as sent (header and body), for a transcript hash. */
  serverHelloRaw?: Buffer;
  /** TLS 1.3 EncryptedExtensions, when the key log opened it. */
  encryptedExtensions?: Body<'encrypted_extensions'>;
  tickets: NewSessionTicket[];
  /** TLS 1.2: what the server sent after its ServerHello (see flightAfterHello); absent when neither came. */
  flight?: 'abbreviated' | 'full';
  /** The server's bytes included encrypted records that could not be opened. */
  undecrypted: boolean;
}

type Body<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

/**
 * The server's ServerHello and NewSessionTickets in one recorded connection. Never throws.
 * `decrypt: false` skips opening the encrypted records: a TLS 1.2 connection's ServerHello and
 * NewSessionTicket travel in the clear (RFC 5077 §3.3: the ticket comes before ChangeCipherSpec),
 * and decrypting the rest was a third of what a TLS 1.2 session probe cost the scan. `undecrypted`
 * is then false: nothing was tried. Only the server's bytes are decoded then: the client's hello
 * matters only to decryption (its random names the key log lines), and decoding its long lists
 * was a third of what reading a hand-built connection cost.
 */
export function readSessionWire(conn: Pick<SessionHandshakeResult, 'chunks' | 'keylog'>, opts: { decrypt?: boolean } = {}): SessionWire {
  // No Finished or CertificateVerify checks: the probes read the ServerHello, EncryptedExtensions
  // and tickets, and checking the rest was about half of what opening a TLS 1.3 connection cost.
  const chunks = opts.decrypt === false ? conn.chunks.filter((c) => c.direction === 'server') : conn.chunks;
  const { trace, decryption } = openConnection(chunks, conn.keylog, { decrypt: opts.decrypt !== false, verify: false });
  const from = (direction: 'client' | 'server', type: HandshakeBody['type']): HandshakeBody[] =>
    trace.messages.flatMap((m) => (m.direction === direction && m.kind === 'handshake' && m.body?.type === type ? [m.body] : []));
  const server = (type: HandshakeBody['type']): HandshakeBody[] => from('server', type);
  // After a HelloRetryRequest (a server_hello too) the real ServerHello is the next one; the HRR
  // stands only when nothing followed it (a hand-built hello stops reading there).
  const hellos = trace.messages.filter((m) => m.direction === 'server' && m.kind === 'handshake' && m.body?.type === 'server_hello');
  const helloMessage = hellos.find((m) => m.kind === 'handshake' && m.body?.type === 'server_hello' && !m.body.helloRetryRequest) ?? hellos[0];
  const hello = helloMessage?.kind === 'handshake' ? (helloMessage.body as Body<'server_hello'> | undefined) : undefined;
  const ee = server('encrypted_extensions')[0] as Body<'encrypted_extensions'> | undefined;
  const clientHello = from('client', 'client_hello')[0] as Body<'client_hello'> | undefined;
  const flight = helloMessage ? flightAfterHello(trace.messages.slice(trace.messages.indexOf(helloMessage) + 1)) : undefined;
  return {
    ...(opts.decrypt === false ? {} : { clientSessionId: clientHello?.sessionId ?? '' }),
    ...(hello ? { serverHello: hello } : {}),
    ...(helloMessage?.kind === 'handshake' ? { serverHelloRaw: Buffer.from(helloMessage.raw, 'hex') } : {}),
    ...(ee ? { encryptedExtensions: ee } : {}),
    tickets: server('new_session_ticket') as NewSessionTicket[],
    ...(flight ? { flight } : {}),
    undecrypted: decryption !== undefined && (decryption.records.some((r) => !r.ok) || decryption.status === 'no-keys' || decryption.status === 'unsupported'),
  };
}

/**
 * TLS 1.2: whether the server went on with an abbreviated handshake — its ChangeCipherSpec next,
 * after at most a NewSessionTicket (RFC 5246 §7.3 figure 2, RFC 5077 §3.1) — or a full one
 * (Certificate, ServerKeyExchange, CertificateRequest or ServerHelloDone). A ServerHello that
 * echoes the offered session ID says "resumed"; this says whether the server then acted on it, so
 * a server that echoes every session ID without resuming is not taken at its word.
 */
function flightAfterHello(after: Message[]): 'abbreviated' | 'full' | undefined {
  for (const m of after) {
    if (m.direction !== 'server') continue;
    if (m.kind === 'change_cipher_spec') return 'abbreviated';
    if (m.kind === 'handshake' && m.msgType !== HandshakeType.new_session_ticket) return 'full';
    if (m.kind !== 'handshake') return undefined;
  }
  return undefined;
}

/** The early_data extension's max_early_data_size in a TLS 1.3 ticket, or undefined when absent. */
export function ticketEarlyData(t: NewSessionTicket): number | undefined {
  for (const e of t.extensions ?? []) if (e.info?.kind === 'early_data') return e.info.maxEarlyDataSize;
  return undefined;
}

/** Whether TLS 1.3 EncryptedExtensions carry early_data: the server accepted 0-RTT (RFC 8446 §4.2.10). */
export function acceptsEarlyData(ee: Body<'encrypted_extensions'>): boolean {
  return ee.extensions.some((e) => e.info?.kind === 'early_data');
}

/** The pre_shared_key extension's selected identity in a TLS 1.3 ServerHello, or undefined. */
export function selectedPsk(sh: ServerHello): number | undefined {
  for (const e of sh.extensions) if (e.info?.kind === 'pre_shared_key') return e.info.selected;
  return undefined;
}
