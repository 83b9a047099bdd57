// Mozilla's server-side TLS guidelines, version 5.7, as data: the facts of
// https://ssl-config.mozilla.org/guidelines/5.7.json (the JSON behind ssl-config.mozilla.org and
// wiki.mozilla.org/Security/Server_Side_TLS), copied field for field under our own names. Suites
// keep both spellings the JSON gives (IANA and OpenSSL) so a test can check that each pair is the
// same code point in our registry; code points are resolved once in profiles.ts. To move to a new
// guideline version, replace this table and GUIDELINE_VERSION, nothing else.

export const GUIDELINE_VERSION = '5.7';
export const GUIDELINE_SOURCE = 'https://ssl-config.mozilla.org/guidelines/5.7.json';

export type ProfileName = 'modern' | 'intermediate' | 'old';
/** Strictest first: the order "best profile met" is decided in. */
export const PROFILE_NAMES: readonly ProfileName[] = ['modern', 'intermediate', 'old'];

export interface GuidelineConfiguration {
  /** `tls_versions`, as Mozilla spells them. */
  tlsVersions: readonly string[];
  /** `ciphers.iana` with `ciphers.openssl` beside it, in Mozilla's order (TLS ≤ 1.2). */
  ciphers: ReadonlyArray<readonly [iana: string, openssl: string]>;
  /** `ciphersuites` (TLS 1.3), IANA names. */
  ciphersuites: readonly string[];
  /** `tls_curves`, OpenSSL names. */
  tlsCurves: readonly string[];
  /** `certificate_types`. */
  certificateTypes: readonly string[];
  /** `certificate_curves`, OpenSSL names. */
  certificateCurves: readonly string[];
  /** `certificate_signatures`, OpenSSL names. */
  certificateSignatures: readonly string[];
  /** `rsa_key_size`: minimum RSA modulus; null where RSA certificates are not recommended at all. */
  rsaKeySize: number | null;
  /** `dh_param_size`: minimum DHE prime; null where no DHE suite is recommended. */
  dhParamSize: number | null;
  /** `ecdh_param_size`. */
  ecdhParamSize: number;
  /** `maximum_certificate_lifespan`, days. */
  maximumCertificateLifespanDays: number;
  /** `recommended_certificate_lifespan`, days. */
  recommendedCertificateLifespanDays: number;
  /** `server_preferred_order`: the server must impose its own suite order (and Mozilla's). */
  serverPreferredOrder: boolean;
  /** `ocsp_staple`. */
  ocspStaple: boolean;
  /** `oldest_clients`. */
  oldestClients: readonly string[];
}

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
const TLS_CURVES = ['X25519', 'prime256v1', 'secp384r1'] as const;
const CERT_CURVES = ['prime256v1', 'secp384r1'] as const;

const INTERMEDIATE_CIPHERS = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
] as const;

const OLD_CIPHERS = [
  ...INTERMEDIATE_CIPHERS,
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA'],
] as const;

export const MOZILLA_GUIDELINES: Readonly<Record<ProfileName, GuidelineConfiguration>> = {
  modern: {
    tlsVersions: ['TLSv1.3'],
    ciphers: [],
    ciphersuites: TLS13_SUITES,
    tlsCurves: TLS_CURVES,
    certificateTypes: ['ecdsa'],
    certificateCurves: CERT_CURVES,
    certificateSignatures: ['ecdsa-with-SHA256', 'ecdsa-with-SHA384', 'ecdsa-with-SHA512'],
    rsaKeySize: null,
    dhParamSize: null,
    ecdhParamSize: 256,
    maximumCertificateLifespanDays: 90,
    recommendedCertificateLifespanDays: 90,
    serverPreferredOrder: false,
    ocspStaple: true,
    oldestClients: ['Firefox 63', 'Android 10.0', 'Chrome 70', 'Edge 75', 'Java 11', 'OpenSSL 1.1.1', 'Opera 57', 'Safari 12.1'],
  },
  intermediate: {
    tlsVersions: ['TLSv1.2', 'TLSv1.3'],
    ciphers: INTERMEDIATE_CIPHERS,
    ciphersuites: TLS13_SUITES,
    tlsCurves: TLS_CURVES,
    certificateTypes: ['ecdsa', 'rsa'],
    certificateCurves: CERT_CURVES,
    certificateSignatures: ['sha256WithRSAEncryption', 'ecdsa-with-SHA256', 'ecdsa-with-SHA384', 'ecdsa-with-SHA512'],
    rsaKeySize: 2048,
    dhParamSize: 2048,
    ecdhParamSize: 256,
    maximumCertificateLifespanDays: 366,
    recommendedCertificateLifespanDays: 90,
    serverPreferredOrder: false,
    ocspStaple: true,
    oldestClients: ['Firefox 27', 'Android 4.4.2', 'Chrome 31', 'Edge', 'IE 11 on Windows 7', 'Java 8u31', 'OpenSSL 1.0.1', 'Opera 20', 'Safari 9'],
  },
  old: {
    tlsVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
    ciphers: OLD_CIPHERS,
    ciphersuites: TLS13_SUITES,
    tlsCurves: TLS_CURVES,
    certificateTypes: ['rsa'],
    certificateCurves: CERT_CURVES,
    certificateSignatures: ['sha256WithRSAEncryption'],
    rsaKeySize: 2048,
    dhParamSize: 1024,
    ecdhParamSize: 256,
    maximumCertificateLifespanDays: 366,
    recommendedCertificateLifespanDays: 90,
    serverPreferredOrder: true,
    ocspStaple: true,
    oldestClients: ['Firefox 1', 'Android 2.3', 'Chrome 1', 'Edge 12', 'IE8 on Windows XP', 'Java 6', 'OpenSSL 0.9.8', 'Opera 5', 'Safari 1'],
  },
};
