// encrypted_client_hello (draft-ietf-tls-esni §5): the outer ClientHello fields; retry configs
// in EncryptedExtensions and the HRR confirmation are kept as raw bytes.

import type { ExtensionInfo } from '../model.js';
import type { ByteReader } from '../reader.js';
import { byteCount } from '../format.js';
import type { ExtensionWhere } from './where.js';

const echTypes: Record<number, string> = { 0: 'outer', 1: 'inner' };

export function encryptedClientHello(r: ByteReader, where: ExtensionWhere): ExtensionInfo | undefined {
  if (where === 'encrypted_extensions') {
    r.vector(2, 'retry_configs', 'ECHConfigList (retry configs)', { min: 1 }, (v) => (v.done ? undefined : v.rest('value', 'ECH configs')));
    return undefined;
  }
  if (where === 'hello_retry_request') {
    r.bytesField(8, 'confirmation', 'ECH acceptance confirmation');
    return undefined;
  }
  const echType = r.u8('type', 'ECH type', (v) => `${echTypes[v] ?? 'unknown'} (${v})`);
  if (echType !== 0) return { kind: 'encrypted_client_hello', echType };
  r.group('cipher_suite', 'HPKE cipher suite', () => {
    r.u16('kdf_id', 'KDF', (v) => `0x${v.toString(16).padStart(4, '0')}`);
    r.u16('aead_id', 'AEAD', (v) => `0x${v.toString(16).padStart(4, '0')}`);
  });
  const configId = r.u8('config_id', 'Config ID');
  const encLength = r.vector(2, 'enc', 'Encapsulated key', {}, (v) => (v.done ? 0 : v.rest('value', 'enc').length)) ?? 0;
  const payloadLength =
    r.vector(2, 'payload', 'Encrypted payload', { min: 1 }, (v) => {
      const n = v.remaining;
      if (n > 0) v.rest('value', 'Payload', () => byteCount(n));
      return n;
    }) ?? 0;
  return { kind: 'encrypted_client_hello', echType, configId, encLength, payloadLength };
}
