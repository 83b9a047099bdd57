// ManageSieve (RFC 5804 §1.7, §2.2): the server opens with its capabilities (`"STARTTLS"` among
// them) and an OK, then STARTTLS and OK as the go-ahead.

import type { Dialogue } from './types.js';
import { notOffered, refused } from './lines.js';
import { StarttlsFailure, unexpected, type Conversation } from './conversation.js';

const DONE = /^(OK|NO|BYE)\b/i;

/** Capability lines up to the OK/NO/BYE that ends a response. */
async function response(conv: Conversation, expected: string): Promise<{ lines: string[]; done: string }> {
  const lines: string[] = [];
  for (;;) {
    const line = await conv.readLine();
    if (DONE.test(line)) return { lines, done: line };
    if (!line.startsWith('"')) throw unexpected(conv, line, expected);
    lines.push(line);
  }
}

export const sieve: Dialogue = async (conv) => {
  const greeting = await response(conv, 'ManageSieve capabilities');
  if (!/^OK\b/i.test(greeting.done)) throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${greeting.done}`);
  const names = greeting.lines.map((l) => /^"([^"]*)"/.exec(l)?.[1] ?? l);
  if (!names.some((n) => n.toUpperCase() === 'STARTTLS')) throw notOffered(conv, 'STARTTLS', names);
  conv.send('STARTTLS\r\n');
  const go = await response(conv, 'an answer to STARTTLS');
  if (!/^OK\b/i.test(go.done)) throw refused(conv, 'STARTTLS', go.done);
};
