// Target parsing: every accepted form, and every refused one as a UsageError with a reason.

import { ExitCode, UsageError } from '../../src/errors.js';
import { parseTarget, toAsciiHost } from '../../src/cli/target.js';

describe('parseTarget: accepted forms', () => {
  it.each([
    ['example.com', 'example.com', 443, 0, 'example.com:443'],
    ['example.com:8443', 'example.com', 8443, 0, 'example.com:8443'],
    ['EXAMPLE.com', 'example.com', 443, 0, 'example.com:443'],
    ['localhost:1', 'localhost', 1, 0, 'localhost:1'],
    ['my_host.internal:65535', 'my_host.internal', 65535, 0, 'my_host.internal:65535'],
    ['example.com.', 'example.com.', 443, 0, 'example.com.:443'],
    ['127.0.0.1', '127.0.0.1', 443, 4, '127.0.0.1:443'],
    ['127.0.0.1:8443', '127.0.0.1', 8443, 4, '127.0.0.1:8443'],
    ['::1', '::1', 443, 6, '[::1]:443'],
    ['[::1]', '::1', 443, 6, '[::1]:443'],
    ['[::1]:8443', '::1', 8443, 6, '[::1]:8443'],
    ['2001:db8::1', '2001:db8::1', 443, 6, '[2001:db8::1]:443'],
    ['[2001:db8::1]:443', '2001:db8::1', 443, 6, '[2001:db8::1]:443'],
    ['  example.com  ', 'example.com', 443, 0, 'example.com:443'],
  ])('%s → %s port %d', (input, host, port, family, display) => {
    expect(parseTarget(input)).toMatchObject({ host, port, ipFamily: family, display });
  });

  it('converts internationalised names to punycode and shows both forms', () => {
    const t = parseTarget('bücher.example:8443');
    expect(t.host).toBe('xn--bcher-kva.example');
    expect(t.unicodeHost).toBe('bücher.example');
    expect(t.display).toBe('bücher.example (xn--bcher-kva.example):8443');
    // Typed already in punycode: same result, shown both ways too.
    expect(parseTarget('xn--bcher-kva.example').display).toBe('bücher.example (xn--bcher-kva.example):443');
    expect(parseTarget('例え.テスト').host).toBe('xn--r8jz45g.xn--zckzah');
  });

  it('uses the given default port', () => {
    expect(parseTarget('example.com', 853).port).toBe(853);
  });
});

describe('parseTarget: refused forms', () => {
  it.each([
    ['', /empty target/],
    ['   ', /empty target/],
    ['example.com:', /missing port after ":"/],
    [':443', /missing host/],
    ['example.com:0', /bad port "0".*1 to 65535/],
    ['example.com:65536', /bad port "65536"/],
    ['example.com:99999999', /bad port/],
    ['example.com:-1', /bad port "-1"/],
    ['example.com:44a', /bad port "44a"/],
    ['example.com:+443', /bad port/],
    ['example.com: 443', /bad port|not a host name/],
    ['host:443:extra', /too many ":" for HOST:PORT/],
    ['a:b:c', /too many ":"/],
    ['[::1', /unbalanced brackets/],
    ['[::1]x', /unbalanced brackets/],
    ['[::1]:', /missing port/],
    ['[::1]:0', /bad port/],
    ['[example.com]:443', /not an IPv6 address/],
    ['[127.0.0.1]:443', /not an IPv6 address/],
    ['https://example.com/', /is a URL, not a target/],
    ['example.com/path', /not a host name or address/],
    ['user@example.com', /not a host name or address/],
    ['exa mple.com', /not a host name or address/],
    ['-example.com', /not a valid host name/],
    ['example-.com', /not a valid host name/],
    ['a..b', /not a valid host name/],
    ['999.1.1.1', /not a valid host name/],
    ['1.2.3', /not a valid host name/],
    [`${'a'.repeat(64)}.com`, /not a valid host name/],
    [`${'a.'.repeat(127)}com`, /not a valid host name/],
    ['exa$mple.com', /not a valid host name/],
  ])('%j', (input, why) => {
    let err: unknown;
    try {
      parseTarget(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as UsageError).message).toMatch(why);
  });

  it('hints at brackets for host:port:extra and at HOST:PORT for URLs', () => {
    expect(() => parseTarget('::1:443:x')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/\[::1\]:8443/) }));
    expect(() => parseTarget('https://example.com:8443/x')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/example\.com:8443/) }));
    expect(() => parseTarget('https://example.com/x')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/example\.com:443/) }));
  });
});

describe('toAsciiHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['a_b.test', 'a_b.test'],
    ['bad..name', undefined],
    ['10.0.0.300', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(toAsciiHost(input)).toBe(expected);
  });
});
