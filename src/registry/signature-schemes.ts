// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export const signatureSchemes = makeRegistry<RegistryEntry>([{ code: 0x0403, name: 'ecdsa_secp256r1_sha256' }]);
