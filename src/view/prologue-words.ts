// What the capability keywords a server lists before TLS mean, in a few words each (RFC 5321 and
// its extensions, RFC 9051, RFC 2449, RFC 3977, RFC 5804, RFC 2389/4217, RFC 6120).

import type { PrologueProtocol } from '../decode/prologue/index.js';

const SMTP: Record<string, string> = {
  STARTTLS: 'can switch this connection to TLS (RFC 3207)',
  AUTH: 'accepts logins with these SASL mechanisms (RFC 4954); PLAIN and LOGIN send the password itself',
  SIZE: 'largest message accepted, in bytes (RFC 1870)',
  PIPELINING: 'takes several commands without waiting for each answer (RFC 2920)',
  PIPECONNECT: 'the client may pipeline EHLO with the greeting on later connections (Exim)',
  '8BITMIME': 'accepts 8-bit message bodies (RFC 6152)',
  SMTPUTF8: 'accepts UTF-8 addresses (RFC 6531)',
  CHUNKING: 'accepts BDAT chunks (RFC 3030)',
  DSN: 'delivery status notifications (RFC 3461)',
  ENHANCEDSTATUSCODES: 'x.y.z status codes in answers (RFC 2034)',
  REQUIRETLS: 'can insist that a message only travel over TLS (RFC 8689)',
  ETRN: 'remote queue start (RFC 1985)',
  HELP: 'answers HELP',
  VRFY: 'answers VRFY (address verification)',
  BINARYMIME: 'accepts binary bodies (RFC 3030)',
  PRDR: 'per-recipient data responses',
};

const IMAP: Record<string, string> = {
  STARTTLS: 'can switch this connection to TLS (RFC 9051 §6.2.1)',
  LOGINDISABLED: 'refuses LOGIN until TLS is on: the password cannot be sent in the clear',
  'AUTH=PLAIN': 'SASL PLAIN login: the password itself, readable without TLS',
  'AUTH=LOGIN': 'SASL LOGIN: the password itself, readable without TLS',
  IMAP4REV1: 'speaks IMAP4rev1 (RFC 3501)',
  IMAP4REV2: 'speaks IMAP4rev2 (RFC 9051)',
  'SASL-IR': 'SASL initial response in the AUTHENTICATE command (RFC 4959)',
  'LITERAL+': 'non-synchronising literals (RFC 7888)',
  ID: 'the ID command (RFC 2971)',
  ENABLE: 'the ENABLE command (RFC 5161)',
  IDLE: 'push notifications (RFC 2177)',
};

const LISTS: Record<string, string> = {
  STLS: 'can switch this connection to TLS (RFC 2595)',
  STARTTLS: 'can switch this connection to TLS',
  USER: 'USER/PASS login: the password itself, readable without TLS',
  SASL: 'SASL login mechanisms; PLAIN and LOGIN send the password itself',
  AUTHINFO: 'AUTHINFO login (RFC 4643); USER sends the password itself',
  TOP: 'TOP command',
  UIDL: 'unique message ids',
  'RESP-CODES': 'extended response codes',
  PIPELINING: 'takes several commands without waiting',
  VERSION: 'protocol version',
  READER: 'reader commands',
  IMPLEMENTATION: 'server software',
  SIEVE: 'Sieve extensions supported',
  NOTIFY: 'notification methods',
  MAXREDIRECTS: 'most redirects one script may do',
  AUTH: 'AUTH command (RFC 4217); AUTH TLS switches to TLS',
  PBSZ: 'protection buffer size (RFC 4217)',
  PROT: 'data channel protection (RFC 4217)',
  EPSV: 'extended passive mode (RFC 2428)',
  MDTM: 'modification times',
  UTF8: 'UTF-8 path names (RFC 2640)',
  starttls: 'can switch the stream to TLS (RFC 6120 §5)',
  mechanisms: 'SASL login mechanisms offered on this stream',
  register: 'in-band registration',
  CLIENT_SSL: 'the CLIENT_SSL capability flag: TLS is offered',
};

/** A capability's meaning, or a plain "capability" when tls-trace has no words for it. */
export function capabilityMeaning(protocol: PrologueProtocol, capability: string): string {
  const key = capability.split(/[ =]/)[0];
  const upper = key.toUpperCase();
  const rest = capability.slice(key.length).trim().replace(/^=/, '');
  const table = protocol === 'smtp' || protocol === 'lmtp' ? SMTP : protocol === 'imap' ? IMAP : LISTS;
  const words = table[capability.toUpperCase()] ?? table[upper] ?? table[key];
  const shown = rest ? `${rest}${words ? ` — ${words}` : ''}` : (words ?? 'capability');
  return shown;
}
