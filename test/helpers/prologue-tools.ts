// Real captures of TLS that starts after plaintext, for `tls-trace read`: tcpdump on loopback
// around `openssl s_client -starttls smtp` against a small scripted SMTP responder (banner, EHLO,
// STARTTLS, then the socket handed to Node's TLS), and a Node TLS client that sends a PROXY
// protocol v1 or v2 header before its ClientHello to a server that strips it. Each returns the
// plaintext each side really sent, as the golden value for the Capture's prologue.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { startTcpdump, stopTcpdump, type Recorded } from './pcap-tools.js';
import { demoCerts, freePort } from './servers.js';

export interface PrologueRecorded extends Recorded {
  /** Plaintext the client sent before its ClientHello, and the server before its ServerHello. */
  sent: { client: Buffer; server: Buffer };
}

/** The SMTP side of a STARTTLS dialogue; hands the socket to TLS after "220 Ready to start TLS". */
function smtpResponder(sent: { client: Buffer[]; server: Buffer[] }): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    const say = (text: string): void => {
      sent.server.push(Buffer.from(text));
      socket.write(text);
    };
    say('220 localhost ESMTP tls-trace test\r\n');
    let buffered = '';
    const onData = (d: Buffer): void => {
      sent.client.push(d);
      buffered += d.toString('latin1');
      while (buffered.includes('\r\n')) {
        const line = buffered.slice(0, buffered.indexOf('\r\n'));
        buffered = buffered.slice(line.length + 2);
        if (/^EHLO /i.test(line)) say('250-localhost\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS$/i.test(line)) {
          socket.off('data', onData);
          say('220 2.0.0 Ready to start TLS\r\n');
          const secure = new tls.TLSSocket(socket, { isServer: true, ...demoCerts().ecdsa });
          secure.on('error', () => undefined);
          secure.on('data', () => undefined);
          secure.on('secure', () => secure.write('250 localhost after TLS\r\n'));
          return;
        } else say('502 5.5.2 not here\r\n');
      }
    };
    socket.on('data', onData);
  });
}

/** `openssl s_client -starttls smtp` (key log with -keylogfile) against the scripted responder. */
export async function recordSmtpStarttls(dir: string, name: string): Promise<PrologueRecorded> {
  const pcap = `${dir}/${name}.pcap`;
  const keylog = `${dir}/${name}.keys`;
  const port = await freePort();
  const sent = { client: [] as Buffer[], server: [] as Buffer[] };
  const server = smtpResponder(sent);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const dump = await startTcpdump(pcap, port);
  try {
    await new Promise<void>((resolve, reject) => {
      const args = ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-keylogfile', keylog, '-brief'];
      const child = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'ignore'] });
      const timer = setTimeout(() => child.kill(), 20_000);
      // Closing stdin once the handshake has had time ends s_client's session after TLS.
      setTimeout(() => child.stdin.end(), 1500);
      child.on('error', reject);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    await stopTcpdump(dump);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
  return { pcap, keylog, port, sent: { client: Buffer.concat(sent.client), server: Buffer.concat(sent.server) } };
}

/** A PROXY protocol header (v1 text or v2 binary) for a TCP/IPv4 connection from `src` to `dst` (ports). */
export function proxyHeader(version: 1 | 2, src: number, dst: number): Buffer {
  if (version === 1) return Buffer.from(`PROXY TCP4 192.0.2.10 127.0.0.1 ${src} ${dst}\r\n`);
  const addresses = Buffer.from([192, 0, 2, 10, 127, 0, 0, 1, src >> 8, src & 0xff, dst >> 8, dst & 0xff]);
  const fixed = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0, addresses.length]);
  return Buffer.concat([fixed, addresses]);
}

/**
 * A Node TLS client that writes a PROXY header on its TCP socket and then starts TLS on it,
 * against a server that reads the header off and hands the rest to Node's TLS.
 */
export async function recordProxied(dir: string, name: string, version: 1 | 2): Promise<PrologueRecorded> {
  const port = await freePort();
  return recordPrefixed(dir, name, port, proxyHeader(version, 40000, port));
}

/** An HTTP CONNECT exchange (request, then "200 Connection established") before TLS, as through a proxy. */
export async function recordConnect(dir: string, name: string): Promise<PrologueRecorded> {
  const request = Buffer.from('CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n');
  return recordPrefixed(dir, name, await freePort(), request, Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'));
}

/** The server side: reads `prefix` off, answers `reply` (if any), hands the socket to Node's TLS. */
function prefixServer(prefix: Buffer, reply?: Buffer): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    // Paused mode: no byte after the prefix is consumed before TLS takes the socket over.
    const onReadable = (): void => {
      if (socket.readableLength < prefix.length) {
        // Pull what has arrived into the buffer so readableLength grows; nothing is consumed.
        socket.read(0);
        return;
      }
      socket.off('readable', onReadable);
      socket.read(prefix.length);
      if (reply) socket.write(reply);
      const secure = new tls.TLSSocket(socket, { isServer: true, ...demoCerts().ecdsa });
      secure.on('error', () => undefined);
      secure.on('data', () => secure.end('HTTP/1.0 200 OK\r\n\r\nbehind a proxy'));
    };
    socket.on('readable', onReadable);
  });
}

async function recordPrefixed(dir: string, name: string, port: number, prefix: Buffer, reply?: Buffer): Promise<PrologueRecorded> {
  const pcap = `${dir}/${name}.pcap`;
  const keylog = `${dir}/${name}.keys`;
  const server = prefixServer(prefix, reply);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const lines: string[] = [];
  const dump = await startTcpdump(pcap, port);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the prefixed TLS exchange did not finish in 20 s')), 20_000);
      const raw = net.connect(port, '127.0.0.1', () => {
        raw.write(prefix);
        // Through a CONNECT proxy TLS starts once the proxy has said yes.
        if (reply) raw.once('data', startTls);
        else startTls();
      });
      raw.on('error', reject);
      function startTls(): void {
        const socket = tls.connect({ socket: raw, servername: 'localhost', ca: demoCerts().root }, () => socket.end('GET / HTTP/1.0\r\n\r\n'));
        socket.on('keylog', (l: Buffer) => lines.push(l.toString().trim()));
        socket.on('data', () => undefined);
        socket.on('error', reject);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      }
    });
  } finally {
    await stopTcpdump(dump);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
  writeFileSync(keylog, lines.join('\n') + '\n');
  return { pcap, keylog, port, sent: { client: prefix, server: reply ?? Buffer.alloc(0) } };
}
