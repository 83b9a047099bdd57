// The post-handshake drain (TLS 1.3 NewSessionTickets): it ends once the server's records are
// complete, so it neither closes in the middle of a ticket record cut across TCP segments nor
// waits out its whole bound after the tickets (the speed of one trace, bench/trace.ts).

import net from 'node:net';
import { captureHandshake } from '../../src/capture/capture.js';
import { startDemoServer, type DemoServer } from '../../src/capture/demo-server.js';
import type { Capture } from '../../src/capture/types.js';

/** Server → client records as [type, length], walked from the captured server stream. */
function serverRecords(c: Capture): { records: Array<[number, number]>; rest: number } {
  const s = Buffer.concat(c.chunks.filter((ch) => ch.direction === 'server').map((ch) => ch.bytes));
  const records: Array<[number, number]> = [];
  let at = 0;
  while (at + 5 <= s.length && at + 5 + s.readUInt16BE(at + 3) <= s.length) {
    records.push([s[at], s.readUInt16BE(at + 3)]);
    at += 5 + s.readUInt16BE(at + 3);
  }
  return { records, rest: s.length - at };
}

/**
 * A proxy in front of the demo server that cuts the server's first post-handshake record (a
 * ticket) after 10 bytes and holds the rest, and everything after it, for `holdMs`.
 */
async function startSplittingProxy(upstreamPort: number, holdMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let clientWrites = 0;
    let held: Buffer[] | undefined;
    client.on('data', (b) => {
      clientWrites++;
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (held) held.push(b);
      else if (clientWrites >= 2) {
        // The client has sent its Finished: these are the server's post-handshake records.
        client.write(b.subarray(0, 10));
        held = [b.subarray(10)];
        setTimeout(() => {
          client.write(Buffer.concat(held ?? []));
          held = [];
        }, holdMs);
      } else client.write(b);
    });
    upstream.on('end', () => setTimeout(() => client.end(), holdMs + 10));
    client.on('end', () => upstream.end());
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('captureHandshake: the TLS 1.3 post-handshake drain', () => {
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemoServer();
  });
  afterAll(async () => {
    await demo.close();
  });

  it('keeps the tickets and closes only after the record they arrive in is complete', async () => {
    const proxy = await startSplittingProxy(demo.port, 200);
    try {
      const c = await captureHandshake({ host: '127.0.0.1', port: proxy.port, timeoutMs: 5000, drainMs: 3000 });
      expect(c.error).toBeUndefined();
      expect(c.node?.protocol).toBe('TLSv1.3');
      const { records, rest } = serverRecords(c);
      expect(rest).toBe(0);
      // Every record the server sent after its handshake flight is a whole protected record.
      expect(records.filter(([type]) => type === 0x17).length).toBeGreaterThanOrEqual(5);
      const client = c.chunks.filter((ch) => ch.direction === 'client');
      const server = c.chunks.filter((ch) => ch.direction === 'server');
      // The held part of the ticket record arrives in a server chunk after the 10-byte piece.
      const piece = server.findIndex((ch) => ch.bytes.length === 10);
      expect(piece).toBeGreaterThan(0);
      const completed = server[piece + 1];
      expect(completed).toBeDefined();
      // Our close_notify (the client's third write) goes out only after the record completed; a
      // drain that ends on a quiet gap alone sends it in the middle of the ticket.
      expect(client.length).toBeGreaterThanOrEqual(3);
      expect(client[2].timeMs).toBeGreaterThanOrEqual(completed.timeMs);
    } finally {
      await proxy.close();
    }
  });

  it('ends soon after the tickets, well before its bound', async () => {
    // Not a timing benchmark: the bound is 10 s, so ending at all before it shows the drain
    // ended on the completed tickets rather than on the bound.
    const started = Date.now();
    const c = await captureHandshake({ host: '127.0.0.1', port: demo.port, timeoutMs: 20_000, drainMs: 10_000 });
    expect(c.error).toBeUndefined();
    expect(serverRecords(c).rest).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
