// Compliance with Mozilla's server-side TLS guidelines: a pure function of the scan result and one
// profile, so it can be tested on hand-made results. Every deviation is its own finding (one per
// version, suite, group or certificate), with the same shape as the scan's other findings; the
// rule set follows sslyze's `--mozilla_config` and adds what it leaves out (missing versions,
// groups, the suite order where Mozilla asks for server preference, certificate curves).

import { cipherSuites, label, namedGroups, versionName, Version } from '../../registry/index.js';
import type { CertificateSeen, Finding, MozillaCompliance, ProfileCheck, ScanResult, Severity } from '../types.js';
import { GUIDELINE_VERSION, PROFILE_NAMES, type ProfileName } from './mozilla-guidelines.js';
import { PROFILES, type Profile } from './profiles.js';

const DAY_MS = 86_400_000;

function deviation(p: Profile, id: string, severity: Severity, title: string, reason: string): Finding {
  return {
    id: `mozilla-${id}`,
    severity,
    title: `${title} (Mozilla ${p.name})`,
    reason,
    explanation: `Mozilla's ${p.name} configuration (server-side TLS guidelines ${GUIDELINE_VERSION}) does not allow this.`,
    evidence: { probe: `mozilla-${p.name}`, detail: reason },
  };
}

function protocolDeviations(r: ScanResult, p: Profile): Finding[] {
  const offered = r.versions.filter((v) => v.supported).map((v) => v.version);
  const out: Finding[] = [];
  if (r.ssl2 === true) out.push(deviation(p, 'protocol-offered', 'high', 'protocol outside the profile', 'SSL 2.0 is offered'));
  for (const v of offered.filter((v) => !p.versions.includes(v))) {
    out.push(deviation(p, 'protocol-offered', 'high', 'protocol outside the profile', `${versionName(v)} is offered; the profile allows ${p.versions.map((x) => versionName(x)).join(', ')}`));
  }
  for (const v of p.versions.filter((v) => !offered.includes(v))) {
    out.push(deviation(p, 'protocol-missing', 'medium', 'protocol missing', `${versionName(v)} is not offered; the profile expects ${p.versions.map((x) => versionName(x)).join(', ')}`));
  }
  return out;
}

function suiteDeviations(r: ScanResult, p: Profile): Finding[] {
  const out: Finding[] = [];
  for (const v of r.versions.filter((x) => x.supported)) {
    const allowed = v.version === Version.TLS13 ? p.tls13Suites : p.suites;
    for (const s of v.suites.filter((s) => !allowed.includes(s.code))) {
      out.push(deviation(p, 'suite-outside', 'medium', 'cipher suite outside the profile', `${label(cipherSuites, s.code)} is accepted in ${versionName(v.version)}`));
    }
    if (p.dhParamSize === null) continue;
    for (const s of v.suites.filter((s) => s.dhBits !== undefined && s.dhBits < p.dhParamSize!)) {
      out.push(deviation(p, 'dh-size', 'high', 'DH parameters too small', `${label(cipherSuites, s.code)} uses a ${s.dhBits}-bit prime; the profile needs at least ${p.dhParamSize}`));
    }
  }
  return out;
}

/** Where Mozilla asks for server preference (old): the server must order, and in Mozilla's order. */
function orderDeviations(r: ScanResult, p: Profile): Finding[] {
  if (!p.serverPreferredOrder) return [];
  const out: Finding[] = [];
  for (const v of r.versions.filter((x) => x.supported && x.version !== Version.TLS13)) {
    if (v.order === 'client') {
      out.push(deviation(p, 'suite-order', 'medium', 'no server cipher preference', `in ${versionName(v.version)} the server follows the client's suite order; the profile asks for the server's`));
      continue;
    }
    const ranks = v.suites.map((s) => p.suites.indexOf(s.code)).filter((i) => i >= 0);
    const at = ranks.findIndex((rank, i) => i > 0 && rank < ranks[i - 1]);
    if (v.order === 'server' && at > 0) {
      const [before, after] = [p.suites[ranks[at - 1]], p.suites[ranks[at]]];
      out.push(deviation(p, 'suite-order', 'low', 'cipher suite order differs from the profile', `in ${versionName(v.version)} the server prefers ${label(cipherSuites, before)} to ${label(cipherSuites, after)}; the profile orders them the other way`));
    }
  }
  return out;
}

function groupDeviations(r: ScanResult, p: Profile, unchecked: string[]): Finding[] {
  const { tls12, tls13 } = r.groups;
  if (!tls12 && !tls13) {
    if (r.versions.some((v) => v.supported)) unchecked.push('groups (the scan could not list them)');
    return [];
  }
  const seen = [...new Set([...(tls13?.groups ?? []), ...(tls12?.groups ?? [])])];
  return seen
    .filter((g) => !p.groups.includes(g))
    .map((g) => deviation(p, 'group-outside', 'medium', 'group outside the profile', `${label(namedGroups, g)} is accepted; the profile allows ${p.groups.map((x) => namedGroups.get(x)?.name ?? label(namedGroups, x)).join(', ')}`));
}

function certificateDeviation(c: CertificateSeen, p: Profile): Finding[] {
  const key = c.publicKey;
  const out: Finding[] = [];
  const who = `the ${key.label} certificate ${c.subject}`;
  if (!p.certificateKeyTypes.includes(key.type)) {
    out.push(deviation(p, 'certificate-type', 'medium', 'certificate key type outside the profile', `${who} has a ${key.type} key; the profile allows ${p.guideline.certificateTypes.join(', ')}`));
  } else if (key.type === 'ec' && !p.certificateCurves.includes(key.curve ?? '')) {
    out.push(deviation(p, 'certificate-curve', 'medium', 'certificate curve outside the profile', `${who} uses ${key.curve ?? 'an unknown curve'}; the profile allows ${p.certificateCurves.join(', ')}`));
  } else if (key.type === 'rsa' && p.rsaKeySize !== null && (key.bits ?? 0) < p.rsaKeySize) {
    out.push(deviation(p, 'certificate-key-size', 'high', 'certificate key too small', `${who} has ${key.bits ?? 'an unknown number of'} bits; the profile needs at least ${p.rsaKeySize}`));
  }
  const sig = c.signatureAlgorithm?.name;
  if (sig !== undefined && !p.certificateSignatures.includes(sig)) {
    out.push(deviation(p, 'certificate-signature', 'medium', 'certificate signature outside the profile', `${who} is signed with ${sig}; the profile allows ${p.certificateSignatures.join(', ')}`));
  }
  // Whole days, as sslyze counts them: a 90-day certificate (notAfter − notBefore < 91 days) passes.
  const days = Math.floor((Date.parse(c.notAfter) - Date.parse(c.notBefore)) / DAY_MS);
  if (days > p.maximumCertificateLifespanDays) {
    out.push(deviation(p, 'certificate-lifetime', 'low', 'certificate lifetime too long', `${who} is valid for ${days} days; the profile allows at most ${p.maximumCertificateLifespanDays}`));
  }
  return out;
}

/** Every deviation of the scan from one Mozilla configuration. */
export function checkProfile(r: ScanResult, name: ProfileName): ProfileCheck {
  const p = PROFILES[name];
  const unchecked: string[] = [];
  if (r.certificates.length === 0 && r.versions.some((v) => v.supported)) unchecked.push('certificates (none was read)');
  if (r.certificates.some((c) => !c.signatureAlgorithm)) unchecked.push('signature algorithm of a certificate only Node could read');
  const deviations = [
    ...protocolDeviations(r, p),
    ...suiteDeviations(r, p),
    ...orderDeviations(r, p),
    ...groupDeviations(r, p, unchecked),
    ...r.certificates.flatMap((c) => certificateDeviation(c, p)),
  ];
  return { name, deviations, unchecked };
}

/** All three configurations, the strictest one met, and the one --profile asked for. */
export function mozillaCompliance(r: ScanResult, required?: ProfileName): MozillaCompliance {
  const profiles = PROFILE_NAMES.map((n) => checkProfile(r, n));
  const met = profiles.find((p) => p.deviations.length === 0);
  return { guideline: GUIDELINE_VERSION, ...(required ? { required } : {}), best: met?.name ?? null, profiles };
}

/** The deviations that fail a scan run with --profile (none without it). */
export function requiredDeviations(m: MozillaCompliance): Finding[] {
  return m.profiles.find((p) => p.name === m.required)?.deviations ?? [];
}
