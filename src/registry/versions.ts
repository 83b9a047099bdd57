// STUB — the registry helper replaces this with the full table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

/** Protocol versions; `name` is the display form ("TLS 1.2"). */
export const protocolVersions = makeRegistry<RegistryEntry>([
  { code: 0x0303, name: 'TLS 1.2' },
  { code: 0x0304, name: 'TLS 1.3' },
]);
