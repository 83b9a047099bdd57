// What the scan offers: every registry entry valid for the version being probed. The lists come
// from the shared registries, so a suite added there is scanned without touching this module.

import { cipherSuites, Group, isGrease16, namedGroups, signatureSchemes, Suite, Version, type CipherSuiteInfo } from '../registry/index.js';

/** Versions a hand-built hello can ask for, oldest first. */
export const SCANNED_VERSIONS: readonly number[] = [Version.SSL3, Version.TLS10, Version.TLS11, Version.TLS12, Version.TLS13];

/** Suites defined only for TLS 1.2 (AEAD ciphers, SHA-256/384 MACs and PRFs; RFC 5246 §1.2). */
export function isTls12Only(s: CipherSuiteInfo): boolean {
  return s.mac === 'AEAD' || /GCM|CCM|CHACHA|POLY|MGM/.test(s.enc) || /_SHA(256|384)$/.test(s.name);
}

function isSignal(s: CipherSuiteInfo): boolean {
  return Boolean(s.scsv) || s.code === Suite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV || s.code === Suite.TLS_FALLBACK_SCSV || isGrease16(s.code);
}

/**
 * Offer order: strongest first (forward secrecy, then AEAD, then key size), so a server that
 * follows the client's order is listed in an order a reader expects, and weak suites come last.
 * One number per suite, ordered like the tuple [authenticated, fs, aead, -bits, code] (each part
 * fits its place: bits 0–256, code 16 bits), so the sort compares numbers.
 */
function strength(s: CipherSuiteInfo): number {
  const kx = s.kx.toUpperCase();
  const fs = s.tls13 ? 0 : kx.startsWith('ECDHE') ? 1 : kx.startsWith('DHE') ? 2 : 3;
  const authenticated = s.auth === 'anon' || s.auth === 'NULL' ? 1 : 0;
  const aead = s.mac === 'AEAD' ? 0 : 1;
  return (((authenticated * 4 + fs) * 2 + aead) * 1024 + (512 - (s.bits ?? 0))) * 65536 + s.code;
}

/** A suite as the per-version lists need it, its TLS 1.2-only test made once. */
interface RankedSuite {
  code: number;
  tls13: boolean;
  tls12Only: boolean;
}

let strongestFirst: readonly RankedSuite[] | undefined;

/** Every real suite of the registry, strongest first: sorted once per process (each key computed
 * once), then filtered per version — a cold run pays for one sort instead of one per version. */
function suitesByStrength(): readonly RankedSuite[] {
  if (!strongestFirst) {
    const keyed: Array<{ key: number; suite: RankedSuite }> = [];
    for (const s of cipherSuites.values()) {
      if (!isSignal(s)) keyed.push({ key: strength(s), suite: { code: s.code, tls13: Boolean(s.tls13), tls12Only: isTls12Only(s) } });
    }
    strongestFirst = keyed.sort((a, b) => a.key - b.key).map((x) => x.suite);
  }
  return strongestFirst;
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
  const out: number[] = [];
  for (const s of suitesByStrength()) {
    if (version >= Version.TLS13 ? s.tls13 : !s.tls13 && (version >= Version.TLS12 || !s.tls12Only)) out.push(s.code);
  }
  return out;
}

/** Named groups to offer: all assigned, minus GREASE; for TLS ≤ 1.2 only elliptic curves (FFDHE
 * groups are not negotiated through the SKE by mainstream servers). */
export function groupCandidates(version: number): number[] {
  return memoised(`groups:${version >= Version.TLS13 ? 13 : 12}`, () => computeGroupCandidates(version));
}

/** Offer order for groups: what current clients prefer first (so a server following the client
 * order reports the group a real client would get), then everything else in registry order. */
const GROUP_PREFERENCE: readonly number[] = [
  Group.X25519MLKEM768,
  Group.x25519,
  Group.secp256r1,
  Group.x448,
  Group.secp384r1,
  Group.secp521r1,
  Group.SecP256r1MLKEM768,
  Group.SecP384r1MLKEM1024,
  Group.ffdhe2048,
  Group.ffdhe3072,
  Group.ffdhe4096,
  Group.ffdhe6144,
  Group.ffdhe8192,
];

function computeGroupCandidates(version: number): number[] {
  const out: number[] = [];
  for (const g of namedGroups.values()) {
    if (isGrease16(g.code)) continue;
    if (version < Version.TLS13 && g.family !== 'ecdhe') continue;
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

export type Tls13SignatureFamily = 'ecdsa' | 'eddsa' | 'rsae' | 'rsa-pss';

/** Registry signature algorithm → the key family that can make it (rsae: rsaEncryption keys;
 * rsa-pss: RSASSA-PSS keys). Only these algorithms may sign a TLS 1.3 CertificateVerify. */
const TLS13_FAMILIES: Readonly<Record<string, Tls13SignatureFamily>> = { ecdsa: 'ecdsa', eddsa: 'eddsa', rsa_pss_rsae: 'rsae', rsa_pss_pss: 'rsa-pss' };

/**
 * Signature schemes a TLS 1.3 CertificateVerify may use (RFC 8446 §4.2.3, RFC 8734), derived from
 * the signature-scheme registry: ECDSA, EdDSA and RSASSA-PSS schemes, without the legacy TLS 1.2
 * pairs and without SHA-1 / SHA-224 (which TLS 1.3 does not allow for CertificateVerify).
 * `openssl` is the name Node's `sigalgs` option takes; for these schemes OpenSSL uses the IANA name.
 * The scan's own TLS 1.3 handshakes offer every entry by code point; only its Node fallback is
 * limited to the names this OpenSSL knows.
 */
export const TLS13_SIGNATURE_SCHEMES: ReadonlyArray<{ code: number; openssl: string; family: Tls13SignatureFamily }> = [...signatureSchemes.values()].flatMap((s) => {
  const family = TLS13_FAMILIES[s.sig];
  if (!family || s.legacy || s.hash === 'sha1' || s.hash === 'sha224') return [];
  return [{ code: s.code, openssl: s.name, family }];
});

/** ALPN protocol ids offered when enumerating ALPN (IANA "TLS ALPN Protocol IDs", TCP ones). */
export const ALPN_CANDIDATES: readonly string[] = ['h2', 'http/1.1', 'http/1.0', 'http/0.9', 'spdy/3.1', 'spdy/3', 'spdy/2', 'spdy/1', 'h2c', 'stun.turn', 'webrtc', 'imap', 'pop3', 'ftp', 'xmpp-client', 'xmpp-server', 'mqtt', 'dot', 'postgresql'];
