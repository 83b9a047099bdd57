// TCP proxies in front of a real server, for tests that hand-built handshakes never trust a
// tampered flight and cope with what unusual servers send: a byte flipped, records cut inside
// their headers, bytes before the flight, our own bytes altered on their way.

import net from 'node:net';
import { listenInProcess, type TestServer } from './servers.js';

/** What one proxied connection does to each direction's bytes (default: forwards them as they are). */
export interface Tamper {
  /** The server's bytes: `send` forwards to the client (any number of times, also later). */
  server?: (d: Buffer, send: (b: Buffer) => void) => void;
  /** The client's bytes, as forwarded to the server. */
  client?: (d: Buffer) => Buffer;
}

/** Forwards both ways through `tamper()`, called afresh for each connection (its state is that connection's). */
export function tamperingProxy(upstreamPort: number, tamper: () => Tamper, what = 'tampering proxy'): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    client.setNoDelay(true);
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    const t = tamper();
    const send = (b: Buffer): void => {
      if (!client.destroyed) client.write(b);
    };
    up.on('data', (d: Buffer) => (t.server ? t.server(d, send) : send(d)));
    client.on('data', (d: Buffer) => up.write(t.client ? t.client(d) : d));
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  return listenInProcess(proxy, '127.0.0.1', sockets, [], what);
}

/** Flips (XOR 0x40) the server's byte at stream offset `at`. */
export function flippingProxy(upstreamPort: number, at: number): Promise<TestServer> {
  return tamperingProxy(
    upstreamPort,
    () => {
      let seen = 0;
      return {
        server: (d, send) => {
          if (at >= seen && at < seen + d.length) d[at - seen] ^= 0x40;
          seen += d.length;
          send(d);
        },
      };
    },
    'flipping proxy',
  );
}

/** A server that accepts connections and never sends a byte. */
export function silentServer(): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
  });
  return listenInProcess(server, '127.0.0.1', sockets, [], 'silent server');
}
