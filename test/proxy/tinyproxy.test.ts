// Through a real proxy (tinyproxy, with and without BasicAuth): trace, check and scan give the same
// results as direct connections, the CONNECT exchange is recorded as prologue (never decoded as
// TLS) in --json and saved captures, and tinyproxy's refusals (407, 401 for wrong credentials,
// 403 for a port it does not allow) are proxy errors with exit 12.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startTinyproxy } from '../helpers/proxies.js';
import { describeWithTools, demoPaths, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';

interface TraceDoc {
  target: { host: string; address?: string; proxy?: { status?: number; auth?: boolean; address?: string } };
  outcome: unknown;
  negotiated: unknown;
  steps: Array<{ name: string; direction: string }>;
  chain?: { valid: boolean; problems: string[] };
  prologue?: { protocol: string; steps: Array<{ direction: string; hex: string; title: string }> };
  records: Array<{ direction: string; offset?: number }>;
  issues: unknown[];
}

/**
 * What must not depend on the route: the handshake as decoded, the chain verdict. The closing
 * alerts are left out: whether the server's close_notify arrives within the close wait (100 ms)
 * is timing, and a relay in between makes it later.
 */
function sameness(d: TraceDoc): unknown {
  const steps = d.steps.map((s) => `${s.direction} ${s.name}`);
  while (steps.length > 0 && steps[steps.length - 1].endsWith(' Alert')) steps.pop();
  return { outcome: d.outcome, negotiated: d.negotiated, steps, chain: d.chain && { valid: d.chain.valid, problems: d.chain.problems }, issues: d.issues };
}

const text = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1');

describeWithTools('tinyproxy')('through tinyproxy', () => {
  let server: TestServer;
  let open: TestServer;
  let authed: TestServer;
  let dir: string;
  const ca = ['--ca', demoPaths.root];
  beforeAll(async () => {
    server = await startNodeTlsServer({ host: '127.0.0.1' });
    open = await startTinyproxy({ connectPorts: [server.port] });
    authed = await startTinyproxy({ connectPorts: [server.port], auth: { user: 'tls', pass: 'tr4ce' } });
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-proxy-'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([server?.close(), open?.close(), authed?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('trace through the proxy decodes the same handshake as direct, and records the CONNECT exchange', async () => {
    const target = `localhost:${server.port}`;
    const direct = await runCli([target, '--json', ...ca]);
    const via = await runCli([target, '--json', ...ca], { env: { HTTPS_PROXY: `http://127.0.0.1:${open.port}` } });
    expect([direct.code, via.code, via.stderr]).toEqual([0, 0, '']);
    const d = parseValid('trace', direct.stdout) as TraceDoc;
    const v = parseValid('trace', via.stdout) as TraceDoc;
    expect(sameness(v)).toEqual(sameness(d));
    expect(d.chain?.valid).toBe(true);
    // The proxy resolved the name: no target address, the proxy's instead, and its answer.
    expect(v.target.address).toBeUndefined();
    expect(v.target.proxy).toMatchObject({ address: '127.0.0.1', status: 200 });
    expect(d.prologue).toBeUndefined();
    expect(v.prologue?.protocol).toBe('http-connect');
    expect(v.prologue?.steps.map((p) => p.direction)).toEqual(['client', 'server']);
    expect(text(v.prologue?.steps[0].hex ?? '')).toMatch(new RegExp(`^CONNECT localhost:${server.port} HTTP/1\\.1\\r\\n`));
    expect(text(v.prologue?.steps[1].hex ?? '')).toMatch(/^HTTP\/1\.[01] 200 Connection established\r\n[\s\S]*\r\n\r\n$/);
    // Only TLS is decoded as TLS: the first record of each direction is a handshake record at offset 0.
    expect(v.records[0]).toMatchObject({ direction: 'client' });
  }, 30_000);

  it('the text trace names the proxy and says the proxy resolved the name', async () => {
    const via = await runCli([`localhost:${server.port}`, '--proxy', `http://127.0.0.1:${open.port}`]);
    expect(via.code).toBe(0);
    expect(via.stdout).toMatch(new RegExp(`proxy +127\\.0\\.0\\.1:${open.port} at 127\\.0\\.0\\.1 \\(IPv4\\) · CONNECT localhost:${server.port} → 200 Connection established`));
    expect(via.stdout).toMatch(/address +resolved by the proxy \(tls-trace did not look up localhost\)/);
  }, 30_000);

  it('BasicAuth: the right credentials open the tunnel; none give 407 and wrong ones 401, both exit 12', async () => {
    const target = `localhost:${server.port}`;
    const ok = await runCli([target, '--json', '--proxy', `http://tls:tr4ce@127.0.0.1:${authed.port}`]);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const doc = JSON.parse(ok.stdout) as TraceDoc;
    expect(doc.target.proxy).toMatchObject({ auth: true, status: 200 });
    // tinyproxy opened the tunnel, so the right token went on the wire; the recording holds `***`.
    expect(text(doc.prologue?.steps[0].hex ?? '')).toContain('Proxy-Authorization: Basic ***\r\n');
    expect(ok.stdout).not.toContain(Buffer.from('tls:tr4ce').toString('base64'));
    const none = await runCli([target, '--proxy', `http://127.0.0.1:${authed.port}`]);
    expect(none.code).toBe(ExitCode.proxy);
    expect(none.stderr).toBe(`tls-trace: proxy 127.0.0.1:${authed.port} answered CONNECT ${target} with "407 Proxy Authentication Required": the proxy requires authentication (give user:pass@ in the proxy URL)\n`);
    const wrong = await runCli([target, '--proxy', `http://tls:nope@127.0.0.1:${authed.port}`]);
    expect(wrong.code).toBe(ExitCode.proxy);
    expect(wrong.stderr).toMatch(/with "401 Unauthorized": the proxy rejected the credentials in the proxy URL\n$/);
  }, 30_000);

  it('NO_PROXY / --noproxy send a matching target direct; --proxy "" ignores the environment', async () => {
    const target = `localhost:${server.port}`;
    // This proxy would answer 407: exit 0 proves the connection did not go through it.
    const env = { HTTPS_PROXY: `http://127.0.0.1:${authed.port}` };
    expect((await runCli([target], { env })).code).toBe(ExitCode.proxy);
    expect((await runCli([target], { env: { ...env, NO_PROXY: 'example.com, .LOCALHOST' } })).code).toBe(0);
    expect((await runCli([target], { env: { ...env, no_proxy: `localhost:${server.port}` } })).code).toBe(0);
    expect((await runCli([target], { env: { ...env, no_proxy: 'localhost:1' } })).code).toBe(ExitCode.proxy);
    expect((await runCli([target, '--noproxy', '*'], { env })).code).toBe(0);
    expect((await runCli([target, '--proxy', ''], { env })).code).toBe(0);
    const before = (authed.output().match(/Established connection/g) ?? []).length;
    expect((await runCli([target, '--noproxy', ''], { env: { ...env, NO_PROXY: '*' } })).code).toBe(ExitCode.proxy);
    expect((authed.output().match(/Established connection/g) ?? []).length).toBe(before);
  }, 30_000);

  it('403: tinyproxy refuses a port its ConnectPort lines do not allow; the saved capture keeps the exchange', async () => {
    const save = path.join(dir, 'refused.json');
    const r = await runCli([`localhost:${server.port + 1}`, '--proxy', `http://127.0.0.1:${open.port}`, '--save', save]);
    expect(r.code).toBe(ExitCode.proxy);
    expect(r.stderr).toMatch(/answered CONNECT localhost:\d+ with "403 Access violation": the proxy does not allow a tunnel to this host and port\n$/);
    const saved = JSON.parse(readFileSync(save, 'utf8')) as { prologue: Array<{ hex: string }>; error: { code: string }; options: { proxy: string } };
    expect(saved.error.code).toBe('proxy');
    expect(text(saved.prologue[1].hex)).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(saved.options.proxy).toBe(`http://127.0.0.1:${open.port}`);
    // Replayed, the same line and exit code.
    const replay = await runCli(['replay', save]);
    expect([replay.code, replay.stderr]).toEqual([r.code, r.stderr]);
  }, 30_000);

  it('a saved capture through the proxy replays with its prologue and no credentials', async () => {
    const save = path.join(dir, 'ok.json');
    const r = await runCli([`localhost:${server.port}`, '--json', '--proxy', `http://tls:tr4ce@127.0.0.1:${authed.port}`, '--save', save]);
    expect(r.code).toBe(0);
    const replay = await runCli(['replay', save, '--json']);
    expect(replay.code).toBe(0);
    const a = JSON.parse(r.stdout) as TraceDoc;
    const b = JSON.parse(replay.stdout) as TraceDoc;
    expect(b.prologue).toEqual(a.prologue);
    expect(b.target).toEqual(a.target);
    const file = readFileSync(save, 'utf8');
    expect(file).toContain('"proxy": "http://***@127.0.0.1:');
    expect(file).not.toContain('tr4ce');
    expect(file).not.toContain(Buffer.from('tls:tr4ce').toString('hex'));
    expect(file).not.toContain(Buffer.from(Buffer.from('tls:tr4ce').toString('base64')).toString('hex'));
  }, 30_000);

  it('check through the proxy gives the same verdict as direct; a targets-file proxy= line overrides', async () => {
    const target = `localhost:${server.port}`;
    // Revocation off: the demo leaf's responder (ocsp.tls-trace.test) fails differently through a
    // proxy (its 500) than direct (no such host); revocation through a proxy: test/check/revocation-trace.
    const at = ['--at', '2030-01-01', '--revocation', 'off'];
    const direct = await runCli(['check', target, '--json', ...ca, ...at]);
    const via = await runCli(['check', target, '--json', ...ca, ...at, '--proxy', `http://tls:tr4ce@127.0.0.1:${authed.port}`]);
    expect([direct.code, via.code]).toEqual([0, 0]);
    type Result = { status: string; daysLeft: number; chain: unknown; protocol: unknown; address?: string };
    const strip = (s: string): unknown => (parseValid('check', s) as { results: Result[] }).results.map(({ status, daysLeft, chain, protocol }) => ({ status, daysLeft, chain, protocol }));
    expect(strip(via.stdout)).toEqual(strip(direct.stdout));
    expect((JSON.parse(via.stdout) as { results: Array<{ proxy?: string; address?: string }> }).results[0]).toMatchObject({ proxy: `127.0.0.1:${authed.port}` });
    expect((JSON.parse(via.stdout) as { results: Array<{ address?: string }> }).results[0].address).toBeUndefined();
    // Per-target: proxy=none goes direct despite HTTPS_PROXY pointing at a proxy that refuses.
    const file = path.join(dir, 'targets.txt');
    writeFileSync(file, `${target} proxy=none\n`);
    const env = { HTTPS_PROXY: `http://127.0.0.1:${authed.port}` };
    const perTarget = await runCli(['check', '--targets', file, ...ca, ...at], { env });
    expect(perTarget.code).toBe(0);
    const viaEnv = await runCli(['check', target, ...ca, ...at], { env });
    expect(viaEnv.code).toBe(ExitCode.proxy);
    expect(viaEnv.stdout).toContain('407 Proxy Authentication Required');
  }, 30_000);

  it('scan through the proxy finds what a direct scan finds; every probe goes through it', async () => {
    const target = `localhost:${server.port}`;
    const direct = await runCli(['scan', target, '--json']);
    const via = await runCli(['scan', target, '--json', '--proxy', `http://tls:tr4ce@127.0.0.1:${authed.port}`]);
    expect([direct.code, via.code, via.stderr]).toEqual([0, 0, '']);
    const keep = (s: string): unknown => {
      const { protocols, groups, signatureSchemes, certificates, features, findings, ssl2 } = parseValid('scan', s) as Record<string, unknown>;
      return { protocols, groups, signatureSchemes, certificates, features, findings, ssl2 };
    };
    const kept = keep(direct.stdout) as { protocols: Array<{ supported: boolean }>; certificates: unknown[] };
    // Not a vacuous comparison: the direct scan found TLS 1.2 and 1.3 and the server's certificate.
    expect(kept.protocols.filter((p) => p.supported)).toHaveLength(2);
    expect(kept.certificates).toHaveLength(1);
    expect(keep(via.stdout)).toEqual(kept);
    const t = (JSON.parse(via.stdout) as { target: { proxy?: string; address: string } }).target;
    expect(t).toMatchObject({ proxy: `127.0.0.1:${authed.port}`, address: '127.0.0.1' });
    // tinyproxy's own log counts the tunnels it opened: one per probe and full handshake, plus the check.
    const stats = (JSON.parse(via.stdout) as { stats: { probes: number; nodeHandshakes: number } }).stats;
    const tunnels = (authed.output().match(/Established connection to host "localhost"/g) ?? []).length;
    expect(tunnels).toBeGreaterThanOrEqual(stats.probes + stats.nodeHandshakes);
  }, 120_000);

  it('scan: a proxy that refuses the tunnel is exit 12 with its answer', async () => {
    const r = await runCli(['scan', `localhost:${server.port}`, '--proxy', `http://127.0.0.1:${authed.port}`]);
    expect(r.code).toBe(ExitCode.proxy);
    expect(r.stderr).toMatch(/answered CONNECT localhost:\d+ with "407 Proxy Authentication Required"/);
  }, 30_000);
});
