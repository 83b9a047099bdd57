// Scripted STARTTLS servers for tests: each connection runs a script that reads the client's
// plaintext and answers as a server of that protocol would, and `upgrade()` hands the socket to
// Node's tls (demo certificates) after the go-ahead, as a real server does. The failure cases
// (not offered, 454, garbage after the go-ahead, dripping, oversized lines) are scripts too.

import net from 'node:net';
import tls from 'node:tls';
import { replayStream } from '../../src/capture/starttls/index.js';
import type { StarttlsProtocol } from '../../src/capture/starttls/index.js';
import { demoCerts } from './servers.js';

export interface ScriptIo {
  readLine(): Promise<string>;
  readBytes(n: number): Promise<Buffer>;
  write(data: string | Uint8Array): void;
  /** Starts a TLS server on the socket (Node's tls, the demo ECDSA chain). */
  upgrade(): void;
  socket: net.Socket;
}

export type Script = (io: ScriptIo) => Promise<void>;

export interface ScriptedServer {
  port: number;
  /** Connections accepted. */
  connections(): number;
  /** TLS handshakes the server finished. */
  handshakes(): number;
  close(): Promise<void>;
}

function scriptIo(socket: net.Socket, onSecure: () => void): ScriptIo {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  };
  socket.on('data', onData);
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const take = async (n: (b: Buffer) => number | undefined): Promise<Buffer> => {
    for (;;) {
      const k = n(buf);
      if (k !== undefined) {
        const out = buf.subarray(0, k);
        buf = buf.subarray(k);
        return out;
      }
      if (ended) throw new Error('client closed');
      await new Promise<void>((r) => (wake = r));
    }
  };
  return {
    socket,
    readLine: async () => (await take((b) => (b.indexOf(0x0a) < 0 ? undefined : b.indexOf(0x0a) + 1))).toString('latin1').replace(/\r?\n$/, ''),
    readBytes: (n) => take((b) => (b.length >= n ? n : undefined)),
    write: (d) => void (socket.destroyed ? undefined : socket.write(d)),
    upgrade: () => {
      socket.off('data', onData);
      const { ecdsa } = demoCerts();
      // Node's tls takes a net.Socket's handle over and would lose bytes already read: hand it a
      // stream that first replays them.
      const t = new tls.TLSSocket(replayStream(socket, buf), { isServer: true, cert: ecdsa.cert, key: ecdsa.key, minVersion: 'TLSv1.2' });
      t.on('secure', onSecure);
      t.on('error', () => undefined);
      t.on('data', () => undefined);
    },
  };
}

export async function startScriptedServer(script: Script, host = '127.0.0.1'): Promise<ScriptedServer> {
  let connections = 0;
  let handshakes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const io = scriptIo(socket, () => handshakes++);
    script(io).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => connections,
    handshakes: () => handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- Happy scripts: one per protocol, a server that offers STARTTLS and starts TLS after the go-ahead.

const smtpLike =
  (hello: string): Script =>
  async (io) => {
    io.write('220 mail.test ESMTP ready\r\n');
    const ehlo = await io.readLine();
    if (!ehlo.startsWith(hello)) return void io.write('500 what\r\n');
    io.write('250-mail.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
    if ((await io.readLine()) !== 'STARTTLS') return;
    io.write('220 2.0.0 Ready to start TLS\r\n');
    io.upgrade();
  };

const imap: Script = async (io) => {
  io.write('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n');
  const cap = await io.readLine();
  const tag = cap.split(' ')[0];
  io.write(`* CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN\r\n${tag} OK done\r\n`);
  const st = await io.readLine();
  io.write(`${st.split(' ')[0]} OK Begin TLS negotiation now\r\n`);
  io.upgrade();
};

const pop3: Script = async (io) => {
  io.write('+OK POP3 ready\r\n');
  await io.readLine();
  io.write('+OK\r\nCAPA\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nSTLS\r\n.\r\n');
  await io.readLine();
  io.write('+OK Begin TLS\r\n');
  io.upgrade();
};

const ftp: Script = async (io) => {
  io.write('220-Welcome\r\n220 FTP ready\r\n');
  await io.readLine();
  io.write('211-Features:\r\n AUTH SSL\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n');
  await io.readLine();
  io.write('234 Proceed with negotiation.\r\n');
  io.upgrade();
};

/** LDAPMessage { 1, extendedResp { success, "", "" } }. */
export const LDAP_SUCCESS = Buffer.from('300c02010178070a010004000400', 'hex');

const ldap: Script = async (io) => {
  const head = await io.readBytes(2);
  await io.readBytes(head[1]);
  io.write(LDAP_SUCCESS);
  io.upgrade();
};

const xmppLike =
  (ns: string): Script =>
  async (io) => {
    let text = '';
    while (!text.includes("version='1.0'>")) text += (await io.readBytes(1)).toString('latin1');
    io.write(`<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams' id='x1' from='example.test' version='1.0'>`);
    io.write("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>");
    let st = '';
    while (!st.endsWith('/>')) st += (await io.readBytes(1)).toString('latin1');
    io.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    io.upgrade();
  };

const postgres: Script = async (io) => {
  await io.readBytes(8);
  io.write('S');
  io.upgrade();
};

/** A MariaDB-like protocol-10 handshake packet with the given capability flags. */
export function mysqlGreeting(caps: number): Buffer {
  const payload = Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('10.11.6-MariaDB\0', 'latin1'),
    Buffer.from([1, 0, 0, 0]),
    Buffer.from('abcdefgh', 'latin1'),
    Buffer.from([0]),
    Buffer.from([caps & 0xff, (caps >> 8) & 0xff, 0x2d, 2, 0, (caps >> 16) & 0xff, (caps >> 24) & 0xff, 21]),
    Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0mysql_native_password\0', 'latin1'),
  ]);
  return Buffer.concat([Buffer.from([payload.length & 0xff, payload.length >> 8, 0, 0]), payload]);
}

const mysql: Script = async (io) => {
  io.write(mysqlGreeting(0xf7fe | 0x800));
  await io.readBytes(36);
  io.upgrade();
};

const nntp: Script = async (io) => {
  io.write('200 news.test ready\r\n');
  await io.readLine();
  io.write('101 Capability list:\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\nAUTHINFO USER\r\n.\r\n');
  await io.readLine();
  io.write('382 Continue with TLS negotiation\r\n');
  io.upgrade();
};

const sieve: Script = async (io) => {
  io.write('"IMPLEMENTATION" "Test Sieve"\r\n"SASL" "PLAIN"\r\n"SIEVE" "fileinto"\r\n"STARTTLS"\r\n"VERSION" "1.0"\r\nOK "ready"\r\n');
  await io.readLine();
  io.write('OK "Begin TLS negotiation now"\r\n');
  io.upgrade();
};

export const HAPPY_SCRIPTS: Record<StarttlsProtocol, Script> = {
  smtp: smtpLike('EHLO'),
  lmtp: smtpLike('LHLO'),
  imap,
  pop3,
  ftp,
  ldap,
  xmpp: xmppLike('jabber:client'),
  'xmpp-server': xmppLike('jabber:server'),
  postgres,
  mysql,
  nntp,
  sieve,
};
