// The plaintext before TLS as decoded: which protocol it was (from the bytes, or the option the
// capture ran with), the turns of the dialogue with their role, and the facts that matter for
// security (capabilities, whether STARTTLS was offered or required, plaintext logins offered).
// Text stays as the peer sent it (one character per byte); it is escaped once, at output.

import type { Direction } from '../../capture/types.js';

export type PrologueProtocol =
  | 'smtp'
  | 'lmtp'
  | 'imap'
  | 'pop3'
  | 'ftp'
  | 'ldap'
  | 'xmpp'
  | 'xmpp-server'
  | 'postgres'
  | 'mysql'
  | 'nntp'
  | 'sieve'
  | 'http-connect'
  | 'unknown';

/** What one turn of the dialogue does. */
export type PrologueRole =
  | 'proxy-header'
  | 'greeting'
  | 'hello'
  | 'capabilities'
  | 'starttls'
  | 'go-ahead'
  | 'refusal'
  | 'connect-request'
  | 'connect-response'
  | 'other';

export interface PrologueTurn {
  direction: Direction;
  timeMs: number;
  /** Offset of the turn's first byte in its direction's plaintext. */
  offset: number;
  bytes: Uint8Array;
  role: PrologueRole;
  /** Text protocols: the lines without CR LF. Binary ones: the decoded fields in words. */
  lines: string[];
  /** The command verb or reply code (`EHLO`, `250`, `SSLRequest`…). */
  verb?: string;
  binary: boolean;
}

/** A PROXY protocol header (v1 text or v2 binary) in front of the connection. */
export interface ProxyHeader {
  version: 1 | 2;
  /** `TCP4 203.0.113.7:51234 → 192.0.2.1:443`, `LOCAL`, or `UNKNOWN`. */
  summary: string;
}

export interface DecodedPrologue {
  protocol: PrologueProtocol;
  /** `bytes` when the bytes said which protocol it was, `option` when only --starttls did. */
  recognisedFrom: 'bytes' | 'option' | 'none';
  proxy?: ProxyHeader;
  /** An HTTP CONNECT tunnel in front: the authority asked for and the proxy's status line. */
  connect?: { request: string; status: string };
  turns: PrologueTurn[];
  /** The server's capability keywords before TLS, as sent. */
  capabilities: string[];
  starttlsOffered?: boolean;
  /** True when the server said TLS is required; false when it offered ways on without it; undefined when the dialogue cannot tell. */
  starttlsRequired?: boolean;
  /** Why `starttlsRequired` is what it is, in words. */
  requiredEvidence?: string;
  /** Cleartext login mechanisms/commands the server offered before TLS (`AUTH PLAIN`, `USER`…). */
  plaintextAuth: string[];
  /** The server gave its go-ahead (MySQL has none: the client's SSLRequest counts). */
  wentAhead: boolean;
  bytes: { client: number; server: number };
}
