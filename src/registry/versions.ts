// Protocol versions as they appear in record headers, legacy_version and supported_versions.
// Not an IANA registry as such: the values come from the SSL/TLS/DTLS specifications
// (SSL 2.0's ClientHello carries 0x0002; DTLS counts down from 0xfeff) and from the TLS 1.3
// drafts, which used 0x7f00 + draft number (RFC 8446 §4.2.1 history).
import { describe, hexCode, makeRegistry, type RegistryEntry } from './lookup.js';

export interface VersionInfo extends RegistryEntry {
  /** `SSL`, `TLS` or `DTLS`. */
  protocol: 'SSL' | 'TLS' | 'DTLS';
  /** A TLS 1.3 Internet-Draft version (0x7f00 + N). */
  draft?: number;
}

const drafts: VersionInfo[] = Array.from({ length: 28 }, (_, i) => ({
  code: 0x7f00 + i + 1,
  name: `TLS 1.3 draft-${i + 1}`,
  protocol: 'TLS' as const,
  draft: i + 1,
}));

/** Protocol versions; `name` is the display form ("TLS 1.2"). */
export const protocolVersions = makeRegistry<VersionInfo>([
  { code: 0x0002, name: 'SSL 2.0', protocol: 'SSL' },
  { code: 0x0300, name: 'SSL 3.0', protocol: 'SSL' },
  { code: 0x0301, name: 'TLS 1.0', protocol: 'TLS' },
  { code: 0x0302, name: 'TLS 1.1', protocol: 'TLS' },
  { code: 0x0303, name: 'TLS 1.2', protocol: 'TLS' },
  { code: 0x0304, name: 'TLS 1.3', protocol: 'TLS' },
  ...drafts,
  { code: 0xfefc, name: 'DTLS 1.3', protocol: 'DTLS' },
  { code: 0xfefd, name: 'DTLS 1.2', protocol: 'DTLS' },
  { code: 0xfeff, name: 'DTLS 1.0', protocol: 'DTLS' },
]);

/** Version code points by name. */
export const Version = {
  SSL2: 0x0002,
  SSL3: 0x0300,
  TLS10: 0x0301,
  TLS11: 0x0302,
  TLS12: 0x0303,
  TLS13: 0x0304,
  DTLS10: 0xfeff,
  DTLS12: 0xfefd,
  DTLS13: 0xfefc,
} as const;

/** Node's protocol strings (`tls.TLSSocket.getProtocol()`) as version code points. */
export const NODE_PROTOCOL_VERSIONS: Readonly<Record<string, number>> = { 'TLSv1.3': 0x0304, 'TLSv1.2': 0x0303, 'TLSv1.1': 0x0302, TLSv1: 0x0301, SSLv3: 0x0300 };

/**
 * The TLS 1.3 Internet-Draft number of a version code point (0x7f00 + N), else undefined. Other
 * pre-standard values (Facebook's 0xfb1a, Google's 0x7e01…) are not drafts and stay unknown.
 */
export function tls13Draft(code: number): number | undefined {
  return protocolVersions.get(code)?.draft;
}

/** `TLS 1.2`, `TLS 1.3 draft-23`, `GREASE`, or `unknown (0x0305)`. */
export function versionName(code: number): string {
  const d = describe(protocolVersions, code);
  if (d.known || d.grease) return d.name;
  return `unknown (${hexCode(code)})`;
}
