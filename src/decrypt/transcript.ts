// Transcript hashing (RFC 8446 §4.4.1; RFC 5246 §7.4.9): the hash over the handshake messages in
// the order they were sent, each with its 4-byte header. After a HelloRetryRequest the first
// ClientHello is replaced by the synthetic message_hash message carrying its hash.

import { digest, hashLength, type HashName } from './hkdf.js';

export interface TranscriptEntry {
  msgType: number;
  /** Whole message bytes, header included. */
  raw: Uint8Array;
  /** ServerHello that is a HelloRetryRequest. */
  helloRetryRequest?: boolean;
}

export const MESSAGE_HASH = 254;

/** The bytes that get hashed, with the HRR rule applied. */
export function transcriptBytes(hash: HashName, entries: readonly TranscriptEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.helloRetryRequest && parts.length > 0) {
      // Replace everything so far (ClientHello1) with message_hash: 254, uint24 Hash.length, Hash(CH1).
      const ch1 = digest(hash, Buffer.concat(parts));
      parts.length = 0;
      parts.push(Buffer.from([MESSAGE_HASH, 0, 0, hashLength(hash)]), ch1);
    }
    parts.push(e.raw);
  }
  return Buffer.concat(parts);
}

export function transcriptHash(hash: HashName, entries: readonly TranscriptEntry[]): Buffer {
  return digest(hash, transcriptBytes(hash, entries));
}
