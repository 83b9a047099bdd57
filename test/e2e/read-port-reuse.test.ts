// `tls-trace read` on a capture where one 4-tuple carries two connections one after the other: a
// Node client bound to the same local port connects twice to a Node TLS server that closes first
// (so the client's port is free again at once). tshark splits the file into two TCP streams at the
// second SYN ("TCP Port numbers reused"); tls-trace must too, also when the first connection's
// teardown is missing from the file (frames dropped by a loaded capture, or cut with editcap), and
// never glue the second handshake into the first connection's stream.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { runCli } from '../helpers/cli.js';
import { recordNodeServer, run, type Recorded } from '../helpers/pcap-tools.js';
import { demoCerts, describeWithTools, freePort } from '../helpers/servers.js';

/** Two connections from the same client port, TLS 1.3 then TLS 1.2, each answered and closed by the server. */
async function recordPortReuse(dir: string): Promise<Recorded> {
  const clientPort = await freePort();
  const twice = async (port: number): Promise<void> => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      await new Promise<void>((resolve, reject) => {
        // tls.connect's options have no localPort: the TCP socket bound to it is made first.
        const tcp = net.connect({ host: '127.0.0.1', port, localPort: clientPort });
        const s = tls.connect({ socket: tcp, servername: 'localhost', ca: demoCerts().root, maxVersion }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
        s.on('data', () => undefined);
        s.on('error', reject);
        s.on('close', () => resolve());
      });
    }
  };
  // The server ends each connection first, so the client's port is free again at once.
  const answer = (s: tls.TLSSocket): void => {
    s.on('error', () => undefined);
    s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nhello'));
  };
  return recordNodeServer(dir, 'reuse', {}, '127.0.0.1', answer, { client: twice });
}

interface Stream {
  stream: number;
  random: string;
}

/** tshark's TCP stream of each ServerHello, with its random: one row per connection. */
async function tsharkServerHellos(file: string, port: number): Promise<Stream[]> {
  const out = await run('tshark', ['-r', file, '-d', `tcp.port==${port},tls`, '-Y', 'tls.handshake.type == 2', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tls.handshake.random']);
  return out.trim().split('\n').map((l) => {
    const [stream, random] = l.split('\t');
    return { stream: Number(stream), random: random.replaceAll(':', '') };
  });
}

/** Frame numbers of the FIN segments of tshark's TCP stream `stream`. */
async function finFrames(file: string, stream: number): Promise<number[]> {
  const out = await run('tshark', ['-r', file, '-Y', `tcp.stream == ${stream} && tcp.flags.fin == 1`, '-T', 'fields', '-e', 'frame.number']);
  return out.split('\n').filter((l) => l.trim() !== '').map(Number);
}

interface Row {
  number: number;
  client: string;
  version: string;
  outcome: string;
  bytes: { client: number; server: number };
}

describeWithTools('tcpdump', 'tshark', 'editcap')('tls-trace read: a 4-tuple reused by a second connection', () => {
  let dir: string;
  let rec: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-reuse-'));
    rec = await recordPortReuse(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Each connection of `file` in tls-trace's table, and the ServerHello random of each connection read. */
  async function ours(file: string): Promise<{ rows: Row[]; randoms: string[] }> {
    const table = await runCli(['read', file, '--keylog', rec.keylog, '--json']);
    expect(table.code).toBe(0);
    const rows = (JSON.parse(table.stdout) as { connections?: Row[] }).connections ?? [];
    const found = (await readPacketCapture(file)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
    const randoms = found.map((c) => {
      const hello = decodeCapture(c).messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === 2);
      return hello?.body?.type === 'server_hello' ? hello.body.random : '';
    });
    return { rows, randoms };
  }

  async function expectTwoConnections(file: string): Promise<void> {
    const theirs = await tsharkServerHellos(file, rec.port);
    // The control: tshark sees two TCP streams, each with its own ServerHello.
    expect(theirs.map((t) => t.stream)).toEqual([0, 1]);
    const { rows, randoms } = await ours(file);
    expect(rows).toHaveLength(2);
    expect(rows[0].client).toBe(rows[1].client);
    expect(randoms).toEqual(theirs.map((t) => t.random));
    expect(rows.map((r) => r.version)).toEqual(['TLS 1.3', 'TLS 1.2']);
    for (const r of rows) expect(r.outcome).toBe('Handshake complete');
  }

  it('the whole capture: two connections, as tshark splits them', async () => {
    await expectTwoConnections(rec.pcap);
  });

  it("the first connection's FINs missing: the second SYN (another ISN) still starts a new connection", async () => {
    const fins = await finFrames(rec.pcap, 0);
    expect(fins.length).toBeGreaterThan(0);
    const cut = path.join(dir, 'no-fin.pcap');
    await run('editcap', [rec.pcap, cut, ...fins.map(String)]);
    expect(await finFrames(cut, 0)).toEqual([]);
    await expectTwoConnections(cut);
  });
});
