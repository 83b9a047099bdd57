// STUB — the registry helper replaces this with the full IANA table.
import { makeRegistry, type RegistryEntry } from './lookup.js';

export interface CipherSuiteInfo extends RegistryEntry {
  /** OpenSSL's name, where OpenSSL has one. */
  openssl?: string;
  /** Key exchange: ECDHE, DHE, RSA, PSK, ECDHE_PSK, DH, ECDH, SRP, KRB5, NULL, any (TLS 1.3) … */
  kx: string;
  /** Authentication: RSA, ECDSA, DSS, anon, PSK, NULL, any (TLS 1.3) … */
  auth: string;
  /** Bulk cipher: AES_128_GCM, CHACHA20_POLY1305, 3DES_EDE_CBC, RC4_128, NULL … */
  enc: string;
  /** MAC or PRF hash: SHA256, SHA384, SHA, MD5, AEAD … */
  mac: string;
  /** True for TLS 1.3 suites (kx/auth not part of the suite). */
  tls13?: boolean;
  /** Signalling values (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV). */
  scsv?: boolean;
}

export const cipherSuites = makeRegistry<CipherSuiteInfo>([
  { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', openssl: 'TLS_AES_128_GCM_SHA256', kx: 'any', auth: 'any', enc: 'AES_128_GCM', mac: 'AEAD', tls13: true },
  { code: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', kx: 'ECDHE', auth: 'RSA', enc: 'AES_128_GCM', mac: 'AEAD' },
]);
