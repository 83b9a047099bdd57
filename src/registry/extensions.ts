// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export const extensionTypes = makeRegistry<RegistryEntry>([
  { code: 0, name: 'server_name' },
  { code: 43, name: 'supported_versions' },
]);

/** Code points by name, for decoders that switch on them. */
export const Ext = {
  server_name: 0,
  supported_versions: 43,
} as const;
