// `read --filter`: a host term matches an address however it is spelt, an IPv4-mapped IPv6
// address included (tcpdump on a dual-stack socket shows ::ffff:a.b.c.d), and an SNI by name.

import { matchesFilter, parseFilter } from '../../src/cli/commands/read-filter.js';

const subject = { addresses: ['127.0.0.1', '::1'], ports: [443, 50000], sni: 'example.test' };

describe('read --filter host terms', () => {
  test.each([
    ['host 127.0.0.1', true],
    ['host ::ffff:127.0.0.1', true],
    ['host 0:0:0:0:0:ffff:127.0.0.1', true],
    ['host [::FFFF:127.0.0.1]', true],
    ['host ::ffff:127.0.0.2', false],
    ['host 0:0::1', true],
    ['host ffff::1', false],
    ['host EXAMPLE.test and port 443', true],
    ['host example.test and port 444', false],
  ])('%s → %s', (expr, expected) => {
    expect(matchesFilter(parseFilter(expr), subject)).toBe(expected);
  });

  test('an IPv4-mapped address in the capture matches an IPv4 term', () => {
    expect(matchesFilter(parseFilter('host 10.0.0.1'), { addresses: ['::ffff:10.0.0.1'], ports: [443] })).toBe(true);
  });
});
