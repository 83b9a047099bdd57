// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export const alertLevels = makeRegistry<RegistryEntry>([{ code: 1, name: 'warning' }, { code: 2, name: 'fatal' }]);
export const alertDescriptions = makeRegistry<RegistryEntry>([{ code: 40, name: 'handshake_failure' }]);
