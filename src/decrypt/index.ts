// Decryption and verification of the protected part of a handshake (issue 4). Entry points:
// `decryptTrace` (facts and decrypted messages) and `mergeDecrypted` (a DecodedTrace where each
// decrypted record's EncryptedMessage is replaced by what it held); `decryptAndMerge` does both.

import type { Capture } from '../capture/types.js';
import type { DecodedTrace } from '../decode/model.js';
import { decryptTrace } from './decrypt-trace.js';
import { mergeDecrypted } from './merge.js';
import type { DecryptOptions, DecryptionResult } from './types.js';

export { decryptTrace } from './decrypt-trace.js';
export { mergeDecrypted } from './merge.js';
export { parseKeyLog, keyLogLine, KeyLogLabel, secretForFirstHello, type KeyLog } from './keylog.js';
export type * from './types.js';

/** Decrypts and returns both the facts and the trace with decrypted messages in place. */
export function decryptAndMerge(capture: Capture, decoded: DecodedTrace, opts: DecryptOptions = {}): { trace: DecodedTrace; decryption: DecryptionResult } {
  const decryption = decryptTrace(capture, decoded, opts);
  return { trace: mergeDecrypted(decoded, decryption), decryption };
}
