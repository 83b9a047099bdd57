// Makes real capture files for `tls-trace read` tests: tcpdump on loopback around one or more TLS
// handshakes (openssl s_server with -keylogfile, or a Node TLS server), then the Wireshark tools
// (editcap, mergecap, text2pcap) turn them into variants: pcap ↔ pcapng, nanosecond timestamps,
// DSB-injected secrets, other link types, truncation, gzip.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import net from 'node:net';
import tls from 'node:tls';
import { demoCerts, freePort, startOpensslServer, type TestServer } from './servers.js';

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Starts `tcpdump -i lo -w FILE` for one port or several; resolves once it is listening. `opts.iface` and
 * `opts.linkType` give e.g. `-i any -y LINUX_SLL2`.
 */
export async function startTcpdump(file: string, port: number | number[], opts: { iface?: string; linkType?: string; bufferKiB?: number } = {}): Promise<ChildProcess> {
  const link = opts.linkType ? ['-y', opts.linkType] : [];
  // A long capture (the read bench) needs a kernel buffer larger than the default, or frames drop.
  const buffer = opts.bufferKiB ? ['-B', String(opts.bufferKiB)] : [];
  const filter = [port].flat().map((p) => `tcp port ${p}`).join(' or ');
  // --immediate-mode: without it the kernel hands frames over in blocks (up to about a second), and
  // a short exchange stopped by stopTcpdump's SIGINT 500 ms later sometimes left an empty file. A
  // long capture (the read bench, with its large buffer) keeps the block mode: it drops less.
  const immediate = opts.bufferKiB ? [] : ['--immediate-mode'];
  const child = spawn('tcpdump', ['-i', opts.iface ?? 'lo', ...link, ...immediate, '-U', '-s', '0', ...buffer, '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`tcpdump exited: ${err}`)));
  });
  // "listening on" comes just before the filter is attached: give it a moment.
  await new Promise((r) => setTimeout(r, 500));
  return child;
}

/** Runs `use` with tcpdump recording `port` into `file` around it. */
export async function recording<T>(file: string, port: number, use: () => Promise<T>, opts: { iface?: string; linkType?: string } = {}): Promise<T> {
  const dump = await startTcpdump(file, port, opts);
  try {
    return await use();
  } finally {
    await stopTcpdump(dump);
  }
}

export async function stopTcpdump(child: ChildProcess): Promise<void> {
  // Let the last packets (FIN/ACK) reach the file before stopping.
  await new Promise((r) => setTimeout(r, 500));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await done;
}

/** tcpdump on loopback port `port` into `pcap` while `action` runs (any client, any server). */
export async function tcpdumpAround<T>(pcap: string, port: number, action: () => Promise<T>): Promise<T> {
  const dump = await startTcpdump(pcap, port);
  try {
    return await action();
  } finally {
    await stopTcpdump(dump);
  }
}

/** One handshake (plus a few application bytes) of a Node TLS client against `server`. */
export function nodeClient(port: number, opts: tls.ConnectionOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: demoCerts().root, ...opts }, () => {
      socket.end('GET / HTTP/1.0\r\n\r\n');
    });
    socket.on('data', () => undefined);
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

export interface Recorded {
  pcap: string;
  keylog: string;
  port: number;
}

/**
 * Records `connections` handshakes of a Node client against `openssl s_server` (its own key log
 * written with -keylogfile) into `dir/name.pcap`. `serverArgs` add s_server options (-tls1_2 …).
 */
export async function recordOpenssl(dir: string, name: string, serverArgs: string[] = [], connections = 1, clientOpts: tls.ConnectionOptions = {}): Promise<Recorded> {
  const pcap = `${dir}/${name}.pcap`;
  const keylog = `${dir}/${name}.keys`;
  const server: TestServer = await startOpensslServer(['-keylogfile', keylog, ...serverArgs]);
  const dump = await startTcpdump(pcap, server.port);
  try {
    for (let i = 0; i < connections; i++) await nodeClient(server.port, clientOpts).catch(() => undefined);
  } finally {
    await stopTcpdump(dump);
    await server.close();
  }
  return { pcap, keylog, port: server.port };
}

export interface RecordNodeOptions {
  /** Listens the server and resolves with its port; default a free port on `host`. */
  listen?: (server: tls.Server) => Promise<number>;
  /** The client side, run while tcpdump records; default one nodeClient handshake. */
  client?: (port: number) => Promise<void>;
}

/**
 * Records one handshake against an in-process Node TLS server, its key log from the 'keylog'
 * event. `handler` answers each connection (default: a short HTTP response, then end); `opts`
 * choose the server's port and the client's connections.
 */
export async function recordNodeServer(dir: string, name: string, serverOpts: tls.TlsOptions = {}, host = '127.0.0.1', handler?: (s: tls.TLSSocket) => void, opts: RecordNodeOptions = {}): Promise<Recorded> {
  const pcap = `${dir}/${name}.pcap`;
  const keylog = `${dir}/${name}.keys`;
  const lines: string[] = [];
  const server = tls.createServer({ ...demoCerts().ecdsa, ...serverOpts }, handler ?? ((s) => s.end('HTTP/1.0 200 OK\r\n\r\nhello')));
  // server.close waits for every connection; a half-closed one would keep it waiting.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => sockets.add(s));
  server.on('keylog', (line: Buffer) => lines.push(line.toString().trim()));
  const port = opts.listen ? await opts.listen(server) : await freePort(host);
  if (!opts.listen) await new Promise<void>((r) => server.listen(port, host, r));
  const dump = await startTcpdump(pcap, port);
  try {
    await (opts.client ? opts.client(port) : nodeClient(port, { host }));
  } finally {
    await stopTcpdump(dump);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
  writeFileSync(keylog, lines.join('\n') + '\n');
  return { pcap, keylog, port };
}

/** A plaintext exchange (an HTTP-like request and answer) on loopback, for "not TLS" cases. */
export async function recordPlain(dir: string, name: string): Promise<Recorded> {
  const pcap = `${dir}/${name}.pcap`;
  const port = await freePort();
  const server = net.createServer((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nplain')));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const dump = await startTcpdump(pcap, port);
  try {
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.0\r\n\r\n'));
      c.on('data', () => undefined);
      c.on('error', reject);
      c.on('close', () => resolve());
    });
  } finally {
    await stopTcpdump(dump);
    await new Promise((r) => server.close(r));
  }
  return { pcap, keylog: '', port };
}

/**
 * A TLS handshake whose server then resets the connection (RST, no FIN): a Node TLS server that
 * resets the TCP socket once the handshake is done, recorded like the others.
 */
export async function recordReset(dir: string, name: string): Promise<Recorded> {
  const pcap = `${dir}/${name}.pcap`;
  const port = await freePort();
  // A TLSSocket cannot reset: the raw TCP socket under it (by the client's port) does.
  const raw = new Map<number | undefined, net.Socket>();
  const server = tls.createServer({ ...demoCerts().ecdsa }, (s) => {
    s.on('error', () => undefined);
    raw.get(s.remotePort)?.resetAndDestroy();
  });
  server.on('connection', (s: net.Socket) => {
    s.on('error', () => undefined);
    raw.set(s.remotePort, s);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const dump = await startTcpdump(pcap, port);
  try {
    await nodeClient(port).catch(() => undefined);
  } finally {
    await stopTcpdump(dump);
    await new Promise((r) => server.close(r));
  }
  return { pcap, keylog: '', port };
}

/** editcap with arguments, IN → OUT. */
export async function editcap(args: string[], input: string, output: string): Promise<string> {
  await run('editcap', [...args, input, output]);
  return output;
}

/** The first `bytes` bytes of a file, as a new file. */
export function truncateFile(input: string, output: string, bytes: number): string {
  writeFileSync(output, readFileSync(input).subarray(0, bytes));
  return output;
}

export function gzipFile(input: string, output: string): string {
  writeFileSync(output, gzipSync(readFileSync(input)));
  return output;
}

/**
 * Re-encapsulates every frame of a pcap under another link type: tshark exports the IP packets as
 * hex, and text2pcap writes them with the given DLT after a crafted link header.
 * `header(ipVersion)` returns the link-layer bytes for each packet.
 */
export async function relink(input: string, output: string, dlt: number, header: (ipVersion: number) => Buffer): Promise<string> {
  // Ethernet on loopback has a 14-byte header: strip it and put `header` in its place.
  const packets = await framesOf(input);
  const lines: string[] = [];
  for (const p of packets) {
    const ip = p.data.subarray(14);
    const frame = Buffer.concat([header(ip[0] >> 4), ip]);
    lines.push(`${p.time}`);
    lines.push(hexdump(frame));
  }
  const text = `${output}.txt`;
  writeFileSync(text, lines.join('\n') + '\n');
  await run('text2pcap', ['-q', '-l', String(dlt), '-t', '%s.%f', text, output]);
  return output;
}

function hexdump(b: Buffer): string {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) rows.push(`${i.toString(16).padStart(6, '0')} ${[...b.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
  return rows.join('\n');
}

/** Frames of a little-endian microsecond pcap as tcpdump writes it (time and bytes). */
export function framesOf(file: string): Promise<{ time: string; data: Buffer }[]> {
  const b = readFileSync(file);
  const out: { time: string; data: Buffer }[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = b.readUInt32LE(o);
    const usec = b.readUInt32LE(o + 4);
    const len = b.readUInt32LE(o + 8);
    out.push({ time: `${sec}.${String(usec).padStart(6, '0')}`, data: b.subarray(o + 16, o + 16 + len) });
    o += 16 + len;
  }
  return Promise.resolve(out);
}

/** The same classic pcap in big-endian byte order (tcpdump on a big-endian host writes these). */
export function swapPcapByteOrder(input: string, output: string): string {
  const b = Buffer.from(readFileSync(input));
  const swap32 = (o: number): void => void b.writeUInt32BE(b.readUInt32LE(o), o);
  const swap16 = (o: number): void => void b.writeUInt16BE(b.readUInt16LE(o), o);
  swap32(0);
  swap16(4);
  swap16(6);
  for (const o of [8, 12, 16, 20]) swap32(o);
  for (let o = 24; o + 16 <= b.length; ) {
    const len = b.readUInt32LE(o + 8);
    for (const f of [0, 4, 8, 12]) swap32(o + f);
    o += 16 + len;
  }
  writeFileSync(output, b);
  return output;
}

/** Link-layer headers for `relink`: Linux cooked SLL (113), SLL2 (276), BSD null (0; AF_INET6 as NetBSD/OpenBSD write it), raw (101), Ethernet with VLAN tags (1). */
export const linkHeaders = {
  sll: (v: number): Buffer => Buffer.from([0, 0, 0, 772 >> 8, 772 & 0xff, 0, 6, 0, 0, 0, 0, 0, 0, 0, v === 6 ? 0x86 : 0x08, v === 6 ? 0xdd : 0x00]),
  sll2: (v: number): Buffer => Buffer.from([v === 6 ? 0x86 : 0x08, v === 6 ? 0xdd : 0x00, 0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]),
  null: (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v === 6 ? 24 : 2);
    return b;
  },
  raw: (): Buffer => Buffer.alloc(0),
  /** Ethernet with QinQ: an 802.1ad outer tag (VLAN 10) around an 802.1Q inner tag (VLAN 100). */
  vlan: (v: number): Buffer => Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x64, v === 6 ? 0x86 : 0x08, v === 6 ? 0xdd : 0x00]),
};

/**
 * The same pcapng in big-endian byte order (as written on a big-endian host): every block's
 * header, the fixed fields of SHB, IDB, EPB and DSB, and option codes and lengths are swapped;
 * option values are left as they are (tls-trace reads only if_tsresol, a single byte).
 */
export function swapPcapngByteOrder(input: string, output: string): string {
  const b = Buffer.from(readFileSync(input));
  const s32 = (o: number): void => void b.writeUInt32BE(b.readUInt32LE(o), o);
  const s16 = (o: number): void => void b.writeUInt16BE(b.readUInt16LE(o), o);
  const options = (from: number, to: number): void => {
    for (let o = from; o + 4 <= to; ) {
      const len = b.readUInt16LE(o + 2);
      const code = b.readUInt16LE(o);
      s16(o);
      s16(o + 2);
      if (code === 0) break;
      o += 4 + Math.ceil(len / 4) * 4;
    }
  };
  for (let o = 0; o + 12 <= b.length; ) {
    const type = b.readUInt32LE(o);
    const total = b.readUInt32LE(o + 4);
    const end = o + total - 4;
    if (type === 0x0a0d0d0a) {
      s32(o + 8);
      s16(o + 12);
      s16(o + 14);
      b.writeBigUInt64BE(b.readBigUInt64LE(o + 16), o + 16);
      options(o + 24, end);
    } else if (type === 1) {
      s16(o + 8);
      s16(o + 10);
      s32(o + 12);
      options(o + 16, end);
    } else if (type === 6) {
      for (const f of [8, 12, 16, 20, 24]) s32(o + f);
      options(o + 28 + Math.ceil(b.readUInt32BE(o + 20) / 4) * 4, end);
    } else if (type === 10) {
      s32(o + 8);
      s32(o + 12);
    }
    s32(o);
    s32(o + 4);
    s32(end);
    o += total;
  }
  writeFileSync(output, b);
  return output;
}

/**
 * Splits every IPv4 packet carrying more than `size` bytes of TCP data into IP fragments of at most
 * `size` bytes (a multiple of 8), the last one first, so reassembly is tested out of order too.
 * Input: a little-endian microsecond Ethernet pcap as tcpdump writes it.
 */
export function fragmentIpv4(input: string, output: string, size: number): string {
  const b = readFileSync(input);
  const out: Buffer[] = [b.subarray(0, 24)];
  for (let o = 24; o + 16 <= b.length; ) {
    const len = b.readUInt32LE(o + 8);
    const frame = b.subarray(o + 16, o + 16 + len);
    const rec = b.subarray(o, o + 16);
    o += 16 + len;
    const ihl = (frame[14] & 0x0f) * 4;
    const payload = frame.subarray(14 + ihl, 14 + frame.readUInt16BE(16));
    if (frame.readUInt16BE(12) !== 0x0800 || payload.length <= size + 60) {
      out.push(rec, frame);
      continue;
    }
    const pieces: Buffer[] = [];
    for (let at = 0; at < payload.length; at += size) {
      const part = payload.subarray(at, at + size);
      const f = Buffer.concat([frame.subarray(0, 14 + ihl), part]);
      f.writeUInt16BE(ihl + part.length, 16);
      f.writeUInt16BE(((at + size < payload.length ? 0x2000 : 0) | (at / 8)) & 0xffff, 20);
      const r = Buffer.from(rec);
      r.writeUInt32LE(f.length, 8);
      r.writeUInt32LE(f.length, 12);
      pieces.push(Buffer.concat([r, f]));
    }
    out.push(...pieces.reverse());
  }
  writeFileSync(output, Buffer.concat(out));
  return output;
}
