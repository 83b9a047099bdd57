// nameMatches per form, for the edge cases the live suite (test/check/name-constraints.test.ts,
// judged by openssl verify) does not serve: rfc822Name and URI forms, empty constraints, IP masks
// and names whose syntax the form does not allow. Expected values follow RFC 5280 §4.2.1.10 as
// OpenSSL's v3_ncons.c applies it (nc_dns, nc_email, nc_uri, nc_ip).

import type { GeneralName } from '../../src/analyse/chain/general-names.js';
import { nameMatches, type MatchResult } from '../../src/analyse/chain/name-match.js';

const str = (tag: number, form: GeneralName['form'], value: string): GeneralName => ({ tag, form, text: value, value });
const dns = (v: string): GeneralName => str(2, 'dns', v);
const email = (v: string): GeneralName => str(1, 'email', v);
const uri = (v: string): GeneralName => str(6, 'uri', v);
const ip = (...bytes: number[]): GeneralName => ({ tag: 7, form: 'ip', text: 'ip', value: '', bytes: Buffer.from(bytes) });

const outcome = (r: MatchResult): string => (typeof r === 'string' ? r : 'syntax');

test.each<[string, GeneralName, GeneralName, string]>([
  ['empty DNS constraint covers all', dns('anything.test'), dns(''), 'match'],
  ['DNS subdomain', dns('a.b.example.com'), dns('example.com'), 'match'],
  ['DNS no label boundary', dns('notexample.com'), dns('example.com'), 'no'],
  ['DNS shorter than constraint', dns('com'), dns('example.com'), 'no'],
  ['DNS leading dot: subdomain', dns('a.example.com'), dns('.example.com'), 'match'],
  ['DNS leading dot: not the apex', dns('example.com'), dns('.example.com'), 'no'],
  ['DNS case-insensitive', dns('A.EXAMPLE.com'), dns('example.COM'), 'match'],
  ['email host constraint', email('me@example.com'), email('example.com'), 'match'],
  ['email host constraint: not a subdomain host', email('me@mail.example.com'), email('example.com'), 'no'],
  ['email domain constraint', email('me@mail.example.com'), email('.example.com'), 'match'],
  ['email domain constraint: not the host itself', email('me@example.com'), email('.example.com'), 'no'],
  ['email mailbox', email('me@EXAMPLE.com'), email('me@example.com'), 'match'],
  ['email mailbox: local part is case-sensitive', email('Me@example.com'), email('me@example.com'), 'no'],
  ['email without @ cannot be judged', email('example.com'), email('example.com'), 'syntax'],
  ['URI host', uri('https://www.example.com:8443/x'), uri('www.example.com'), 'match'],
  ['URI host: other host', uri('https://example.com/'), uri('www.example.com'), 'no'],
  ['URI domain', uri('https://www.example.com/'), uri('.example.com'), 'match'],
  ['URI without // cannot be judged', uri('urn:example:x'), uri('example'), 'syntax'],
  ['IPv4 in range', ip(10, 1, 2, 3), ip(10, 0, 0, 0, 255, 0, 0, 0), 'match'],
  ['IPv4 out of range', ip(11, 1, 2, 3), ip(10, 0, 0, 0, 255, 0, 0, 0), 'no'],
  ['IPv4 name vs IPv6 constraint', ip(10, 1, 2, 3), ip(...new Array<number>(32).fill(0)), 'no'],
  ['IP name of 5 bytes cannot be judged', ip(1, 2, 3, 4, 5), ip(10, 0, 0, 0, 255, 0, 0, 0), 'syntax'],
])('%s', (_what, name, base, expected) => {
  expect(outcome(nameMatches(name, base))).toBe(expected);
});
