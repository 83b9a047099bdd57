// Builds link-layer frames and tunnel headers around IP packets, and writes them as capture files
// (text2pcap for the link types, or by hand for the pcap/pcapng container variants no tool writes
// in both byte orders), for `tls-trace read` tests whose every value is checked against tshark
// reading the same file. Checksums are left zero: neither tshark (by default) nor tls-trace checks them.

import { readFileSync, writeFileSync } from 'node:fs';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { capturesToPcapng } from '../../src/capture/pcap/pcap-out.js';
import type { Capture } from '../../src/capture/types.js';
import { extInfo, findBodies } from '../../src/analyse/messages.js';
import { decodeCapture } from '../../src/decode/index.js';
import { run } from './pcap-tools.js';

export interface TimedFrame {
  /** Seconds since the epoch, with a fraction (microseconds). */
  sec: number;
  usec: number;
  data: Buffer;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);

/** Ethernet II with `tags` VLAN tags (TPID, VID) before the EtherType. */
export function eth(etherType: number, payload: Buffer, tags: [number, number][] = []): Buffer {
  const macs = Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
  return Buffer.concat([macs, ...tags.map(([tpid, vid]) => Buffer.concat([u16(tpid), u16(vid)])), u16(etherType), payload]);
}

/** An IPv4 header (no options) around `payload`. */
export function ipv4(proto: number, payload: Buffer, src = [198, 51, 100, 1], dst = [198, 51, 100, 2], frag?: { id: number; offset: number; more: boolean }): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  if (frag) {
    h.writeUInt16BE(frag.id, 4);
    h.writeUInt16BE((frag.more ? 0x2000 : 0) | (frag.offset / 8), 6);
  }
  h[8] = 64;
  h[9] = proto;
  Buffer.from(src).copy(h, 12);
  Buffer.from(dst).copy(h, 16);
  return Buffer.concat([h, payload]);
}

/** An IPv6 header around `payload` (2001:db8::a → 2001:db8::b). */
export function ipv6(next: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  Buffer.from('20010db8000000000000000000000000', 'hex').copy(h, 8);
  h[23] = 0x0a;
  Buffer.from('20010db8000000000000000000000000', 'hex').copy(h, 24);
  h[39] = 0x0b;
  return Buffer.concat([h, payload]);
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload]);
}

/** GRE (RFC 2784/2890) with the optional key and sequence number. */
export function gre(protocol: number, payload: Buffer, opts: { key?: number; seq?: number; checksum?: boolean } = {}): Buffer {
  const flags = (opts.checksum ? 0x8000 : 0) | (opts.key !== undefined ? 0x2000 : 0) | (opts.seq !== undefined ? 0x1000 : 0);
  const parts = [u16(flags), u16(protocol)];
  if (opts.checksum) parts.push(Buffer.alloc(4));
  for (const v of [opts.key, opts.seq]) if (v !== undefined) parts.push(Buffer.from([v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]));
  return Buffer.concat([...parts, payload]);
}

/** ERSPAN type II header (version 1, session 5). */
export function erspan2(frame: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0]), frame]);
}

/** ERSPAN type III header (version 2, session 7), with the 8-byte platform subheader (O bit) when asked. */
export function erspan3(frame: Buffer, subheader: boolean): Buffer {
  const h = Buffer.from([0x20, 0x00, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, subheader ? 1 : 0]);
  return Buffer.concat([h, subheader ? Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0), frame]);
}

/** An MPLS label stack (labels in order, the last one bottom of stack). */
export function mpls(labels: number[], payload: Buffer): Buffer {
  const stack = labels.map((l, i) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0);
    return b;
  });
  return Buffer.concat([...stack, payload]);
}

export function vxlan(frame: Buffer, vni = 42): Buffer {
  return Buffer.concat([Buffer.from([0x08, 0, 0, 0, vni >> 16, (vni >> 8) & 0xff, vni & 0xff, 0]), frame]);
}

/** Geneve with one 8-byte option, carrying `protocol`. */
export function geneve(protocol: number, payload: Buffer): Buffer {
  const option = Buffer.from([0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef]);
  return Buffer.concat([Buffer.from([option.length / 4, 0]), u16(protocol), Buffer.from([0, 0, 7, 0]), option, payload]);
}

/** PPP with address and control (FF 03), for link types 9 and 50. */
export const pppFrame = (ip: Buffer): Buffer => Buffer.concat([Buffer.from([0xff, 0x03]), u16(ip[0] >> 4 === 6 ? 0x0057 : 0x0021), ip]);

/** A PPPoE session header around a PPP protocol and packet. */
export function pppoe(ip: Buffer): Buffer {
  const ppp = Buffer.concat([u16(ip[0] >> 4 === 6 ? 0x0057 : 0x0021), ip]);
  return Buffer.concat([Buffer.from([0x11, 0x00]), u16(0x1234), u16(ppp.length), ppp]);
}

/** Linux NFLOG (239): header, a prefix TLV, then the packet TLV (little-endian TLV lengths, as Linux hosts write). */
export function nflog(ip: Buffer): Buffer {
  const tlv = (type: number, value: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(4 + value.length, 0);
    h.writeUInt16LE(type, 2);
    return Buffer.concat([h, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
  };
  return Buffer.concat([Buffer.from([ip[0] >> 4 === 6 ? 10 : 2, 0, 0, 0]), tlv(10, Buffer.from('tls\0')), tlv(9, ip)]);
}

/** IP packets of a capture written by capturesToPcapng, with their times (Ethernet stripped). */
export async function ipPackets(dir: string, captures: Capture[]): Promise<TimedFrame[]> {
  const ng = `${dir}/base.pcapng`;
  writeFileSync(ng, capturesToPcapng(captures));
  const pcap = `${dir}/base-us.pcap`;
  await run('editcap', ['-F', 'pcap', ng, pcap]);
  const b = readFileSync(pcap);
  const out: TimedFrame[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const len = b.readUInt32LE(o + 8);
    out.push({ sec: b.readUInt32LE(o), usec: b.readUInt32LE(o + 4), data: b.subarray(o + 16 + 14, o + 16 + len) });
    o += 16 + len;
  }
  return out;
}

/** Writes frames with text2pcap under link type `dlt` as `format` (pcap or pcapng). */
export async function text2pcap(frames: TimedFrame[], dlt: number, out: string, format: 'pcap' | 'pcapng' = 'pcap'): Promise<string> {
  const lines: string[] = [];
  for (const f of frames) {
    lines.push(`${f.sec}.${String(f.usec).padStart(6, '0')}`);
    for (let i = 0; i < f.data.length; i += 16) lines.push(`${i.toString(16).padStart(6, '0')} ${[...f.data.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
  }
  writeFileSync(`${out}.txt`, lines.join('\n') + '\n');
  await run('text2pcap', ['-q', '-F', format, '-l', String(dlt), '-t', '%s.%f', `${out}.txt`, out]);
  return out;
}

/** One TLS connection as tshark sees it and as tls-trace reads it. */
export interface SeenConnection {
  client: string;
  server: string;
  sni: string;
  /** Frame numbers of the ClientHello and the ServerHello. */
  helloFrames: [number, number];
  /** Handshake message types, client's then server's, in order. */
  clientTypes: number[];
  serverTypes: number[];
  /** Every frame that carries one of its TCP segments (SYN, ACKs and FINs too). */
  frames: number[];
}

const endpoint = (addr: string, port: number | string): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

/**
 * tshark's view of FILE: its frame count and each TLS connection (by the frames carrying handshake
 * messages; addresses are the innermost of a tunnel, its last occurrence).
 */
export async function tsharkView(file: string): Promise<{ frames: number; connections: SeenConnection[] }> {
  const fields = ['frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tls.handshake.type', 'tls.handshake.extensions_server_name'];
  const text = await run('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])]);
  const rows = text.split('\n').filter((l) => l !== '');
  const byStream = new Map<string, SeenConnection>();
  const segments: { num: number; key: string; from: string; types: number[]; sni: string }[] = [];
  for (const row of rows) {
    const [num, protocols, ip4s, ip4d, ip6s, ip6d, sport, dport, types, sni] = row.split('\t');
    if (!sport) continue;
    const last = (v: string): string => v.split(',').at(-1) ?? '';
    // The innermost IP header is the last one in the protocol stack (IPv6 in IPv4 has both).
    const stack = protocols.split(':');
    const inner6 = stack.lastIndexOf('ipv6') > stack.lastIndexOf('ip');
    const [src, dst] = inner6 ? [last(ip6s), last(ip6d)] : [last(ip4s), last(ip4d)];
    const from = endpoint(src, last(sport));
    const to = endpoint(dst, last(dport));
    const typeList = types ? types.split(',').map(Number) : [];
    const key = [from, to].sort().join(' ');
    segments.push({ num: Number(num), key, from, types: typeList, sni: sni ?? '' });
    if (!byStream.has(key) && typeList.includes(1)) byStream.set(key, { client: from, server: to, sni: sni ?? '', helloFrames: [Number(num), 0], clientTypes: [], serverTypes: [], frames: [] });
  }
  for (const s of segments) {
    const c = byStream.get(s.key);
    if (!c) continue;
    c.frames.push(s.num);
    if (s.from === c.client) c.clientTypes.push(...s.types);
    else {
      if (c.helloFrames[1] === 0 && s.types.length > 0) c.helloFrames[1] = s.num;
      c.serverTypes.push(...s.types);
    }
  }
  return { frames: rows.length, connections: [...byStream.values()].sort((a, b) => a.helloFrames[0] - b.helloFrames[0]) };
}

/** tls-trace's view of FILE, in the same terms; its notes too. */
export async function ourView(file: string): Promise<{ frames: number; connections: SeenConnection[]; notes: string[] }> {
  const read = await readPacketCapture(file);
  const connections: SeenConnection[] = [];
  for (const c of read.connections) {
    if (!c.tls) continue;
    const decoded = decodeCapture(c.capture);
    const types = (d: 'client' | 'server'): number[] => decoded.messages.flatMap((m) => (m.kind === 'handshake' && m.direction === d ? [m.msgType] : []));
    const hello = findBodies(decoded, 'client_hello')[0];
    const sni = extInfo(hello?.body.extensions, 'server_name')?.names[0] ?? '';
    const first = (d: 'client' | 'server'): number => c.capture.chunks.find((k) => k.direction === d)?.frame ?? 0;
    const frames = (c.capture.packets ?? []).map((p) => p.frame ?? 0);
    connections.push({ client: endpoint(c.client.addr, c.client.port), server: endpoint(c.server.addr, c.server.port), sni, helloFrames: [first('client'), first('server')], clientTypes: types('client'), serverTypes: types('server'), frames });
  }
  return { frames: read.frames, connections, notes: read.notes };
}

/** A classic pcap file as each variant writes it; `recordBytes` 20 (Nokia), 24 (Red Hat 6.1, modified) or 28 (SuSE 6.3) add their fields. */
export interface PcapFileOptions {
  le: boolean;
  magic: number;
  linkType: number;
  nano?: boolean;
  recordBytes?: 16 | 20 | 24 | 28;
  version?: [number, number];
  /** Lengths in the pre-2.3 order (original length first); each frame claims 100 bytes more on the wire, so the order matters. */
  oldLengthOrder?: boolean;
  /** Ixia lcap: 4 bytes after the header (the records' total size). */
  ixia?: boolean;
}

export function pcapFile(frames: TimedFrame[], o: PcapFileOptions): Buffer {
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number): number => (o.le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  const w16 = (b: Buffer, v: number, at: number): number => (o.le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  w32(h, o.magic, 0);
  w16(h, o.version?.[0] ?? 2, 4);
  w16(h, o.version?.[1] ?? 4, 6);
  w32(h, 262144, 16);
  w32(h, o.linkType, 20);
  const parts: Buffer[] = [h];
  const sizeAt = parts.push(Buffer.alloc(o.ixia ? 4 : 0)) - 1;
  for (const f of frames) {
    const r = Buffer.alloc(o.recordBytes ?? 16);
    w32(r, f.sec, 0);
    w32(r, o.nano ? f.usec * 1000 : f.usec, 4);
    const orig = o.oldLengthOrder ? f.data.length + 100 : f.data.length;
    w32(r, o.oldLengthOrder ? orig : f.data.length, 8);
    w32(r, o.oldLengthOrder ? f.data.length : orig, 12);
    if (r.length === 20) w32(r, 0x9fbfb601, 16);
    if (r.length >= 24) {
      w32(r, 1, 16);
      w16(r, 0x0800, 20);
    }
    parts.push(r, f.data);
  }
  if (o.ixia) w32(parts[sizeAt], parts.slice(sizeAt + 1).reduce((n, b) => n + b.length, 0), 0);
  return Buffer.concat(parts);
}

/** pcapng pieces in either byte order, for files with several sections, interfaces and block kinds. */
export class PcapngWriter {
  private readonly parts: Buffer[] = [];
  private le = true;

  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }

  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }

  block(type: number, body: Buffer): this {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    this.parts.push(this.u32(type), this.u32(padded.length + 12), padded, this.u32(padded.length + 12));
    return this;
  }

  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
  }

  section(le: boolean): this {
    this.le = le;
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), Buffer.alloc(8, 0xff)]);
    return this.block(0x0a0d0d0a, body);
  }

  /** An interface: link type, snap length, and its if_tsresol byte and if_tsoffset seconds when given. */
  iface(linkType: number, snaplen: number, tsresol?: number, tsoffset?: bigint): this {
    const opts: Buffer[] = [];
    if (tsresol !== undefined) opts.push(this.option(9, Buffer.from([tsresol])));
    if (tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(tsoffset);
      else v.writeBigInt64BE(tsoffset);
      opts.push(this.option(14, v));
    }
    if (opts.length > 0) opts.push(Buffer.alloc(4));
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snaplen), ...opts]));
  }

  /** An Enhanced Packet Block (type 6) or an obsolete Packet Block (type 2) with a timestamp in the interface's units. */
  packet(iface: number, units: bigint, data: Buffer, obsolete = false): this {
    const id = obsolete ? Buffer.concat([this.u16(iface), this.u16(0)]) : this.u32(iface);
    const body = Buffer.concat([id, this.u32(Number(units >> 32n)), this.u32(Number(units & 0xffffffffn)), this.u32(data.length), this.u32(data.length), data]);
    return this.block(obsolete ? 2 : 6, body);
  }

  /** A Simple Packet Block: the original length (`origLen`, default the data's), then the data as captured. */
  simple(data: Buffer, origLen = data.length): this {
    return this.block(3, Buffer.concat([this.u32(origLen), data]));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** An 802.11 data frame to the AP (ToDS), QoS when asked, with LLC/SNAP before the packet. */
export function wifi(ip: Buffer, qos: boolean): Buffer {
  const header = Buffer.alloc(qos ? 26 : 24);
  header[0] = qos ? 0x88 : 0x08;
  header[1] = 0x01;
  Buffer.from('020000000001020000000002020000000003', 'hex').copy(header, 4);
  const snap = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), u16(ip[0] >> 4 === 6 ? 0x86dd : 0x0800)]);
  return Buffer.concat([header, snap, ip]);
}

/** A minimal radiotap header (no fields present) before an 802.11 frame. */
export const radiotap = (frame: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]), frame]);

/** A PPI header naming the link type of the frame after it. */
export function ppi(dlt: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(8, 2);
  h.writeUInt32LE(dlt, 4);
  return Buffer.concat([h, frame]);
}

/** Apple's PKTAP header (108 bytes, as macOS writes it) before a frame of link type `dlt`. */
export function pktap(dlt: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(108);
  h.writeUInt32LE(108, 0);
  h.writeUInt32LE(1, 4);
  h.writeUInt32LE(dlt, 8);
  h.write('en0', 12);
  return Buffer.concat([h, frame]);
}

/** A GTP-U G-PDU (TEID 0x1234) around `ip`; with `extension`, a sequence field and a PDU session container extension header. */
export function gtpU(ip: Buffer, extension: boolean): Buffer {
  const ext = extension ? Buffer.from([0x00, 0x00, 0x00, 0x85, 0x01, 0x10, 0x01, 0x00]) : Buffer.alloc(0);
  const body = Buffer.concat([ext, ip]);
  return Buffer.concat([Buffer.from([extension ? 0x34 : 0x30, 0xff]), u16(body.length), Buffer.from([0, 0, 0x12, 0x34]), body]);
}

/** Ethernet with Cisco's VN-Tag (EtherType 0x8926, 6 bytes with it) before the EtherType. */
export function ethVnTag(etherType: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x89, 0x26, 0x80, 0x01, 0x00, 0x02]), u16(etherType), payload]);
}

/** An L2TPv2 data message (length and sequence fields present) carrying `ip` in PPP. */
export function l2tp(ip: Buffer): Buffer {
  const ppp = pppFrame(ip);
  return Buffer.concat([u16(0x4802), u16(12 + ppp.length), u16(7), u16(9), u16(0), u16(0), ppp]);
}

/** The same packet with an IPsec Authentication Header (24 bytes: a 12-byte ICV) between the IP header and its payload. */
export function withAh(ip: Buffer): Buffer {
  const v6 = ip[0] >> 4 === 6;
  const hl = v6 ? 40 : (ip[0] & 0x0f) * 4;
  const h = Buffer.from(ip.subarray(0, hl));
  const ah = Buffer.alloc(24);
  ah[0] = v6 ? h[6] : h[9];
  ah[1] = 24 / 4 - 2;
  ah.writeUInt32BE(0x1000, 4);
  ah.writeUInt32BE(1, 8);
  if (v6) {
    h[6] = 51;
    h.writeUInt16BE(h.readUInt16BE(4) + 24, 4);
  } else {
    h[9] = 51;
    h.writeUInt16BE(h.readUInt16BE(2) + 24, 2);
  }
  return Buffer.concat([h, ah, ip.subarray(hl)]);
}
