// key_share (RFC 8446 §4.2.8): client shares, the server's one share, or the HRR's selected group.

import type { ExtensionInfo } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import type { ExtensionWhere } from './where.js';

function entry(r: ByteReader): { group: number; keyExchange: string } {
  return r.group('key_share_entry', 'Key share', () => {
    const group = r.u16('group', 'Group', fmt.group);
    const key = r.vector(2, 'key_exchange', 'Key exchange', { min: 1 }, (k) => (k.done ? new Uint8Array() : k.rest('value', 'Public key')));
    return { group, keyExchange: key ? toHex(key) : '' };
  });
}

export function keyShare(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  if (where === 'hello_retry_request') {
    return { kind: 'key_share_selected', group: r.u16('selected_group', 'Selected group', fmt.group) };
  }
  if (where === 'server_hello') {
    const e = entry(r);
    return { kind: 'key_share_selected', group: e.group, keyExchange: e.keyExchange };
  }
  const shares = r.vector(2, 'client_shares', 'Client key shares', {}, (v) => v.each(() => entry(v))) ?? [];
  return { kind: 'key_share', shares };
}
