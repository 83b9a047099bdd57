// Small lookups over the decoded messages that several analyses share.

import type { Direction } from '../decode/types.js';
import type { DecodedTrace, Extension, ExtensionInfo, HandshakeBody, HandshakeMessage } from '../decode/model.js';
import { certificateOf } from '../decode/model.js';
import { Ext, Suite } from '../registry/index.js';

export type BodyOf<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

export interface Found<T extends HandshakeBody['type']> {
  msg: HandshakeMessage;
  body: BodyOf<T>;
}

/** Handshake messages of one type (optionally from one side), in trace order. */
export function findBodies<T extends HandshakeBody['type']>(decoded: DecodedTrace, type: T, direction?: Direction): Found<T>[] {
  const out: Found<T>[] = [];
  for (const m of decoded.messages) {
    if (m.kind !== 'handshake' || !m.body || (direction && m.direction !== direction)) continue;
    // A decompressed CompressedCertificate (RFC 8879) is a Certificate to every analysis.
    const body = type === 'certificate' ? certificateOf(m.body) : m.body.type === type ? m.body : undefined;
    if (body) out.push({ msg: m, body: body as BodyOf<T> });
  }
  return out;
}

export function extInfo<K extends ExtensionInfo['kind']>(
  exts: readonly Extension[] | undefined,
  kind: K,
): Extract<ExtensionInfo, { kind: K }> | undefined {
  for (const e of exts ?? []) if (e.info?.kind === kind) return e.info as Extract<ExtensionInfo, { kind: K }>;
  return undefined;
}

export { hasExt, isDecrypted } from '../decode/message-facts.js';

/** Extension code points the analysis asks about, from the registry (IANA names). */
export const ExtCode = {
  server_name: Ext.server_name,
  status_request: Ext.status_request,
  alpn: Ext.application_layer_protocol_negotiation,
  encrypt_then_mac: Ext.encrypt_then_mac,
  extended_master_secret: Ext.extended_master_secret,
  session_ticket: Ext.session_ticket,
  pre_shared_key: Ext.pre_shared_key,
  supported_versions: Ext.supported_versions,
  key_share: Ext.key_share,
  renegotiation_info: Ext.renegotiation_info,
} as const;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const RENEGOTIATION_SCSV = Suite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV;
