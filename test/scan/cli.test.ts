// `tls-trace scan` through the whole CLI, in process: output forms and exit codes.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net, { type LookupFunction } from 'node:net';
import { ExitCode } from '../../src/errors.js';
import { requireTool, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { runCli } from '../helpers/cli.js';
import type { ScanJson } from '../../src/report/scan-json.js';
import { parseValid } from '../helpers/schema.js';

const run = runCli;

async function listen(handler: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

const describeOpenssl = requireTool('openssl') ? describe : describe.skip;

describeOpenssl('tls-trace scan against a loopback openssl s_server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startOpensslServer(['-no_tls1_3', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA']);
  });
  afterAll(() => server.close());

  it('--json prints the whole result with named code points', async () => {
    const r = await run(['scan', `127.0.0.1:${server.port}`, '--json']);
    expect(r.code).toBe(0);
    const doc = parseValid<ScanJson>('scan', r.stdout);
    expect(doc.format).toBe('tls-trace-scan');
    expect(doc.schemaVersion).toBe('1');
    const tls12 = doc.protocols.find((p) => p.version.name === 'TLS 1.2');
    if (!tls12) throw new Error('no TLS 1.2 row');
    expect(tls12.supported).toBe(true);
    expect(new Set(tls12.suites.map((s) => s.name))).toEqual(new Set(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA']));
    expect(tls12.suites[0]).toMatchObject({ hex: expect.stringMatching(/^0x[0-9a-f]{4}$/), openssl: expect.any(String), kx: expect.any(String) });
    expect(doc.protocols.find((p) => p.version.name === 'TLS 1.3')?.supported).toBe(false);
    expect(doc.findings.map((f) => f.id)).toContain('no-tls13');
    expect(r.stderr).toBe('');
  });

  it('text output has the tables and no colour when stdout is not a terminal', async () => {
    const r = await run(['scan', `127.0.0.1:${server.port}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Cipher suites — TLS 1.2');
    expect(r.stdout).toContain('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(r.stdout).toMatch(/Findings \(\d+\)/);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--fail-on turns findings into exit 8', async () => {
    expect((await run(['scan', `127.0.0.1:${server.port}`, '--json', '--fail-on', 'low'])).code).toBe(ExitCode.invalid);
    expect((await run(['scan', `127.0.0.1:${server.port}`, '--json', '--fail-on', 'critical'])).code).toBe(ExitCode.ok);
  });
});

describe('tls-trace scan errors', () => {
  it('refused connection → exit 4', async () => {
    const s = await listen(() => undefined);
    const port = portOf(s);
    await new Promise<void>((r) => s.close(() => r()));
    const r = await run(['scan', `127.0.0.1:${port}`]);
    expect(r.code).toBe(ExitCode.connect);
    expect(r.stderr).toMatch(/cannot connect/);
  });

  it('unresolvable name → exit 3', async () => {
    const lookup = ((_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, address?: string, family?: number) => void) => {
      const err: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND');
      err.code = 'ENOTFOUND';
      cb(err);
    }) as unknown as LookupFunction;
    const r = await run(['scan', 'no-such-host.invalid'], { lookup });
    expect(r.code).toBe(ExitCode.dns);
    expect(r.stderr).toMatch(/cannot resolve no-such-host.invalid/);
  });

  it('a peer speaking HTTP → exit 6', async () => {
    // resume(): the server must read (and so see the client's FIN) or its sockets never close.
    const s = await listen((sock) => sock.resume().end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    try {
      const r = await run(['scan', `127.0.0.1:${portOf(s)}`, '--timeout', '2000']);
      expect(r.code).toBe(ExitCode.notTls);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('a peer that closes every connection at once → exit 4', async () => {
    const s = await listen((sock) => sock.resume().end());
    try {
      const r = await run(['scan', `127.0.0.1:${portOf(s)}`, '--timeout', '2000']);
      expect(r.code).toBe(ExitCode.connect);
      expect(r.stderr).toMatch(/closed every connection/);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('a silent peer → exit 5 after --timeout', async () => {
    const sockets: net.Socket[] = [];
    const s = await listen((sock) => void sockets.push(sock));
    try {
      const r = await run(['scan', `127.0.0.1:${portOf(s)}`, '--timeout', '300']);
      expect(r.code).toBe(ExitCode.timeout);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('usage errors → exit 2', async () => {
    expect((await run(['scan', '127.0.0.1:1', '--fail-on', 'dire'])).code).toBe(ExitCode.usage);
    expect((await run(['scan', '127.0.0.1:1', '--concurrency', '0'])).code).toBe(ExitCode.usage);
    expect((await run(['scan', 'https://example.com/'])).code).toBe(ExitCode.usage);
  });
});
