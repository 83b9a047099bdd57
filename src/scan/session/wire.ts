// What the server sent on one recorded session connection, read with the shared decoder and (for
// TLS 1.3, whose tickets travel encrypted) opened with the connection's key log by the shared
// decryption code: the ServerHello and every NewSessionTicket. The probes draw their evidence from
// here, so a verdict rests on the server's own bytes, not only on OpenSSL's isSessionReused().

import type { SessionHandshakeResult } from '../../capture/session-connection.js';
import type { HandshakeBody, NewSessionTicket, ServerHello } from '../../decode/model.js';
import { openConnection } from '../tls13-wire.js';

export interface SessionWire {
  /** The session ID our ClientHello offered (hex; '' for none). */
  clientSessionId: string;
  serverHello?: ServerHello;
  /** The ServerHello message as sent (header and body), for a transcript hash. */
  serverHelloRaw?: Buffer;
  /** TLS 1.3 EncryptedExtensions, when the key log opened it. */
  encryptedExtensions?: Body<'encrypted_extensions'>;
  tickets: NewSessionTicket[];
  /** The server's bytes included encrypted records that could not be opened. */
  undecrypted: boolean;
}

type Body<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

/**
 * The server's ServerHello and NewSessionTickets in one recorded connection. Never throws.
 * `decrypt: false` skips opening the encrypted records: a TLS 1.2 connection's ServerHello and
 * NewSessionTicket travel in the clear (RFC 5077 §3.3: the ticket comes before ChangeCipherSpec),
 * and decrypting the rest was a third of what a TLS 1.2 session probe cost the scan. `undecrypted`
 * is then false: nothing was tried.
 */
export function readSessionWire(conn: Pick<SessionHandshakeResult, 'chunks' | 'keylog'>, opts: { decrypt?: boolean } = {}): SessionWire {
  // No Finished or CertificateVerify checks: the probes read the ServerHello, EncryptedExtensions
  // and tickets, and checking the rest was about half of what opening a TLS 1.3 connection cost.
  const { trace, decryption } = openConnection(conn.chunks, conn.keylog, { decrypt: opts.decrypt !== false, verify: false });
  const from = (direction: 'client' | 'server', type: HandshakeBody['type']): HandshakeBody[] =>
    trace.messages.flatMap((m) => (m.direction === direction && m.kind === 'handshake' && m.body?.type === type ? [m.body] : []));
  const server = (type: HandshakeBody['type']): HandshakeBody[] => from('server', type);
  const hello = server('server_hello')[0] as Body<'server_hello'> | undefined;
  const helloMessage = trace.messages.find((m) => m.direction === 'server' && m.kind === 'handshake' && m.body?.type === 'server_hello');
  const ee = server('encrypted_extensions')[0] as Body<'encrypted_extensions'> | undefined;
  const clientHello = from('client', 'client_hello')[0] as Body<'client_hello'> | undefined;
  return {
    clientSessionId: clientHello?.sessionId ?? '',
    ...(hello ? { serverHello: hello } : {}),
    ...(helloMessage?.kind === 'handshake' ? { serverHelloRaw: Buffer.from(helloMessage.raw, 'hex') } : {}),
    ...(ee ? { encryptedExtensions: ee } : {}),
    tickets: server('new_session_ticket') as NewSessionTicket[],
    undecrypted: decryption !== undefined && (decryption.records.some((r) => !r.ok) || decryption.status === 'no-keys' || decryption.status === 'unsupported'),
  };
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
