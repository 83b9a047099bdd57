// The published entry, bin/tls-trace.cjs, is read by sh and by Node. Run as a program for a
// command that never uses Node's root store (check, scan, read, replay, help, --version) it starts
// as sh, moves NODE_EXTRA_CA_CERTS aside so that Node 20 does not build that store and parse the
// file before any JavaScript runs, and execs node on itself; the CLI puts the variable back
// (src/cli/extra-ca.ts). A trace keeps Node's store (it reports Node's verdict). These tests run
// the real file both ways, `bin/tls-trace.cjs ARGS` (as `tls-trace` and `npx tls-trace` run it)
// and `node bin/tls-trace.cjs ARGS`, and expect the same results; the only difference allowed is
// whether Node itself read the file.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { restoreExtraCaCerts, withoutExtraCaCerts, EXTRA_CA_HANDOVER } from '../../src/cli/extra-ca.js';
import { ExitCode } from '../../src/errors.js';
import { demoCerts, startNodeTlsServer, type TestServer } from '../helpers/servers.js';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '..', '..');
const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');
const demoRoot = path.join(repoRoot, 'fixtures', 'certs', 'demo', 'root.pem');
const built = existsSync(path.join(repoRoot, 'dist', 'tls-trace.cjs'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: repoRoot, timeout: 60_000, env: { ...process.env, TLS_TRACE_CACHE_DIR: '', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Both ways of starting the CLI: as a program (sh first), and with node named. */
const ways: [string, (args: string[], env: Record<string, string | undefined>) => Promise<Run>][] = [
  ['bin/tls-trace.cjs ARGS', (args, env) => run(bin, args, env)],
  ['node bin/tls-trace.cjs ARGS', (args, env) => run(process.execPath, [bin, ...args], env)],
];

const NODE_WARNING = /Warning: Ignoring extra certs from/;

(built || process.env.CI ? describe : describe.skip)('the launcher (bin/tls-trace.cjs run as a program)', () => {
  let server: TestServer;
  beforeAll(async () => {
    const certs = demoCerts();
    server = await startNodeTlsServer({ cert: certs.rsa.cert, key: certs.rsa.key });
  });
  afterAll(async () => server?.close());

  it('as a program, Node never reads NODE_EXTRA_CA_CERTS for --version, scan, check and read; with node named it does (the control)', async () => {
    const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' };
    const runs: [string[], number][] = [
      [['--version'], ExitCode.ok],
      [['scan', '127.0.0.1:1'], ExitCode.connect],
      [['check', '--revocation', 'off', '--format', 'csv', '127.0.0.1:1'], ExitCode.connect],
      [['read', '/nonexistent/capture.pcap'], ExitCode.usage],
    ];
    for (const [args, code] of runs) {
      const asProgram = await run(bin, args, env);
      const withNode = await run(process.execPath, [bin, ...args], env);
      // (A check's output carries its duration: the same but for digits.)
      const same = (out: string): string => out.replace(/\d+/g, '#');
      expect({ args, code: asProgram.code, stdout: same(asProgram.stdout) }).toEqual({ args, code, stdout: same(withNode.stdout) });
      expect(asProgram.stderr).not.toMatch(NODE_WARNING);
      expect(withNode.stderr).toMatch(NODE_WARNING);
    }
  }, 60_000);

  it('a trace keeps Node\'s store, whose verdict it reports: Node reads the variable', async () => {
    const r = await run(bin, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--json'], { NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' });
    expect(r.stderr).toMatch(NODE_WARNING);
  }, 60_000);

  it.each(ways)('%s: NODE_EXTRA_CA_CERTS is still the trace\'s anchor and Node\'s own verdict (node.authorized)', async (_way, start) => {
    const args = [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--json'];
    const trusted = await start(args, { NODE_EXTRA_CA_CERTS: demoRoot });
    expect(trusted.code).toBe(0);
    const t = JSON.parse(trusted.stdout) as { node: { authorized: boolean; authorizationError?: string }; chain: { valid: boolean; anchor?: { origin: string; file?: string } } };
    expect({ authorized: t.node.authorized, valid: t.chain.valid, origin: t.chain.anchor?.origin, file: t.chain.anchor?.file }).toEqual({ authorized: true, valid: true, origin: 'env', file: demoRoot });
    // Without it neither tls-trace nor Node trusts the demo root: the variable made the difference.
    const untrusted = await start(args, { NODE_EXTRA_CA_CERTS: undefined });
    const u = JSON.parse(untrusted.stdout) as typeof t;
    expect({ authorized: u.node.authorized, error: u.node.authorizationError, valid: u.chain.valid }).toEqual({ authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', valid: false });
  }, 60_000);

  it.each(ways)('%s: an unreadable NODE_EXTRA_CA_CERTS is one warning from tls-trace, and the run goes on', async (_way, start) => {
    const r = await start([`127.0.0.1:${server.port}`, '--servername', 'localhost', '--json'], { NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { chain: { valid: boolean } }).chain.valid).toBe(false);
    expect(r.stderr.split('\n').filter((l) => /tls-trace: warning: .*NODE_EXTRA_CA_CERTS/.test(l))).toHaveLength(1);
  }, 60_000);

  it('arguments pass through sh untouched (spaces, quotes, $, globs), and a symlinked bin (as npm links it) runs', async () => {
    const odd = `no such host "a b" $HOME *`;
    const direct = await run(bin, [odd], {});
    const viaNode = await run(process.execPath, [bin, odd], {});
    expect(direct).toEqual(viaNode);
    expect(direct.stderr).toContain('$HOME *');
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bin-'));
    try {
      const link = path.join(dir, 'tls-trace');
      symlinkSync(bin, link);
      const linked = await run(link, ['--demo', '--json'], {});
      expect({ code: linked.code, stderr: linked.stderr }).toEqual({ code: 0, stderr: '' });
      expect((JSON.parse(linked.stdout) as { outcome: { complete: boolean } }).outcome.complete).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the hand-over of NODE_EXTRA_CA_CERTS (src/cli/extra-ca.ts)', () => {
  it('puts the variable back; leaves an environment without a hand-over alone', () => {
    const env: Record<string, string | undefined> = { [EXTRA_CA_HANDOVER]: '/etc/extra.pem', PATH: '/bin' };
    restoreExtraCaCerts(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/extra.pem', PATH: '/bin' });
    const plain: Record<string, string | undefined> = { NODE_EXTRA_CA_CERTS: '/etc/extra.pem' };
    restoreExtraCaCerts(plain);
    expect(plain).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/extra.pem' });
  });

  it('a check worker is started without either variable', () => {
    expect(withoutExtraCaCerts({ NODE_EXTRA_CA_CERTS: '/a', [EXTRA_CA_HANDOVER]: '/a', HOME: '/root' })).toEqual({ HOME: '/root' });
  });
});
