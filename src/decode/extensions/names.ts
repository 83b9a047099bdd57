// Extensions that carry peer-chosen text: server_name (RFC 6066 §3) and ALPN (RFC 7301 §3.1).
// Text is stored as the peer sent it (one character per byte); the report escapes it at output.

import type { ExtensionInfo } from '../model.js';
import type { ByteReader } from '../reader.js';
import { bytesAsText, fmt } from '../format.js';
import type { ExtensionWhere } from './where.js';

export function serverName(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  // The server acknowledges SNI with an empty body.
  if (where !== 'client_hello' || r.done) return { kind: 'server_name', names: [] };
  const names: string[] = [];
  r.vector(2, 'server_name_list', 'Server name list', { min: 1 }, (list) =>
    list.each(() =>
      list.group('server_name', 'Server name', () => {
        const type = list.u8('name_type', 'Name type', fmt.nameType);
        // host_name is the only defined type; others use the same opaque<1..2^16-1> shape.
        list.vector(2, type === 0 ? 'host_name' : 'name', type === 0 ? 'Host name' : 'Name', { min: 1 }, (n) => {
          if (n.done) return;
          const bytes = n.rest('value', 'Name', bytesAsText);
          const text = bytesAsText(bytes);
          if (n.lastField) n.lastField.value = text;
          if (type === 0) names.push(text);
        });
      }),
    ),
  );
  return { kind: 'server_name', names };
}

export function alpn(r: ByteReader): ExtensionInfo {
  const protocols: string[] = [];
  r.vector(2, 'protocol_name_list', 'Protocol names', { min: 2 }, (list) =>
    list.each(() =>
      list.vector(1, 'protocol_name', 'Protocol', { min: 1 }, (p) => {
        if (p.done) return;
        const bytes = p.rest('value', 'Protocol', bytesAsText);
        const text = bytesAsText(bytes);
        if (p.lastField) p.lastField.value = text;
        protocols.push(text);
      }),
    ),
  );
  return { kind: 'alpn', protocols };
}
