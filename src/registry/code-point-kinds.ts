// Which registry names a code point, and how wide it is on the wire, by the kind of value it is.
// One table: the decoder's field labels (decode/format.ts) and the JSON's `{ code, hex, name }`
// objects for decoded message bodies (report/json.ts) both read it, so the two cannot disagree
// about which registry a value belongs to.

import { alertDescriptions, alertLevels } from './alerts.js';
import { cipherSuites } from './cipher-suites.js';
import { extensionTypes } from './extensions.js';
import { namedGroups } from './groups.js';
import { contentTypes, handshakeTypes } from './handshake-types.js';
import type { Registry, RegistryEntry } from './lookup.js';
import {
  certificateCompressionAlgorithms,
  certificateStatusTypes,
  clientCertificateTypes,
  compressionMethods,
  ecCurveTypes,
  ecPointFormats,
  heartbeatMessageTypes,
  heartbeatModes,
  nameTypes,
  pskKeyExchangeModes,
} from './misc.js';
import { signatureSchemes } from './signature-schemes.js';
import { protocolVersions } from './versions.js';

export interface CodePointKind {
  registry: Registry<RegistryEntry>;
  /** Bytes on the wire (1 or 2); also decides how the hex form is padded. */
  width: 1 | 2;
}

export const codePointKinds = {
  version: { registry: protocolVersions, width: 2 },
  suite: { registry: cipherSuites, width: 2 },
  extension: { registry: extensionTypes, width: 2 },
  group: { registry: namedGroups, width: 2 },
  scheme: { registry: signatureSchemes, width: 2 },
  handshakeType: { registry: handshakeTypes, width: 1 },
  contentType: { registry: contentTypes, width: 1 },
  alertLevel: { registry: alertLevels, width: 1 },
  alertDescription: { registry: alertDescriptions, width: 1 },
  compression: { registry: compressionMethods, width: 1 },
  pointFormat: { registry: ecPointFormats, width: 1 },
  pskMode: { registry: pskKeyExchangeModes, width: 1 },
  certCompression: { registry: certificateCompressionAlgorithms, width: 2 },
  statusType: { registry: certificateStatusTypes, width: 1 },
  clientCertType: { registry: clientCertificateTypes, width: 1 },
  curveType: { registry: ecCurveTypes, width: 1 },
  nameType: { registry: nameTypes, width: 1 },
  heartbeatType: { registry: heartbeatMessageTypes, width: 1 },
  heartbeatMode: { registry: heartbeatModes, width: 1 },
} as const satisfies Record<string, CodePointKind>;

export type CodePointKindName = keyof typeof codePointKinds;
