// A TCP proxy in front of a real server that flips one byte of what the server sends (at a
// stream offset), for tests that hand-built handshakes never trust a tampered flight.

import net from 'node:net';
import { listenInProcess, type TestServer } from './servers.js';

/** Forwards both ways, flipping (XOR 0x40) the server's byte at stream offset `at`. */
export function flippingProxy(upstreamPort: number, at: number): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    let seen = 0;
    up.on('data', (d: Buffer) => {
      if (at >= seen && at < seen + d.length) d[at - seen] ^= 0x40;
      seen += d.length;
      client.write(d);
    });
    client.on('data', (d) => up.write(d));
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  return listenInProcess(proxy, '127.0.0.1', sockets, [], 'flipping proxy');
}
