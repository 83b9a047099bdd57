// A handshake message's decoded body for the JSON: the same fields, with every code point
// resolved to `{ code, hex, name }` by the registry's kind table, so the report serialises it
// without reading the wire body itself.

import { codePoint } from '../analyse/code-point.js';
import type { HandshakeMessage } from '../decode/model.js';
import { codePointKinds, extensionTypes, type CodePointKindName } from '../registry/index.js';

/** A JSON value: what the body becomes. */
export type BodyValue = string | number | boolean | null | BodyValue[] | { [key: string]: BodyValue };

/**
 * The body with its code points resolved, after `prepare` (the JSON's list cap) has had it; an
 * object, or undefined for a message without a decoded body.
 */
export function bodyView(m: HandshakeMessage, prepare: <T>(value: T) => T = (v) => v): { [key: string]: BodyValue } | undefined {
  const body = m.body ? withCodePoints(prepare(m.body)) : undefined;
  return body && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
}

/** Decoded-body property → the kind of code point it holds (registry/code-point-kinds.ts). */
const CODE_KEYS: Record<string, CodePointKindName> = {
  cipherSuites: 'suite',
  cipherSuite: 'suite',
  legacyVersion: 'version',
  versions: 'version',
  version: 'version',
  groups: 'group',
  group: 'group',
  namedGroup: 'group',
  schemes: 'scheme',
  signatureScheme: 'scheme',
  signatureSchemes: 'scheme',
  compressionMethods: 'compression',
  compressionMethod: 'compression',
  formats: 'pointFormat',
  modes: 'pskMode',
  algorithms: 'certCompression',
  algorithm: 'certCompression',
  mode: 'heartbeatMode',
  statusType: 'statusType',
  certificateTypes: 'clientCertType',
  curveType: 'curveType',
};

/** Copies a typed body, turning code-point numbers into `{ code, hex, name }`. */
function withCodePoints(value: unknown, key?: string, isExtension = false): BodyValue {
  if (Array.isArray(value)) return value.map((v) => withCodePoints(v, key === 'extensions' ? 'extension' : key));
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: BodyValue } = {};
    const extension = key === 'extension' || isExtension;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (extension && k === 'type' && typeof v === 'number') out[k] = { ...codePoint(extensionTypes, v) };
      else out[k] = withCodePoints(v, k);
    }
    return out;
  }
  if (typeof value === 'number' && key !== undefined && CODE_KEYS[key]) {
    const { registry, width } = codePointKinds[CODE_KEYS[key]];
    return { ...codePoint(registry, value, width) };
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

