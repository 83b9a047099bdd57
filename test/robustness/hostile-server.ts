// Hostile and broken TLS peers for the robustness tests: a raw `net` server on 127.0.0.1 port 0
// that reads the client's ClientHello and then plays one scripted misbehaviour (garbage, HTTP,
// banners, resets, stalls, lying lengths, huge certificates, bad HelloRetryRequests, SSL 2/3…).
//
// Safety rules every behaviour follows: writes are bounded (`stream` stops at its total and when
// the socket goes away), every timer is tracked and cleared by `close()`, and every connection is
// destroyed after `maxLifetimeMs` whatever the script does, so a test run cannot leave a peer behind.

import net from 'node:net';
import {
  alert,
  certificate12,
  ClientStream,
  ContentType,
  deeplyNestedDer,
  demoChainDer,
  extension,
  FRESH_SESSION_ID,
  handshake,
  handshakeRecords,
  HandshakeType,
  HRR_RANDOM,
  parseClientHello,
  record,
  serverHello,
  tls12ServerHelloRecord,
  u24,
  vec,
  type ParsedHello,
} from './tls-bytes.js';

export interface Conn {
  readonly socket: net.Socket;
  /** The next complete handshake message from the client (records reassembled), or undefined
   * when the client closes first or `timeoutMs` passes. */
  nextHandshake(timeoutMs?: number): Promise<Buffer | undefined>;
  /** The next ClientHello, parsed. */
  hello(timeoutMs?: number): Promise<ParsedHello | undefined>;
  /** Writes unless the socket is gone; resolves once flushed (or at once if it cannot be). */
  write(bytes: Uint8Array): Promise<void>;
  /** Writes `total` bytes made by `fill(offset, n)` in pieces of ≤ 16 KiB with back-pressure;
   * stops early when the socket closes. */
  stream(total: number, fill: (offset: number, n: number) => Uint8Array): Promise<void>;
  /** Tracked timers (cleared when the connection or the server closes). */
  after(ms: number, fn: () => void): void;
  every(ms: number, fn: () => void): void;
  sleep(ms: number): Promise<void>;
}

export type Behaviour = (c: Conn) => void | Promise<void>;

export interface HostileServer {
  host: string;
  port: number;
  /** Everything every client sent, concatenated in arrival order. */
  received(): Buffer;
  /** Connections accepted so far. */
  connections(): number;
  /** Errors thrown by the behaviour script (a broken test peer, not the client's fault). */
  scriptErrors(): string[];
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Every connection is destroyed after this long, whatever the script does. Default 20 s. */
  maxLifetimeMs?: number;
}

export async function startHostileServer(behaviour: Behaviour, opts: HostileOptions = {}): Promise<HostileServer> {
  const maxLifetimeMs = opts.maxLifetimeMs ?? 20_000;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const received: Buffer[] = [];
  const errors: string[] = [];
  let accepted = 0;

  const track = (t: NodeJS.Timeout): NodeJS.Timeout => {
    timers.add(t);
    return t;
  };

  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    const own = new Set<NodeJS.Timeout>();
    const life = track(setTimeout(() => socket.destroy(), maxLifetimeMs));
    own.add(life);
    socket.on('close', () => {
      sockets.delete(socket);
      for (const t of own) {
        clearTimeout(t);
        clearInterval(t);
        timers.delete(t);
      }
    });
    const stream = new ClientStream();
    let waiter: (() => void) | undefined;
    socket.on('data', (d: Buffer) => {
      received.push(Buffer.from(d));
      stream.push(d);
      waiter?.();
    });
    socket.on('end', () => waiter?.());
    socket.on('close', () => waiter?.());
    const conn: Conn = {
      socket,
      nextHandshake: (timeoutMs = 5000) =>
        new Promise((resolve) => {
          const check = (): boolean => {
            const m = stream.take();
            if (m) {
              done(m);
              return true;
            }
            if (socket.destroyed || socket.readableEnded) {
              done(undefined);
              return true;
            }
            return false;
          };
          const timer = track(setTimeout(() => done(undefined), timeoutMs));
          own.add(timer);
          const done = (m: Buffer | undefined): void => {
            clearTimeout(timer);
            waiter = undefined;
            resolve(m);
          };
          if (!check()) waiter = () => void check();
        }),
      hello: async (timeoutMs) => {
        const m = await conn.nextHandshake(timeoutMs);
        return m && m[0] === 1 ? parseClientHello(m) : undefined;
      },
      write: (bytes) =>
        new Promise((resolve) => {
          if (socket.destroyed || !socket.writable) return resolve();
          socket.write(bytes, () => resolve());
        }),
      stream: async (total, fill) => {
        for (let at = 0; at < total; ) {
          if (socket.destroyed || !socket.writable) return;
          const n = Math.min(16384, total - at);
          const ok = socket.write(fill(at, n));
          at += n;
          if (!ok) {
            await new Promise<void>((resolve) => {
              const t = track(setTimeout(resolve, 2000));
              own.add(t);
              socket.once('drain', () => {
                clearTimeout(t);
                resolve();
              });
              socket.once('close', () => resolve());
            });
          }
        }
      },
      after: (ms, fn) => {
        own.add(track(setTimeout(fn, ms)));
      },
      every: (ms, fn) => {
        own.add(track(setInterval(fn, ms)));
      },
      sleep: (ms) =>
        new Promise((resolve) => {
          own.add(track(setTimeout(resolve, ms)));
        }),
    };
    Promise.resolve()
      .then(() => behaviour(conn))
      .catch((e: unknown) => {
        errors.push(e instanceof Error ? e.message : String(e));
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    received: () => Buffer.concat(received),
    connections: () => accepted,
    scriptErrors: () => [...errors],
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) {
          clearTimeout(t);
          clearInterval(t);
        }
        timers.clear();
        for (const s of sockets) s.destroy();
        const guard = setTimeout(resolve, 2000);
        guard.unref();
        server.close(() => {
          clearTimeout(guard);
          resolve();
        });
      });
      return closing;
    },
  };
}

// -------------------------------------------------------------------------------------------------
// The scripted misbehaviours.

/** Answers the ClientHello with `reply` (bytes or a function of the hello), then keeps the socket
 * open until the client leaves (or closes it after `thenEnd`). */
function answer(reply: Uint8Array | ((h: ParsedHello) => Uint8Array), thenEnd = false): Behaviour {
  return async (c) => {
    const h = await c.hello();
    if (!h) return;
    const bytes = typeof reply === 'function' ? reply(h) : reply;
    await c.write(bytes);
    if (thenEnd) c.socket.end();
  };
}

/** A TLS 1.2 ServerHello and the demo certificate chain, as a server normally starts. */
function helloAndCertificate(h: ParsedHello): Buffer {
  return Buffer.concat([tls12ServerHelloRecord(h), handshakeRecords(certificate12(demoChainDer()))]);
}

/** A TLS 1.3 HelloRetryRequest asking for `group` (RFC 8446 §4.1.4). */
function helloRetryRequest(h: ParsedHello, group: number): Buffer {
  return record(
    ContentType.handshake,
    serverHello({
      random: HRR_RANDOM,
      sessionId: h.sessionId,
      suite: 0x1301,
      extensions: [extension(0x002b, Buffer.from([0x03, 0x04])), extension(0x0033, Buffer.from([group >> 8, group & 0xff]))],
    }),
  );
}

/** An SSL 2.0 SERVER-HELLO (draft-hickman-netscape-ssl-00 §2.6): 2-byte header with the high bit. */
function sslv2ServerHello(): Buffer {
  const cert = demoChainDer()[0];
  const ciphers = Buffer.from([0x07, 0x00, 0xc0, 0x01, 0x00, 0x80]); // DES-CBC3-MD5, RC4-MD5
  const connId = Buffer.alloc(16, 0x11);
  const body = Buffer.concat([
    Buffer.from([4, 0, 1, 0x00, 0x02]),
    Buffer.from([cert.length >> 8, cert.length & 0xff, 0, ciphers.length, 0, connId.length]),
    cert,
    ciphers,
    connId,
  ]);
  return Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
}

/** 10 MB certificate declared; the bytes follow as 16 KiB handshake records (bounded). */
const TEN_MB = 10 * 1024 * 1024;

export const behaviours = {
  garbage: answer(Buffer.from('00ff13370badc0de0102030405060708090a0b0c0d0e0f', 'hex'), true),
  http: answer(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), true),
  /** SSH and SMTP servers speak first, before reading anything. */
  ssh: ((c) => void c.write(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'))) as Behaviour,
  smtp: ((c) => void c.write(Buffer.from('220 mail.example.test ESMTP Postfix\r\n'))) as Behaviour,
  closeAtOnce: ((c) => void c.socket.end()) as Behaviour,
  resetMidHandshake: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    await c.write(tls12ServerHelloRecord(h));
    c.after(20, () => c.socket.resetAndDestroy());
  }) as Behaviour,
  silent: (() => undefined) as Behaviour,
  /** A believable ServerHello record header, then one byte every 100 ms until the client leaves. */
  drip: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    const bytes = tls12ServerHelloRecord(h);
    let i = 0;
    c.every(100, () => {
      if (i < bytes.length && !c.socket.destroyed) c.socket.write(bytes.subarray(i, ++i));
    });
  }) as Behaviour,
  stallAfterServerHello: answer((h) => tls12ServerHelloRecord(h)),
  alertHandshakeFailure: answer(alert(2, 40), true),
  alertProtocolVersion: answer(alert(2, 70, 0x0301), true),
  /** ServerHello and Certificate, then a fatal internal_error instead of ServerHelloDone. */
  alertMidHandshake: answer((h) => Buffer.concat([helloAndCertificate(h), alert(2, 80)]), true),
  /** A record declaring 2^14 + 2049 bytes (one over the TLSCiphertext maximum), body sent: a
   * ServerHello, then zeros (which parse as thousands of empty HelloRequests: the message cap). */
  oversizedRecord: answer(() => {
    const body = Buffer.concat([serverHello({ sessionId: FRESH_SESSION_ID, suite: 0xc02f }), Buffer.alloc(2 ** 14 + 2049 - 50)]);
    return record(ContentType.handshake, body.subarray(0, 2 ** 14 + 2049));
  }),
  zeroLengthHandshakeRecord: answer((h) => Buffer.concat([record(ContentType.handshake, Buffer.alloc(0)), tls12ServerHelloRecord(h)])),
  /** Content type 99 with a normal version and length. */
  unknownContentType: answer(record(99, Buffer.from('hello, this is not a TLS content type')), true),
  /** A Certificate message whose header declares 16 MB − 1; bytes keep coming up to 16 MB. */
  declares16MB: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    const first = Buffer.concat([handshake(HandshakeType.certificate, Buffer.alloc(0), 0xffffff).subarray(0, 4), u24(0xfffffc)]);
    await c.write(Buffer.concat([tls12ServerHelloRecord(h), record(ContentType.handshake, first)]));
    const piece = record(ContentType.handshake, Buffer.alloc(16379, 0x41));
    await c.stream(16 * 1024 * 1024, (_at, n) => piece.subarray(0, n));
  }) as Behaviour,
  /** 3000 copies of the demo leaf in one Certificate message (~2.6 MB). */
  thousandsOfCertificates: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    const leaf = demoChainDer()[0];
    const msg = certificate12(Array.from({ length: 3000 }, () => leaf));
    await c.write(tls12ServerHelloRecord(h));
    const recs = handshakeRecords(msg);
    await c.stream(recs.length, (at, n) => recs.subarray(at, at + n));
  }) as Behaviour,
  /** One certificate of 10 MB (declared and sent, in 16 KiB records). */
  tenMegabyteCertificate: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    const header = Buffer.concat([u24(TEN_MB + 6), u24(TEN_MB + 3), u24(TEN_MB), Buffer.from([0x30, 0x84])]);
    const msgHeader = Buffer.concat([Buffer.from([HandshakeType.certificate]), u24(TEN_MB + 9), header]);
    await c.write(Buffer.concat([tls12ServerHelloRecord(h), record(ContentType.handshake, msgHeader)]));
    const piece = record(ContentType.handshake, Buffer.alloc(16379, 0x42));
    await c.stream(TEN_MB, (_at, n) => piece.subarray(0, n));
  }) as Behaviour,
  /** A "certificate" that is 20 000 nested SEQUENCEs (valid DER, ~100 KB). */
  deeplyNestedCertificate: answer((h) =>
    Buffer.concat([tls12ServerHelloRecord(h), handshakeRecords(certificate12([deeplyNestedDer(20_000)]))]),
  ),
  invalidDer: answer((h) =>
    Buffer.concat([tls12ServerHelloRecord(h), handshakeRecords(certificate12([Buffer.from('3082ffff0201', 'hex'), Buffer.from('not DER at all')]))]),
  ),
  /** HelloRetryRequest, then a second one after the client's retried ClientHello. */
  twoHelloRetryRequests: (async (c) => {
    const h = await c.hello();
    if (!h) return;
    await c.write(helloRetryRequest(h, 0x0017));
    const h2 = await c.hello();
    if (!h2) return;
    await c.write(helloRetryRequest(h2, 0x0018));
  }) as Behaviour,
  /** TLS 1.1 chosen although the client offered only 1.2 and 1.3. */
  versionNotOffered: answer((h) => tls12ServerHelloRecord(h, { version: 0x0302 })),
  /** TLS_RSA_WITH_RC4_128_SHA chosen: never offered by a modern client. */
  suiteNotOffered: answer((h) => tls12ServerHelloRecord(h, { suite: 0x0005 })),
  /** ALPN (h2) and an unassigned extension 0x7777 in the ServerHello; the client offered neither. */
  extensionsNotOffered: answer((h) =>
    tls12ServerHelloRecord(h, {
      extensions: [extension(0xff01, Buffer.from([0])), extension(0x0010, vec(2, vec(1, Buffer.from('h2')))), extension(0x7777, Buffer.from('surprise'))],
    }),
  ),
  sslv2Only: answer(sslv2ServerHello()),
  /** An SSL 3.0 ServerHello (record and hello version 0x0300). */
  sslv3Only: answer(() => record(ContentType.handshake, serverHello({ version: 0x0300, sessionId: FRESH_SESSION_ID, suite: 0x000a }), 0x0300)),
} satisfies Record<string, Behaviour>;

export type ScenarioName = keyof typeof behaviours;

// -------------------------------------------------------------------------------------------------
// Tampering proxies in front of a real TLS server, for misbehaviour inside an otherwise real
// handshake (the server's Finished and keys are real, only the framing is changed).

/** What to do with one complete record from the real server. */
export type Tamper = (rec: Buffer, index: number) => { send?: Buffer; end?: boolean };

export function proxyTo(backendPort: number, tamper: Tamper, injectFirst?: Buffer): Behaviour {
  return (c) =>
    new Promise<void>((resolve) => {
      const up = net.connect({ host: '127.0.0.1', port: backendPort });
      up.on('error', () => c.socket.destroy());
      c.socket.on('close', () => {
        up.destroy();
        resolve();
      });
      up.on('close', () => c.socket.end());
      c.socket.on('data', (d: Buffer) => up.write(d));
      if (injectFirst) c.socket.write(injectFirst);
      let buf = Buffer.alloc(0);
      let index = 0;
      let stopped = false;
      up.on('data', (d: Buffer) => {
        if (stopped) return;
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          const len = 5 + buf.readUInt16BE(3);
          const rec = buf.subarray(0, len);
          buf = buf.subarray(len);
          const action = tamper(Buffer.from(rec), index++);
          if (action.send) c.socket.write(action.send);
          if (action.end) {
            stopped = true;
            c.socket.end();
            up.destroy();
            return;
          }
        }
      });
    });
}

/** Forwards everything, after a warning unrecognized_name alert sent before the real ServerHello. */
export function warningAlertThenContinue(backendPort: number): Behaviour {
  return proxyTo(backendPort, (rec) => ({ send: rec }), alert(1, 112));
}

/** Forwards a TLS 1.2 handshake until the server's Finished (the record after its CCS), sends
 * that record's header and half its body, then closes. */
export function truncatedFinished(backendPort: number): Behaviour {
  return (c) => {
    let afterCcs = false;
    return proxyTo(backendPort, (rec) => {
      if (afterCcs) return { send: rec.subarray(0, 5 + Math.floor((rec.length - 5) / 2)), end: true };
      if (rec[0] === ContentType.ccs) afterCcs = true;
      return { send: rec };
    })(c);
  };
}
