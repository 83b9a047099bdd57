// Two questions about decoded messages that both decrypt and analyse ask. They live in decode,
// the earlier stage, so decrypt need not import from analyse (stages run one way).

import type { Extension, Message } from './model.js';

export function hasExt(exts: readonly Extension[] | undefined, type: number): boolean {
  return (exts ?? []).some((e) => e.type === type);
}

/** A message read from a decrypted record (its byte space is plaintext tls-trace opened). */
export function isDecrypted(m: Message): boolean {
  return m.space.decrypted === true;
}
