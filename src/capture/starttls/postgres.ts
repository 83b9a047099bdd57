// PostgreSQL (protocol 3, "SSL Session Encryption"): the client's 8-byte SSLRequest (length 8,
// code 80877103) and the server's one-byte answer, 'S' to go ahead, 'N' for no TLS. An 'E' is
// an error message from a server too old to know the request.

import type { Dialogue } from './types.js';
import { StarttlsFailure, unexpected } from './conversation.js';

/** Int32 length 8, Int32 80877103 (1234 << 16 | 5679). */
export const SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export const postgres: Dialogue = async (conv) => {
  conv.send(SSL_REQUEST);
  const answer = (await conv.readBytes(1, 'answer')).toString('latin1');
  if (answer === 'S') return;
  if (answer === 'N') throw new StarttlsFailure('starttls-refused', `${conv.where} refused TLS: it answered the PostgreSQL SSLRequest with 'N' (the server has ssl = off)`);
  if (answer === 'E') throw new StarttlsFailure('starttls-refused', `${conv.where} refused TLS: it answered the PostgreSQL SSLRequest with an error message`);
  throw unexpected(conv, answer, "'S' or 'N' to a PostgreSQL SSLRequest");
};
