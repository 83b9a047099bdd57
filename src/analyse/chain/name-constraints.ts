// RFC 5280 §4.2.1.10 name constraints along a built path: every CA on it (the trust anchor too, as
// OpenSSL and browsers apply an anchor's constraints) that carries the extension constrains the
// names of every certificate below it, except self-issued intermediates (§6.1.4 (b)). Names are
// the subject (directoryName; its emailAddress attributes as rfc822Name), every subjectAltName,
// and the leaf's CN where tls-trace would take it as the host name (no DNS and no IP SAN; see
// hostname.ts): a CA limited to example.com must not be able to vouch for bank.test through a CN.

import type { Asn1 } from '../certificates/der.js';
import { DerError, children, isContext, parseDer, primitive } from '../certificates/der.js';
import { nameToString } from '../certificates/parse.js';
import type { ParsedCertificate } from '../certificates/types.js';
import { FORM_NAMES, readGeneralName, sanNames, subjectNames, type GeneralName } from './general-names.js';
import { nameMatches } from './name-match.js';
import { unusableDnsName } from './hostname.js';

export interface NameConstraints {
  critical: boolean;
  permitted: GeneralName[];
  excluded: GeneralName[];
  /** A subtree gives minimum or maximum, which RFC 5280 forbids (and OpenSSL rejects). */
  minMax: boolean;
}

/** OpenSSL's bound on names × subtrees (NAME_CHECK_MAX): past it a chain fails, not the process. */
export const NAME_CHECK_MAX = 1 << 20;

const display = (name: Asn1): string => nameToString(name).text || '(empty)';

function readSubtrees(node: Asn1 | undefined, out: GeneralName[]): boolean {
  let minMax = false;
  for (const subtree of node ? children(node, 'GeneralSubtrees') : []) {
    const [base, ...rest] = children(subtree, 'GeneralSubtree');
    if (!base) throw new DerError('GeneralSubtree: no base');
    out.push(readGeneralName(base, display));
    // minimum must be 0 (an explicit 0 is tolerated, as OpenSSL does) and maximum absent.
    const minimum = rest.find((n) => isContext(n, 0));
    if (rest.some((n) => isContext(n, 1)) || (minimum && /[^\0]/.test(primitive(minimum, 'minimum')))) minMax = true;
  }
  return minMax;
}

/** The CA's constraints, undefined without the extension; throws DerError when it does not parse. */
export function readNameConstraints(cert: ParsedCertificate): NameConstraints | undefined {
  const raw = cert.rawExtensions.nameConstraints;
  if (!raw) return undefined;
  const parts = children(parseDer(raw.der), 'NameConstraints');
  const nc: NameConstraints = { critical: raw.critical, permitted: [], excluded: [], minMax: false };
  const permittedMinMax = readSubtrees(parts.find((n) => isContext(n, 0)), nc.permitted);
  const excludedMinMax = readSubtrees(parts.find((n) => isContext(n, 1)), nc.excluded);
  nc.minMax = permittedMinMax || excludedMinMax;
  return nc;
}

// What tls-trace takes for a host name in a CN: letters, digits, `-`, `_`, dots, a leading `*.`.
const HOST_LIKE_CN = /^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The names a certificate presents to constraints (throws DerError when its SAN does not parse). */
export function constrainedNames(cert: ParsedCertificate, leaf: boolean): GeneralName[] {
  const names = subjectNames(cert.subjectDer, display);
  const san = cert.rawExtensions.subjectAltName;
  if (san) names.push(...sanNames(san, display));
  if (leaf && !names.some((n) => n.tag === 2 || n.tag === 7)) {
    for (const cn of cert.info.subjectCN) {
      if (HOST_LIKE_CN.test(cn) && unusableDnsName(cn) === undefined) names.push({ tag: 2, form: 'dns', text: `DNS:${cn} (subject CN)`, value: cn });
    }
  }
  return names;
}

/** Why one name breaks the constraints, or undefined when it is within them. */
function judgeName(name: GeneralName, nc: NameConstraints, ca: string): string | undefined {
  const sameForm = (s: GeneralName): boolean => s.tag === name.tag;
  const permitted = nc.permitted.filter(sameForm);
  const excluded = nc.excluded.filter(sameForm);
  if (!permitted.length && !excluded.length) return undefined;
  if (name.form === 'other') {
    // RFC 5280: a critical constraint on a form the verifier cannot process rejects the certificate.
    const form = FORM_NAMES[name.tag];
    return nc.critical ? `name ${name.text} is ${/^[aeiox]/.test(form) ? 'an' : 'a'} ${form}, a form ${ca}'s critical name constraints restrict and tls-trace cannot check (RFC 5280: reject)` : undefined;
  }
  for (const s of excluded) {
    const r = nameMatches(name, s);
    if (r === 'match') return `name ${name.text} is within ${ca}'s excluded subtree ${s.text}`;
    if (r !== 'no') return `name ${name.text} cannot be checked against ${ca}'s name constraints (${r.syntax})`;
  }
  if (!permitted.length) return undefined;
  for (const s of permitted) {
    const r = nameMatches(name, s);
    if (r === 'match') return undefined;
    if (r !== 'no') return `name ${name.text} cannot be checked against ${ca}'s name constraints (${r.syntax})`;
  }
  return `name ${name.text} is not within ${ca}'s permitted subtrees (${permitted.map((s) => s.text).join(', ')})`;
}

/** Every way `names` break `nc`; a too-large product is one problem, not a long computation. */
export function nameProblems(names: GeneralName[], nc: NameConstraints, ca: string): string[] {
  if (names.length * (nc.permitted.length + nc.excluded.length) > NAME_CHECK_MAX) {
    return [`has ${names.length} names, which against the ${nc.permitted.length + nc.excluded.length} subtrees of ${ca}'s name constraints is more than ${NAME_CHECK_MAX} comparisons`];
  }
  return names.flatMap((n) => judgeName(n, nc, ca) ?? []);
}

/** `DNS:example.com, DNS:.example.org, IP:10.0.0.0/8` for the reasons; `none` for no subtree. */
export function describeSubtrees(subtrees: GeneralName[]): string {
  return subtrees.length ? subtrees.map((s) => s.text).join(', ') : 'none';
}

/** Where facts go (analyse.ts's Run.fact, narrowed to what is needed here). */
export type NameFact = (check: string, ok: boolean, severity: 'error', reason: string, cert?: ParsedCertificate) => void;

/** `leaf` or `"CN=…"`, as the other per-certificate facts name certificates. */
type Label = (cert: ParsedCertificate, index: number) => string;

/** The constraints of one CA, or a failed fact on the CA saying why they cannot be applied. */
function usableConstraints(ca: ParsedCertificate, label: string, fact: NameFact): NameConstraints | undefined {
  let nc: NameConstraints | undefined;
  try {
    nc = readNameConstraints(ca);
  } catch (e) {
    fact('nameConstraints', false, 'error', `${label}'s name constraints extension cannot be read (${e instanceof Error ? e.message : String(e)}), so the names below it cannot be checked`, ca);
    return undefined;
  }
  if (nc?.minMax) {
    fact('nameConstraints', false, 'error', `${label}'s name constraints give a subtree a minimum or maximum, which RFC 5280 forbids`, ca);
    return undefined;
  }
  return nc;
}

/**
 * One `nameConstraints` fact per constraining CA when every name below it is within its
 * constraints; else one failed fact per offending certificate, naming the CA and the names.
 * Nothing at all for a path without the extension.
 */
export function nameConstraintFacts(certs: ParsedCertificate[], labelOf: Label, fact: NameFact): void {
  certs.forEach((ca, j) => {
    if (j === 0 || !ca.rawExtensions.nameConstraints) return;
    const caLabel = labelOf(ca, j);
    const nc = usableConstraints(ca, caLabel, fact);
    if (!nc) return;
    let failed = false;
    // Self-issued intermediates are exempt (RFC 5280 §6.1.4 (b)); the leaf never is.
    const below = certs.slice(0, j).map((cert, i) => ({ cert, i })).filter(({ cert, i }) => i === 0 || !cert.info.selfIssued);
    for (const { cert, i } of below) {
      let problems: string[];
      try {
        problems = nameProblems(constrainedNames(cert, i === 0), nc, caLabel);
      } catch (e) {
        problems = [`has names that cannot be read (${e instanceof Error ? e.message : String(e)}) to check them against ${caLabel}'s name constraints`];
      }
      if (!problems.length) continue;
      failed = true;
      const shown = problems.length > 5 ? [...problems.slice(0, 5), `and ${problems.length - 5} more`] : problems;
      fact('nameConstraints', false, 'error', `${labelOf(cert, i)} ${shown.join('; ')}`, cert);
    }
    if (!failed) {
      const whom = below.length === 1 ? `the name${below[0].i === 0 ? 's of the leaf' : `s of ${labelOf(below[0].cert, below[0].i)}`}` : `the names of the ${below.length} certificates below it`;
      fact('nameConstraints', true, 'error', `${whom} are within ${caLabel}'s name constraints (permitted: ${describeSubtrees(nc.permitted)}; excluded: ${describeSubtrees(nc.excluded)})`, ca);
    }
  });
}
