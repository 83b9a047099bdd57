// POP3 (RFC 2595 §4, capabilities from RFC 2449): the +OK greeting, CAPA (a dot-terminated list),
// STLS, and +OK as the go-ahead. A server that does not know CAPA is still asked for STLS.

import type { Dialogue } from './types.js';
import { notOffered, readDotList, refused } from './lines.js';
import { StarttlsFailure, unexpected } from './conversation.js';

export const pop3: Dialogue = async (conv) => {
  const greeting = await conv.readLine();
  if (/^-ERR\b/i.test(greeting)) throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${greeting}`);
  if (!/^\+OK\b/i.test(greeting)) throw unexpected(conv, greeting, 'a +OK greeting');
  conv.send('CAPA\r\n');
  const capa = await conv.readLine();
  if (/^\+OK\b/i.test(capa)) {
    const caps = await readDotList(conv);
    if (!caps.some((c) => c.trim().toUpperCase() === 'STLS')) throw notOffered(conv, 'STLS', caps);
  } else if (!/^-ERR\b/i.test(capa)) throw unexpected(conv, capa, 'an answer to CAPA');
  conv.send('STLS\r\n');
  const go = await conv.readLine();
  if (!/^\+OK\b/i.test(go)) throw refused(conv, 'STLS', go);
};
