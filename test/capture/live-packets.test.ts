// Live `--packets`: the trace captures its own connection with tcpdump/dumpcap. Against gnutls-serv
// (TLS 1.3, no client certificate: it sends its NewSessionTickets with its own Finished) the
// packets and the step order are checked against tshark reading the very frames the tool wrote;
// without a tool or the permission, one line says why and the trace is the usual one. The tools
// must never outlive the trace (refused connection, deadline).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureWithPackets } from '../../src/capture/live-packets.js';
import { choosePacketTool, type PacketPrivileges } from '../../src/capture/packet-tool.js';
import { decodeCapture } from '../../src/decode/index.js';
import { runCli } from '../helpers/cli.js';
import { describeWithTools, freePort, repoRoot, requireTool, startGnutlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';
import { tsharkDecodeFile } from '../helpers/tshark.js';
import { peers, startPeer } from './peers.js';

const PATH = process.env.PATH ?? '';
const root: PacketPrivileges = { path: PATH, uid: 0 };
const isRoot = process.getuid?.() === 0;
const env = { PATH };

/** Capture tools still running with a filter naming `port` (none may outlive a trace). */
function toolsFor(port: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => /tcpdump|dumpcap/.test(l) && l.includes(`port ${port}`));
}

describe('choosePacketTool', () => {
  test('root may use tcpdump; no tools on PATH or no privilege say why', () => {
    if (requireTool('tcpdump')) expect(choosePacketTool(root)).toMatchObject({ name: 'tcpdump', permittedBy: 'root' });
    expect(choosePacketTool({ path: '/nonexistent' })).toEqual({ unavailable: 'neither dumpcap nor tcpdump is on the PATH (Debian packages: wireshark-common, tcpdump)' });
    const none = choosePacketTool({ path: PATH, uid: 1000, capNetRaw: false, wiresharkGroup: false, fileCaps: new Set() });
    expect('unavailable' in none && none.unavailable).toMatch(/^no permission to capture packets with .* \(not root, no CAP_NET_RAW, not in the wireshark group\)$/);
  });
  test('the wireshark group permits dumpcap only; CAP_NET_RAW and file capabilities permit either', () => {
    if (!requireTool('dumpcap') || !requireTool('tcpdump')) return;
    expect(choosePacketTool({ path: PATH, uid: 1000, wiresharkGroup: true })).toMatchObject({ name: 'dumpcap', permittedBy: 'the wireshark group' });
    expect(choosePacketTool({ path: PATH, uid: 1000, capNetRaw: true })).toMatchObject({ name: 'tcpdump', permittedBy: 'CAP_NET_RAW' });
    const dumpcap = spawnSync('sh', ['-c', 'command -v dumpcap'], { encoding: 'utf8' }).stdout.trim();
    expect(choosePacketTool({ path: PATH, uid: 1000, fileCaps: new Set([dumpcap]) })).toMatchObject({ name: 'dumpcap', permittedBy: `file capability cap_net_raw on ${dumpcap}` });
  });
});

(isRoot ? describeWithTools('gnutls-serv', 'tcpdump', 'tshark') : describe.skip)('live --packets against gnutls-serv TLS 1.3', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startGnutlsServer(['--disable-client-cert', '--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3']);
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-live-packets-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['tcpdump', root],
    ['dumpcap', { path: PATH, uid: 1000, wiresharkGroup: true }],
  ] as const)('%s: the segments and the step order are the wire\'s, as tshark reads the same frames', async (name, priv) => {
    if (!requireTool(name)) return;
    const { capture, note } = await captureWithPackets({ host: server.host, port: server.port, servername: 'localhost', timeoutMs: 15_000 }, priv, env);
    expect(note).toBeUndefined();
    expect(capture.error).toBeUndefined();
    expect(capture.packetFile?.length).toBeGreaterThan(0);
    const file = path.join(dir, `${name}.cap`);
    writeFileSync(file, capture.packetFile!);
    // tshark's TCP view of the same frames: flags and payload lengths, in order.
    const fields = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags', '-e', 'tcp.len', '-e', 'tcp.seq', '-e', 'tcp.ack'], { encoding: 'utf8' }).stdout.trim().split('\n');
    const theirPackets = fields.map((l) => {
      const [src, flags, len, seq] = l.split('\t');
      return { direction: Number(src) === server.port ? 'server' : 'client', flags: Number(flags) & 0x17, len: Number(len), seq: Number(seq) };
    });
    const bit = { FIN: 1, SYN: 2, RST: 4, ACK: 16 } as Record<string, number>;
    const ourPackets = capture.packets!.map((p) => ({ direction: p.direction, flags: p.flags.reduce((n, f) => n | (bit[f] ?? 0), 0), len: p.payloadLength, seq: p.seq }));
    expect(ourPackets).toEqual(theirPackets);
    expect(capture.packets![0].flags).toEqual(['SYN']);
    expect(capture.packets!.some((p) => p.flags.includes('FIN'))).toBe(true);
    // Records in the trace's order are the records in tshark's frame order.
    const ours = decodeCapture(capture).records.map((r) => `${r.direction} ${r.contentType} ${r.declaredLength}`);
    const theirs = (await tsharkDecodeFile(file, server.port)).map((r) => `${r.direction} ${r.contentType} ${r.length}`);
    expect(ours).toEqual(theirs);
    // gnutls-serv sends its NewSessionTickets right after its Finished, racing the client's
    // Finished: run to run either may be first on the wire, and the comparison above holds the
    // trace to whichever order the wire had. Both server-side tickets must be there.
    expect(ours.filter((r) => r.startsWith('server 23')).length).toBeGreaterThanOrEqual(6);
  });

  it('the CLI shows the TCP handshake, segments and teardown; --json carries them', async () => {
    const r = await runCli([`${server.host}:${server.port}`, '--packets', '--no-color'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TCP · three-way handshake\n.*→ SYN\n {18}MSS \d+.*\n.*← SYN-ACK {2}network round trip [\d.]+ ms/);
    expect(r.stdout).toMatch(/TCP · teardown · FIN each way/);
    expect(r.stdout).toMatch(/Packets · \d+ TCP segments/);
    const json = parseValid<{ tcp?: { packets: unknown[]; handshake: unknown } }>('trace', (await runCli([`${server.host}:${server.port}`, '--packets', '--json'], { env })).stdout);
    expect(json.tcp?.packets.length).toBeGreaterThan(5);
  });
});

describeWithTools('openssl')('--packets without a tool or the permission', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startOpensslServer(['-tls1_3']);
  });
  afterAll(async () => {
    await server?.close();
  });
  const target = (): string => `${server.host}:${server.port}`;

  it('no tool on PATH: one line, then the usual trace and exit code', async () => {
    const r = await runCli([target(), '--packets', '--no-color'], { env: { PATH: '/nonexistent' } });
    expect(r.stderr).toBe('tls-trace: --packets: neither dumpcap nor tcpdump is on the PATH (Debian packages: wireshark-common, tcpdump); tracing without packets\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/outcome {3}Handshake complete/);
    expect(r.stdout).not.toMatch(/TCP · three-way handshake/);
  });

  it('no permission (injected facts): the line says how to grant it', async () => {
    const r = await runCli([target(), '--packets', '--no-color'], { env, packetPrivileges: async () => ({ path: PATH, uid: 1000, capNetRaw: false, wiresharkGroup: false, fileCaps: new Set() }) });
    expect(r.stderr).toMatch(/^tls-trace: --packets: no permission to capture packets with .*; grant it with `sudo setcap cap_net_raw,cap_net_admin=eip \$\(which dumpcap\)` \(or tcpdump\), or by adding your user to the wireshark group; tracing without packets\n$/);
    expect(r.code).toBe(0);
  });

  (isRoot && requireTool('setpriv') ? it : it.skip)('a real non-root user (setpriv to nobody) gets the same line and the usual exit code', () => {
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, path.join(repoRoot, 'bin', 'tls-trace.cjs'), target(), '--packets', '--no-color'], { encoding: 'utf8', cwd: tmpdir(), timeout: 30_000 });
    expect(r.stderr).toMatch(/^tls-trace: --packets: no permission to capture packets with .*not root, no CAP_NET_RAW, not in the wireshark group.*tracing without packets\n$/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Handshake complete/);
  });
});

(isRoot && requireTool('setpriv') && requireTool('setcap') && requireTool('gnutls-serv') ? describe : describe.skip)('a non-root user with a capable tcpdump', () => {
  // A copy of tcpdump given cap_net_raw (as `setcap` grants it), first on a non-root user's PATH:
  // getcap reports it, tls-trace picks it, and the trace has its packets.
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-capbin-'));
    spawnSync('chmod', ['755', dir]);
    const tcpdump = spawnSync('sh', ['-c', 'command -v tcpdump'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('cp', [tcpdump, path.join(dir, 'tcpdump')]);
    expect(spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', path.join(dir, 'tcpdump')]).status).toBe(0);
    server = await startGnutlsServer(['--disable-client-cert']);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  it('nobody, with the capable copy first on PATH, gets the TCP handshake and teardown', () => {
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'env', `PATH=${dir}:/usr/bin:/bin`, process.execPath, path.join(repoRoot, 'bin', 'tls-trace.cjs'), `${server.host}:${server.port}`, '--packets', '--no-color'], { encoding: 'utf8', cwd: tmpdir(), timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/TCP · three-way handshake/);
    expect(r.stdout).toMatch(/TCP · teardown/);
  });
});

(isRoot ? describeWithTools('tcpdump') : describe.skip)('the capture tool never outlives the trace', () => {
  it('connection refused: the refused exit code, the RST-only connection leaves no tool running', async () => {
    const port = await freePort();
    const r = await runCli([`127.0.0.1:${port}`, '--packets', '--no-color'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/connection refused/);
    expect(toolsFor(port)).toEqual([]);
  });

  it('SIGINT to tls-trace itself (the built CLI, not its process group): the tool is killed too', async () => {
    // A peer that accepts and never answers; its close() destroys the accepted connection, which
    // closing the listener alone leaves open in the jest worker (paused, its FIN never read).
    const silent = await startPeer(peers.silent);
    const port = silent.port;
    try {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'tls-trace.cjs'), `127.0.0.1:${port}`, '--packets', '--timeout', '60000'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env } });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));
      // Wait until the tool runs (the trace is then waiting on the silent server).
      for (let i = 0; i < 100 && toolsFor(port).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(toolsFor(port)).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      await new Promise((r) => setTimeout(r, 200));
      expect(toolsFor(port)).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('deadline: a server that accepts and never answers times out as usual, the tool is gone', async () => {
    const silent = await startPeer(peers.silent);
    const port = silent.port;
    try {
      const r = await runCli([`127.0.0.1:${port}`, '--packets', '--timeout', '1500', '--no-color'], { env });
      expect(r.stderr).toMatch(/no answer from 127\.0\.0\.1:\d+ within 1500 ms/);
      expect(r.code).toBe(5);
      expect(toolsFor(port)).toEqual([]);
      expect(r.stdout).toMatch(/TCP · three-way handshake/);
    } finally {
      await silent.close();
    }
  });
});
