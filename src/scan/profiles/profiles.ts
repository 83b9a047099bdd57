// The guideline's names resolved to what a scan result holds: version and suite code points from
// our registry, OpenSSL curve names to group code points and to the `P-256` curve labels of
// PublicKeyInfo, Mozilla's certificate types to Node's key types. A name the registry does not
// know is a bug in the table, so it throws at load (and the profile tests load it).

import { byName, cipherSuites, Group, Version } from '../../registry/index.js';
import { MOZILLA_GUIDELINES, PROFILE_NAMES, type GuidelineConfiguration, type ProfileName } from './mozilla-guidelines.js';

export interface Profile {
  name: ProfileName;
  versions: readonly number[];
  /** TLS ≤ 1.2 suites in Mozilla's order. */
  suites: readonly number[];
  tls13Suites: readonly number[];
  groups: readonly number[];
  /** Node key types (`ec`, `rsa`). */
  certificateKeyTypes: readonly string[];
  /** PublicKeyInfo curve labels (`P-256`). */
  certificateCurves: readonly string[];
  certificateSignatures: readonly string[];
  rsaKeySize: number | null;
  dhParamSize: number | null;
  maximumCertificateLifespanDays: number;
  serverPreferredOrder: boolean;
  guideline: GuidelineConfiguration;
}

const VERSIONS: Readonly<Record<string, number>> = { TLSv1: Version.TLS10, 'TLSv1.1': Version.TLS11, 'TLSv1.2': Version.TLS12, 'TLSv1.3': Version.TLS13 };
const GROUPS: Readonly<Record<string, number>> = { X25519: Group.x25519, prime256v1: Group.secp256r1, secp384r1: Group.secp384r1 };
const CURVE_LABELS: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384' };
const KEY_TYPES: Readonly<Record<string, string>> = { ecdsa: 'ec', rsa: 'rsa' };

function known<T>(table: Readonly<Record<string, T>>, name: string, what: string): T {
  const v = table[name];
  if (v === undefined) throw new Error(`Mozilla guideline table: unknown ${what} ${name}`);
  return v;
}

function suiteCode(iana: string): number {
  const s = byName(cipherSuites, iana);
  if (!s) throw new Error(`Mozilla guideline table: unknown cipher suite ${iana}`);
  return s.code;
}

function resolve(name: ProfileName, g: GuidelineConfiguration): Profile {
  return {
    name,
    versions: g.tlsVersions.map((v) => known(VERSIONS, v, 'version')),
    suites: g.ciphers.map(([iana]) => suiteCode(iana)),
    tls13Suites: g.ciphersuites.map(suiteCode),
    groups: g.tlsCurves.map((c) => known(GROUPS, c, 'curve')),
    certificateKeyTypes: g.certificateTypes.map((t) => known(KEY_TYPES, t, 'certificate type')),
    certificateCurves: g.certificateCurves.map((c) => known(CURVE_LABELS, c, 'certificate curve')),
    certificateSignatures: g.certificateSignatures,
    rsaKeySize: g.rsaKeySize,
    dhParamSize: g.dhParamSize,
    maximumCertificateLifespanDays: g.maximumCertificateLifespanDays,
    serverPreferredOrder: g.serverPreferredOrder,
    guideline: g,
  };
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.fromEntries(
  PROFILE_NAMES.map((n) => [n, resolve(n, MOZILLA_GUIDELINES[n])]),
) as Record<ProfileName, Profile>;

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}
