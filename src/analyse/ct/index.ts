// Certificate Transparency for one leaf: every SCT from the three places it travels (the
// certificate's own extension, the TLS extension, the OCSP staple), each judged against the log
// list, and the set judged against Chrome's and Apple's policies. Pure: the caller brings the
// decoded SCTs, the certificates and the list; nothing here reads files or sockets.

import { MAX_SCTS_PER_SOURCE } from '../../limits.js';
import { decodeSctList, type DecodedSct } from '../../decode/sct.js';
import type { ParsedCertificate } from '../certificates/types.js';
import type { CtLogList } from './log-list.js';
import { applePolicy, chromePolicy, lifetimeDays, type PolicyVerdict } from './policy.js';
import { SCT_LIST_OID, extensionValue, octetStringContents, precertTbs, spkiDer } from './precert.js';
import { issuerKeyHash, judgeSct, type SctResult, type SctSource, type SignedEntries } from './verify.js';

export type { CtLogList } from './log-list.js';
export type { SctResult, SctStatus, SctSource } from './verify.js';
export type { PolicyVerdict } from './policy.js';

export interface CtReport {
  /** The log list every SCT was judged against, and its date. */
  logList: { source: string; version?: string; timestamp?: string; logs: number };
  scts: SctResult[];
  /** SCTs past MAX_SCTS_PER_SOURCE in one place: counted, not judged. */
  skipped?: number;
  /** SCT lists that could not be read (where, and why). */
  issues: string[];
  /** Leaf lifetime in days, notAfter − notBefore (Chrome's count; Apple adds RFC 5280's inclusive second). */
  lifetimeDays: number;
  chrome: PolicyVerdict;
  apple: PolicyVerdict;
}

export interface CtInput {
  leaf: ParsedCertificate;
  /** The leaf's issuer on the path (for the precertificate's issuer_key_hash); absent when unknown. */
  issuer?: ParsedCertificate;
  /** SCTs the server sent in the TLS extension (ServerHello, or the leaf's TLS 1.3 CertificateEntry). */
  tlsScts?: DecodedSct[];
  /** The SCT list extension value (extnValue contents) of the stapled OCSP response's single response for the leaf. */
  ocspSctList?: Buffer;
  list: CtLogList;
  at: Date;
}

/**
 * The signed entries: the leaf, and the precertificate when there are embedded SCTs, the issuer
 * is known and the TBS rebuilds (only then: check runs this for every target of a fleet).
 */
function entriesFor(input: CtInput, embedded: number, issues: string[]): SignedEntries {
  const entries: SignedEntries = { leaf: input.leaf.der };
  if (!input.issuer || embedded === 0) return entries;
  try {
    entries.precert = { issuerKeyHash: issuerKeyHash(spkiDer(input.issuer.der)), tbs: precertTbs(input.leaf.der) };
  } catch (e) {
    const why = `precertificate could not be rebuilt: ${e instanceof Error ? e.message : String(e)}`;
    issues.push(why);
    entries.noPrecert = `the ${why}`;
  }
  return entries;
}

/** The certificate's embedded SCT list, decoded; a broken list is an issue, not an exception. */
function embeddedScts(leaf: ParsedCertificate, issues: string[]): DecodedSct[] {
  let value: Buffer | undefined;
  try {
    value = extensionValue(leaf.der, SCT_LIST_OID);
  } catch (e) {
    issues.push(`certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  return value ? listFrom(value, 'certificate', issues) : [];
}

/** The TLS-encoded list inside an extension value's OCTET STRING. */
function listFrom(extnValue: Buffer, where: string, issues: string[]): DecodedSct[] {
  let bytes: Buffer;
  try {
    bytes = octetStringContents(extnValue, `${where} SCT list`);
  } catch (e) {
    issues.push(e instanceof Error ? e.message : String(e));
    return [];
  }
  const decoded = decodeSctList(bytes);
  if (decoded.issue) issues.push(`${where} SCT list: ${decoded.issue.reason}`);
  return decoded.scts;
}

export function analyseCt(input: CtInput): CtReport {
  const issues: string[] = [];
  const embedded = embeddedScts(input.leaf, issues);
  const entries = entriesFor(input, embedded.length, issues);
  const sources: Array<[SctSource, DecodedSct[]]> = [
    ['certificate', embedded],
    ['tls', input.tlsScts ?? []],
    ['ocsp', input.ocspSctList ? listFrom(input.ocspSctList, 'OCSP staple', issues) : []],
  ];
  const scts: SctResult[] = [];
  let skipped = 0;
  for (const [source, list] of sources) {
    skipped += Math.max(0, list.length - MAX_SCTS_PER_SOURCE);
    for (const sct of list.slice(0, MAX_SCTS_PER_SOURCE)) scts.push(judgeSct(sct, source, entries, input.list, input.at));
  }
  const lifetime = lifetimeDays(input.leaf.info.notBefore, input.leaf.info.notAfter);
  const { source, version, timestamp } = input.list;
  return {
    logList: { source, ...(version ? { version } : {}), ...(timestamp ? { timestamp } : {}), logs: input.list.logs.size },
    scts,
    ...(skipped ? { skipped } : {}),
    issues,
    lifetimeDays: Math.round(lifetime * 100) / 100,
    chrome: chromePolicy(scts, lifetime),
    apple: applePolicy(scts, lifetime, input.list),
  };
}
