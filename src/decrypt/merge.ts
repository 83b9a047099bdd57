// Folding decryption results back into a trace: each protected record's EncryptedMessage is
// replaced, in place, by the messages decrypted from it; records that failed keep their
// EncryptedMessage with the failure as its issue. Records, plaintext messages and the raw streams
// are unchanged, so the report and chain validation read one ordinary DecodedTrace.

import type { DecodedTrace, EncryptedMessage, Message } from '../decode/model.js';
import type { DecryptionResult } from './types.js';

/** The record a decrypted message is shown at: the last record that carried its bytes. */
function placement(m: Message): number {
  return m.records.length > 0 ? m.records[m.records.length - 1] : -1;
}

export function mergeDecrypted(decoded: DecodedTrace, result: Pick<DecryptionResult, 'messages' | 'spaces' | 'records'>): DecodedTrace {
  if (result.records.length === 0) return decoded;
  const byRecord = new Map<number, Message[]>();
  for (const m of result.messages) {
    const at = placement(m);
    const list = byRecord.get(at);
    if (list) list.push(m);
    else byRecord.set(at, [m]);
  }
  const outcome = new Map(result.records.map((r) => [r.record, r]));
  const placed = new Set<number>();
  const messages: Message[] = [];
  for (const m of decoded.messages) {
    if (m.kind !== 'encrypted') {
      messages.push(m);
      continue;
    }
    const attempts = m.records.map((r) => outcome.get(r)).filter((r) => r !== undefined);
    const failed = attempts.find((a) => !a.ok);
    if (attempts.length === 0 || failed) {
      // Not attempted (no keys) or failed: the record stays shown as encrypted, with the reason.
      if (failed?.error) {
        const kept: EncryptedMessage = { ...m, issue: { kind: 'malformed', offset: m.offset, length: m.length, reason: failed.error } };
        messages.push(kept);
      } else {
        messages.push(m);
      }
      continue;
    }
    for (const r of m.records) {
      const list = byRecord.get(r);
      if (list && !placed.has(r)) {
        messages.push(...list);
        placed.add(r);
      }
    }
  }
  // Decrypted messages whose record had no EncryptedMessage (should not happen) go last.
  for (const [r, list] of byRecord) if (!placed.has(r)) messages.push(...list);
  return { ...decoded, messages, spaces: [...decoded.spaces, ...result.spaces] };
}
