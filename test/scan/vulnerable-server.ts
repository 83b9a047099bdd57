// A scripted TLS ≤ 1.2 server speaking just enough bytes to show the behaviours no Debian server
// has any more: it answers every ClientHello with ServerHello, Certificate (the demo RSA chain) and
// ServerHelloDone, then plays the part it was given for what the client sends next. Knobs:
// Heartbleed (echo the declared heartbeat length), an early CCS taken (then bad_record_mac on the
// next record), DEFLATE picked, TLS_FALLBACK_SCSV ignored, no renegotiation_info, its own suites
// and versions. It counts the connections it accepted, so a test can check the scan's count.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { demoPaths, listenInProcess, type TestServer } from '../helpers/servers.js';

export interface VulnerableServerOptions {
  /** Server preference order; default AES128-SHA, DES-CBC3-SHA. */
  suites?: number[];
  /** Lowest and highest version answered; default TLS 1.0 … TLS 1.2. */
  minVersion?: number;
  maxVersion?: number;
  /** `vulnerable`: echo as many bytes as declared; `rfc`: accept the extension, discard bad requests;
   * `claims`: answer with a response that declares the length but carries 4 bytes; `off`: no extension. */
  heartbeat?: 'vulnerable' | 'rfc' | 'claims' | 'flood' | 'off';
  /** `vulnerable`: take an early CCS, fail the next record with bad_record_mac; `rfc`: unexpected_message;
   * `silent`: say nothing and keep the connection open. `flood` (heartbeat): 64 KiB of records instead of an answer. */
  ccs?: 'vulnerable' | 'rfc' | 'silent';
  deflate?: boolean;
  honourFallbackScsv?: boolean;
  renegotiationInfo?: boolean;
  /** Echo the client's session ID in the ServerHello, then: `full`, go on with Certificate and
   * ServerHelloDone all the same (a liar); `abbreviated`, ChangeCipherSpec and a Finished-sized
   * encrypted record (what a resuming server sends); `hello-only`, hang up. */
  echoSessionId?: 'full' | 'abbreviated' | 'hello-only';
}

export interface VulnerableServer extends TestServer {
  connections(): number;
}

const chainDer: Buffer[] = [...readFileSync(demoPaths.rsaChain, 'utf8').matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const u24 = (n: number): number[] => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const rec = (type: number, version: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, ...u16(version), ...u16(body.length)]), body]);
const hs = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, ...u24(body.length)]), body]);
const alert = (version: number, description: number): Buffer => rec(21, version, Buffer.from([2, description]));

interface Hello {
  version: number;
  sessionId: Buffer;
  suites: number[];
  compression: number[];
  extensions: number[];
}

/** The ClientHello in the first handshake record, or undefined until it is all there. */
function parseHello(buf: Buffer): { hello: Hello; used: number } | undefined {
  if (buf.length < 5) return undefined;
  const len = buf.readUInt16BE(3);
  if (buf.length < 5 + len) return undefined;
  const b = buf.subarray(5, 5 + len);
  let at = 4;
  const version = b.readUInt16BE(at);
  at += 2 + 32;
  const sessionId = Buffer.from(b.subarray(at + 1, at + 1 + b[at]));
  at += 1 + b[at];
  const suitesLen = b.readUInt16BE(at);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(at + 2 + i));
  at += 2 + suitesLen;
  const compression = [...b.subarray(at + 1, at + 1 + b[at])];
  at += 1 + b[at];
  const extensions: number[] = [];
  if (at + 2 <= b.length) {
    const end = at + 2 + b.readUInt16BE(at);
    for (at += 2; at + 4 <= end; at += 4 + b.readUInt16BE(at + 2)) extensions.push(b.readUInt16BE(at));
  }
  return { hello: { version, sessionId, suites, compression, extensions }, used: 5 + len };
}

function serverFlight(h: Hello, o: VulnerableServerOptions): { bytes: Buffer; version: number } {
  const max = o.maxVersion ?? 0x0303;
  const version = Math.min(h.version, max);
  if (version < (o.minVersion ?? 0x0301)) return { bytes: alert(0x0301, 70), version: 0x0301 };
  if (h.suites.includes(0x5600) && version < max && o.honourFallbackScsv) return { bytes: alert(version, 86), version };
  const suite = (o.suites ?? [0x002f, 0x000a]).find((s) => h.suites.includes(s));
  if (suite === undefined) return { bytes: alert(version, 40), version };
  const compression = o.deflate && h.compression.includes(1) ? 1 : 0;
  const exts: number[] = [];
  if (version > 0x0300 && h.extensions.includes(15) && (o.heartbeat ?? 'off') !== 'off') exts.push(0, 15, 0, 1, 1);
  const askedReneg = h.extensions.includes(0xff01) || h.suites.includes(0x00ff);
  if (version > 0x0300 && o.renegotiationInfo && askedReneg) exts.push(0xff, 0x01, 0, 1, 0);
  const sid = o.echoSessionId ? h.sessionId : Buffer.alloc(0);
  const sh = Buffer.from([...u16(version), ...randomBytes(32), sid.length, ...sid, ...u16(suite), compression, ...(exts.length ? [...u16(exts.length), ...exts] : [])]);
  if (o.echoSessionId === 'hello-only') return { bytes: rec(22, version, hs(2, sh)), version };
  if (o.echoSessionId === 'abbreviated') return { bytes: Buffer.concat([rec(22, version, hs(2, sh)), rec(20, version, Buffer.from([1])), rec(22, version, randomBytes(40))]), version };
  const certs = Buffer.concat(chainDer.map((d) => Buffer.concat([Buffer.from(u24(d.length)), d])));
  const flight = Buffer.concat([hs(2, sh), hs(11, Buffer.concat([Buffer.from(u24(certs.length)), certs])), hs(14, Buffer.alloc(0))]);
  return { bytes: rec(22, version, flight), version };
}

/** What the server does with each record after its flight; false ends the connection. */
function afterFlight(type: number, body: Buffer, version: number, o: VulnerableServerOptions, state: { ccs: boolean; silent?: boolean }, send: (b: Buffer) => void): boolean {
  if (state.ccs) {
    send(alert(version, 20)); // it "decrypted" with keys it never derived
    return false;
  }
  if (type === 24 && body[0] === 1 && o.heartbeat === 'vulnerable') {
    const declared = body.readUInt16BE(1);
    const echoed = Buffer.alloc(declared);
    body.copy(echoed, 0, 3, 3 + declared); // what follows the payload in its buffer: here, our padding
    send(rec(24, version, Buffer.concat([Buffer.from([2, ...u16(declared)]), echoed, randomBytes(16)])));
    return true;
  }
  if (type === 24 && body[0] === 1 && o.heartbeat === 'claims') {
    send(rec(24, version, Buffer.from([2, ...u16(body.readUInt16BE(1)), 1, 2, 3, 4])));
    return true;
  }
  if (type === 24 && o.heartbeat === 'flood') {
    for (let i = 0; i < 64; i++) send(rec(23, version, Buffer.alloc(1024, 0x41)));
    return true;
  }
  if (type === 24) return true; // RFC 6520 §4: a request whose length does not fit is discarded
  if (type === 20 && o.ccs === 'vulnerable') {
    state.ccs = true;
    return true;
  }
  if (type === 20 && o.ccs === 'silent') {
    state.silent = true;
    return true;
  }
  if (state.silent) return true;
  if (type === 20) send(alert(version, 10));
  return false;
}

export async function startVulnerableServer(o: VulnerableServerOptions): Promise<VulnerableServer> {
  const sockets = new Set<net.Socket>();
  const log: string[] = [];
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let version = -1;
    const state: { ccs: boolean; silent?: boolean } = { ccs: false };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf[0] & 0x80) return void socket.destroy(); // SSL 2.0: not spoken
      if (version < 0) {
        const p = parseHello(buf);
        if (!p) return;
        const flight = serverFlight(p.hello, o);
        version = flight.version;
        buf = buf.subarray(p.used);
        socket.write(flight.bytes);
        if (flight.bytes[0] === 21 || o.echoSessionId === 'hello-only') return void socket.end();
      }
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        const type = buf[0];
        const body = buf.subarray(5, 5 + buf.readUInt16BE(3));
        buf = buf.subarray(5 + body.length);
        log.push(`record ${type} (${body.length} bytes)`);
        if (!afterFlight(type, body, version, o, state, (b) => socket.write(b))) return void socket.end();
      }
    });
  });
  const base = await listenInProcess(server, '127.0.0.1', sockets, log, 'vulnerable TLS simulator');
  return { ...base, connections: () => accepted };
}
