// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export const handshakeTypes = makeRegistry<RegistryEntry>([{ code: 1, name: 'client_hello' }, { code: 2, name: 'server_hello' }]);
export const contentTypes = makeRegistry<RegistryEntry>([
  { code: 20, name: 'change_cipher_spec' },
  { code: 21, name: 'alert' },
  { code: 22, name: 'handshake' },
  { code: 23, name: 'application_data' },
]);
