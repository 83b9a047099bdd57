// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface GroupInfo extends RegistryEntry {
  /** ecdhe | ffdhe | hybrid-pq | pq | other */
  family: string;
  /** Public key / key-share size in bytes where fixed. */
  keyShareLength?: number;
}

export const namedGroups = makeRegistry<GroupInfo>([{ code: 29, name: 'x25519', family: 'ecdhe', keyShareLength: 32 }]);
