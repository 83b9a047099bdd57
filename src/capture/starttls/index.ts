// STARTTLS: the table of protocols (name, well-known ports, whether the server speaks first, the
// dialogue) and the one entry point the live capture and the scan's connections call on a raw
// socket before TLS starts.

import net from 'node:net';
import { Conversation, StarttlsFailure } from './conversation.js';
import { ftp } from './ftp.js';
import { imap } from './imap.js';
import { ldap } from './ldap.js';
import { mysql } from './mysql.js';
import { nntp } from './nntp.js';
import { pop3 } from './pop3.js';
import { postgres } from './postgres.js';
import { sieve } from './sieve.js';
import { lmtp, smtp } from './smtp.js';
import { xmpp, xmppServer } from './xmpp.js';
import { STARTTLS_PROTOCOL_NAMES, type Dialogue, type StarttlsProtocol } from './types.js';
import type { CapturePrologue } from '../types.js';

export { STARTTLS_PROTOCOL_NAMES, type StarttlsProtocol } from './types.js';
export { StarttlsFailure, type StarttlsErrorCode } from './conversation.js';
export { replayStream } from './replay-stream.js';

export interface StarttlsEntry {
  /** As the user reads it: `SMTP`, `LDAP`. */
  label: string;
  /** Well-known ports that choose it when no --starttls is given. */
  ports: readonly number[];
  /** The server speaks first (a greeting); silence then means "not this protocol", or TLS at once. */
  serverFirst: boolean;
  run: Dialogue;
}

export const STARTTLS_PROTOCOLS: Readonly<Record<StarttlsProtocol, StarttlsEntry>> = {
  smtp: { label: 'SMTP', ports: [25, 587], serverFirst: true, run: smtp },
  lmtp: { label: 'LMTP', ports: [], serverFirst: true, run: lmtp },
  imap: { label: 'IMAP', ports: [143], serverFirst: true, run: imap },
  pop3: { label: 'POP3', ports: [110], serverFirst: true, run: pop3 },
  ftp: { label: 'FTP', ports: [21], serverFirst: true, run: ftp },
  ldap: { label: 'LDAP', ports: [389], serverFirst: false, run: ldap },
  xmpp: { label: 'XMPP', ports: [5222], serverFirst: false, run: xmpp },
  'xmpp-server': { label: 'XMPP', ports: [5269], serverFirst: false, run: xmppServer },
  postgres: { label: 'PostgreSQL', ports: [5432], serverFirst: false, run: postgres },
  mysql: { label: 'MySQL', ports: [3306], serverFirst: true, run: mysql },
  nntp: { label: 'NNTP', ports: [119], serverFirst: true, run: nntp },
  sieve: { label: 'ManageSieve', ports: [4190], serverFirst: true, run: sieve },
};

export function isStarttlsProtocol(name: string): name is StarttlsProtocol {
  return (STARTTLS_PROTOCOL_NAMES as readonly string[]).includes(name);
}

/** The protocol a well-known port implies, if any. */
export function starttlsForPort(port: number): StarttlsProtocol | undefined {
  return STARTTLS_PROTOCOL_NAMES.find((p) => STARTTLS_PROTOCOLS[p].ports.includes(port));
}

/** What a connection that starts with a STARTTLS dialogue is told. */
export interface StarttlsRequest {
  protocol: StarttlsProtocol;
  /** The target's host name as typed (XMPP's `to`). */
  host: string;
  xmppHost?: string;
}

export interface StarttlsOutcome {
  prologue: CapturePrologue[];
  error?: StarttlsFailure;
  /** Bytes the server sent after its go-ahead (kept out of the socket when `keepRest` was asked). */
  rest?: Buffer;
}

/** `[127.0.0.1]` / `[IPv6:::1]`: an SMTP address literal (RFC 5321 §4.1.3) for our own address. */
function addressLiteral(address: string | undefined): string {
  if (!address) return '[127.0.0.1]';
  return net.isIPv6(address) ? `[IPv6:${address}]` : `[${address}]`;
}

/**
 * Runs the dialogue on a connected socket, recording into `prologue` as it goes (so a caller whose
 * deadline passes mid-dialogue still has what was said). On success the socket is paused with any bytes the
 * server sent after the go-ahead put back, ready for TLS; on failure `error` says why. Never
 * rejects; the caller's deadline ends the socket, which ends the dialogue.
 */
export async function runStarttls(
  socket: net.Socket,
  req: StarttlsRequest,
  t0: number,
  where: string,
  prologue: CapturePrologue[] = [],
  keepRest = false,
): Promise<StarttlsOutcome> {
  const entry = STARTTLS_PROTOCOLS[req.protocol];
  const conv = new Conversation(socket, { t0, label: entry.label, where, prologue });
  try {
    await entry.run(conv, { host: req.host, clientName: addressLiteral(socket.localAddress), ...(req.xmppHost ? { xmppHost: req.xmppHost } : {}) });
    const rest = conv.handOff({ keep: keepRest });
    return { prologue: conv.prologue, rest };
  } catch (e) {
    if (!(e instanceof StarttlsFailure)) throw e;
    return { prologue: conv.prologue, error: e };
  }
}

/** The message for a deadline that passed during the dialogue. */
export function starttlsDeadlineMessage(protocol: StarttlsProtocol, where: string, ms: number, serverBytes: number): string {
  const entry = STARTTLS_PROTOCOLS[protocol];
  if (serverBytes === 0 && entry.serverFirst) {
    return `no ${entry.label} greeting from ${where} within ${ms} ms (if the port speaks TLS at once, add --starttls none)`;
  }
  return `the ${entry.label} STARTTLS dialogue with ${where} did not complete within ${ms} ms (${serverBytes} bytes received)`;
}
