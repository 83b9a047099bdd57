// Proxies that fail, scripted (tinyproxy cannot be made to): 502, a proxy that is down, one that
// closes, one that drips its answer, garbage instead of HTTP, an endless head. Each is one line on
// stderr and exit 12, within the one deadline and the head cap; the partial exchange is kept.

import net from 'node:net';
import { ExitCode } from '../../src/errors.js';
import { MAX_PROXY_RESPONSE_BYTES } from '../../src/limits.js';
import { runCli } from '../helpers/cli.js';
import { startFakeProxy, tunnelTo, type FakeProxyBehaviour } from '../helpers/proxies.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { closedPort } from '../capture/peers.js';

const timers = new Set<NodeJS.Timeout>();
afterAll(() => timers.forEach((t) => clearInterval(t)));

const behaviours: Record<string, FakeProxyBehaviour> = {
  badGateway: (s) => s.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
  closes: (s) => s.end(),
  halfHead: (s) => s.end('HTTP/1.1 200 Connection est'),
  garbage: (s) => s.end(Buffer.from('\x00\x01\x02garbage\r\n\r\n', 'latin1')),
  sshBanner: (s) => s.write('SSH-2.0-OpenSSH_9.2\r\n'),
  drip: (s) => {
    const bytes = Buffer.from('HTTP/1.1 200 Connection established\r\nX-Pad: ' + 'a'.repeat(200));
    let i = 0;
    const t = setInterval(() => (i < bytes.length && !s.destroyed ? s.write(bytes.subarray(i, ++i)) : clearInterval(t)), 50);
    timers.add(t);
  },
  endless: (s) => {
    s.write('HTTP/1.1 200 OK\r\n');
    const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('X-Filler: yes\r\n'.repeat(200))), 5);
    timers.add(t);
  },
};

describe('proxy failures', () => {
  const proxies: Record<string, TestServer & { requests: string[] }> = {};
  let tlsServer: TestServer;
  let httpServer: net.Server;
  let httpPort: number;
  beforeAll(async () => {
    for (const [name, b] of Object.entries(behaviours)) proxies[name] = await startFakeProxy(b);
    tlsServer = await startNodeTlsServer();
    httpServer = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', () => r()));
    httpPort = (httpServer.address() as net.AddressInfo).port;
    proxies.tunnel = await startFakeProxy(tunnelTo(tlsServer.port));
    proxies.tunnelHttp = await startFakeProxy(tunnelTo(httpPort));
  });
  afterAll(async () => {
    await Promise.all([...Object.values(proxies).map((p) => p.close()), tlsServer.close(), new Promise((r) => httpServer.close(r))]);
  });
  const via = (name: string): string[] => ['--proxy', `http://127.0.0.1:${proxies[name].port}`];
  const target = 'secure.example:443';

  it.each([
    ['badGateway', /answered CONNECT secure\.example:443 with "502 Bad Gateway": the proxy could not reach the target$/],
    ['closes', /: the proxy closed the connection without answering to CONNECT$/],
    ['halfHead', /: the proxy closed the connection in the middle of its answer \(27 bytes\) to CONNECT$/],
    ['garbage', /: the proxy answered CONNECT with something that is not HTTP: its first bytes are 00 01 02 67 61 72 62 61, not an HTTP status line$/],
    ['sshBanner', /: the proxy answered CONNECT with something that is not HTTP: its first bytes are 53 53 48 2d 32 2e 30 2d, not an HTTP status line$/],
    ['drip', /^proxy 127\.0\.0\.1:\d+ did not answer CONNECT within 1500 ms$/],
    ['endless', new RegExp(`the proxy's answer to CONNECT is longer than tls-trace reads \\(its limit: ${MAX_PROXY_RESPONSE_BYTES} bytes, 4096 per line\\)$`)],
  ])('%s: one line, exit 12', async (name, line) => {
    // The target name is never looked up here: the lookup fails every name.
    const lookup = ((_h: string, _o: unknown, cb: (e: Error) => void) => cb(Object.assign(new Error('no'), { code: 'ENOTFOUND' }))) as unknown as net.LookupFunction;
    const r = await runCli([target, '--timeout', '1500', '--json', ...via(name)], { lookup });
    expect(r.code).toBe(ExitCode.proxy);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].replace(/^tls-trace: /, '')).toMatch(line);
    const doc = JSON.parse(r.stdout) as { error: { code: string }; prologue?: { steps: Array<{ direction: string; length: number }> }; records: unknown[] };
    expect(doc.error.code).toBe('proxy');
    expect(doc.records).toEqual([]);
    expect(doc.prologue?.steps[0].direction).toBe('client');
    // The head cap bounds what is kept of an endless answer.
    const server = doc.prologue?.steps.filter((p) => p.direction === 'server').reduce((n, p) => n + p.length, 0) ?? 0;
    expect(server).toBeLessThanOrEqual(MAX_PROXY_RESPONSE_BYTES);
    expect(proxies[name].requests[proxies[name].requests.length - 1]).toMatch(/^CONNECT secure\.example:443 HTTP\/1\.1\r\n/);
  }, 20_000);

  it('a proxy that is down: exit 12, naming the proxy', async () => {
    const port = await closedPort();
    const r = await runCli([target, '--proxy', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.proxy);
    expect(r.stderr).toBe(`tls-trace: cannot connect to the proxy: connection refused by 127.0.0.1:${port}\n`);
    const scan = await runCli(['scan', target, '--proxy', `http://127.0.0.1:${port}`]);
    expect([scan.code, scan.stderr]).toEqual([ExitCode.proxy, `tls-trace: cannot connect to proxy 127.0.0.1:${port}: connection refused\n`]);
  }, 20_000);

  it('a proxy name that does not resolve is a proxy error, not the target\'s DNS failure', async () => {
    const lookup = ((_h: string, _o: unknown, cb: (e: Error) => void) => cb(Object.assign(new Error('no'), { code: 'ENOTFOUND' }))) as unknown as net.LookupFunction;
    const r = await runCli([target, '--proxy', 'http://proxy.invalid:3128'], { lookup });
    expect([r.code, r.stderr]).toEqual([ExitCode.proxy, "tls-trace: cannot resolve the proxy's name: cannot resolve proxy.invalid: no such host\n"]);
  });

  it('after the 200 only TLS is decoded: a tunnel to an HTTP server is "not TLS" (6), the 200 is prologue', async () => {
    const r = await runCli([`127.0.0.1:${httpPort}`, '--json', ...via('tunnelHttp')]);
    expect(r.code).toBe(ExitCode.notTls);
    expect(r.stderr).toMatch(/answered with HTTP, not TLS \("HTTP\/1\.1 400 Bad Request"\)/);
    const doc = JSON.parse(r.stdout) as { prologue: { steps: Array<{ hex: string }> } };
    expect(Buffer.from(doc.prologue.steps[1].hex, 'hex').toString()).toBe('HTTP/1.1 200 Connection established\r\n\r\n');
  });

  it('a 200 over a bare-LF head (HTTP/1.0 style) still opens the tunnel', async () => {
    const p = await startFakeProxy(tunnelTo(tlsServer.port, 'HTTP/1.0 200 OK\n\n'));
    try {
      const r = await runCli([`127.0.0.1:${tlsServer.port}`, ...['--proxy', `127.0.0.1:${p.port}`]]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/CONNECT 127\.0\.0\.1:\d+ → 200 OK/);
    } finally {
      await p.close();
    }
  });

  it('--proxy with a scheme other than http:// is a usage error', async () => {
    const r = await runCli([target, '--proxy', 'socks5://127.0.0.1:1080']);
    expect([r.code, r.stderr]).toEqual([ExitCode.usage, 'tls-trace: --proxy: socks5:// proxies are not supported, only http:// (HTTP CONNECT) (hint: give an http:// proxy, or --proxy "" to connect directly)\n']);
  });
});
