// Whether one name lies within one constraint subtree (RFC 5280 §4.2.1.10), per form. The rules
// are OpenSSL's (crypto/x509/v3_ncons.c), so `openssl verify` is an independent judge of ours:
// DNS `example.com` covers the name and every name under it, `.example.com` only names under it;
// rfc822 `host`, `.domain` or a whole mailbox; URI by its host; IP by address and mask; a
// directoryName by its leading RDNs. Strings compare ASCII case-insensitively (an email's local
// part exactly).

import type { GeneralName } from './general-names.js';

/** `match`, `no`, or why the name cannot be judged (a syntax the form does not allow). */
export type MatchResult = 'match' | 'no' | { syntax: string };

const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** `name` ends with `suffix`, ASCII case-insensitively. */
function endsWithFolded(name: string, suffix: string): boolean {
  return name.length >= suffix.length && fold(name.slice(name.length - suffix.length)) === fold(suffix);
}

function dnsMatch(name: string, base: string): MatchResult {
  if (base === '') return 'match'; // an empty constraint covers every name
  if (!endsWithFolded(name, base)) return 'no';
  if (name.length === base.length) return 'match';
  // More labels on the left: the boundary must be a dot (`badexample.com` is not under `example.com`).
  return base.startsWith('.') || name[name.length - base.length - 1] === '.' ? 'match' : 'no';
}

function emailMatch(name: string, base: string): MatchResult {
  const at = name.indexOf('@');
  if (at < 0) return { syntax: 'no "@"' };
  const baseAt = base.indexOf('@');
  if (baseAt < 0 && base.startsWith('.')) {
    // `.example.com`: any mailbox on a host under the domain.
    return name.length > base.length && endsWithFolded(name, base) ? 'match' : 'no';
  }
  if (baseAt > 0 && base.slice(0, baseAt) !== name.slice(0, at)) return 'no'; // local part: exact
  return fold(base.slice(baseAt + 1)) === fold(name.slice(at + 1)) ? 'match' : 'no';
}

/** The host of `scheme://host[:port][/…]`. */
function uriHost(uri: string): string | { syntax: string } {
  const colon = uri.indexOf(':');
  if (colon < 0 || uri.slice(colon + 1, colon + 3) !== '//') return { syntax: 'not of the form scheme://host' };
  const rest = uri.slice(colon + 3);
  const end = rest.search(rest.includes(':') ? /:/ : /\//);
  const host = end < 0 ? rest : rest.slice(0, end);
  return host === '' ? { syntax: 'an empty host' } : host;
}

function uriMatch(name: string, base: string): MatchResult {
  const host = uriHost(name);
  if (typeof host !== 'string') return host;
  if (base.startsWith('.')) return host.length > base.length && endsWithFolded(host, base) ? 'match' : 'no';
  return fold(host) === fold(base) ? 'match' : 'no';
}

function ipMatch(name: Buffer, base: Buffer): MatchResult {
  if (name.length !== 4 && name.length !== 16) return { syntax: `an address of ${name.length} bytes` };
  if (base.length !== 8 && base.length !== 32) return { syntax: `a constraint of ${base.length} bytes (address and mask: 8 or 32)` };
  if (name.length * 2 !== base.length) return 'no'; // IPv4 never falls in an IPv6 range, nor the reverse
  for (let i = 0; i < name.length; i++) {
    const mask = base[name.length + i];
    if ((name[i] & mask) !== (base[i] & mask)) return 'no';
  }
  return 'match';
}

function dnMatch(name: string[], base: string[]): MatchResult {
  if (base.length > name.length) return 'no';
  return base.every((rdn, i) => rdn === name[i]) ? 'match' : 'no';
}

/** Names and subtrees of the same supported form only (the caller pairs them). */
export function nameMatches(name: GeneralName, base: GeneralName): MatchResult {
  switch (name.form) {
    case 'dns': return dnsMatch(name.value, base.value);
    case 'email': return emailMatch(name.value, base.value);
    case 'uri': return uriMatch(name.value, base.value);
    case 'ip': return ipMatch(name.bytes ?? Buffer.alloc(0), base.bytes ?? Buffer.alloc(0));
    case 'dn': return dnMatch(name.rdns ?? [], base.rdns ?? []);
    default: return 'no';
  }
}
