// Server identity per RFC 6125 §6 (as browsers and the CA/B Forum apply it): DNS-ID SANs win;
// the subject CN is consulted only when the certificate has no DNS SAN at all; a wildcard is only
// `*` as the whole left-most label and covers exactly one label; IP targets match IP SANs only.

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { CertificateInfo } from '../certificates/types.js';

export interface HostnameResult {
  ok: boolean;
  /** `dns` for names, `ip` for address literals. */
  kind: 'dns' | 'ip';
  /** The reference identity checked, normalised (A-label, lower case, no trailing dot). */
  reference: string;
  /** The certificate identity that matched. */
  matched?: string;
  /** Where the match came from. */
  via?: 'san-dns' | 'san-ip' | 'cn';
  reason: string;
}

/** Canonical text of an IP address so `::1` and `0:0::1` compare equal. */
export function canonicalIp(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return bare.split('.').map((p) => String(Number(p))).join('.');
  if (family !== 6) return undefined;
  // Expand, then let URL produce the RFC 5952 form.
  try {
    return new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** Lower-case A-label form of a DNS name, without a trailing dot; '' if not a valid IDN. */
export function normaliseDnsName(name: string): string {
  const trimmed = name.replace(/\.$/, '');
  // domainToASCII lower-cases and punycodes U-labels; it returns '' for invalid input, and it
  // rejects `*`, so wildcards are normalised label by label.
  if (trimmed.startsWith('*.')) {
    const rest = domainToASCII(trimmed.slice(2));
    return rest ? `*.${rest}` : '';
  }
  return domainToASCII(trimmed);
}

function wildcardMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1); // ".example.com"
  // A wildcard must sit over at least two more labels (no `*.com`).
  if (suffix.split('.').filter(Boolean).length < 2) return false;
  if (!host.endsWith(suffix)) return false;
  const left = host.slice(0, host.length - suffix.length);
  return left.length > 0 && !left.includes('.');
}

function dnsMatches(pattern: string, host: string): boolean {
  const p = normaliseDnsName(pattern);
  if (!p) return false;
  if (p.includes('*')) return wildcardMatches(p, host);
  return p === host;
}

export function matchHostname(reference: string, cert: CertificateInfo): HostnameResult {
  const ip = canonicalIp(reference);
  if (ip !== undefined) {
    const hit = cert.san.ip.find((s) => canonicalIp(s) === ip);
    if (hit) return { ok: true, kind: 'ip', reference: ip, matched: hit, via: 'san-ip', reason: `IP ${ip} is in the certificate's IP SANs` };
    const listed = cert.san.ip.length ? `IP SANs: ${cert.san.ip.join(', ')}` : 'the certificate has no IP SANs';
    return { ok: false, kind: 'ip', reference: ip, reason: `IP ${ip} does not match (${listed}; DNS names and CN never match an IP)` };
  }
  const host = normaliseDnsName(reference);
  if (!host) return { ok: false, kind: 'dns', reference, reason: `"${reference}" is not a valid host name` };
  if (cert.san.dns.length > 0) {
    const hit = cert.san.dns.find((s) => dnsMatches(s, host));
    if (hit) return { ok: true, kind: 'dns', reference: host, matched: hit, via: 'san-dns', reason: `${host} matches SAN ${hit}` };
    return { ok: false, kind: 'dns', reference: host, reason: `${host} does not match the SANs (${cert.san.dns.join(', ')})` };
  }
  const cnHit = cert.subjectCN.find((cn) => dnsMatches(cn, host));
  if (cnHit) return { ok: true, kind: 'dns', reference: host, matched: cnHit, via: 'cn', reason: `${host} matches the subject CN ${cnHit} (no DNS SANs)` };
  const cns = cert.subjectCN.length ? `CN ${cert.subjectCN.join(', ')}` : 'no CN';
  return { ok: false, kind: 'dns', reference: host, reason: `${host} does not match: no DNS SANs and ${cns}` };
}
