// MySQL/MariaDB (client/server protocol, "SSL handshake"): the server speaks first with its
// initial handshake packet (protocol 10); if its capability flags include CLIENT_SSL, the client
// answers with the 32-byte SSLRequest packet (sequence 1) and TLS starts at once: there is no
// go-ahead. An error packet (0xff) instead of the handshake is a refusal ("host not allowed").

import type { Dialogue } from './types.js';
import { StarttlsFailure, unexpected, type Conversation } from './conversation.js';

export const CLIENT_LONG_PASSWORD = 0x1;
export const CLIENT_PROTOCOL_41 = 0x200;
export const CLIENT_SSL = 0x800;
export const CLIENT_SECURE_CONNECTION = 0x8000;

/** One packet: 3-byte little-endian length, sequence byte, payload. */
async function readPacket(conv: Conversation): Promise<{ seq: number; payload: Buffer }> {
  const head = await conv.readBytes(4, 'packet header');
  const length = head.readUIntLE(0, 3);
  const payload = await conv.readBytes(length, `packet of ${length} bytes`);
  return { seq: head[3], payload };
}

/** The server's capability flags (lower and upper 16 bits) from a protocol-10 handshake packet. */
export function handshakeCapabilities(p: Buffer): number | undefined {
  const nul = p.indexOf(0, 1);
  // version NUL, connection id (4), auth data part 1 (8), filler (1), capabilities low (2)
  const low = nul < 0 ? -1 : nul + 1 + 4 + 8 + 1;
  if (low < 0 || p.length < low + 2) return undefined;
  const upper = p.length >= low + 7 ? p.readUInt16LE(low + 5) : 0;
  return (upper << 16) | p.readUInt16LE(low);
}

/** SSLRequest: capabilities (4), max packet size (4), character set (1), 23 zero bytes. */
export function sslRequest(charset: number): Uint8Array {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 0);
  payload.writeUInt32LE(16 * 1024 * 1024, 4);
  payload[8] = charset;
  return Buffer.concat([Buffer.from([32, 0, 0, 1]), payload]);
}

export const mysql: Dialogue = async (conv) => {
  const { seq, payload } = await readPacket(conv);
  if (payload[0] === 0xff && payload.length >= 3) {
    const code = payload.readUInt16LE(1);
    const text = payload.subarray(payload[3] === 0x23 ? 9 : 3).toString('latin1');
    throw new StarttlsFailure('starttls-refused', `${conv.where} turned the connection away: MySQL error ${code}: ${text}`);
  }
  const caps = seq === 0 && payload[0] === 0x0a ? handshakeCapabilities(payload) : undefined;
  if (caps === undefined) throw unexpected(conv, payload.subarray(0, 40).toString('latin1'), 'a MySQL protocol-10 handshake packet');
  if ((caps & CLIENT_SSL) === 0) throw new StarttlsFailure('starttls-not-offered', `${conv.where} does not offer TLS: its MySQL handshake lacks the CLIENT_SSL capability`);
  const nul = payload.indexOf(0, 1);
  const charset = payload[nul + 1 + 4 + 8 + 1 + 2] ?? 0x21;
  conv.send(sslRequest(charset));
};
