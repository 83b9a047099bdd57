// The pure parts of proxies and address overrides: proxy URLs, the NO_PROXY rules as curl applies
// them, --resolve / --connect-to parsing and matching, the CONNECT request and answer parser, and
// the check targets-file syntax with its per-target settings and line-numbered errors.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectRequest, readConnectAnswer } from '../../src/capture/proxy.js';
import { parseTargetsText } from '../../src/cli/check-targets.js';
import { bypassesProxy, parseProxyUrl, proxyFromEnv } from '../../src/cli/proxy-env.js';
import { parseConnectToRule, parseResolveRule, parseRouteRules, routeFor } from '../../src/cli/route-options.js';
import { UsageError } from '../../src/errors.js';
import { demoPaths } from '../helpers/servers.js';

describe('proxy URLs', () => {
  it('reads host, port and percent-decoded Basic credentials', () => {
    expect(parseProxyUrl('http://us%20er:p%40ss%3Aw%25rd@proxy.test:3128', '--proxy')).toEqual({ host: 'proxy.test', port: 3128, auth: { user: 'us er', pass: 'p@ss:w%rd' } });
    expect(parseProxyUrl('http://[::1]:8080/', '--proxy')).toEqual({ host: '::1', port: 8080 });
    // No scheme means http://, no port means curl's 1080.
    expect(parseProxyUrl('10.0.0.1', '--proxy')).toEqual({ host: '10.0.0.1', port: 1080 });
  });
  it.each(['https://proxy.test:443', 'socks5://127.0.0.1:1080', 'socks5h://x:1'])('refuses %s: only http:// proxies', (url) => {
    expect(() => parseProxyUrl(url, '--proxy')).toThrow(/only http:\/\//);
    expect(() => parseProxyUrl(url, '--proxy')).toThrow(UsageError);
  });
  it.each(['http://proxy.test:3128/path', 'http://proxy.test:99999', 'http://u:%zz@proxy.test:1'])('refuses %s', (url) => {
    expect(() => parseProxyUrl(url, '--proxy')).toThrow(UsageError);
  });
  it.each(['ht!tp://proxy.test:3128', '://proxy.test', '1http://proxy.test'])('refuses %s: no URL scheme before ://, said as that (not as a path)', (url) => {
    expect(() => parseProxyUrl(url, 'HTTPS_PROXY')).toThrow(`HTTPS_PROXY: "${url}" does not start with a URL scheme`);
  });
  it('takes --proxy over https_proxy over HTTPS_PROXY; --proxy "" means none; the variable is named in errors', () => {
    expect(proxyFromEnv(undefined, { https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:2' })).toEqual({ host: 'a', port: 1 });
    expect(proxyFromEnv(undefined, { HTTPS_PROXY: 'http://b:2' })).toEqual({ host: 'b', port: 2 });
    expect(proxyFromEnv('', { HTTPS_PROXY: 'http://b:2' })).toBeUndefined();
    expect(proxyFromEnv('http://c:3', { HTTPS_PROXY: 'http://b:2' })).toEqual({ host: 'c', port: 3 });
    expect(() => proxyFromEnv(undefined, { HTTPS_PROXY: 'socks5://b:2' })).toThrow(/^HTTPS_PROXY: socks5:\/\//);
  });
});

describe('NO_PROXY as curl applies it', () => {
  // [list, host, port, bypass?]
  const rows: Array<[string, string, number, boolean]> = [
    ['example.com', 'example.com', 443, true],
    ['example.com', 'www.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, true],
    ['.example.com', 'a.b.example.com', 443, true],
    ['EXAMPLE.com', 'www.example.COM', 443, true],
    ['example.com.', 'example.com', 443, true],
    ['*', 'anything.test', 1, true],
    ['foo.test, example.com ,bar.test', 'example.com', 443, true],
    ['foo.test bar.test', 'bar.test', 443, true],
    ['example.com:8443', 'example.com', 8443, true],
    ['example.com:8443', 'example.com', 443, false],
    ['127.0.0.1', '127.0.0.1', 443, true],
    ['127.0.0.1', '127.0.0.2', 443, false],
    ['10.0.0.0/8', '10.20.30.40', 443, true],
    ['10.0.0.0/8', '11.0.0.1', 443, false],
    ['::1', '::1', 443, true],
    ['[::1]', '::1', 443, true],
    ['[::1]:8443', '::1', 443, false],
    ['2001:db8::/32', '2001:db8:1::5', 443, true],
    // An IP entry never matches a name, and a name entry never matches an IP.
    ['127.0.0.1', 'localhost', 443, false],
    ['0.1', '10.0.0.1', 443, false],
    ['', 'example.com', 443, false],
  ];
  it.each(rows)('NO_PROXY=%j: %s:%d bypasses the proxy: %s', (list, host, port, bypass) => {
    expect(bypassesProxy(list, host, port)).toBe(bypass);
  });
  it('--noproxy beats no_proxy, which beats NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://p:1', no_proxy: 'a.test', NO_PROXY: 'b.test' };
    expect(routeFor(parseRouteRules({}, env), 'a.test', 443).proxy).toBeUndefined();
    expect(routeFor(parseRouteRules({}, env), 'b.test', 443).proxy).toEqual({ host: 'p', port: 1 });
    expect(routeFor(parseRouteRules({ noproxy: '' }, env), 'a.test', 443).proxy).toEqual({ host: 'p', port: 1 });
  });
});

describe('--resolve and --connect-to', () => {
  it('parses curl forms: several addresses, IPv6 in brackets, * for any host', () => {
    expect(parseResolveRule('example.com:443:127.0.0.1')).toEqual({ host: 'example.com', port: 443, addresses: ['127.0.0.1'] });
    expect(parseResolveRule('Example.COM:443:[::1],127.0.0.2')).toEqual({ host: 'example.com', port: 443, addresses: ['::1', '127.0.0.2'] });
    expect(parseResolveRule('*:8443:10.0.0.1').host).toBe('*');
    expect(parseResolveRule('[::1]:443:127.0.0.1').host).toBe('::1');
  });
  it.each(['example.com:443', 'example.com:443:nope', 'example.com:x:1.2.3.4', '+example.com:443:1.2.3.4', 'bad host:443:1.2.3.4'])('refuses --resolve %s', (text) => {
    expect(() => parseResolveRule(text)).toThrow(UsageError);
  });
  it('parses --connect-to with empty fields meaning any / same', () => {
    expect(parseConnectToRule('example.com:443:backend.test:8443')).toEqual({ host: 'example.com', port: 443, toHost: 'backend.test', toPort: 8443 });
    expect(parseConnectToRule('::127.0.0.1:')).toEqual({ toHost: '127.0.0.1' });
    expect(parseConnectToRule('example.com:::8443')).toEqual({ host: 'example.com', toPort: 8443 });
    expect(parseConnectToRule('[::1]:443:[::2]:444')).toEqual({ host: '::1', port: 443, toHost: '::2', toPort: 444 });
    expect(() => parseConnectToRule('example.com')).toThrow(UsageError);
  });
  it('matches the first --connect-to, then --resolve on where the connection goes', () => {
    const rules = parseRouteRules({ connectTo: ['other.test:443:x.test:1', 'example.com::backend.test:'], resolve: ['backend.test:443:10.1.1.1', 'example.com:443:10.9.9.9'], ipv6: true }, {});
    expect(routeFor(rules, 'example.com', 443)).toEqual({ connectTo: { host: 'backend.test', port: 443 }, pinnedAddresses: ['10.1.1.1'], family: 6 });
    // No --connect-to for this one: --resolve pins the target's own name.
    const plain = parseRouteRules({ resolve: ['example.com:443:10.9.9.9'] }, {});
    expect(routeFor(plain, 'example.com', 443)).toEqual({ pinnedAddresses: ['10.9.9.9'] });
    expect(routeFor(plain, 'example.com', 8443)).toEqual({});
  });
  it('with a proxy, --resolve applies to the proxy name, never to the target (the proxy resolves that)', () => {
    const rules = parseRouteRules({ proxy: 'http://proxy.test:3128', resolve: ['proxy.test:3128:127.0.0.1', 'example.com:443:10.9.9.9'] }, {});
    expect(routeFor(rules, 'example.com', 443)).toEqual({ proxy: { host: 'proxy.test', port: 3128 }, pinnedAddresses: ['127.0.0.1'] });
  });
});

describe('CONNECT request and answer', () => {
  it('sends CONNECT host:port with Basic credentials in RFC 7617 form', () => {
    const text = connectRequest('::1', 443, { host: 'p', port: 1, auth: { user: 'us er', pass: 'p@ss:w%rd' } }).toString('latin1');
    expect(text.startsWith('CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n')).toBe(true);
    const token = /Proxy-Authorization: Basic ([A-Za-z0-9+/=]+)\r\n/.exec(text)?.[1] ?? '';
    expect(Buffer.from(token, 'base64').toString('utf8')).toBe('us er:p@ss:w%rd');
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });
  it('reads a head split anywhere, and says how it ended', () => {
    const head = 'HTTP/1.1 200 Connection established\r\nProxy-agent: x\r\n\r\n';
    for (let i = 0; i < head.length; i++) expect(readConnectAnswer(Buffer.from(head.slice(0, i)))).toEqual({ kind: 'incomplete' });
    expect(readConnectAnswer(Buffer.from(`${head}\x16\x03\x03`))).toEqual({ kind: 'answer', status: 200, reason: 'Connection established', headLength: head.length });
    expect(readConnectAnswer(Buffer.from('HTTP/1.0 407 Proxy Authentication Required\n\n'))).toMatchObject({ kind: 'answer', status: 407 });
    expect(readConnectAnswer(Buffer.from('SSH-2.0-OpenSSH\r\n'))).toMatchObject({ kind: 'not-http' });
    expect(readConnectAnswer(Buffer.from('HTTP/1.1 2x0 what\r\n\r\n'))).toMatchObject({ kind: 'not-http' });
    expect(readConnectAnswer(Buffer.from(`HTTP/1.1 200 ${'a'.repeat(5000)}`))).toEqual({ kind: 'too-big' });
    expect(readConnectAnswer(Buffer.from(`HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(3000)}`))).toEqual({ kind: 'too-big' });
  });
});

describe('check targets file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-targets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the one-target-per-line form and reads KEY=VALUE settings', () => {
    const text = [
      '# fleet',
      'plain.test',
      'www.example.com   address=10.0.0.7,[2001:db8::7] sni=Www.Example.com warn-days=14   # comment',
      'intranet.test:8443 proxy=none',
      `via.test proxy=http://u:p%40ss@proxy.test:3128 resolve=10.0.0.8 servername=x.test`,
      `mtls.test cert=${demoPaths.rsaLeaf} key=${demoPaths.rsaKey}`,
      'tls.test starttls=none',
    ].join('\n');
    const t = parseTargetsText(text, 'fleet.txt', dir);
    expect(t.map((x) => x.display)).toEqual(['plain.test:443', 'www.example.com:443', 'intranet.test:8443', 'via.test:443', 'mtls.test:443', 'tls.test:443']);
    expect(t[0].settings).toBeUndefined();
    expect(t[1].settings).toEqual({ servername: 'www.example.com', addresses: ['10.0.0.7', '2001:db8::7'], warnDays: 14 });
    expect(t[2].settings).toEqual({ proxy: null });
    expect(t[3].settings).toEqual({ proxy: { host: 'proxy.test', port: 3128, auth: { user: 'u', pass: 'p@ss' } }, addresses: ['10.0.0.8'], servername: 'x.test' });
    expect(t[4].settings?.clientCert?.cert).toContain('BEGIN CERTIFICATE');
    expect([t[5].settings, t[5].starttls]).toEqual([undefined, 'none']);
    expect(parseTargetsText('mail.test:25 starttls=SMTP warn-days=3', 'x')[0]).toMatchObject({ starttls: 'smtp', settings: { warnDays: 3 } });
  });
  it('resolves cert= and key= relative to the targets file', () => {
    writeFileSync(path.join(dir, 'c.pem'), readFileSync(demoPaths.rsaLeaf));
    writeFileSync(path.join(dir, 'k.pem'), readFileSync(demoPaths.rsaKey));
    expect(parseTargetsText('a.test cert=c.pem key=k.pem', 'x', dir)[0].settings?.clientCert?.key).toContain('PRIVATE KEY');
  });
  it.each([
    ['a.test\nb.test wran-days=3', /^targets\.txt:2: unknown key 'wran-days'/],
    ['a.test warn-days=3 warn-days=4', /^targets\.txt:1: warn-days is given twice/],
    ['a.test warn-days=-1', /^targets\.txt:1: bad warn-days "-1"/],
    ['\n\na.test address=not-an-ip', /^targets\.txt:3: address=not-an-ip: "not-an-ip" is not an IP address/],
    ['a.test starttls=gopher', /^targets\.txt:1: starttls=gopher: unknown protocol/],
    ['a.test proxy=socks5://x:1', /^targets\.txt:1: proxy=socks5:\/\/x:1: socks5:\/\/ proxies are not supported/],
    ['a.test sni=1.2.3.4', /^targets\.txt:1: sni=1\.2\.3\.4 is an IP address/],
    ['a.test sni=', /^targets\.txt:1: sni= has no value/],
    ['a.test cert=x.pem', /^targets\.txt:1: cert= and key= go together/],
    ['a.test justaword', /^targets\.txt:1: "justaword" is not KEY=VALUE/],
    ['bad host name', /^targets\.txt:1: /],
  ])('refuses %j', (text, message) => {
    expect(() => parseTargetsText(text, 'targets.txt', dir)).toThrow(message);
    expect(() => parseTargetsText(text, 'targets.txt', dir)).toThrow(UsageError);
  });
});
