// `tls-trace read --filter EXPR`: which connections of a capture to show. A small syntax of its
// own, close to tcpdump's primitives but matched after reassembly (so SNI can be matched too):
//   host ADDR|NAME   the client or server address (IPv4, IPv6), or the SNI the client sent
//   port N           the client or server port
// terms joined by `and`, e.g. `host 10.0.0.1 and port 443`. Names are never resolved (offline).

import { BlockList, isIP } from 'node:net';
import { UsageError } from '../../errors.js';

type Term = { kind: 'host'; value: string } | { kind: 'port'; value: number };

export interface ConnectionFilter {
  terms: Term[];
  /** The text as given, for messages. */
  text: string;
}

/** What a connection offers to a filter: its two endpoints and, for TLS ones, the SNI. */
export interface FilterSubject {
  addresses: string[];
  ports: number[];
  sni?: string;
}

/**
 * Addresses compared in one spelling: lower case, no brackets, no IPv6 zone, and an IPv4-mapped
 * IPv6 address (`::ffff:10.0.0.1`, RFC 4291 §2.5.5.2) as the IPv4 address it carries.
 */
function normalHost(text: string): string {
  const plain = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '').toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  return mapped && isIP(mapped[1]) === 4 ? mapped[1] : plain;
}

function bad(text: string, why: string): UsageError {
  return new UsageError(`--filter "${text}": ${why} (the syntax: host ADDR|NAME, port N, joined by "and"; e.g. --filter 'host 10.0.0.1 and port 443')`);
}

/** Parses EXPR; a bad expression is a usage error (exit 2) that says what was wrong. */
export function parseFilter(text: string): ConnectionFilter {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw bad(text, 'the expression is empty');
  const terms: Term[] = [];
  for (let i = 0; i < words.length; ) {
    if (terms.length > 0) {
      if (words[i].toLowerCase() !== 'and') throw bad(text, `expected "and" before "${words[i]}"`);
      i++;
    }
    const [keyword, value] = [words[i]?.toLowerCase(), words[i + 1]];
    if (keyword === undefined) throw bad(text, 'nothing after the last "and"');
    if (keyword !== 'host' && keyword !== 'port') throw bad(text, `unknown term "${words[i]}"`);
    if (value === undefined || value.toLowerCase() === 'and') throw bad(text, `"${keyword}" needs a value`);
    if (keyword === 'port') {
      if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw bad(text, `"${value}" is not a port (1-65535)`);
      terms.push({ kind: 'port', value: Number(value) });
    } else terms.push({ kind: 'host', value: normalHost(value) });
    i += 2;
  }
  return { terms, text };
}

/** Whether the filter's host terms could match an SNI (a name, not an address): then the SNI is worth decoding. */
export function needsSni(filter: ConnectionFilter): boolean {
  return filter.terms.some((t) => t.kind === 'host' && isIP(t.value) === 0);
}

/** An address term matches however the address is spelt (`::1`, `0:0::1`): compared as numbers. */
function sameAddress(term: string, address: string): boolean {
  const family = isIP(term);
  if (family === 0 || isIP(address) !== family) return false;
  const list = new BlockList();
  list.addAddress(term, family === 6 ? 'ipv6' : 'ipv4');
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function hostMatches(term: string, subject: FilterSubject): boolean {
  if (subject.addresses.some((a) => sameAddress(term, normalHost(a)))) return true;
  const sni = subject.sni?.toLowerCase().replace(/\.$/, '');
  return sni !== undefined && isIP(term) === 0 && sni === term.replace(/\.$/, '');
}

/** True when every term matches. `sni` undefined: only addresses can match a host term. */
export function matchesFilter(filter: ConnectionFilter, subject: FilterSubject): boolean {
  return filter.terms.every((t) => (t.kind === 'port' ? subject.ports.includes(t.value) : hostMatches(t.value, subject)));
}
