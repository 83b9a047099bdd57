// STUB — the registry helper replaces this with the full tables.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export const ecPointFormats = makeRegistry<RegistryEntry>([{ code: 0, name: 'uncompressed' }]);
export const pskKeyExchangeModes = makeRegistry<RegistryEntry>([{ code: 1, name: 'psk_dhe_ke' }]);
export const certificateCompressionAlgorithms = makeRegistry<RegistryEntry>([{ code: 1, name: 'zlib' }]);
export const compressionMethods = makeRegistry<RegistryEntry>([{ code: 0, name: 'null' }]);
export const certificateStatusTypes = makeRegistry<RegistryEntry>([{ code: 1, name: 'ocsp' }]);
export const clientCertificateTypes = makeRegistry<RegistryEntry>([{ code: 1, name: 'rsa_sign' }]);
export const ecCurveTypes = makeRegistry<RegistryEntry>([{ code: 3, name: 'named_curve' }]);
export const nameTypes = makeRegistry<RegistryEntry>([{ code: 0, name: 'host_name' }]);
