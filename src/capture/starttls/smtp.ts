// SMTP (RFC 3207, on RFC 5321) and LMTP (RFC 2033, the same dialogue with LHLO): the 220
// greeting, EHLO/LHLO and its multi-line 250 capability list, STARTTLS, and 220 as the go-ahead.

import type { Dialogue } from './types.js';
import { notOffered, readNumericReply, refused, replyText } from './lines.js';
import { StarttlsFailure } from './conversation.js';

function mailDialogue(hello: 'EHLO' | 'LHLO'): Dialogue {
  return async (conv, ctx) => {
    const greeting = await readNumericReply(conv, 'a 220 greeting');
    if (greeting.code !== 220) {
      throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${replyText(greeting)}`);
    }
    conv.send(`${hello} ${ctx.clientName}\r\n`);
    const caps = await readNumericReply(conv, `a 250 answer to ${hello}`);
    // 500/502: a server without the extensions (RFC 5321 §3.2) has no STARTTLS either.
    if (caps.code !== 250) throw new StarttlsFailure('starttls-not-offered', `${conv.where} does not offer STARTTLS: it answered ${hello} with ${replyText(caps)}`);
    const keywords = caps.lines.slice(1).map((l) => l.trim());
    if (!keywords.some((k) => k.split(/\s+/)[0].toUpperCase() === 'STARTTLS')) throw notOffered(conv, 'STARTTLS', keywords);
    conv.send('STARTTLS\r\n');
    const go = await readNumericReply(conv, 'a 220 go-ahead');
    if (go.code !== 220) throw refused(conv, 'STARTTLS', replyText(go));
  };
}

export const smtp = mailDialogue('EHLO');
export const lmtp = mailDialogue('LHLO');
