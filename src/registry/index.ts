// Every IANA TLS registry the tool knows, in one place. Each table is data (code point + name);
// lookups go through describe()/label() in lookup.ts so unknown and GREASE values read the same
// everywhere.

export * from './lookup.js';
export * from './cipher-suites.js';
export * from './extensions.js';
export * from './groups.js';
export * from './signature-schemes.js';
export * from './alerts.js';
export * from './handshake-types.js';
export * from './versions.js';
export * from './misc.js';
export * from './code-point-kinds.js';
