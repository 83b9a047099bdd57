// What the scan offers: every registry entry valid for the version being probed. The lists come
// from the shared registries, so a suite added there is scanned without touching this module.

import { cipherSuites, isGrease16, namedGroups, signatureSchemes, type CipherSuiteInfo } from '../registry/index.js';

export const SSL3 = 0x0300;
export const TLS10 = 0x0301;
export const TLS11 = 0x0302;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

/** Versions a hand-built hello can ask for, oldest first. */
export const SCANNED_VERSIONS: readonly number[] = [SSL3, TLS10, TLS11, TLS12, TLS13];

export const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x0002: 'SSL 2.0',
  [SSL3]: 'SSL 3.0',
  [TLS10]: 'TLS 1.0',
  [TLS11]: 'TLS 1.1',
  [TLS12]: 'TLS 1.2',
  [TLS13]: 'TLS 1.3',
};

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;

/** Suites defined only for TLS 1.2 (AEAD ciphers, SHA-256/384 MACs and PRFs; RFC 5246 §1.2). */
export function isTls12Only(s: CipherSuiteInfo): boolean {
  return s.mac === 'AEAD' || /GCM|CCM|CHACHA|POLY|MGM/.test(s.enc) || /_SHA(256|384)$/.test(s.name);
}

function isSignal(s: CipherSuiteInfo): boolean {
  return Boolean(s.scsv) || s.code === TLS_EMPTY_RENEGOTIATION_INFO_SCSV || s.code === TLS_FALLBACK_SCSV || isGrease16(s.code);
}

/**
 * Offer order: strongest first (forward secrecy, then AEAD, then key size), so a server that
 * follows the client's order is listed in an order a reader expects, and weak suites come last.
 */
function strength(s: CipherSuiteInfo): number[] {
  const kx = s.kx.toUpperCase();
  const fs = s.tls13 ? 0 : kx.startsWith('ECDHE') ? 1 : kx.startsWith('DHE') ? 2 : 3;
  const authenticated = s.auth === 'anon' || s.auth === 'NULL' ? 1 : 0;
  const aead = s.mac === 'AEAD' ? 0 : 1;
  return [authenticated, fs, aead, -(s.bits ?? 0), s.code];
}

function byStrength(a: CipherSuiteInfo, b: CipherSuiteInfo): number {
  const x = strength(a);
  const y = strength(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

const memo = new Map<string, readonly number[]>();

/** The lists are asked for on every probe; the registries do not change while a process runs. */
function memoised(key: string, make: () => number[]): number[] {
  let v = memo.get(key);
  if (!v) {
    v = Object.freeze(make());
    memo.set(key, v);
  }
  return [...v];
}

/** Every assigned suite a server could pick for `version`, strongest first. */
export function suiteCandidates(version: number): number[] {
  return memoised(`suites:${version}`, () => computeSuiteCandidates(version));
}

function computeSuiteCandidates(version: number): number[] {
  const out: CipherSuiteInfo[] = [];
  for (const s of cipherSuites.values()) {
    if (isSignal(s)) continue;
    if (version >= TLS13) {
      if (s.tls13) out.push(s);
    } else if (!s.tls13 && (version >= TLS12 || !isTls12Only(s))) out.push(s);
  }
  return out.sort(byStrength).map((s) => s.code);
}

export function suiteInfo(code: number): CipherSuiteInfo | undefined {
  return cipherSuites.get(code);
}

/** Key exchange with forward secrecy: (EC)DHE in any form, or any TLS 1.3 suite. */
export function hasForwardSecrecy(code: number): boolean {
  const s = cipherSuites.get(code);
  if (!s) return false;
  return Boolean(s.tls13) || /^(EC)?DHE/.test(s.kx.toUpperCase());
}

/** Named groups to offer: all assigned, minus GREASE; for TLS ≤ 1.2 only elliptic curves (FFDHE
 * groups are not negotiated through the SKE by mainstream servers). */
export function groupCandidates(version: number): number[] {
  return memoised(`groups:${version >= TLS13 ? 13 : 12}`, () => computeGroupCandidates(version));
}

/** Offer order for groups: what current clients prefer first (so a server following the client
 * order reports the group a real client would get), then everything else in registry order. */
const GROUP_PREFERENCE: readonly number[] = [0x11ec, 0x001d, 0x0017, 0x001e, 0x0018, 0x0019, 0x11eb, 0x11ed, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104];

function computeGroupCandidates(version: number): number[] {
  const out: number[] = [];
  for (const g of namedGroups.values()) {
    if (isGrease16(g.code)) continue;
    if (version < TLS13 && g.family !== 'ecdhe') continue;
    out.push(g.code);
  }
  const rank = (c: number): number => {
    const i = GROUP_PREFERENCE.indexOf(c);
    return i < 0 ? GROUP_PREFERENCE.length : i;
  };
  return out.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

/** Every assigned signature scheme, for signature_algorithms. */
export function signatureSchemeCandidates(): number[] {
  return memoised('sigs', () => [...signatureSchemes.values()].filter((s) => !isGrease16(s.code)).map((s) => s.code));
}

/** Signature schemes a TLS 1.3 CertificateVerify may use, with OpenSSL's names (RFC 8446 §4.2.3,
 * RFC 8734). OpenSSL rejects names it does not know; those are skipped. `family` groups schemes
 * one key type can make (rsae: rsaEncryption keys; rsa-pss: RSASSA-PSS keys). */
export const TLS13_SIGNATURE_SCHEMES: ReadonlyArray<{ code: number; openssl: string; family: 'ecdsa' | 'eddsa' | 'rsae' | 'rsa-pss' }> = [
  { code: 0x0403, openssl: 'ecdsa_secp256r1_sha256', family: 'ecdsa' },
  { code: 0x0503, openssl: 'ecdsa_secp384r1_sha384', family: 'ecdsa' },
  { code: 0x0603, openssl: 'ecdsa_secp521r1_sha512', family: 'ecdsa' },
  { code: 0x0807, openssl: 'ed25519', family: 'eddsa' },
  { code: 0x0808, openssl: 'ed448', family: 'eddsa' },
  { code: 0x0804, openssl: 'rsa_pss_rsae_sha256', family: 'rsae' },
  { code: 0x0805, openssl: 'rsa_pss_rsae_sha384', family: 'rsae' },
  { code: 0x0806, openssl: 'rsa_pss_rsae_sha512', family: 'rsae' },
  { code: 0x0809, openssl: 'rsa_pss_pss_sha256', family: 'rsa-pss' },
  { code: 0x080a, openssl: 'rsa_pss_pss_sha384', family: 'rsa-pss' },
  { code: 0x080b, openssl: 'rsa_pss_pss_sha512', family: 'rsa-pss' },
  { code: 0x081a, openssl: 'ecdsa_brainpoolP256r1tls13_sha256', family: 'ecdsa' },
  { code: 0x081b, openssl: 'ecdsa_brainpoolP384r1tls13_sha384', family: 'ecdsa' },
  { code: 0x081c, openssl: 'ecdsa_brainpoolP512r1tls13_sha512', family: 'ecdsa' },
];

/** ALPN protocol ids offered when enumerating ALPN (IANA "TLS ALPN Protocol IDs", TCP ones). */
export const ALPN_CANDIDATES: readonly string[] = ['h2', 'http/1.1', 'http/1.0', 'http/0.9', 'spdy/3.1', 'spdy/3', 'spdy/2', 'spdy/1', 'h2c', 'stun.turn', 'webrtc', 'imap', 'pop3', 'ftp', 'xmpp-client', 'xmpp-server', 'mqtt', 'dot', 'postgresql'];
