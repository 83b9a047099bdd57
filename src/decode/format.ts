// Display helpers shared by the decoders: registry labels for code points and safe renderings of
// peer-controlled text. Values stay numbers/hex in Field.value; these only fill Field.display.

import {
  alertDescriptions,
  alertLevels,
  certificateCompressionAlgorithms,
  certificateStatusTypes,
  cipherSuites,
  clientCertificateTypes,
  compressionMethods,
  contentTypes,
  ecCurveTypes,
  ecPointFormats,
  extensionTypes,
  handshakeTypes,
  label,
  nameTypes,
  namedGroups,
  protocolVersions,
  pskKeyExchangeModes,
  signatureSchemes,
} from '../registry/index.js';
import type { Formatter } from './reader.js';

export const fmt = {
  version: (v: number) => label(protocolVersions, v),
  suite: (v: number) => label(cipherSuites, v),
  extension: (v: number) => label(extensionTypes, v),
  group: (v: number) => label(namedGroups, v),
  scheme: (v: number) => label(signatureSchemes, v),
  handshakeType: (v: number) => label(handshakeTypes, v, 1),
  contentType: (v: number) => label(contentTypes, v, 1),
  alertLevel: (v: number) => label(alertLevels, v, 1),
  alertDescription: (v: number) => label(alertDescriptions, v, 1),
  compression: (v: number) => label(compressionMethods, v, 1),
  pointFormat: (v: number) => label(ecPointFormats, v, 1),
  pskMode: (v: number) => label(pskKeyExchangeModes, v, 1),
  certCompression: (v: number) => label(certificateCompressionAlgorithms, v),
  statusType: (v: number) => label(certificateStatusTypes, v, 1),
  clientCertType: (v: number) => label(clientCertificateTypes, v, 1),
  curveType: (v: number) => label(ecCurveTypes, v, 1),
  nameType: (v: number) => label(nameTypes, v, 1),
} satisfies Record<string, Formatter>;

/**
 * Peer bytes as text, one character per byte (Latin-1), nothing escaped: the model holds the real
 * characters and the report escapes control characters once, at output (src/report/escape.ts).
 * Escaping here as well showed `\\x1b` for a peer's ESC.
 */
export function bytesAsText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Number of significant bits in a big-endian unsigned integer (0 for all zeros). */
export function bitLength(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
  }
  return 0;
}

export function byteCount(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}
