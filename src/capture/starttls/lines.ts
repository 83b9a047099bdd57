// Reading the line-based replies the text protocols share: SMTP/LMTP/FTP/NNTP's numeric replies
// (RFC 5321 §4.2, RFC 959 §4.2: `250-…` continues, `250 …` ends) and POP3/NNTP's dot-terminated
// lists (RFC 1939 §3, RFC 3977 §3.1.1).

import { StarttlsFailure, unexpected, type Conversation } from './conversation.js';

export interface NumericReply {
  code: number;
  /** Each line's text after the code and its separator. */
  lines: string[];
}

const REPLY = /^([1-5][0-9][0-9])([ -]|$)(.*)$/;

/** One numeric reply, single- or multi-line; anything else is another protocol. */
export async function readNumericReply(conv: Conversation, expected: string): Promise<NumericReply> {
  const first = await conv.readLine();
  const m = REPLY.exec(first);
  if (!m) throw unexpected(conv, first, expected);
  const code = Number(m[1]);
  const lines = [m[3]];
  if (m[2] !== '-') return { code, lines };
  for (;;) {
    const line = await conv.readLine();
    const n = REPLY.exec(line);
    // RFC 959 lets the lines between the first and the last be any text; the last repeats the code.
    if (n && Number(n[1]) === code && n[2] !== '-') {
      lines.push(n[3]);
      return { code, lines };
    }
    lines.push(n && Number(n[1]) === code ? n[3] : line);
  }
}

/** `250 text` as one line, for messages. */
export function replyText(r: NumericReply): string {
  return `${r.code} ${r.lines[r.lines.length - 1] ?? ''}`.trim();
}

/** The lines of a dot-terminated list, dot-stuffing undone. */
export async function readDotList(conv: Conversation): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const line = await conv.readLine();
    if (line === '.') return lines;
    lines.push(line.startsWith('..') ? line.slice(1) : line);
  }
}

/** The server offered no STARTTLS: says so with what it did offer. */
export function notOffered(conv: Conversation, command: string, offered: readonly string[]): StarttlsFailure {
  const list = offered.length > 0 ? offered.slice(0, 20).join(', ') + (offered.length > 20 ? ', …' : '') : 'nothing';
  return new StarttlsFailure('starttls-not-offered', `${conv.where} does not offer ${command}: its ${conv.label} capabilities are ${list}`);
}

/** The server answered the STARTTLS command with something other than its go-ahead. */
export function refused(conv: Conversation, command: string, answer: string): StarttlsFailure {
  return new StarttlsFailure('starttls-refused', `${conv.where} refused ${command}: ${answer}`);
}
