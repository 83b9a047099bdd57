// IMAP (RFC 2595 §3, RFC 9051 §6.2.1): the `* OK` greeting, CAPABILITY, STARTTLS, and the tagged
// OK as the go-ahead. Untagged lines between are collected; literals do not occur in these answers.

import type { Dialogue } from './types.js';
import { notOffered, refused } from './lines.js';
import { StarttlsFailure, unexpected, type Conversation } from './conversation.js';

/** Reads untagged lines until the tagged completion; returns both. */
async function untilTagged(conv: Conversation, tag: string): Promise<{ untagged: string[]; done: string }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await conv.readLine();
    if (line.startsWith(`${tag} `)) return { untagged, done: line.slice(tag.length + 1) };
    if (!line.startsWith('* ') && !line.startsWith('+')) throw unexpected(conv, line, `an IMAP response to ${tag}`);
    untagged.push(line.slice(2));
  }
}

export const imap: Dialogue = async (conv) => {
  const greeting = await conv.readLine();
  if (/^\* BYE\b/i.test(greeting)) throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${greeting}`);
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw unexpected(conv, greeting, 'a "* OK" greeting');
  conv.send('a001 CAPABILITY\r\n');
  const caps = await untilTagged(conv, 'a001');
  if (/^OK\b/i.test(caps.done)) {
    const list = caps.untagged
      .filter((l) => /^CAPABILITY /i.test(l))
      .flatMap((l) => l.slice('CAPABILITY '.length).trim().split(/\s+/));
    if (!list.some((c) => c.toUpperCase() === 'STARTTLS')) throw notOffered(conv, 'STARTTLS', list);
  }
  conv.send('a002 STARTTLS\r\n');
  const go = await untilTagged(conv, 'a002');
  if (!/^OK\b/i.test(go.done)) throw refused(conv, 'STARTTLS', `a002 ${go.done}`);
};
