// --resolve, --connect-to and -4/-6 against live loopback servers, for trace, check and scan: the
// connection goes where the override says, while SNI and the certificate host check keep the
// target's name. Names are answered by an injected resolver (or not at all, to prove no look-up).

import net from 'node:net';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { demoPaths, startNodeTlsServer, type TestServer } from '../helpers/servers.js';

/** A resolver that fails every name: a pinned address must never reach it. */
const noDns = ((host: string, _o: unknown, cb: (e: Error) => void) => cb(Object.assign(new Error(`lookup ${host}`), { code: 'ENOTFOUND' }))) as unknown as net.LookupFunction;
/** localhost.test has both families, v4only.test only IPv4. */
const dualLookup = ((host: string, _o: unknown, cb: (e: Error | null, a?: unknown) => void) => {
  if (host === 'localhost.test') return cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
  if (host === 'v4only.test') return cb(null, [{ address: '127.0.0.1', family: 4 }]);
  cb(Object.assign(new Error('no'), { code: 'ENOTFOUND' }));
}) as unknown as net.LookupFunction;

interface Doc {
  target: { host: string; servername?: string; address?: string; family?: number; pinned?: boolean; connectTo?: { host: string; port: number } };
  chain?: { valid: boolean; host: string };
  messages: Array<{ kind: string; name?: string }>;
}

describe('address overrides', () => {
  let v4: TestServer;
  let v6: TestServer;
  // Both listen on the same port number only by chance; the tests never rely on it.
  const seen: string[] = [];
  beforeAll(async () => {
    const onSecureConnection = (s: import('node:tls').TLSSocket): void => {
      seen.push(`${s.localAddress} ${(s as unknown as { servername?: string }).servername ?? ''}`);
      s.end();
    };
    v4 = await startNodeTlsServer({ host: '127.0.0.1', onSecureConnection });
    v6 = await startNodeTlsServer({ host: '::1', onSecureConnection });
  });
  afterAll(async () => Promise.all([v4.close(), v6.close()]));

  it('--resolve: no DNS, the pinned address, SNI and the host check still use the name', async () => {
    const r = await runCli([`localhost:${v4.port}`, '--json', '--ca', demoPaths.root, '--resolve', `localhost:${v4.port}:127.0.0.1`], { lookup: noDns });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.target).toMatchObject({ host: 'localhost', servername: 'localhost', address: '127.0.0.1', pinned: true });
    expect(doc.chain).toMatchObject({ valid: true, host: 'localhost' });
    const text = await runCli([`localhost:${v4.port}`, '--resolve', `localhost:${v4.port}:127.0.0.1`], { lookup: noDns });
    expect(text.stdout).toMatch(/address +127\.0\.0\.1 \(IPv4\) · from --resolve, not DNS/);
  });

  it('--resolve for another port does not apply; several addresses are tried in order', async () => {
    const other = await runCli([`localhost.test:${v4.port}`, '--resolve', `localhost.test:1:127.0.0.1`], { lookup: noDns });
    expect(other.code).toBe(ExitCode.dns);
    // [::1] first: nothing listens there on v4's port (but by chance), so 127.0.0.1 is used next.
    const r = await runCli([`pinned.test:${v4.port}`, '--json', '--resolve', `pinned.test:${v4.port}:[::1],127.0.0.1`], { lookup: noDns });
    const doc = JSON.parse(r.stdout) as Doc;
    expect(r.code).toBe(0);
    expect(['::1', '127.0.0.1']).toContain(doc.target.address);
  });

  it('--connect-to: connects to HOST2:PORT2 with SNI and certificate checks for HOST1', async () => {
    const r = await runCli([`www.example.com:443`, '--json', '--connect-to', `www.example.com:443:127.0.0.1:${v4.port}`], { lookup: noDns });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.target).toMatchObject({ host: 'www.example.com', servername: 'www.example.com', address: '127.0.0.1', connectTo: { host: '127.0.0.1', port: v4.port } });
    expect(seen[seen.length - 1]).toBe('127.0.0.1 www.example.com');
    // check: the demo certificate is for localhost, so the name check fails for www.example.com.
    const check = await runCli(['check', 'www.example.com', '--ca', demoPaths.root, '--connect-to', `::localhost.test:${v4.port}`], { lookup: dualLookup });
    expect(check.code).toBe(ExitCode.invalid);
    expect(check.stdout).toMatch(/www\.example\.com/);
    const good = await runCli(['check', `localhost:443`, '--ca', demoPaths.root, '--connect-to', `:443:127.0.0.1:${v4.port}`], { lookup: noDns });
    expect(good.code).toBe(ExitCode.ok);
  });

  it('-4 and -6 pick the address family; a name without one is a DNS failure', async () => {
    const four = await runCli([`localhost.test:${v4.port}`, '--json', '-4', '--servername', 'localhost'], { lookup: dualLookup });
    expect((JSON.parse(four.stdout) as Doc).target).toMatchObject({ address: '127.0.0.1', family: 4 });
    const six = await runCli([`localhost.test:${v6.port}`, '--json', '-6', '--servername', 'localhost'], { lookup: dualLookup });
    expect(six.code).toBe(0);
    expect((JSON.parse(six.stdout) as Doc).target).toMatchObject({ address: '::1', family: 6 });
    const none = await runCli([`v4only.test:${v4.port}`, '-6'], { lookup: dualLookup });
    expect([none.code, none.stderr]).toEqual([ExitCode.dns, 'tls-trace: v4only.test has no IPv6 address (-6 was given; it has 127.0.0.1)\n']);
    const both = await runCli([`v4only.test:${v4.port}`, '-4', '-6']);
    expect(both.code).toBe(ExitCode.usage);
  });

  it('scan and check follow the overrides too', async () => {
    const scan = await runCli(['scan', `localhost:${v6.port}`, '--json', '--resolve', `localhost:${v6.port}:[::1]`], { lookup: noDns });
    expect(scan.code).toBe(0);
    expect((JSON.parse(scan.stdout) as { target: { address: string; servername: string } }).target).toMatchObject({ address: '::1', servername: 'localhost' });
    const scan6 = await runCli(['scan', `localhost.test:${v6.port}`, '-6', '--json'], { lookup: dualLookup });
    expect((JSON.parse(scan6.stdout) as { target: { address: string } }).target.address).toBe('::1');
    const check = await runCli(['check', `localhost:${v4.port}`, '--ca', demoPaths.root, '--json', '--resolve', `localhost:${v4.port}:127.0.0.1`], { lookup: noDns });
    expect(check.code).toBe(0);
    expect((JSON.parse(check.stdout) as { results: Array<{ address: string }> }).results[0].address).toBe('127.0.0.1');
  }, 60_000);

  it('a targets line address= pins that target only', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/tls-trace-addr-');
    try {
      writeFileSync(`${dir}/t.txt`, `localhost:${v4.port} address=127.0.0.1\nlocalhost:${v6.port} address=[::1] warn-days=0\n`);
      const r = await runCli(['check', '--targets', `${dir}/t.txt`, '--ca', demoPaths.root, '--json'], { lookup: noDns });
      expect(r.code).toBe(0);
      const results = (JSON.parse(r.stdout) as { results: Array<{ port: number; address: string }> }).results;
      expect(results.map((x) => [x.port, x.address]).sort()).toEqual([[v4.port, '127.0.0.1'], [v6.port, '::1']].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
