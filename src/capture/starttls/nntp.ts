// NNTP (RFC 4642 on RFC 3977): the 200/201 greeting, CAPABILITIES (101 and a dot-terminated
// list), STARTTLS, and 382 as the go-ahead.

import type { Dialogue } from './types.js';
import { notOffered, readDotList, readNumericReply, refused, replyText } from './lines.js';
import { StarttlsFailure } from './conversation.js';

export const nntp: Dialogue = async (conv) => {
  const greeting = await readNumericReply(conv, 'a 200 or 201 greeting');
  if (greeting.code !== 200 && greeting.code !== 201) {
    throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${replyText(greeting)}`);
  }
  conv.send('CAPABILITIES\r\n');
  const caps = await readNumericReply(conv, 'an answer to CAPABILITIES');
  if (caps.code === 101) {
    const list = await readDotList(conv);
    if (!list.some((l) => l.trim().split(/\s+/)[0].toUpperCase() === 'STARTTLS')) throw notOffered(conv, 'STARTTLS', list);
  }
  conv.send('STARTTLS\r\n');
  const go = await readNumericReply(conv, 'a 382 go-ahead');
  if (go.code !== 382) throw refused(conv, 'STARTTLS', replyText(go));
};
