// FTP (RFC 4217): the 220 greeting, FEAT (RFC 2389) to see whether AUTH TLS is listed, AUTH TLS,
// and 234 as the go-ahead. A server without FEAT is still asked: AUTH is older than FEAT.

import type { Dialogue } from './types.js';
import { notOffered, readNumericReply, refused, replyText } from './lines.js';
import { StarttlsFailure } from './conversation.js';

export const ftp: Dialogue = async (conv) => {
  let greeting = await readNumericReply(conv, 'a 220 greeting');
  // 120: "ready in n minutes", followed by the 220 (RFC 959 §4.2).
  if (greeting.code === 120) greeting = await readNumericReply(conv, 'a 220 greeting');
  if (greeting.code !== 220) throw new StarttlsFailure('starttls-refused', `${conv.where} turned the session away in its greeting: ${replyText(greeting)}`);
  conv.send('FEAT\r\n');
  const feat = await readNumericReply(conv, 'an answer to FEAT');
  if (feat.code === 211) {
    const features = feat.lines.slice(1, -1).map((l) => l.trim());
    // `AUTH TLS`, or one line listing several mechanisms (`AUTH TLS;SSL`, RFC 4217 §6).
    if (!features.some((f) => /^AUTH\b.*\bTLS\b/i.test(f))) throw notOffered(conv, 'AUTH TLS', features);
  }
  conv.send('AUTH TLS\r\n');
  const go = await readNumericReply(conv, 'a 234 go-ahead');
  if (go.code !== 234) throw refused(conv, 'AUTH TLS', replyText(go));
};
