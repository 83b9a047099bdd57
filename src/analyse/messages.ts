// Small lookups over the decoded messages that several analyses share.

import type { Direction } from '../decode/types.js';
import type { DecodedTrace, Extension, ExtensionInfo, HandshakeBody, HandshakeMessage, Message } from '../decode/model.js';

export type BodyOf<T extends HandshakeBody['type']> = Extract<HandshakeBody, { type: T }>;

export interface Found<T extends HandshakeBody['type']> {
  msg: HandshakeMessage;
  body: BodyOf<T>;
}

/** Handshake messages of one type (optionally from one side), in trace order. */
export function findBodies<T extends HandshakeBody['type']>(decoded: DecodedTrace, type: T, direction?: Direction): Found<T>[] {
  const out: Found<T>[] = [];
  for (const m of decoded.messages) {
    if (m.kind !== 'handshake' || !m.body || m.body.type !== type) continue;
    if (direction && m.direction !== direction) continue;
    out.push({ msg: m, body: m.body as BodyOf<T> });
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

export function hasExt(exts: readonly Extension[] | undefined, type: number): boolean {
  return (exts ?? []).some((e) => e.type === type);
}

export function isDecrypted(m: Message): boolean {
  return m.space.decrypted === true;
}

/**
 * Extension code points the analysis asks about (RFC 8446 §4.2, RFC 7627, RFC 7366, RFC 5746).
 * Kept here rather than read from the registry's `Ext` map so this module does not depend on
 * which names that table spells out.
 */
export const ExtCode = {
  server_name: 0,
  status_request: 5,
  alpn: 16,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  session_ticket: 35,
  pre_shared_key: 41,
  supported_versions: 43,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const RENEGOTIATION_SCSV = 0x00ff;
