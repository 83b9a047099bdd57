// Plaintext before TLS in a captured connection: a STARTTLS dialogue (SMTP, IMAP, POP3, FTP, XMPP,
// LDAP, NNTP, ManageSieve, Postgres SSLRequest, MySQL's SSL request), a PROXY protocol v1/v2
// header or an HTTP CONNECT exchange. Rather than parse each protocol, the TLS start is found by
// content: in the client's stream the first record holding a ClientHello whose handshake length
// fits its record, in the server's the first ServerHello or alert record after its plaintext.
// The search is bounded (MAX_PROLOGUE_SEARCH_BYTES); what comes before is the prologue. Also here:
// why a connection that is not TLS was skipped, in words.

import { MAX_PROLOGUE_SEARCH_BYTES } from '../../limits.js';
import { isRecordHeader } from './tls-start.js';

/** A TLS record holding the start of a ClientHello at `at`: handshake type 1, a length that fits the record. */
function clientHelloAt(b: Uint8Array, at: number): boolean {
  if (b[at] !== 22 || at + 9 > b.length || !isRecordHeader(b, at) || b[at + 5] !== 1) return false;
  const recordLength = (b[at + 3] << 8) | b[at + 4];
  const helloLength = (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
  // A ClientHello is at least 38 bytes (version, random, three empty vectors); it may span records.
  return helloLength >= 38 && (helloLength + 4 <= recordLength || recordLength >= 42);
}

/** A server's first TLS record: a ServerHello, or an alert refusing the handshake. */
function serverFirstAt(b: Uint8Array, at: number): boolean {
  if (!isRecordHeader(b, at)) return false;
  if (b[at] === 22) return at + 6 <= b.length && b[at + 5] === 2;
  return b[at] === 21 && ((b[at + 3] << 8) | b[at + 4]) === 2;
}

function search(b: Uint8Array, first: number, test: (b: Uint8Array, at: number) => boolean): number | undefined {
  const end = Math.min(b.length, MAX_PROLOGUE_SEARCH_BYTES);
  for (let at = b.indexOf(first, 1); at >= 0 && at < end; at = b.indexOf(first, at + 1)) if (test(b, at)) return at;
  return undefined;
}

/** Where the client's TLS starts after plaintext (never 0: a stream that opens with TLS has no prologue). */
export function clientTlsAfterPlaintext(b: Uint8Array): number | undefined {
  return search(b, 22, clientHelloAt);
}

/** Where the server's TLS starts after plaintext: its first ServerHello or alert record. */
export function serverTlsAfterPlaintext(b: Uint8Array): number | undefined {
  const hello = search(b, 22, serverFirstAt);
  const alert = search(b, 21, serverFirstAt);
  if (hello === undefined) return alert;
  return alert === undefined ? hello : Math.min(hello, alert);
}

const HTTP_METHODS = /^(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|TRACE|PRI) \S/;

/** The first line of a stream (at most 60 characters), for a reason; raw, escaped at output. */
function firstLine(b: Uint8Array): string {
  let end = b.findIndex((x) => x === 0x0a || x === 0x0d);
  if (end < 0) end = b.length;
  // Raw (one character per byte): every output escapes it once, as it does all peer text.
  const text = Buffer.from(b.subarray(0, Math.min(end, 60))).toString('latin1');
  return end > 60 ? `${text}…` : text;
}

/**
 * Whether the client's first bytes already show a plaintext protocol that never turns into TLS
 * on this connection (an HTTP request other than CONNECT, SSH): decided at once, so the bytes of
 * such connections are not kept while the prologue search waits for more.
 */
export function plainProtocol(client: Uint8Array): string | undefined {
  const line = firstLine(client);
  if (HTTP_METHODS.test(line)) return `HTTP request: "${line}"`;
  if (line.startsWith('SSH-')) return `SSH: "${line}"`;
  return undefined;
}

/** Why a connection with payload is not TLS, from its first bytes (client's, then server's). */
export function notTlsReason(client: Uint8Array, server: Uint8Array, searched: number): string {
  const plain = plainProtocol(client);
  if (plain) return plain;
  const line = firstLine(server);
  if (line.startsWith('HTTP/')) return `HTTP response: "${line}"`;
  if (line.startsWith('SSH-')) return `SSH: "${line}"`;
  const banner = line !== '' && /^[\x20-\x7e]+$/.test(line) && server.length > 0 ? ` (the server's first line: "${line}")` : '';
  return `no TLS record or ClientHello in the first ${searched} bytes${banner}`;
}

/** Why a connection without payload was skipped, from the TCP flags it showed. */
export function noPayloadReason(flags: { syn: boolean; synAck: boolean; rst: boolean; fin: boolean }): string {
  if (flags.syn && !flags.synAck) return flags.rst ? 'no payload: only SYN and RST (connection refused)' : 'no payload: only SYN (no answer captured)';
  if (flags.rst && !flags.fin) return 'no payload: only the TCP handshake and RST';
  return 'no payload: the TCP handshake and teardown only';
}
