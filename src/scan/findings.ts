// Findings: what in a scan result deserves attention, each with a severity and one line saying
// why. Pure function of the result, so the JSON and the table always agree.

import { cipherSuites, isForwardSecret, label, Version, versionName } from '../registry/index.js';
import type { Finding, ScanResult, Severity } from './types.js';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

interface SuiteRule {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  match: (name: string, enc: string, kx: string, auth: string) => boolean;
}

const SUITE_RULES: readonly SuiteRule[] = [
  { id: 'null-suites', severity: 'critical', title: 'NULL cipher suites', why: 'traffic is sent unencrypted', match: (_n, enc) => enc === 'NULL' || /_WITH_NULL_/.test(_n) },
  { id: 'export-suites', severity: 'critical', title: 'EXPORT cipher suites', why: '40/56-bit export keys are broken in minutes (FREAK, Logjam)', match: (n) => n.includes('EXPORT') },
  { id: 'anon-suites', severity: 'high', title: 'anonymous cipher suites', why: 'no server authentication: any man in the middle can impersonate the server', match: (n, _e, _k, auth) => auth === 'anon' || /_anon_/.test(n) },
  { id: 'rc4-suites', severity: 'high', title: 'RC4 cipher suites', why: 'RC4 keystream biases let attackers recover plaintext (RFC 7465 forbids it)', match: (n, enc) => enc.startsWith('RC4') || n.includes('_RC4_') },
  { id: 'des-suites', severity: 'high', title: 'single-DES cipher suites', why: '56-bit DES keys can be brute-forced', match: (n, enc) => /^DES(40)?_CBC/.test(enc) || /_WITH_DES_CBC_/.test(n) },
  { id: '3des-suites', severity: 'medium', title: '3DES cipher suites', why: '64-bit blocks allow Sweet32 birthday attacks on long connections', match: (n, enc) => enc.startsWith('3DES') || n.includes('3DES') },
];

function suiteParts(code: number): { name: string; enc: string; kx: string; auth: string } {
  const s = cipherSuites.get(code);
  return { name: s?.name ?? '', enc: (s?.enc ?? '').toUpperCase(), kx: (s?.kx ?? '').toUpperCase(), auth: s?.auth ?? '' };
}

export function deriveFindings(r: ScanResult): Finding[] {
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, title: string, reason: string): void => {
    out.push({ id, severity, title, reason });
  };
  const supported = new Set(r.versions.filter((v) => v.supported).map((v) => v.version));
  if (r.ssl2) add('ssl2-enabled', 'critical', 'SSL 2.0 enabled', 'SSL 2.0 is broken by design (DROWN; RFC 6176 prohibits it)');
  if (supported.has(Version.SSL3)) add('ssl3-enabled', 'high', 'SSL 3.0 enabled', 'SSL 3.0 CBC padding is exploitable (POODLE; RFC 7568 deprecates it)');
  if (supported.has(Version.TLS10)) add('tls10-enabled', 'medium', 'TLS 1.0 enabled', 'TLS 1.0 is deprecated by RFC 8996 (weak PRF, CBC IV weaknesses)');
  if (supported.has(Version.TLS11)) add('tls11-enabled', 'medium', 'TLS 1.1 enabled', 'TLS 1.1 is deprecated by RFC 8996');
  if (supported.size > 0 && !supported.has(Version.TLS13)) add('no-tls13', 'low', 'TLS 1.3 not supported', 'TLS 1.3 removes legacy algorithms and saves a round trip');

  const all = new Map<number, string[]>(); // suite → versions it was accepted in
  for (const v of r.versions) for (const s of v.suites) all.set(s.code, [...(all.get(s.code) ?? []), versionName(v.version)]);
  for (const rule of SUITE_RULES) {
    const hits = [...all.keys()].filter((c) => {
      const p = suiteParts(c);
      return rule.match(p.name, p.enc, p.kx, p.auth);
    });
    if (hits.length > 0) {
      const list = hits.slice(0, 3).map((c) => label(cipherSuites, c)).join(', ');
      add(rule.id, rule.severity, `${rule.title} accepted`, `${rule.why}; accepted: ${list}${hits.length > 3 ? ` and ${hits.length - 3} more` : ''}`);
    }
  }

  if (all.size > 0) {
    const fs = [...all.keys()].filter(isForwardSecret);
    if (fs.length === 0) add('no-forward-secrecy', 'high', 'no forward secrecy', 'no accepted suite uses ephemeral (EC)DHE: a stolen server key decrypts recorded traffic');
    else {
      const nonFs = [...all.keys()].filter((c) => !isForwardSecret(c) && cipherSuites.has(c));
      if (nonFs.length > 0) add('static-key-exchange', 'low', 'suites without forward secrecy accepted', `${nonFs.length} accepted suite(s) use static RSA/DH key exchange, e.g. ${label(cipherSuites, nonFs[0])}`);
    }
  }

  const best = r.versions.filter((v) => v.supported && v.version <= Version.TLS12).pop();
  // No AEAD suite at all (CBC, stream or NULL ciphers only) in the best version below 1.3.
  const aead = (code: number): boolean => cipherSuites.get(code)?.mac === 'AEAD';
  if (best && !supported.has(Version.TLS13) && best.suites.some((s) => suiteParts(s.code).enc.includes('CBC')) && !best.suites.some((s) => aead(s.code))) {
    add('cbc-only', 'medium', 'CBC-only', `${versionName(best.version)} offers only CBC suites (no AEAD): exposed to padding-oracle attacks like Lucky13`);
  }

  const dh = r.versions.flatMap((v) => v.suites.filter((s) => s.dhBits !== undefined && s.dhBits < 2048).map((s) => s.dhBits!));
  if (dh.length > 0) {
    const min = Math.min(...dh);
    add('weak-dh', min < 1024 ? 'critical' : 'high', 'weak DH group', `DHE uses a ${min}-bit prime; below 2048 bits is within reach of precomputation attacks (Logjam)`);
  }

  if (r.features.fallbackScsv === 'not-protected') add('no-fallback-scsv', 'medium', 'no downgrade protection', 'TLS_FALLBACK_SCSV is ignored: an attacker can force a lower protocol version (RFC 7507)');
  if (r.features.downgradeSentinel === 'missing') add('no-downgrade-sentinel', 'low', 'no TLS 1.3 downgrade sentinel', 'a TLS 1.3 server should mark lower-version ServerHellos (RFC 8446 §4.1.3)');
  if (r.features.secureRenegotiation === false) add('insecure-renegotiation', 'medium', 'no secure renegotiation', 'renegotiation_info is not supported (RFC 5746): renegotiation injection is possible');
  if (r.features.compression && r.features.compression.length > 0) add('tls-compression', 'high', 'TLS compression enabled', 'compression leaks secrets through length (CRIME)');

  for (const c of r.certificates) {
    if ((c.keyType === 'RSA' || c.keyType === 'DSA') && c.keyBits !== undefined && c.keyBits < 2048) {
      add('weak-key', 'high', 'weak certificate key', `${c.key} key in ${c.subject} (below 2048 bits)`);
    }
    if (c.signatureAlgorithm && /md5|sha1/i.test(c.signatureAlgorithm)) {
      add('weak-signature', 'medium', 'weak certificate signature', `${c.subject} is signed with ${c.signatureAlgorithm}`);
    }
  }
  return out.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** Index of a severity in SEVERITY_ORDER (0 = critical), for `--fail-on`. */
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}
