// What a handshake message decoder needs to know from earlier messages. Several TLS messages
// cannot be parsed from their bytes alone: ServerKeyExchange and ClientKeyExchange depend on the
// suite's key exchange, Certificate/CertificateRequest/NewSessionTicket on the version.

import { cipherSuites, tls13Draft } from '../registry/index.js';
import type { HandshakeBody, ServerHello } from './model.js';

export const TLS10 = 0x0301;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

export interface HandshakeContext {
  /** Negotiated version once a ServerHello was seen (supported_versions wins over legacy_version). */
  version?: number;
  /** Negotiated cipher suite once a ServerHello was seen. */
  cipherSuite?: number;
  /** A HelloRetryRequest was seen (the next ClientHello is the second one). */
  helloRetryRequest?: boolean;
  /** TLS 1.3 server accepted a PSK (resumption): no Certificate/CertificateVerify follow. */
  pskAccepted?: boolean;
  /** Shape of the ServerKeyExchange seen (tells DHE from RSA for a suite the registry lacks). */
  serverKeyExchange?: 'ecdhe' | 'dhe' | 'psk' | 'unknown';
}

/** Key-exchange shape of the negotiated suite, from the registry. */
/** `unknown`: the suite is not in the registry; `other`: a key exchange we do not decode (SRP, GOST…). */
export type KeyExchangeForm = 'ecdhe' | 'dhe' | 'rsa' | 'psk' | 'ecdhe_psk' | 'dhe_psk' | 'rsa_psk' | 'other' | 'unknown';

export function keyExchangeForm(ctx: HandshakeContext): KeyExchangeForm {
  if (ctx.cipherSuite === undefined) return 'unknown';
  const info = cipherSuites.get(ctx.cipherSuite);
  if (!info) return 'unknown';
  const kx = info.kx.toUpperCase();
  if (kx.includes('PSK')) {
    if (kx.startsWith('ECDH')) return 'ecdhe_psk';
    if (kx.startsWith('DH')) return 'dhe_psk';
    if (kx.startsWith('RSA')) return 'rsa_psk';
    return 'psk';
  }
  if (kx.startsWith('ECDH')) return 'ecdhe';
  if (kx.startsWith('DH')) return 'dhe';
  if (kx.startsWith('RSA')) return 'rsa';
  return 'other';
}

/** Whether the suite's ServerKeyExchange carries a signature (anonymous suites do not). */
export function serverKeyExchangeSigned(ctx: HandshakeContext): boolean | undefined {
  if (ctx.cipherSuite === undefined) return undefined;
  const info = cipherSuites.get(ctx.cipherSuite);
  if (!info) return undefined;
  const auth = info.auth.toUpperCase();
  return !(auth === 'ANON' || auth === 'NULL' || auth === 'PSK' || info.kx.toUpperCase().includes('PSK'));
}

/** Hash length of a TLS 1.3 suite's HKDF (the registry's `prf`: SHA384 → 48, else 32). */
export function tls13HashLength(suite: number | undefined): number {
  const prf = suite === undefined ? undefined : cipherSuites.get(suite)?.prf;
  return prf === 'SHA384' ? 48 : prf === 'SHA512' ? 64 : 32;
}

/**
 * The version a ServerHello selects: supported_versions when present (RFC 8446 §4.2.1), else
 * legacy_version. The one place this rule is written; analyse's answeredHellos() builds on it.
 */
export function selectedVersion(sh: ServerHello): { version: number; fromSupportedVersions: boolean } {
  for (const e of sh.extensions) {
    if (e.info?.kind === 'supported_versions_selected') return { version: e.info.version, fromSupportedVersions: true };
  }
  return { version: sh.legacyVersion, fromSupportedVersions: false };
}

/** The context after `body` was seen. Pure: returns a new object when something changes. */
export function updateContext(ctx: HandshakeContext, body: HandshakeBody | undefined): HandshakeContext {
  if (body?.type === 'server_key_exchange') return { ...ctx, serverKeyExchange: body.form };
  if (!body || body.type !== 'server_hello') return ctx;
  // A TLS 1.3 Internet-Draft version decodes as TLS 1.3 from here on (the record layer and the
  // later messages have TLS 1.3's shapes); the analysis names the draft from the ServerHello.
  const selected = selectedVersion(body).version;
  const version = tls13Draft(selected) !== undefined ? TLS13 : selected;
  const pskAccepted = body.extensions.some((e) => e.info?.kind === 'pre_shared_key' && e.info.selected !== undefined);
  const { serverKeyExchange: _previous, ...rest } = ctx;
  void _previous;
  return {
    ...rest,
    version,
    cipherSuite: body.cipherSuite,
    helloRetryRequest: ctx.helloRetryRequest || body.helloRetryRequest,
    pskAccepted,
  };
}
