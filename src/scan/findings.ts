// Findings: what in a scan result deserves attention, as a table of rules. Each rule has a stable
// id, a severity, a title and one line saying why it matters; its test reads the result and
// returns what was seen (one evidence per occurrence) or nothing. A pure function of the result,
// so the JSON and the table always agree. To add a finding, add a row (the order of rows is the
// order of findings within one severity).

import { cipherSuites, isForwardSecret, label, Version, versionName } from '../registry/index.js';
import type { CertificateSeen, Finding, ScanResult, Severity } from './types.js';
import { SESSION_RULES } from './session/rules.js';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** What a rule saw; `severity` overrides the rule's when the evidence makes it worse or milder. */
export interface Evidence {
  seen: string;
  severity?: Severity;
}

export interface FindingRule {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  /** Evidence, one per occurrence; undefined or [] when the rule does not apply. */
  test: (r: ScanResult) => Evidence | Evidence[] | undefined;
  /** The finding's one line; default `why`, then `; seen` when something specific was seen. Rows
   * whose evidence is already a whole sentence (a certificate, a count) show it alone. */
  reason?: (seen: string, why: string) => string;
}

function suiteParts(code: number): { name: string; enc: string; kx: string; auth: string } {
  const s = cipherSuites.get(code);
  return { name: s?.name ?? '', enc: (s?.enc ?? '').toUpperCase(), kx: (s?.kx ?? '').toUpperCase(), auth: s?.auth ?? '' };
}

const supportedVersions = (r: ScanResult): Set<number> => new Set(r.versions.filter((v) => v.supported).map((v) => v.version));

/** Every accepted suite, in the order first seen across versions. */
const acceptedSuites = (r: ScanResult): number[] => [...new Set(r.versions.flatMap((v) => v.suites.map((s) => s.code)))];

const when = (condition: boolean, seen = ''): Evidence | undefined => (condition ? { seen } : undefined);

const versionRule = (id: string, severity: Severity, version: number, why: string): FindingRule => ({
  id,
  severity,
  title: `${versionName(version)} enabled`,
  why,
  test: (r) => when(supportedVersions(r).has(version)),
});

/** A rule on the suites accepted in any version, matched on the suite's name and registry words. */
const suiteRule = (id: string, severity: Severity, title: string, why: string, match: (name: string, enc: string, kx: string, auth: string) => boolean): FindingRule => ({
  id,
  severity,
  title: `${title} accepted`,
  why,
  test: (r) => {
    const hits = acceptedSuites(r).filter((c) => {
      const p = suiteParts(c);
      return match(p.name, p.enc, p.kx, p.auth);
    });
    const list = hits.slice(0, 3).map((c) => label(cipherSuites, c)).join(', ');
    return when(hits.length > 0, `accepted: ${list}${hits.length > 3 ? ` and ${hits.length - 3} more` : ''}`);
  },
});

const certificateRule = (id: string, severity: Severity, title: string, why: string, seen: (c: CertificateSeen) => string | undefined): FindingRule => ({
  id,
  severity,
  title,
  why,
  test: (r) => r.certificates.flatMap((c) => {
    const s = seen(c);
    return s === undefined ? [] : [{ seen: s }];
  }),
  reason: (s) => s,
});

/** CBC-only: no AEAD suite at all (CBC, stream or NULL ciphers only) in the best version below 1.3. */
function cbcOnly(r: ScanResult): Evidence | undefined {
  const best = r.versions.filter((v) => v.supported && v.version <= Version.TLS12).pop();
  const aead = (code: number): boolean => cipherSuites.get(code)?.mac === 'AEAD';
  const cbc = best !== undefined && best.suites.some((s) => suiteParts(s.code).enc.includes('CBC')) && !best.suites.some((s) => aead(s.code));
  return best && cbc && !supportedVersions(r).has(Version.TLS13) ? { seen: versionName(best.version) } : undefined;
}

function weakDh(r: ScanResult): Evidence | undefined {
  const dh = r.versions.flatMap((v) => v.suites.filter((s) => s.dhBits !== undefined && s.dhBits < 2048).map((s) => s.dhBits!));
  if (dh.length === 0) return undefined;
  const min = Math.min(...dh);
  return { seen: String(min), severity: min < 1024 ? 'critical' : 'high' };
}

function staticKeyExchange(r: ScanResult): Evidence | undefined {
  const all = acceptedSuites(r);
  if (!all.some(isForwardSecret)) return undefined; // no-forward-secrecy says it
  const nonFs = all.filter((c) => !isForwardSecret(c) && cipherSuites.has(c));
  return nonFs.length > 0 ? { seen: `${nonFs.length} accepted suite(s) use static RSA/DH key exchange, e.g. ${label(cipherSuites, nonFs[0])}` } : undefined;
}

export const FINDING_RULES: readonly FindingRule[] = [
  { id: 'ssl2-enabled', severity: 'critical', title: 'SSL 2.0 enabled', why: 'SSL 2.0 is broken by design (DROWN; RFC 6176 prohibits it)', test: (r) => when(r.ssl2 === true) },
  versionRule('ssl3-enabled', 'high', Version.SSL3, 'SSL 3.0 CBC padding is exploitable (POODLE; RFC 7568 deprecates it)'),
  versionRule('tls10-enabled', 'medium', Version.TLS10, 'TLS 1.0 is deprecated by RFC 8996 (weak PRF, CBC IV weaknesses)'),
  versionRule('tls11-enabled', 'medium', Version.TLS11, 'TLS 1.1 is deprecated by RFC 8996'),
  { id: 'no-tls13', severity: 'low', title: 'TLS 1.3 not supported', why: 'TLS 1.3 removes legacy algorithms and saves a round trip', test: (r) => when(supportedVersions(r).size > 0 && !supportedVersions(r).has(Version.TLS13)) },
  suiteRule('null-suites', 'critical', 'NULL cipher suites', 'traffic is sent unencrypted', (n, enc) => enc === 'NULL' || /_WITH_NULL_/.test(n)),
  suiteRule('export-suites', 'critical', 'EXPORT cipher suites', '40/56-bit export keys are broken in minutes (FREAK, Logjam)', (n) => n.includes('EXPORT')),
  suiteRule('anon-suites', 'high', 'anonymous cipher suites', 'no server authentication: any man in the middle can impersonate the server', (n, _e, _k, auth) => auth === 'anon' || /_anon_/.test(n)),
  suiteRule('rc4-suites', 'high', 'RC4 cipher suites', 'RC4 keystream biases let attackers recover plaintext (RFC 7465 forbids it)', (n, enc) => enc.startsWith('RC4') || n.includes('_RC4_')),
  suiteRule('des-suites', 'high', 'single-DES cipher suites', '56-bit DES keys can be brute-forced', (n, enc) => /^DES(40)?_CBC/.test(enc) || /_WITH_DES_CBC_/.test(n)),
  suiteRule('3des-suites', 'medium', '3DES cipher suites', '64-bit blocks allow Sweet32 birthday attacks on long connections', (n, enc) => enc.startsWith('3DES') || n.includes('3DES')),
  {
    id: 'no-forward-secrecy',
    severity: 'high',
    title: 'no forward secrecy',
    why: 'no accepted suite uses ephemeral (EC)DHE: a stolen server key decrypts recorded traffic',
    test: (r) => when(acceptedSuites(r).length > 0 && !acceptedSuites(r).some(isForwardSecret)),
  },
  { id: 'static-key-exchange', severity: 'low', title: 'suites without forward secrecy accepted', why: 'a stolen server key decrypts traffic recorded with them', test: staticKeyExchange, reason: (s) => s },
  { id: 'cbc-only', severity: 'medium', title: 'CBC-only', why: 'exposed to padding-oracle attacks like Lucky13', test: cbcOnly, reason: (s, why) => `${s} offers only CBC suites (no AEAD): ${why}` },
  { id: 'weak-dh', severity: 'high', title: 'weak DH group', why: 'below 2048 bits is within reach of precomputation attacks (Logjam)', test: weakDh, reason: (s, why) => `DHE uses a ${s}-bit prime; ${why}` },
  { id: 'no-fallback-scsv', severity: 'medium', title: 'no downgrade protection', why: 'TLS_FALLBACK_SCSV is ignored: an attacker can force a lower protocol version (RFC 7507)', test: (r) => when(r.features.fallbackScsv === 'not-protected') },
  { id: 'no-downgrade-sentinel', severity: 'low', title: 'no TLS 1.3 downgrade sentinel', why: 'a TLS 1.3 server should mark lower-version ServerHellos (RFC 8446 §4.1.3)', test: (r) => when(r.features.downgradeSentinel === 'missing') },
  { id: 'insecure-renegotiation', severity: 'medium', title: 'no secure renegotiation', why: 'renegotiation_info is not supported (RFC 5746): renegotiation injection is possible', test: (r) => when(r.features.secureRenegotiation === false) },
  { id: 'tls-compression', severity: 'high', title: 'TLS compression enabled', why: 'compression leaks secrets through length (CRIME)', test: (r) => when((r.features.compression?.length ?? 0) > 0) },
  {
    id: 'starttls-not-required',
    severity: 'medium',
    title: 'STARTTLS offered but not required',
    why: 'an attacker on the path can strip STARTTLS from the plaintext answer and the session carries on in the clear',
    test: (r) => when(r.starttls?.starttlsRequired === false, r.starttls?.requiredEvidence ?? ''),
    reason: (seen, why) => `${seen ? `${seen}: ` : ''}${why}`,
  },
  {
    id: 'plaintext-auth-before-tls',
    severity: 'medium',
    title: 'cleartext login offered before TLS',
    why: 'a client may send its password in the clear',
    test: (r) => when((r.starttls?.plaintextAuth.length ?? 0) > 0, r.starttls?.plaintextAuth.join(', ')),
    reason: (seen, why) => `${seen} advertised before TLS: ${why}`,
  },
  certificateRule('weak-key', 'high', 'weak certificate key', 'an RSA or DSA key below 2048 bits can be factored with enough resources', (c) =>
    (c.publicKey.type === 'rsa' || c.publicKey.type === 'dsa') && c.publicKey.bits !== undefined && c.publicKey.bits < 2048
      ? `${c.publicKey.label} key in ${c.subject} (below 2048 bits)`
      : undefined,
  ),
  certificateRule('weak-signature', 'medium', 'weak certificate signature', 'MD5 and SHA-1 signatures can be forged by collision', (c) =>
    c.signatureAlgorithm && /md5|sha1/i.test(c.signatureAlgorithm.name) ? `${c.subject} is signed with ${c.signatureAlgorithm.name}` : undefined,
  ),  ...SESSION_RULES,
];

const defaultReason = (seen: string, why: string): string => (seen ? `${why}; ${seen}` : why);

/** Every rule's findings, most severe first (rows keep table order within a severity). */
export function deriveFindings(r: ScanResult, rules: readonly FindingRule[] = FINDING_RULES): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    const found = rule.test(r);
    for (const e of found === undefined ? [] : Array.isArray(found) ? found : [found]) {
      out.push({ id: rule.id, severity: e.severity ?? rule.severity, title: rule.title, reason: (rule.reason ?? defaultReason)(e.seen, rule.why) });
    }
  }
  return out.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** Index of a severity in SEVERITY_ORDER (0 = critical), for `--fail-on`. */
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}
