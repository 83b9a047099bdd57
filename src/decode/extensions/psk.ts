// pre_shared_key (RFC 8446 §4.2.11) and early_data (§4.2.10).

import type { ExtensionInfo } from '../model.js';
import type { ByteReader } from '../reader.js';
import type { ExtensionWhere } from './where.js';

export function preSharedKey(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  if (where === 'server_hello') {
    return { kind: 'pre_shared_key', selected: r.u16('selected_identity', 'Selected identity') };
  }
  const identities =
    r.vector(2, 'identities', 'PSK identities', { min: 7 }, (v) =>
      v.each(() =>
        v.group('psk_identity', 'PSK identity', () => {
          v.vector(2, 'identity', 'Identity', { min: 1 }, (i) => (i.done ? undefined : i.rest('value', 'Identity (ticket)')));
          v.u32('obfuscated_ticket_age', 'Obfuscated ticket age');
        }),
      ).length,
    ) ?? 0;
  r.vector(2, 'binders', 'PSK binders', { min: 33 }, (v) =>
    v.each(() => v.vector(1, 'binder', 'Binder', { min: 32 }, (b) => (b.done ? undefined : b.rest('value', 'Binder HMAC')))),
  );
  return { kind: 'pre_shared_key', identities };
}

export function earlyData(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  if (where === 'new_session_ticket') {
    return { kind: 'early_data', maxEarlyDataSize: r.u32('max_early_data_size', 'Max early data size') };
  }
  return { kind: 'early_data' };
}
