// Which protocol a plaintext prologue is, from its bytes: the client's first command or request
// and the server's first answer. Used for captures read from pcap files, where no option says it,
// and to show a live dialogue by what was actually said.

import type { PrologueProtocol } from './model.js';

const POSTGRES_SSL_REQUEST = '\x00\x00\x00\x08\x04\xd2\x16\x2f';
const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

/** Guesses the protocol from the first client and server text (latin1, PROXY header removed). */
export function detectProtocol(client: string, server: string): PrologueProtocol {
  if (/^CONNECT \S+ HTTP\/1\.[01]\r?\n/i.test(client)) return 'http-connect';
  if (client.startsWith(POSTGRES_SSL_REQUEST)) return 'postgres';
  if (client.charCodeAt(0) === 0x30 && client.includes(LDAP_STARTTLS_OID)) return 'ldap';
  if (/<stream:stream[^>]*xmlns=['"]jabber:server['"]/.test(client)) return 'xmpp-server';
  if (client.includes('<stream:stream')) return 'xmpp';
  if (server.length >= 5 && server.charCodeAt(3) === 0 && server.charCodeAt(4) === 0x0a && server.charCodeAt(0) + 256 * server.charCodeAt(1) >= 20) return 'mysql';
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(server) || /^[A-Za-z0-9]+ (CAPABILITY|STARTTLS)\r?\n/i.test(client)) return 'imap';
  if (/^[+-](OK|ERR)\b/i.test(server) || /^(CAPA|STLS)\r?\n/i.test(client)) return 'pop3';
  if (server.startsWith('"')) return 'sieve';
  if (/^LHLO /i.test(client)) return 'lmtp';
  if (/^(EHLO|HELO) /i.test(client)) return 'smtp';
  if (/^(FEAT|AUTH TLS|AUTH SSL)\r?\n/i.test(client)) return 'ftp';
  if (/^CAPABILITIES\r?\n/i.test(client) || /^20[01][ -]/.test(server)) return 'nntp';
  if (/^220[ -].*\bFTP\b/i.test(server)) return 'ftp';
  if (/^220[ -]/.test(server)) return 'smtp';
  return 'unknown';
}
