// Which of decryption's checks belong under which step: the ✔/✖ marks for a Finished,
// CertificateVerify or ServerKeyExchange sit under the message they verify.

import type { DecryptionResult, VerificationCheck, VerificationFact } from '../decrypt/types.js';
import type { HandshakeBody, Message } from '../decode/model.js';

/** The handshake message each check verifies (its body type). */
const VERIFIED_MESSAGE: Record<VerificationCheck, HandshakeBody['type']> = {
  'server-finished': 'finished',
  'client-finished': 'finished',
  'server-certificate-verify': 'certificate_verify',
  'client-certificate-verify': 'certificate_verify',
  'server-key-exchange': 'server_key_exchange',
};

/**
 * The facts about one message: same direction, same records, and the message the check verifies.
 * One record often carries EncryptedExtensions … Finished together; matching on records alone put
 * every mark under each of them.
 */
export function factsForMessage(result: DecryptionResult, m: Message, direction: string): VerificationFact[] {
  if (m.kind !== 'handshake' || !m.body) return [];
  const type = m.body.type;
  return result.verifications.filter(
    (f) => f.direction === direction && VERIFIED_MESSAGE[f.check] === type && f.records.length === m.records.length && f.records.every((r, i) => r === m.records[i]),
  );
}
