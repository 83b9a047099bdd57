// The TCP teardown of `tls-trace read`, on real loopback captures: each FIN with the segment that
// acknowledged it, a half-close (data after the first FIN), a FIN carried on a data segment, an RST
// after a FIN, and a capture that ends before the teardown; every packet cited agrees with tshark
// (tcp.flags.str, relative tcp.seq/tcp.ack, tcp.len, frame times). Also: the steps keep the wire's
// order across the two directions when the file's timestamps tie (a millisecond clock).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { runCli } from '../helpers/cli.js';
import { framesOf, nodeClient, recordOpenssl, tcpdumpAround, recordReset, run, startTcpdump, stopTcpdump, type Recorded } from '../helpers/pcap-tools.js';
import { expectSchemaValid } from '../helpers/schema.js';
import { demoCerts, describeWithTools, freePort, startNginx, startOpensslServer } from '../helpers/servers.js';

interface Frame {
  timeMs: number;
  side: 'client' | 'server';
  flags: string;
  seq: number;
  ack: number;
  len: number;
}

/** tshark's view of every frame: time, sender, `tcp.flags.str`, relative seq/ack, length. */
async function tsharkFrames(file: string, serverPort: number): Promise<Frame[]> {
  const out = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_relative', '-e', 'tcp.srcport', '-e', 'tcp.flags.str', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len']);
  return out.replace(/\n$/, '').split('\n').map((line) => {
    const [t, port, flags, seq, ack, len] = line.split('\t');
    return { timeMs: Number(t) * 1000, side: Number(port) === serverPort ? 'server' : 'client', flags, seq: Number(seq), ack: Number(ack), len: Number(len) };
  });
}

const has = (f: Frame, flag: 'F' | 'R' | 'A'): boolean => f.flags.charAt({ A: 7, R: 9, F: 11 }[flag]) !== '·';

interface Teardown {
  how: string;
  closedFirstBy?: string;
  simultaneous?: boolean;
  lastPacketMs?: number;
  dataAfterFirstFin?: { direction: string; bytes: number; segments: number };
  events: { kind: string; direction: string; timeMs: number; seq?: number; dataBytes?: number; acked?: { timeMs: number; delayMs: number; ack: number; flags: string }; after?: { direction: string; what: string; bytes?: number }; finsBefore?: string[] }[];
}

async function teardownOf(file: string): Promise<{ teardown: Teardown; json: unknown }> {
  const json = JSON.parse((await runCli(['read', file, '--json'])).stdout) as { tcp: { teardown: Teardown } };
  return { teardown: json.tcp.teardown, json };
}

/** tshark's first FIN of each side, and the first frame of the other side acknowledging it. */
function finsAndAcks(frames: Frame[]): { fin: Frame; ack?: Frame }[] {
  const out: { fin: Frame; ack?: Frame }[] = [];
  for (const side of ['client', 'server'] as const) {
    const i = frames.findIndex((f) => f.side === side && has(f, 'F'));
    if (i < 0) continue;
    const fin = frames[i];
    const ack = frames.slice(i + 1).find((f) => f.side !== side && has(f, 'A') && f.ack >= fin.seq + fin.len + 1);
    out.push({ fin, ...(ack ? { ack } : {}) });
  }
  return out.sort((a, b) => a.fin.timeMs - b.fin.timeMs);
}

/** Compares our FIN events with tshark's FIN frames and the frames that acknowledged them. */
function expectFinsAgree(teardown: Teardown, frames: Frame[]): void {
  const theirs = finsAndAcks(frames);
  const ours = teardown.events.filter((e) => e.kind === 'FIN');
  expect(ours.map((e) => [e.direction, e.seq, e.dataBytes ?? 0])).toEqual(theirs.map(({ fin }) => [fin.side, fin.seq, fin.len]));
  ours.forEach((e, i) => {
    const { fin, ack } = theirs[i];
    expect(e.timeMs).toBeCloseTo(fin.timeMs, 3);
    if (!ack) return expect(e.acked).toBeUndefined();
    expect(e.acked?.ack).toBe(ack.ack);
    expect(e.acked?.timeMs).toBeCloseTo(ack.timeMs, 3);
    expect(e.acked?.delayMs).toBeCloseTo(ack.timeMs - fin.timeMs, 3);
    expect(has({ ...ack, flags: ack.flags }, 'F')).toBe(e.acked?.flags.includes('F'));
  });
}

/** A TLS client (Node) that writes `request` once the handshake is done, then closes its side. */
function clientOnce(port: number, opts: { request?: string; keepWriting?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    // allowHalfOpen is passed on to the TLSSocket (Node's types leave it out of ConnectionOptions).
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: demoCerts().root, allowHalfOpen: true } as tls.ConnectionOptions;
    const socket = tls.connect(options, () => {
      if (opts.request !== undefined) socket.end(opts.request);
    });
    socket.on('data', () => undefined);
    // The server closed first: write after its FIN (its socket is gone, so its kernel answers with RST).
    socket.on('end', () => {
      if (opts.keepWriting) socket.write('late', () => setTimeout(() => socket.destroy(), 200));
      else socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** A Node TLS server answering each connection with `handler`, recorded with tcpdump around one client. */
async function recordWith(dir: string, name: string, handler: (s: tls.TLSSocket) => void, client: (port: number) => Promise<void>): Promise<Recorded> {
  const pcap = path.join(dir, `${name}.pcap`);
  const port = await freePort();
  const server = tls.createServer({ ...demoCerts().ecdsa, allowHalfOpen: true }, handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const dump = await startTcpdump(pcap, port);
  try {
    await client(port);
  } finally {
    await stopTcpdump(dump);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
  return { pcap, keylog: '', port };
}

/**
 * A FIN on the last data segment, as the kernel sends it when the data is still queued (TCP_CORK)
 * at shutdown: Python's ssl client corks, writes one record and shuts its side down.
 */
const CORKED_CLIENT = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
raw = socket.socket()
# A smaller MSS than loopback's in the SYN, as a host behind a tunnel would announce.
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1200)
raw.connect(('127.0.0.1', int(sys.argv[1])))
s = ctx.wrap_socket(raw, server_hostname='localhost')
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')
s.shutdown(socket.SHUT_WR)
while s.recv(4096): pass
`;

describeWithTools('tcpdump', 'tshark', 'editcap', 'text2pcap', 'openssl', 'python3')('tls-trace read: the TCP teardown as the wire had it', () => {
  let dir: string;
  let openssl: Recorded;
  let halfClose: Recorded;
  let reset: Recorded;
  let rstAfterFin: Recorded;
  let finOnData: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-teardown-'));
    openssl = await recordOpenssl(dir, 'tls13');
    reset = await recordReset(dir, 'reset');
    // The client sends its request and FIN; the server (half-open allowed) answers after that FIN, then closes.
    halfClose = await recordWith(dir, 'half', (s) => s.on('end', () => setTimeout(() => s.end('HTTP/1.0 200 OK\r\n\r\nafter your FIN'), 20)).resume(), (port) => clientOnce(port, { request: 'GET / HTTP/1.0\r\n\r\n' }));
    // The server closes at once (FIN); the client writes after it; the server's kernel resets.
    rstAfterFin = await recordWith(dir, 'rst-after-fin', (s) => s.destroy(), (port) => clientOnce(port, { keepWriting: true }));
    const cafile = path.join(dir, 'root.pem');
    writeFileSync(cafile, demoCerts().root);
    finOnData = await recordWith(dir, 'fin-on-data', (s) => s.on('end', () => s.end()).resume(), (port) =>
      new Promise((resolve, reject) => {
        const py = spawn('python3', ['-c', CORKED_CLIENT, String(port), cafile], { stdio: ['ignore', 'ignore', 'pipe'] });
        py.on('error', reject);
        let err = '';
        py.stderr?.on('data', (d: Buffer) => (err += d.toString()));
        py.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`python3 client failed (${code}): ${err}`))));
      }),
    );
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('openssl s_server: each FIN with the ACK that acknowledged it, as tshark sees them, in text and valid JSON', async () => {
    const frames = await tsharkFrames(openssl.pcap, openssl.port);
    const { teardown, json } = await teardownOf(openssl.pcap);
    expectSchemaValid('trace', json);
    expect(teardown.how).toBe('fin');
    expectFinsAgree(teardown, frames);
    const text = (await runCli(['read', openssl.pcap, '--no-color'])).stdout.split('\n');
    const at = text.findIndex((l) => l.startsWith('TCP · teardown'));
    const block = text.slice(at, text.indexOf('', at));
    for (const { fin, ack } of finsAndAcks(frames)) {
      const time = `${fin.timeMs.toFixed(3)} ms`.padStart(12);
      expect(block.some((l) => l.startsWith(`  ${time}  ${fin.side === 'client' ? '→' : '←'} FIN: the ${fin.side} is done sending`))).toBe(true);
      if (ack && !has(ack, 'F')) {
        const ackTime = `${ack.timeMs.toFixed(3)} ms`.padStart(12);
        expect(block.some((l) => l.startsWith(`  ${ackTime}  ${ack.side === 'client' ? '→' : '←'} ACK of the ${fin.side}'s FIN`) && l.endsWith(`${(ack.timeMs - fin.timeMs).toFixed(3)} ms after it`))).toBe(true);
      }
    }
    // The lines are in wire order.
    const times = block.slice(1).map((l) => Number(/^ +([0-9.]+) ms/.exec(l)?.[1])).filter((t) => !Number.isNaN(t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // --html draws the same teardown on its ladder: each FIN, then its bare ACK (one riding on a FIN is that FIN's arrow).
    const html = path.join(dir, 'tls13.html');
    await runCli(['read', openssl.pcap, '--html', html]);
    const arrows = [...readFileSync(html, 'utf8').matchAll(/data-phase="tcp" data-direction="(client|server)"><title>[a-z]+ to [a-z]+: ([A-Z-]+)/g)].map((m) => `${m[1]} ${m[2]}`);
    const drawn = finsAndAcks(frames).flatMap(({ fin, ack }) => [{ t: fin.timeMs, a: `${fin.side} FIN` }, ...(ack && !has(ack, 'F') ? [{ t: ack.timeMs, a: `${ack.side} ACK` }] : [])]);
    expect(arrows).toEqual(['client SYN', 'server SYN-ACK', 'client ACK', ...drawn.sort((a, b) => a.t - b.t).map((d) => d.a)]);
  });

  it('a half-close: the server answers after the client FIN; the bytes it sent after it are counted as tshark counts them', async () => {
    const frames = await tsharkFrames(halfClose.pcap, halfClose.port);
    const { teardown } = await teardownOf(halfClose.pcap);
    expect(teardown).toMatchObject({ how: 'fin', closedFirstBy: 'client' });
    expectFinsAgree(teardown, frames);
    const clientFin = frames.findIndex((f) => f.side === 'client' && has(f, 'F'));
    const after = frames.slice(clientFin + 1).filter((f) => f.side === 'server' && f.len > 0);
    expect(after.length).toBeGreaterThan(0);
    expect(teardown.dataAfterFirstFin).toEqual(expect.objectContaining({ direction: 'server', bytes: after.reduce((n, f) => n + f.len, 0), segments: after.length }));
    const text = (await runCli(['read', halfClose.pcap, '--no-color'])).stdout;
    expect(text).toContain(`← half-close: the server still sent ${after.reduce((n, f) => n + f.len, 0)} B after the client's FIN`);
  });

  it('a FIN carried on the last data segment (a corked client): the FIN is that segment, with its payload length', async () => {
    const frames = await tsharkFrames(finOnData.pcap, finOnData.port);
    const fin = frames.find((f) => f.side === 'client' && has(f, 'F'));
    expect(fin?.len).toBeGreaterThan(0);
    const { teardown } = await teardownOf(finOnData.pcap);
    expectFinsAgree(teardown, frames);
    expect(teardown.events[0]).toMatchObject({ kind: 'FIN', direction: 'client', dataBytes: fin?.len });
    const text = (await runCli(['read', finOnData.pcap, '--no-color'])).stdout;
    expect(text).toMatch(new RegExp(`→ FIN: the client is done sending · on its last data segment \\(${fin?.len} B\\)`));
  });

  it('the SYN and SYN-ACK options (MSS, window scale, SACK permitted, timestamps) agree with tshark', async () => {
    for (const rec of [openssl, finOnData]) {
      const out = await run('tshark', ['-r', rec.pcap, '-Y', 'tcp.flags.syn==1', '-T', 'fields', '-e', 'tcp.options.mss_val', '-e', 'tcp.options.wscale.shift', '-e', 'tcp.options.wscale.multiplier', '-e', 'tcp.options.sack_perm', '-e', 'tcp.options.timestamp.tsval', '-e', 'tcp.options.timestamp.tsecr']);
      const theirs = out.replace(/\n$/, '').split('\n').map((l) => {
        const [mss, shift, mult, sack, tsval, tsecr] = l.split('\t');
        return { mss: Number(mss), windowScale: Number(shift), multiplier: Number(mult), sackPermitted: sack !== '', timestamps: { value: Number(tsval), echo: Number(tsecr) } };
      });
      const json = JSON.parse((await runCli(['read', rec.pcap, '--json'])).stdout) as { tcp: { handshake: { synOptions: object; synAckOptions: object } } };
      const strip = ({ multiplier: _m, ...o }: (typeof theirs)[number]): object => o;
      expect([json.tcp.handshake.synOptions, json.tcp.handshake.synAckOptions]).toEqual(theirs.map(strip));
      const text = (await runCli(['read', rec.pcap, '--no-color'])).stdout.split('\n');
      const at = text.indexOf('TCP · three-way handshake');
      expect(text[at + 2]).toBe(`${' '.repeat(18)}MSS ${theirs[0].mss} · window scale ${theirs[0].windowScale} (×${theirs[0].multiplier}) · SACK permitted · timestamps`);
      expect(text[at + 4]).toBe(`${' '.repeat(18)}MSS ${theirs[1].mss} · window scale ${theirs[1].windowScale} (×${theirs[1].multiplier}) · SACK permitted · timestamps`);
    }
    // The corked Python client set TCP_MAXSEG 1200 before connecting: its SYN says so.
    const { handshake } = (JSON.parse((await runCli(['read', finOnData.pcap, '--json'])).stdout) as { tcp: { handshake: { synOptions: { mss: number } } } }).tcp;
    expect(handshake.synOptions.mss).toBe(1200);
  });

  it('a server RST (no FIN from it): who reset, and the segment before it as tshark lists it', async () => {
    const frames = await tsharkFrames(reset.pcap, reset.port);
    const i = frames.findIndex((f) => has(f, 'R'));
    const prev = frames[i - 1];
    const { teardown } = await teardownOf(reset.pcap);
    const rst = teardown.events.find((e) => e.kind === 'RST');
    expect(rst).toMatchObject({ direction: frames[i].side, seq: frames[i].seq });
    const what = has(prev, 'F') ? 'FIN' : prev.len > 0 ? 'data' : 'ACK';
    expect(rst?.after).toMatchObject({ direction: prev.side, what });
  });

  it('an RST after FIN: the server closed, the client wrote after it, the server reset; said as such', async () => {
    const frames = await tsharkFrames(rstAfterFin.pcap, rstAfterFin.port);
    const i = frames.findIndex((f) => has(f, 'R'));
    expect(frames[i].side).toBe('server');
    const serverFin = frames.findIndex((f) => f.side === 'server' && has(f, 'F'));
    expect(serverFin).toBeGreaterThan(-1);
    expect(serverFin).toBeLessThan(i);
    const { teardown } = await teardownOf(rstAfterFin.pcap);
    expect(teardown.how).toBe('rst');
    expect(teardown.closedFirstBy).toBe('server');
    const rst = teardown.events.find((e) => e.kind === 'RST');
    expect(rst?.finsBefore).toContain('server');
    expect(rst?.after).toMatchObject({ direction: frames[i - 1].side });
    const text = (await runCli(['read', rstAfterFin.pcap, '--no-color'])).stdout;
    expect(text).toMatch(/← RST: the server reset the connection · after the client's \w+ \(.* earlier\) · the (client's and the )?server's FIN already sent/);
  });

  it('a capture that ends before the teardown (editcap keeps the frames before the first FIN): says so, with the last packet', async () => {
    const frames = await tsharkFrames(openssl.pcap, openssl.port);
    const firstFin = frames.findIndex((f) => has(f, 'F')) + 1;
    const cut = path.join(dir, 'no-teardown.pcap');
    await run('editcap', ['-r', '-F', 'pcap', openssl.pcap, cut, `1-${firstFin - 1}`]);
    const { teardown } = await teardownOf(cut);
    expect(teardown).toEqual({ how: 'open', events: [], lastPacketMs: expect.closeTo(frames[firstFin - 2].timeMs, 3) as number });
    const text = (await runCli(['read', cut, '--no-color'])).stdout;
    expect(text).toContain(`TCP · teardown · not captured\n  no FIN or RST in the file: the connection was still open when the capture ended (its last packet at ${frames[firstFin - 2].timeMs.toFixed(3)} ms)`);
    // Keep the first FIN too: one FIN only, and the other side's close not in the file.
    const half = path.join(dir, 'one-fin.pcap');
    await run('editcap', ['-r', '-F', 'pcap', openssl.pcap, half, `1-${firstFin}`]);
    const one = await teardownOf(half);
    expect(one.teardown.how).toBe('half');
    expect(one.teardown.events[0].acked).toBeUndefined();
    const other = frames[firstFin - 1].side === 'client' ? 'server' : 'client';
    expect((await runCli(['read', half, '--no-color'])).stdout).toContain(`no FIN from the ${other} in the file: the capture ended before it closed its side`);
  });
});

describeWithTools('tcpdump', 'tshark', 'text2pcap', 'openssl', 'nginx')('tls-trace read: steps in the wire order when timestamps tie', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-order-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The file again with every timestamp cut to the millisecond (text2pcap), so frames of both directions tie. */
  async function coarsen(input: string): Promise<string> {
    const lines: string[] = [];
    for (const f of await framesOf(input)) {
      lines.push(`${f.time.slice(0, -3)}000`);
      for (let i = 0; i < f.data.length; i += 16) lines.push(`${i.toString(16).padStart(6, '0')} ${[...f.data.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    }
    const text = `${input}.ms.txt`;
    writeFileSync(text, lines.join('\n') + '\n');
    const out = `${input}.ms.pcap`;
    await run('text2pcap', ['-q', '-t', '%s.%f', text, out]);
    return out;
  }

  /** tshark's TLS records in frame order, as the directions that sent them. */
  async function tsharkRecordSides(file: string, port: number, keylog: string): Promise<string[]> {
    const keys = keylog ? ['-o', `tls.keylog_file:${keylog}`] : [];
    const out = await run('tshark', ['-r', file, '-d', `tcp.port==${port},tls`, ...keys, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tls.record.content_type']);
    return out.replace(/\n$/, '').split('\n').flatMap((l) => {
      const [src, types] = l.split('\t');
      return types ? types.split(',').map(() => (Number(src) === port ? 'server' : 'client')) : [];
    });
  }

  async function expectWireOrder(rec: Recorded, stream: string[] = []): Promise<void> {
    const coarse = await coarsen(rec.pcap);
    const times = (await run('tshark', ['-r', coarse, '-T', 'fields', '-e', 'frame.time_relative'])).trim().split('\n');
    // The point of the test: frames of both directions share a timestamp.
    expect(new Set(times).size).toBeLessThan(times.length);
    const theirs = await tsharkRecordSides(coarse, rec.port, rec.keylog);
    const ours: string[] = [];
    const args = stream.length > 0 ? stream : ['1'];
    for (const n of args) {
      const keys = rec.keylog ? ['--keylog', rec.keylog] : [];
      const json = JSON.parse((await runCli(['read', coarse, '--json', ...keys, '--stream', n])).stdout) as { records: { direction: string }[] };
      ours.push(...json.records.map((r) => r.direction));
    }
    expect(ours).toEqual(theirs);
  }

  it('TLS 1.3 with a HelloRetryRequest (openssl s_server -groups P-256, client key share X25519)', async () => {
    const hrr = await recordOpenssl(dir, 'hrr', ['-groups', 'P-256'], 1, { ecdhCurve: 'X25519:P-256' });
    const json = JSON.parse((await runCli(['read', hrr.pcap, '--json'])).stdout) as { steps: { name: string }[] };
    expect(json.steps.map((s) => s.name)).toContain('HelloRetryRequest');
    await expectWireOrder(hrr);
  }, 60_000);

  it('nginx answering an HTTP request (TLS 1.3, its tickets and response racing the client)', async () => {
    const server = await startNginx();
    const pcap = path.join(dir, 'nginx.pcap');
    try {
      await tcpdumpAround(pcap, server.port, () => nodeClient(server.port));
    } finally {
      await server.close();
    }
    await expectWireOrder({ pcap, keylog: '', port: server.port });
  }, 60_000);

  it('TLS 1.2 with session resumption (openssl s_server -tls1_2; the second connection resumes)', async () => {
    let session: Buffer | undefined;
    const both = await recordOpensslResumed(dir, (s) => (session = s), () => session);
    const table = (await runCli(['read', both.pcap, '--json', '--keylog', both.keylog, '--stream', '2'])).stdout;
    expect((JSON.parse(table) as { negotiated: { resumed?: { value?: boolean } } }).negotiated.resumed?.value).toBe(true);
    await expectWireOrder(both, ['1', '2']);
  }, 60_000);
});

/** Two connections against one `openssl s_server -tls1_2`, the second resuming the first's session. */
async function recordOpensslResumed(dir: string, keep: (s: Buffer) => void, get: () => Buffer | undefined): Promise<Recorded> {
  const pcap = path.join(dir, 'resumed.pcap');
  const keylog = path.join(dir, 'resumed.keys');
  const server = await startOpensslServer(['-keylogfile', keylog, '-tls1_2']);
  const dump = await startTcpdump(pcap, server.port);
  try {
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve) => {
        const session = get();
        const socket = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: demoCerts().root, ...(session ? { session } : {}) }, () => socket.end());
        socket.on('session', keep);
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }
  } finally {
    await stopTcpdump(dump);
    await server.close();
  }
  return { pcap, keylog, port: server.port };
}
