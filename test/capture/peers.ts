// Misbehaving loopback peers for the capture tests: plain TCP servers that answer with HTTP, drip
// bytes, reset, or never answer. Each listens on 127.0.0.1 port 0 and `close()` destroys every
// connection and stops every timer it started.

import net from 'node:net';

export interface Peer {
  port: number;
  close(): Promise<void>;
}

export async function startPeer(onConnection: (socket: net.Socket, track: (t: NodeJS.Timeout) => void) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s, (t) => timers.add(t));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        const guard = setTimeout(resolve, 2000);
        server.close(() => {
          clearTimeout(guard);
          resolve();
        });
      }),
  };
}

/** A port nothing listens on: bind port 0, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const peers = {
  http: (s: net.Socket): void => {
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  },
  ssh: (s: net.Socket): void => {
    s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
  },
  silent: (): void => undefined,
  closeAtOnce: (s: net.Socket): void => {
    s.end();
  },
  closeAfterHello: (s: net.Socket): void => {
    s.once('data', () => s.end());
  },
  resetAfterHello: (s: net.Socket): void => {
    // A TLS-looking start, then RST: a reset in the middle of the handshake.
    s.once('data', () => s.write(Buffer.from('160303', 'hex'), () => setTimeout(() => s.resetAndDestroy(), 20)));
  },
  /** A plaintext fatal handshake_failure alert in reply to the ClientHello. */
  fatalAlert: (s: net.Socket): void => {
    s.once('data', () => s.end(Buffer.from('15030300020228', 'hex')));
  },
  /** A believable ServerHello record header, then one zero byte every 100 ms, forever. */
  drip: (s: net.Socket, track: (t: NodeJS.Timeout) => void): void => {
    s.once('data', () => {
      s.write(Buffer.from('16030300460200004203', 'hex'));
      const t = setInterval(() => {
        if (!s.destroyed) s.write(Buffer.alloc(1));
      }, 100);
      track(t);
      s.on('close', () => clearInterval(t));
    });
  },
};
