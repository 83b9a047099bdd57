// analyseChain: a pure function from DER certificates + options to a ChainReport. It builds the
// path the way a verifier would (sent certificates first, then the trust store), records why each
// candidate issuer was rejected, and then states every check as its own fact.

import type { ParsedCertificate } from '../certificates/types.js';
import { matchHostname } from './hostname.js';
import { nameConstraintFacts } from './name-constraints.js';
import { checkOcsp, parseOcspResponse, type ParsedOcspResponse } from './ocsp.js';
import { ctFacts } from './ct-facts.js';
import { fetchedIssuerFacts, mustStapleFacts, revocationFacts } from './revocation-facts.js';
import { DAY, MAX_PATH, buildPath, daysBetween, name, originLabel, parseCached, type PathEnd, type PathNode } from './path.js';
import type { ChainCertificate, ChainFact, ChainInput, ChainReport, CertificateRole, Severity } from './types.js';

/** CA/Browser Forum Baseline Requirements §6.3.2: 398 days for certificates issued from 2020-09-01. */
const MAX_LEAF_DAYS = 398;
const LIFETIME_RULE_START = Date.parse('2020-09-01T00:00:00Z');

/** What every check reads: the input, the path and how it ended, and where facts go. */
interface Run {
  input: ChainInput;
  /** The pinned clock, ms. */
  at: number;
  report: ChainReport;
  sent: Array<ParsedCertificate | undefined>;
  path: PathNode[];
  end: PathEnd;
  /** Sent indexes the path uses. */
  usedSent: Set<number | null>;
  leaf: ParsedCertificate;
  fact: (check: string, ok: boolean, severity: Severity, reason: string, cert?: ParsedCertificate) => void;
}

export function analyseChain(input: ChainInput): ChainReport {
  const at = input.at.getTime();
  const facts: ChainFact[] = [];
  const sent: Array<ParsedCertificate | undefined> = input.certificates.map((der, i) => {
    try {
      return parseCached(der);
    } catch (e) {
      facts.push({ check: 'parse', ok: false, severity: i === 0 ? 'error' : 'warning', reason: `certificate #${i} could not be parsed: ${e instanceof Error ? e.message : String(e)}` });
      return undefined;
    }
  });
  const report: ChainReport = {
    source: input.source,
    at: input.at.toISOString(),
    certificates: [],
    facts,
    valid: false,
    daysLeft: null,
    problems: [],
    errors: [],
  };
  if (input.decrypted) report.decrypted = true;
  if (input.host !== undefined) report.host = input.host;
  if (!sent[0]) {
    if (sent.length === 0) facts.push({ check: 'present', ok: false, severity: 'error', reason: 'the server sent no certificate' });
    return finish(report);
  }
  const fetched = fetchedIssuers(input);
  const built = buildPath([...sent, ...fetched.map((f) => f.cert)], input.trustStore, at);
  const { end } = built;
  // A fetched certificate was not sent: it has no sent index, and its row says where it came from.
  const path = built.path.map((n) => (n.sentIndex !== null && n.sentIndex >= sent.length ? { ...n, sentIndex: null, fetchedFrom: fetched[n.sentIndex - sent.length].url } : n));
  const rowOf = certificateRows(report, path, sent, at);
  const fact: Run['fact'] = (check, ok, severity, reason, cert) => {
    const f: ChainFact = { check, ok, severity, reason };
    if (cert) f.cert = rowOf.get(cert);
    facts.push(f);
  };
  const run: Run = { input, at, report, sent, path, end, usedSent: new Set(path.map((n) => n.sentIndex)), leaf: path[0].cert, fact };
  const publicAnchor = trustFacts(run);
  linkFacts(run);
  nameConstraintFacts(path.map((n) => n.cert), (c, i) => (i === 0 ? 'leaf' : `"${name(c)}"`), fact);
  pathCertificateFacts(run);
  leafFacts(run, publicAnchor);
  if (input.source === 'node') {
    fact('sent.order', true, 'info', "chain as sent not checked: certificates from Node's getPeerCertificate (reordered, and completed from its store)");
  } else {
    sentFacts(run);
  }
  expiryFacts(run);
  const staple = ocspFacts(run);
  if (input.ct) {
    const ct = ctFacts({ ct: input.ct, leaf: run.leaf, ...(path[1] ? { issuer: path[1].cert } : {}), ...(staple ? { staple } : {}), at: input.at, publicAnchor }, fact);
    if (ct) report.ct = ct;
  }
  mustStapleFacts(input, run.leaf, facts, fact);
  fetchedIssuerFacts(path, fact);
  revocationFacts(input, report, path, fact);
  return finish(report);
}

/** Intermediates check fetched from caIssuers, parsed; one that does not parse is dropped. */
function fetchedIssuers(input: ChainInput): Array<{ cert: ParsedCertificate; url: string }> {
  return (input.fetchedIssuers ?? []).flatMap((f) => {
    try {
      return [{ cert: parseCached(f.der), url: f.url }];
    } catch {
      return [];
    }
  });
}

/** One row per certificate: the path first, then sent ones off the path; returns each one's row. */
function certificateRows(report: ChainReport, path: PathNode[], sent: Array<ParsedCertificate | undefined>, at: number): Map<ParsedCertificate, number> {
  const rows: ChainCertificate[] = [];
  const rowOf = new Map<ParsedCertificate, number>();
  const addRow = (cert: ParsedCertificate, sentIndex: number | null, role: CertificateRole, inPath: boolean): number => {
    rows.push({ sentIndex, role, inPath, daysLeft: daysBetween(at, Date.parse(cert.info.notAfter)), info: cert.info, verdict: 'ok', problems: [] });
    // A certificate sent twice is one cached object: facts belong to its first (path) row.
    if (!rowOf.has(cert)) rowOf.set(cert, rows.length - 1);
    return rows.length - 1;
  };
  path.forEach((n, i) => {
    const last = i === path.length - 1;
    const role: CertificateRole = i === 0 ? 'leaf' : n.anchor && n.sentIndex === null ? 'anchor' : last && n.cert.info.selfSigned ? 'root' : 'intermediate';
    const row = addRow(n.cert, n.sentIndex, role, true);
    if (n.fetchedFrom) rows[row].fetchedFrom = n.fetchedFrom;
  });
  const usedSent = new Set(path.map((n) => n.sentIndex));
  const anchor = path[path.length - 1].anchor?.cert;
  sent.forEach((c, i) => {
    if (!c || usedSent.has(i)) return;
    const row = rows[addRow(c, i, 'extra', false)];
    // A cross-sign of the anchor is sent for older clients on purpose: a note (sentFacts), not a problem.
    if (anchor && crossSignOf(c, anchor)) return;
    // Its own row says why it is there; the chain-wide sent.* facts carry the finding.
    const first = sent.findIndex((o) => o?.info.fingerprint256 === c.info.fingerprint256);
    row.verdict = 'warning';
    row.problems.push(first < i ? `duplicate of #${first}` : 'sent, but not on the path to a trust anchor');
  });
  report.certificates = rows;
  return rowOf;
}

/** `cert` is `anchor`'s subject and key under another issuer (a cross-signed copy of the anchor). */
function crossSignOf(cert: ParsedCertificate, anchor: ParsedCertificate): boolean {
  return !cert.info.selfIssued && cert.subjectDer.equals(anchor.subjectDer) && cert.subjectPublicKeyBits.equals(anchor.subjectPublicKeyBits);
}

/** How the path ended; true when it ends at a public (system store) anchor. */
function trustFacts({ input, report, path, end, fact }: Run): boolean {
  let publicAnchor = false;
  if (end.kind === 'anchor') {
    publicAnchor = end.anchor.origin === 'system';
    report.anchor = { subject: end.anchor.cert.info.subject, fingerprint256: end.anchor.cert.info.fingerprint256, origin: end.anchor.origin, sent: end.sent };
    if (end.anchor.file) report.anchor.file = end.anchor.file;
    fact('trust', true, 'error', `chains to trust anchor "${name(end.anchor.cert)}" (${originLabel(end.anchor)})`);
  } else if (end.kind === 'self-signed-leaf') {
    fact('trust', false, 'error', `self-signed certificate "${name(path[0].cert)}" is not in the trust store`, path[0].cert);
  } else if (end.kind === 'untrusted-root') {
    const root = path[path.length - 1].cert;
    fact('trust', false, 'error', `chain ends at root "${name(root)}", which is not in the trust store`, root);
  } else if (end.kind === 'missing-issuer') {
    const last = path[path.length - 1].cert;
    const fetchFailed = input.issuerFetchFailures?.length ? ` (fetch failed: ${input.issuerFetchFailures.join('; ')})` : '';
    const aia = end.caIssuers.length ? `; AIA CA Issuers: ${end.caIssuers.join(', ')}${fetchFailed}` : '; no AIA CA Issuers URL';
    const what = path.length === 1 ? 'missing intermediate' : 'missing issuer';
    const why = end.rejected.length ? ` (${end.rejected.join('; ')})` : '';
    fact('trust', false, 'error', `${what}: issuer "${end.issuer}" of "${name(last)}" was neither sent nor in the trust store${aia}${why}`, last);
  } else {
    fact('trust', false, 'error', `no trust anchor within ${MAX_PATH} certificates`);
  }
  return publicAnchor;
}

/** Each link: the child is signed by the next certificate on the path, which may sign it. */
function linkFacts({ path, fact }: Run): void {
  for (let i = 0; i + 1 < path.length; i++) {
    const child = path[i].cert;
    const issuer = path[i + 1].cert;
    const issuerLabel = `"${name(issuer)}"`;
    fact('link.signature', true, 'error', `signature verifies with ${issuerLabel}'s key`, child);
    fact('link.name', true, 'error', `issuer name matches the subject of ${issuerLabel}`, child);
    const aki = child.info.authorityKeyId;
    const ski = issuer.info.subjectKeyId;
    if (aki && ski) {
      fact('link.keyId', aki === ski, 'warning', aki === ski ? 'authority key identifier matches the issuer\'s subject key identifier' : `authority key identifier ${aki} differs from the issuer's subject key identifier ${ski}`, child);
    }
    const bc = issuer.info.basicConstraints;
    const v1Anchor = issuer.info.version < 3 && path[i + 1].anchor !== undefined;
    if (v1Anchor) fact('link.issuerCa', true, 'error', `issuer ${issuerLabel} is a v1 trust anchor (no extensions)`, issuer);
    else fact('link.issuerCa', bc?.ca === true, 'error', bc?.ca ? `issuer ${issuerLabel} is a CA` : `issuer ${issuerLabel} is not a CA (basicConstraints CA:${bc ? 'FALSE' : 'absent'})`, issuer);
    const ku = issuer.info.keyUsage;
    if (ku) fact('link.keyCertSign', ku.includes('keyCertSign'), 'error', ku.includes('keyCertSign') ? `issuer ${issuerLabel} may sign certificates (keyCertSign)` : `issuer ${issuerLabel} lacks keyCertSign in its key usage`, issuer);
    if (bc?.pathLen !== undefined) {
      // Intermediate CAs below this issuer, not counting the leaf or self-issued certificates.
      const below = path.slice(1, i + 1).filter((n) => !n.cert.info.selfIssued).length;
      fact('link.pathLen', below <= bc.pathLen, 'error', below <= bc.pathLen ? `path length ${below} within ${issuerLabel}'s pathLen ${bc.pathLen}` : `path length ${below} exceeds ${issuerLabel}'s pathLen ${bc.pathLen}`, issuer);
    }
  }
}

/** Each certificate on the path: validity and strength. */
function pathCertificateFacts({ path, at, fact }: Run): void {
  path.forEach((n, i) => {
    const c = n.cert;
    const nb = Date.parse(c.info.notBefore);
    const na = Date.parse(c.info.notAfter);
    const who = i === 0 ? 'leaf' : `"${name(c)}"`;
    if (at < nb) fact('validity', false, 'error', `${who} is not valid until ${c.info.notBefore} (${daysBetween(at, nb) + 1} days from ${new Date(at).toISOString().slice(0, 10)})`, c);
    else if (at > na) fact('validity', false, 'error', `${who} expired ${c.info.notAfter} (${daysBetween(na, at)} days ago)`, c);
    else fact('validity', true, 'error', `${who} valid ${c.info.notBefore} .. ${c.info.notAfter}`, c);
    const k = c.info.publicKey;
    if ((k.type === 'rsa' || k.type === 'rsa-pss' || k.type === 'dsa') && k.bits !== undefined) {
      fact('weak.key', k.bits >= 2048, 'error', k.bits >= 2048 ? `${who} key ${k.label}` : `${who} has a weak ${k.label}-bit key (< 2048)`, c);
    }
    // A trust anchor's self-signature is never checked by anyone, so its hash does not matter.
    const isAnchorSelf = n.anchor !== undefined && c.info.selfSigned;
    const hash = c.info.signatureAlgorithm.hash;
    if (!isAnchorSelf && hash) {
      const weak = hash === 'sha1' || hash === 'md5' || hash === 'md2';
      fact('weak.signature', !weak, 'error', weak ? `${who} is signed with ${c.info.signatureAlgorithm.name} (${hash.toUpperCase()} is broken for signatures)` : `${who} signed with ${c.info.signatureAlgorithm.name}`, c);
    }
    for (const issue of c.info.parseIssues) fact('parse.extension', false, 'warning', `${who}: ${issue}`, c);
  });
}

/** The leaf: host name, key usage for TLS servers, not a CA, lifetime. */
function leafFacts({ input, leaf, fact }: Run, publicAnchor: boolean): void {
  if (input.host !== undefined) {
    const h = matchHostname(input.host, leaf.info);
    fact('hostname', h.ok, 'error', h.reason, leaf);
  }
  const eku = leaf.info.extendedKeyUsage;
  if (!eku) fact('leaf.eku', true, 'error', 'no extended key usage (any purpose)', leaf);
  else {
    const ok = eku.includes('serverAuth') || eku.includes('anyExtendedKeyUsage');
    fact('leaf.eku', ok, 'error', ok ? `extended key usage allows serverAuth (${eku.join(', ')})` : `extended key usage does not allow TLS servers (only ${eku.join(', ')})`, leaf);
  }
  if (leaf.info.basicConstraints?.ca) fact('leaf.notCa', false, 'warning', 'the leaf is a CA certificate (basicConstraints CA:TRUE)', leaf);
  {
    const nb = Date.parse(leaf.info.notBefore);
    const lifetime = (Date.parse(leaf.info.notAfter) - nb) / DAY;
    if (nb >= LIFETIME_RULE_START) {
      const ok = lifetime <= MAX_LEAF_DAYS;
      // The CA/B rule binds publicly trusted CAs only; for a private anchor it is a note.
      const sev: Severity = publicAnchor ? 'error' : 'info';
      fact('leaf.lifetime', ok, sev, ok ? `leaf lifetime ${Math.round(lifetime)} days (limit ${MAX_LEAF_DAYS})` : `leaf lifetime ${Math.round(lifetime)} days exceeds ${MAX_LEAF_DAYS} days (CA/B Forum rule for certificates issued after 2020-09-01${publicAnchor ? '' : '; applies to public CAs only'})`, leaf);
    }
  }
}

/** The chain as sent: order, duplicates, unrelated certificates, a sent root. */
function sentFacts({ sent, path, usedSent, fact }: Run): void {
  const pathSent = path.filter((n) => n.sentIndex !== null).map((n) => n.sentIndex as number);
  const inOrder = pathSent.every((s, i) => s === i);
  fact('sent.order', inOrder, 'warning', inOrder ? 'sent in order' : `sent out of order: path uses sent certificates ${pathSent.map((s) => `#${s}`).join(' → ')}; send each certificate's issuer right after it`);
  const seen = new Map<string, number>();
  const dups: string[] = [];
  sent.forEach((c, i) => {
    if (!c) return;
    const first = seen.get(c.info.fingerprint256);
    if (first !== undefined) dups.push(`#${i} duplicates #${first}`);
    else seen.set(c.info.fingerprint256, i);
  });
  fact('sent.duplicates', dups.length === 0, 'warning', dups.length ? `duplicate certificates sent: ${dups.join(', ')}` : 'no duplicates');
  const anchor = path[path.length - 1].anchor?.cert;
  const offPath = sent.flatMap((c, i) => (c && !usedSent.has(i) && !dups.some((d) => d.startsWith(`#${i} `)) ? [{ c, i }] : []));
  const crossSigned = offPath.filter(({ c }) => anchor && crossSignOf(c, anchor));
  for (const { c, i } of crossSigned) {
    fact('sent.crossSigned', false, 'info', `#${i} "${name(c)}" is the trust anchor cross-signed by "${c.info.issuer}": the path ends at the self-signed anchor with the same name and key instead; it serves clients that trust only the older root`, c);
  }
  const extras = offPath.filter((e) => !crossSigned.includes(e)).map(({ c, i }) => `#${i} "${name(c)}"`);
  fact('sent.extra', extras.length === 0, 'warning', extras.length ? `certificates sent that are not on the path: ${extras.join(', ')}` : 'no unrelated certificates');
  const sentRoot = path.find((n) => n.sentIndex !== null && n.sentIndex > 0 && n.cert.info.selfSigned);
  if (sentRoot) fact('sent.root', false, 'info', `root "${name(sentRoot.cert)}" was sent; clients ignore it (it must already be trusted), it only adds bytes`, sentRoot.cert);
}

/** Expiry of the sent certificates only: an expiring store root is not the server's to fix. */
function expiryFacts({ input, at, report, path, leaf, fact }: Run): void {
  const sentOnPath = path.filter((n) => n.sentIndex !== null);
  let soonest: ParsedCertificate | undefined;
  for (const n of sentOnPath) if (!soonest || Date.parse(n.cert.info.notAfter) < Date.parse(soonest.info.notAfter)) soonest = n.cert;
  if (soonest) {
    report.daysLeft = daysBetween(at, Date.parse(soonest.info.notAfter));
    report.expiresAt = soonest.info.notAfter;
    if (input.warnDays !== undefined && at <= Date.parse(soonest.info.notAfter)) {
      const soon = Date.parse(soonest.info.notAfter) - at < input.warnDays * DAY;
      const who = soonest === leaf ? 'leaf' : `"${name(soonest)}"`;
      // The nearer threshold names the window: check's --crit-days, else --warn-days.
      const window = input.critDays && report.daysLeft < input.critDays ? `--crit-days ${input.critDays}` : `--warn-days ${input.warnDays}`;
      fact('expiry.soon', !soon, 'warning', soon ? `${who} expires in ${report.daysLeft} days (${soonest.info.notAfter}), within ${window}` : `${report.daysLeft} days left (threshold ${input.warnDays})`, soonest);
    }
  }
}

/** The stapled OCSP response, or its absence when one was requested; returns the parsed staple (CT reads its SCTs). */
function ocspFacts({ input, report, path, leaf, fact }: Run): ParsedOcspResponse | undefined {
  if (input.ocspResponse !== undefined) {
    const der = typeof input.ocspResponse === 'string' ? Buffer.from(input.ocspResponse, 'hex') : input.ocspResponse;
    try {
      const parsed = parseOcspResponse(der);
      report.ocsp = parsed.info;
      const issuer = path[1]?.cert;
      for (const c of checkOcsp(parsed, leaf, issuer, input.at)) fact(c.check, c.ok, c.severity, c.reason, leaf);
      return parsed;
    } catch (e) {
      fact('ocsp.response', false, 'warning', `stapled OCSP response could not be decoded: ${e instanceof Error ? e.message : String(e)}`, leaf);
    }
  } else if (input.ocspRequested) {
    fact('ocsp.stapled', false, 'info', 'no OCSP response stapled');
  }
  return undefined;
}

const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function finish(report: ChainReport): ChainReport {
  const failed = report.facts.filter((f) => !f.ok).sort((a, b) => rank[a.severity] - rank[b.severity]);
  for (const f of failed) {
    if (f.cert === undefined) continue;
    const row = report.certificates[f.cert];
    if (!row) continue;
    if (f.severity === 'info') continue;
    row.problems.push(f.reason);
    if (f.severity === 'error') row.verdict = 'error';
    else if (row.verdict === 'ok') row.verdict = 'warning';
  }
  report.errors = failed.filter((f) => f.severity === 'error').map((f) => f.reason);
  report.problems = failed.filter((f) => f.severity !== 'info').map((f) => f.reason);
  report.valid = report.errors.length === 0;
  return report;
}
