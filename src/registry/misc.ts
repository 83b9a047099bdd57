// The small TLS registries (IANA tls-parameters and tls-extensiontype-values sub-registries).
import { makeRegistry, type RegistryEntry } from './lookup.js';

/** EC Point Format (tls-parameters-9, RFC 8422 §5.1.2). Widths: 1 byte. */
export const ecPointFormats = makeRegistry<RegistryEntry>([
  { code: 0, name: 'uncompressed' },
  { code: 1, name: 'ansiX962_compressed_prime' },
  { code: 2, name: 'ansiX962_compressed_char2' },
]);

/**
 * PskKeyExchangeMode (tls-pskkeyexchangemode, RFC 8446 §4.2.9). 1 byte; its GREASE values are
 * 0x0B, 0x2A, … 0xE4 (RFC 8701 §2) — see isGreasePskMode().
 */
export const pskKeyExchangeModes = makeRegistry<RegistryEntry>([
  { code: 0, name: 'psk_ke' },
  { code: 1, name: 'psk_dhe_ke' },
]);

/** RFC 8701: PskKeyExchangeMode GREASE values are 0x1F·N + 0x0B. */
export function isGreasePskMode(code: number): boolean {
  return code >= 0x0b && code <= 0xff && (code - 0x0b) % 0x1f === 0;
}

/** TLS Certificate Compression Algorithm IDs (RFC 8879 §7.3). 2 bytes. */
export const certificateCompressionAlgorithms = makeRegistry<RegistryEntry>([
  { code: 1, name: 'zlib' },
  { code: 2, name: 'brotli' },
  { code: 3, name: 'zstd' },
]);

/** Compression methods (tls-parameters-3, RFC 3749). 1 byte. */
export const compressionMethods = makeRegistry<RegistryEntry>([
  { code: 0, name: 'null' },
  { code: 1, name: 'DEFLATE' },
  { code: 64, name: 'LZS' },
]);

/** TLS Certificate Status Types (RFC 6066 §8, RFC 6961). 1 byte. */
export const certificateStatusTypes = makeRegistry<RegistryEntry>([
  { code: 1, name: 'ocsp' },
  { code: 2, name: 'ocsp_multi' },
]);

/** TLS ClientCertificateType Identifiers (tls-parameters-2), CertificateRequest in TLS ≤ 1.2. 1 byte. */
export const clientCertificateTypes = makeRegistry<RegistryEntry>([
  { code: 1, name: 'rsa_sign' },
  { code: 2, name: 'dss_sign' },
  { code: 3, name: 'rsa_fixed_dh' },
  { code: 4, name: 'dss_fixed_dh' },
  { code: 5, name: 'rsa_ephemeral_dh' },
  { code: 6, name: 'dss_ephemeral_dh' },
  { code: 20, name: 'fortezza_dms' },
  { code: 64, name: 'ecdsa_sign' },
  { code: 65, name: 'rsa_fixed_ecdh' },
  { code: 66, name: 'ecdsa_fixed_ecdh' },
  { code: 67, name: 'gost_sign256' },
  { code: 68, name: 'gost_sign512' },
]);

/** ECCurveType (tls-parameters-10, RFC 8422 §5.4), first byte of ECDHE ServerKeyExchange params. */
export const ecCurveTypes = makeRegistry<RegistryEntry>([
  { code: 1, name: 'explicit_prime' },
  { code: 2, name: 'explicit_char2' },
  { code: 3, name: 'named_curve' },
]);

/** server_name NameType (RFC 6066 §3). 1 byte. */
export const nameTypes = makeRegistry<RegistryEntry>([{ code: 0, name: 'host_name' }]);

/** TLS Certificate Types (RFC 7250, RFC 6091) for client/server_certificate_type. 1 byte. */
export const certificateTypes = makeRegistry<RegistryEntry>([
  { code: 0, name: 'X509' },
  { code: 1, name: 'OpenPGP' },
  { code: 2, name: 'RawPublicKey' },
  { code: 3, name: '1609Dot2' },
]);

/** max_fragment_length values (RFC 6066 §4): 2^9 … 2^12 bytes. 1 byte. */
export const maxFragmentLengths = makeRegistry<RegistryEntry>([
  { code: 1, name: '2^9' },
  { code: 2, name: '2^10' },
  { code: 3, name: '2^11' },
  { code: 4, name: '2^12' },
]);

/** Heartbeat modes (RFC 6520 §2). 1 byte. */
export const heartbeatModes = makeRegistry<RegistryEntry>([
  { code: 1, name: 'peer_allowed_to_send' },
  { code: 2, name: 'peer_not_allowed_to_send' },
]);

/** Heartbeat message types (RFC 6520 §3). 1 byte. */
export const heartbeatMessageTypes = makeRegistry<RegistryEntry>([
  { code: 1, name: 'heartbeat_request' },
  { code: 2, name: 'heartbeat_response' },
]);

/** KeyUpdateRequest (RFC 8446 §4.6.3). 1 byte. */
export const keyUpdateRequests = makeRegistry<RegistryEntry>([
  { code: 0, name: 'update_not_requested' },
  { code: 1, name: 'update_requested' },
]);

/** ECHClientHelloType (RFC 9849 §5): first byte of the encrypted_client_hello extension. */
export const echClientHelloTypes = makeRegistry<RegistryEntry>([
  { code: 0, name: 'outer' },
  { code: 1, name: 'inner' },
]);

/** HPKE KEM identifiers (RFC 9180 §7.1, IANA hpke-kem-ids), in ECHConfig. 2 bytes. */
export const hpkeKems = makeRegistry<RegistryEntry>([
  { code: 0x0010, name: 'DHKEM(P-256, HKDF-SHA256)' },
  { code: 0x0011, name: 'DHKEM(P-384, HKDF-SHA384)' },
  { code: 0x0012, name: 'DHKEM(P-521, HKDF-SHA512)' },
  { code: 0x0020, name: 'DHKEM(X25519, HKDF-SHA256)' },
  { code: 0x0021, name: 'DHKEM(X448, HKDF-SHA512)' },
]);

/** HPKE KDF identifiers (RFC 9180 §7.2), in the ECH cipher suite. 2 bytes. */
export const hpkeKdfs = makeRegistry<RegistryEntry>([
  { code: 0x0001, name: 'HKDF-SHA256' },
  { code: 0x0002, name: 'HKDF-SHA384' },
  { code: 0x0003, name: 'HKDF-SHA512' },
]);

/** HPKE AEAD identifiers (RFC 9180 §7.3), in the ECH cipher suite. 2 bytes. */
export const hpkeAeads = makeRegistry<RegistryEntry>([
  { code: 0x0001, name: 'AES-128-GCM' },
  { code: 0x0002, name: 'AES-256-GCM' },
  { code: 0x0003, name: 'ChaCha20Poly1305' },
  { code: 0xffff, name: 'Export-only' },
]);
