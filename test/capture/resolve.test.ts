// resolveHost: every look-up ends within its deadline whatever DNS does, a slow name does not hold
// up the others, /etc/hosts and `localhost` are answered without DNS, and the c-ares path really
// resolves (against a loopback DNS server that answers some names and drops the rest).

import dns from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseHosts, resolveHost, type Resolved } from '../../src/capture/resolve.js';
import { startFakeDns, type FakeDns } from '../helpers/fake-dns.js';

const hanging = (() => undefined) as unknown as LookupFunction;

async function timed(p: Promise<Resolved>): Promise<{ r: Resolved; ms: number }> {
  const t0 = performance.now();
  const r = await p;
  return { r, ms: performance.now() - t0 };
}

describe('resolveHost with an injected resolver', () => {
  it('IP literals need no look-up', async () => {
    await expect(resolveHost('::1', { timeoutMs: 100, lookup: hanging })).resolves.toEqual({ addresses: [{ address: '::1', family: 6 }] });
  });

  it('a resolver that never answers is cut off at the deadline', async () => {
    const { r, ms } = await timed(resolveHost('slow.test', { timeoutMs: 300, lookup: hanging }));
    expect(r).toEqual({ error: 'DNS lookup of slow.test did not finish within 300 ms' });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(300 + 1500);
  });

  it('a slow answer inside the deadline counts; a throwing resolver is a DNS error', async () => {
    const slow = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) => {
      setTimeout(() => cb(null, [{ address: '127.0.0.2', family: 4 }]), 100);
    }) as unknown as LookupFunction;
    await expect(resolveHost('slow.test', { timeoutMs: 2000, lookup: slow })).resolves.toEqual({ addresses: [{ address: '127.0.0.2', family: 4 }] });
    const throwing = (() => {
      throw new Error('boom');
    }) as unknown as LookupFunction;
    await expect(resolveHost('x.test', { timeoutMs: 2000, lookup: throwing })).resolves.toEqual({ error: 'cannot resolve x.test: boom' });
  });

  it('an abort ends the look-up at once', async () => {
    const ac = new AbortController();
    const p = timed(resolveHost('slow.test', { timeoutMs: 10_000, lookup: hanging, signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    const { r, ms } = await p;
    expect('error' in r).toBe(true);
    expect(ms).toBeLessThan(2000);
  });
});

describe('parseHosts', () => {
  it('reads address + names lines, skips malformed ones, IPv4 first', () => {
    const table = parseHosts(
      ['# comment', '127.0.0.1 localhost loopback # trailing', '::1 localhost ip6-localhost', '10.0.0.1', 'not-an-ip name.test', '10.0.0.2 ok.test bad\u0000name', '\t192.0.2.7\tWeb.Example.  www'].join('\r\n'),
    );
    expect(table.get('localhost')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(table.get('loopback')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(table.get('web.example')).toEqual([{ address: '192.0.2.7', family: 4 }]);
    expect(table.get('www')).toEqual([{ address: '192.0.2.7', family: 4 }]);
    expect(table.has('name.test')).toBe(false);
    expect(table.has('ok.test')).toBe(false); // the whole line is refused, not half of it
  });
});

describe('resolveHost through c-ares, against a loopback DNS server', () => {
  let server: FakeDns;
  let dir: string;
  let hostsPath: string;
  let resolvConfPath: string;
  const saved = dns.getServers();
  beforeAll(async () => {
    server = await startFakeDns({ 'good.test': ['127.0.0.1', '::1'], 'v4only.test': ['127.0.0.3'], 'gone.test': null, 'gone.test.corp.test': null, 'short.corp.test': ['127.0.0.4'] });
    dns.setServers([server.address]);
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-dns-'));
    hostsPath = path.join(dir, 'hosts');
    writeFileSync(hostsPath, '127.0.0.9 from-hosts.test\n');
    resolvConfPath = path.join(dir, 'resolv.conf');
    writeFileSync(resolvConfPath, 'nameserver 192.0.2.1\nsearch corp.test\n');
  });
  afterAll(async () => {
    dns.setServers(saved);
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });
  const opts = (timeoutMs: number): { timeoutMs: number; hostsPath: string; resolvConfPath: string } => ({ timeoutMs, hostsPath, resolvConfPath });

  it('answers from the DNS server, IPv4 first, and says NXDOMAIN as "no such host"', async () => {
    await expect(resolveHost('good.test', opts(3000))).resolves.toEqual({
      addresses: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    await expect(resolveHost('v4only.test', opts(3000))).resolves.toEqual({ addresses: [{ address: '127.0.0.3', family: 4 }] });
    // NXDOMAIN for the name as given, then for it under the search domain, as getaddrinfo tries.
    await expect(resolveHost('gone.test', opts(3000))).resolves.toEqual({ error: 'cannot resolve gone.test: no such host' });
    expect(server.queries).toEqual(expect.arrayContaining(['gone.test', 'gone.test.corp.test']));
  });

  it('applies the resolv.conf search list to a short name', async () => {
    await expect(resolveHost('short', opts(3000))).resolves.toEqual({ addresses: [{ address: '127.0.0.4', family: 4 }] });
  });

  it('answers names in the hosts file and localhost without asking DNS', async () => {
    const before = server.queries.length;
    await expect(resolveHost('From-Hosts.test.', opts(3000))).resolves.toEqual({ addresses: [{ address: '127.0.0.9', family: 4 }] });
    await expect(resolveHost('app.localhost', opts(3000))).resolves.toEqual({
      addresses: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    expect(server.queries.length).toBe(before);
  });

  it('five names the server never answers end at the deadline and do not hold up a sixth', async () => {
    let hangsDone = 0;
    const hangs = [1, 2, 3, 4, 5].map((i) => timed(resolveHost(`hang${i}.example`, opts(800))).finally(() => hangsDone++));
    const good = await resolveHost('good.test', opts(800));
    expect('addresses' in good).toBe(true);
    // Answered while the five still wait (getaddrinfo queued such a name behind them for 20 s).
    expect(hangsDone).toBe(0);
    for (const { r, ms } of await Promise.all(hangs)) {
      expect(r).toEqual({ error: expect.stringMatching(/^DNS lookup of hang\d\.example did not finish within 800 ms$/) });
      expect(ms).toBeLessThan(800 + 1500);
    }
  });
});
