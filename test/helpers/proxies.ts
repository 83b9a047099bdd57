// HTTP CONNECT proxies for tests: the real tinyproxy (Debian package `tinyproxy`), run unprivileged
// in the foreground with a private configuration, and a scripted fake proxy for the failure cases
// tinyproxy cannot be made to show (502 on demand, closing, dripping, garbage, an endless head).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listenInProcess, startSpawned, type TestServer } from './servers.js';

export interface TinyproxyOptions {
  /** Ports CONNECT may reach (tinyproxy answers 403 for any other). */
  connectPorts: number[];
  /** BasicAuth user and password; without them no authentication is asked for. */
  auth?: { user: string; pass: string };
}

/** tinyproxy listening on 127.0.0.1, allowing only 127.0.0.1, with its config in a temp dir. */
export function startTinyproxy(opts: TinyproxyOptions): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tinyproxy-'));
  return startSpawned({
    host: '127.0.0.1',
    command: (port) => {
      const conf = [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'Allow 127.0.0.1',
        'MaxClients 200',
        'LogLevel Info',
        ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
        ...(opts.auth ? [`BasicAuth ${opts.auth.user} ${opts.auth.pass}`] : []),
      ].join('\n');
      const file = path.join(dir, 'tinyproxy.conf');
      writeFileSync(file, `${conf}\n`);
      return { cmd: 'tinyproxy', args: ['-d', '-c', file], cwd: dir };
    },
    readyTimeoutMs: 10_000,
    lifetimeMs: 10 * 60_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}

/** What the fake proxy does with a CONNECT request (`request` is the head it read). */
export type FakeProxyBehaviour = (socket: net.Socket, request: string) => void;

/**
 * A scripted proxy: reads one request head, then hands the socket to `behaviour`. The request
 * heads it saw are kept in `requests` (to check what tls-trace sent, credentials included).
 */
export async function startFakeProxy(behaviour: FakeProxyBehaviour): Promise<TestServer & { requests: string[] }> {
  const sockets = new Set<net.Socket>();
  const log: string[] = [];
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    let head = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      requests.push(head.slice(0, end + 4));
      behaviour(socket, head.slice(0, end + 4));
    };
    socket.on('data', onData);
  });
  const s = await listenInProcess(server, '127.0.0.1', sockets, log, 'fake proxy');
  return Object.assign(s, { requests });
}

/** A fake proxy behaviour that tunnels to `port` on 127.0.0.1 after answering 200 (like tinyproxy). */
export function tunnelTo(port: number, answer = 'HTTP/1.1 200 Connection established\r\n\r\n'): FakeProxyBehaviour {
  return (socket) => {
    const upstream = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(answer);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    // Once the client side is gone the tunnel is: without this, an upstream whose pipe went with
    // the client socket stays open in the jest worker, paused with the server's FIN unread.
    socket.on('close', () => upstream.destroy());
  };
}
