// `tls-trace read` on captures that start after the connection did (tcpdump started late, or a long
// capture split with editcap): no SYN and no ClientHello in the file, so the first sender may well
// be the server. Each of our records must come from the side tshark (told the server's port with
// -d) says sent it, with the same record lengths, and the table must name the real server.

import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { recordNodeServer, recordOpenssl, run, type Recorded } from '../helpers/pcap-tools.js';
import { ourRecordLengths as ours, tsharkFrames, tsharkRecordLengths, type Frame } from '../helpers/record-sides.js';
import { describeWithTools } from '../helpers/servers.js';

/** `file` without its frames before `first` (editcap keeps the range given). */
async function from(file: string, first: number, out: string): Promise<string> {
  await run('editcap', ['-r', file, out, `${first}-1000000`]);
  return out;
}

/** A server answer long enough for several records, to a request. */
function answer(s: tls.TLSSocket): void {
  s.on('error', () => undefined);
  s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\n' + 'x'.repeat(3000)));
}

/** Listens on the first free port of 900–1000 (other programs may hold some). */
async function listenOnSystemPort(server: Server): Promise<number> {
  for (let port = 900; port < 1000; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 900–1000');
}

describeWithTools('tcpdump', 'tshark', 'editcap', 'openssl')('tls-trace read: a capture that starts after the connection did', () => {
  let dir: string;
  let tls13: Recorded;
  let system: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-late-'));
    tls13 = await recordOpenssl(dir, 'tls13');
    // A Node TLS server on a free system port (< 1024: the test runs as root, as tcpdump does).
    system = await recordNodeServer(dir, 'system-port', {}, '127.0.0.1', answer, { listen: listenOnSystemPort });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the ClientHello not captured: the ServerHello tells the server, each record on the side tshark gives it', async () => {
    const all = await tsharkFrames(tls13.pcap);
    // From the frame after the ClientHello (the client's first data) on: the server's flight comes first.
    const hello = all.find((f) => f.srcPort !== tls13.port && f.len > 0) as Frame;
    const late = await from(tls13.pcap, hello.number + 1, path.join(dir, 'no-client-hello.pcap'));
    const theirs = await tsharkRecordLengths(late, tls13.port, tls13.keylog);
    expect(theirs.server.length).toBeGreaterThan(3);
    expect(theirs.client.length).toBeGreaterThan(1);
    expect(await ours(late, tls13.keylog)).toEqual({ serverPort: tls13.port, sides: theirs });
  });

  it('no hello in view, the server speaking first: its system port (< 1024) tells it', async () => {
    const all = await tsharkFrames(system.pcap);
    // The server's answer to the request: its first data after the client's last handshake data.
    const request = all.filter((f) => f.srcPort !== system.port && f.len > 0)[1];
    const answer = all.find((f) => f.number > request.number && f.srcPort === system.port && f.len > 0) as Frame;
    const late = await from(system.pcap, answer.number, path.join(dir, 'answer-first.pcap'));
    const theirs = await tsharkRecordLengths(late, system.port, system.keylog);
    expect(theirs.server.length).toBeGreaterThan(0);
    expect(await ours(late, system.keylog)).toEqual({ serverPort: system.port, sides: theirs });
  });
});
