// Sealing TLS 1.3 records with the RFC 8448 server application keys, so a test can append records
// of its own choosing after the RFC's handshake and have the key log open them.

import { createCipheriv } from 'node:crypto';
import { RFC8448, unwrapHex } from '../../../fixtures/rfc8448/capture.js';
import { perRecordNonce } from '../../../src/decrypt/record-protection.js';

/** A TLS 1.3 record sealed with the server's application keys (AES-128-GCM, RFC 8446 §5.2). */
export function sealServerRecord(seq: bigint, content: Buffer, type: number): Buffer {
  const inner = Buffer.concat([content, Buffer.from([type])]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const key = Buffer.from(unwrapHex(RFC8448.keys.serverApplicationKey), 'hex');
  const iv = Buffer.from(unwrapHex(RFC8448.keys.serverApplicationIv), 'hex');
  const cipher = createCipheriv('aes-128-gcm', key, perRecordNonce(iv, seq));
  cipher.setAAD(header);
  return Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
}
