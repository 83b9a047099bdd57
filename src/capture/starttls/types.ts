// The STARTTLS protocols tls-trace speaks and what a dialogue is given. Each protocol's dialogue
// is one small module (smtp.ts, imap.ts…); index.ts holds the table that names them.

import type { Conversation } from './conversation.js';

export const STARTTLS_PROTOCOL_NAMES = ['smtp', 'lmtp', 'imap', 'pop3', 'ftp', 'ldap', 'xmpp', 'xmpp-server', 'postgres', 'mysql', 'nntp', 'sieve'] as const;

export type StarttlsProtocol = (typeof STARTTLS_PROTOCOL_NAMES)[number];

/** What a dialogue needs besides the connection. */
export interface DialogueContext {
  /** The target's host name (XMPP's `to` unless --xmpp-host says otherwise). */
  host: string;
  xmppHost?: string;
  /** Our own address as an SMTP address literal (`[127.0.0.1]`, `[IPv6:::1]`) for EHLO/LHLO. */
  clientName: string;
}

/** Runs the plaintext dialogue up to the server's go-ahead, or throws a StarttlsFailure. */
export type Dialogue = (conv: Conversation, ctx: DialogueContext) => Promise<void>;
