// Recognising a peer that does not speak TLS from its first bytes, so the trace can say
// "the server answered with HTTP" instead of reporting a garbage record.

import { bytesAsText } from './format.js';

export interface NotTls {
  protocol: string;
  /** The first line, escaped (never raw peer control characters), at most 200 characters. */
  firstLine: string;
}

/** Could these be the first bytes of a TLS record? (Judged on as many bytes as there are.) */
export function plausibleRecordStart(b: Uint8Array, at = 0): boolean {
  const n = b.length - at;
  if (n <= 0) return true;
  if (n >= 2 && b[at + 1] !== 3) return false;
  if (n >= 3 && b[at + 2] > 4) return false;
  // A TLS record header with a content type we do not know is still TLS framing: the record
  // decoder reports "unknown content type N". Only an unknown type with no version to back it up
  // is taken for another protocol.
  if (b[at] < 20 || b[at] > 24) return n >= 3;
  return true;
}

/** SSL 2.0 two-byte header (high bit set) followed by CLIENT-HELLO (1), SERVER-HELLO (4) or ERROR (0). */
function looksLikeSslv2(b: Uint8Array): boolean {
  if (b.length < 3 || (b[0] & 0x80) === 0) return false;
  const len = ((b[0] & 0x7f) << 8) | b[1];
  return len >= 1 && (b[2] === 1 || b[2] === 4 || b[2] === 0);
}

function startsWith(b: Uint8Array, text: string): boolean {
  if (b.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[i] !== text.charCodeAt(i)) return false;
  return true;
}

function firstLine(b: Uint8Array): string {
  let end = b.findIndex((x) => x === 0x0a || x === 0x0d);
  if (end < 0) end = b.length;
  const line = bytesAsText(b.subarray(0, Math.min(end, 200)));
  return end > 200 ? line + '…' : line;
}

/** Undefined when the bytes may be TLS; otherwise a protocol guess and the first line (raw; escaped at output). */
export function detectNotTls(b: Uint8Array): NotTls | undefined {
  if (b.length === 0 || plausibleRecordStart(b)) return undefined;
  let protocol = 'unknown';
  if (startsWith(b, 'HTTP/')) protocol = 'http';
  else if (startsWith(b, 'SSH-')) protocol = 'ssh';
  else if (startsWith(b, '220 ') || startsWith(b, '220-')) protocol = /ftp/i.test(firstLine(b)) ? 'ftp' : 'smtp';
  else if (startsWith(b, '+OK')) protocol = 'pop3';
  else if (startsWith(b, '* OK')) protocol = 'imap';
  else if (/^(GET|POST|HEAD|PUT|OPTIONS) /.test(firstLine(b))) protocol = 'http';
  else if (looksLikeSslv2(b)) protocol = 'sslv2';
  return { protocol, firstLine: protocol === 'sslv2' ? '' : firstLine(b) };
}
