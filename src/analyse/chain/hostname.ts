// Server identity per RFC 6125 §6, as real clients apply it. Only the user's reference host is
// converted (UTS #46 to A-labels, one trailing dot dropped); the certificate's names are compared
// as they are: ASCII case-insensitive, so A-labels compare as bytes, and a name holding anything
// but ASCII never matches. Mapping a presented name through UTS #46 would let `loc\xAAlhost` or a
// fullwidth CN pass for `localhost`, which no TLS client accepts. IP targets match iPAddress SANs
// by their bytes and nothing else.

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { formatIp } from '../certificates/parse.js';
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
  /** Certificate names that can never match any host, each with why. */
  unusable: string[];
  reason: string;
}

/** The 4 or 16 bytes of an IP literal (`[…]` and an IPv6 zone allowed), or undefined. */
export function ipBytes(text: string): Buffer | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return Buffer.from(bare.split('.').map(Number));
  if (family !== 6) return undefined;
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare);
  const hex = v4 ? `${bare.slice(0, v4.index)}${((+v4[1] << 8) | +v4[2]).toString(16)}:${((+v4[3] << 8) | +v4[4]).toString(16)}` : bare;
  const [head, tail] = hex.split('::'); // isIP allows at most one `::`
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Canonical text of an IP address (RFC 5952 for IPv6) so `::1` and `0:0::1` compare equal. */
export function canonicalIp(ip: string): string | undefined {
  const bytes = ipBytes(ip);
  return bytes ? formatIp(bytes) : undefined;
}

// Lower-case LDH labels (underscore too: it occurs in real names), no empty label.
const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

type Reference = { kind: 'ip'; bytes: Buffer; text: string } | { kind: 'dns'; name: string } | { kind: 'invalid' };

/** The user's host as clients use it: an IP literal, or lower-case A-labels without a trailing dot. */
function referenceOf(input: string): Reference {
  const literal = ipBytes(input);
  if (literal) return { kind: 'ip', bytes: literal, text: formatIp(literal) };
  // domainToASCII is the URL host parser: it stops at `/`, `?`, `#` and lets `*` through, so
  // those are refused first. It lower-cases, maps and punycodes; '' means not a valid domain.
  if (/[/?#\\@*]/.test(input)) return { kind: 'invalid' };
  const name = domainToASCII(input.replace(/\.$/, ''));
  if (!HOST_NAME.test(name)) return { kind: 'invalid' };
  // The WHATWG host parser reads `010.0.0.1` as the IPv4 address 8.0.0.1, and so do resolvers.
  const parsed = ipBytes(name);
  if (parsed) return { kind: 'ip', bytes: parsed, text: formatIp(parsed) };
  return { kind: 'dns', name };
}

/** What makes a presented DNS name unable to match any host, or undefined if it is usable. */
export function unusableDnsName(name: string): string | undefined {
  if (/[\u0080-\uffff]/.test(name)) return 'not ASCII';
  if (name.includes('\0')) return 'a NUL byte'; // OpenSSL never matches one either
  if (name.endsWith('.')) return 'a trailing dot';
  if (name.includes('*')) {
    if (!/^\*\.[^*]+$/.test(name)) return 'a wildcard that is not the whole left-most label';
    if (name.split('.').length < 3) return 'a wildcard over a single label';
  }
  return undefined;
}

// RFC 3696 letters, digits and hyphen: what OpenSSL lets a wildcard stand for.
const LDH_LABEL = /^[a-z0-9-]+$/;

/** Presented DNS-ID against a reference (lower-case A-labels): ASCII case-insensitive. */
function dnsIdMatches(presented: string, host: string): boolean {
  if (unusableDnsName(presented) !== undefined) return false;
  const pattern = presented.toLowerCase(); // ASCII only here, so this folds A-Z alone
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1); // ".example.com"
  if (!host.endsWith(suffix)) return false;
  return LDH_LABEL.test(host.slice(0, host.length - suffix.length));
}

function matchIp(ref: { bytes: Buffer; text: string }, cert: CertificateInfo): HostnameResult {
  const hit = cert.san.ip.find((s) => ipBytes(s)?.equals(ref.bytes) === true);
  if (hit) return { ok: true, kind: 'ip', reference: ref.text, matched: hit, via: 'san-ip', unusable: [], reason: `IP ${ref.text} is in the certificate's IP SANs` };
  const listed = cert.san.ip.length ? `IP SANs: ${cert.san.ip.join(', ')}` : 'the certificate has no IP SANs';
  return { ok: false, kind: 'ip', reference: ref.text, unusable: [], reason: `IP ${ref.text} does not match (${listed}; DNS names and CN never match an IP)` };
}

/** `name (why)` for each name that can never match. */
function unusableOf(names: string[]): string[] {
  return names.flatMap((n) => {
    const why = unusableDnsName(n);
    return why ? [`${n} (${why})`] : [];
  });
}

function matchDns(host: string, cert: CertificateInfo): HostnameResult {
  const base = { kind: 'dns' as const, reference: host };
  const dns = cert.san.dns;
  const unusable = unusableOf(dns);
  const never = unusable.length ? `; never matching: ${unusable.join('; ')}` : '';
  if (dns.length > 0) {
    const hit = dns.find((s) => dnsIdMatches(s, host));
    if (hit) return { ...base, ok: true, matched: hit, via: 'san-dns', unusable, reason: `${host} matches SAN ${hit}` };
    return { ...base, ok: false, unusable, reason: `${host} does not match the SANs (${dns.join(', ')})${never}` };
  }
  // RFC 6125 §6.4.4, as mozilla::pkix applies it: any DNS or IP SAN means the CN is not an identity.
  if (cert.san.ip.length > 0) return { ...base, ok: false, unusable, reason: `${host} does not match: no DNS SANs, and the CN is not used when there are IP SANs (${cert.san.ip.join(', ')})` };
  const cnHit = cert.subjectCN.find((cn) => dnsIdMatches(cn, host));
  if (cnHit) return { ...base, ok: true, matched: cnHit, via: 'cn', unusable, reason: `${host} matches the subject CN ${cnHit} (no DNS SANs)` };
  const cnUnusable = unusableOf(cert.subjectCN);
  const cns = cert.subjectCN.length ? `CN ${cert.subjectCN.join(', ')}` : 'no CN';
  const cnNever = cnUnusable.length ? `; never matching: CN ${cnUnusable.join('; ')}` : '';
  return { ...base, ok: false, unusable: cnUnusable, reason: `${host} does not match: no DNS SANs and ${cns}${cnNever}` };
}

export function matchHostname(reference: string, cert: CertificateInfo): HostnameResult {
  const ref = referenceOf(reference);
  if (ref.kind === 'ip') return matchIp(ref, cert);
  if (ref.kind === 'invalid') return { ok: false, kind: 'dns', reference, unusable: [], reason: `"${reference}" is not a valid host name` };
  return matchDns(ref.name, cert);
}
