// Ethernet + IPv4/IPv6 + TCP frames for the pcapng writer (pcap-out.ts): the inverse of layers.ts.
// Every checksum is real (IPv4 header, TCP over its pseudo-header), so Wireshark's checksum
// validation passes and the file can be replayed or inspected like a tcpdump capture.

import net from 'node:net';
import type { TcpSynOptions } from '../types.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** One end of the connection: an IPv4 or IPv6 address as 4 or 16 bytes, and a port. */
export interface FrameEndpoint {
  ip: Uint8Array;
  port: number;
}

export interface TcpSegmentSpec {
  from: FrameEndpoint;
  to: FrameEndpoint;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** TCP MSS option to carry (SYN and SYN-ACK only). */
  mss?: number;
  /** A read capture's SYN options, written back as they were decoded (in place of `mss`). */
  synOptions?: TcpSynOptions;
  payload: Uint8Array;
  /** IPv4 identification field. */
  ipId: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_TCP = 6;
const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const TTL = 64;

/** Made-up, locally administered MAC addresses: 02:00:00:00:00:01 (client) and …:02 (server). */
const CLIENT_MAC = [2, 0, 0, 0, 0, 1];
const SERVER_MAC = [2, 0, 0, 0, 0, 2];

/**
 * An IP address string as bytes (4 or 16), or undefined when it is not an IP literal. IPv6 zone
 * ids (`fe80::1%eth0`) are dropped; an embedded IPv4 tail (`::ffff:1.2.3.4`) is kept.
 */
export function ipBytes(address: string): Uint8Array | undefined {
  const text = address.replace(/%.*$/, '');
  const family = net.isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let groups = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    groups = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const out = new Uint8Array(16);
  [...left, ...fill, ...right].forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** The Internet checksum (RFC 1071) of the given byte ranges taken as one sequence. */
function internetChecksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (const b of p) {
      if (odd === undefined) odd = b;
      else {
        sum += (odd << 8) | b;
        odd = undefined;
      }
    }
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The TCP header and payload, its checksum filled in over the IPv4 or IPv6 pseudo-header. */
function tcpSegment(s: TcpSegmentSpec): Uint8Array {
  const synOptions = s.synOptions ? synOptionBytes(s.synOptions) : undefined;
  const options = synOptions ? synOptions.length : s.mss !== undefined ? 4 : 0;
  const seg = new Uint8Array(TCP_HEADER + options + s.payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, s.from.port);
  v.setUint16(2, s.to.port);
  v.setUint32(4, s.seq >>> 0);
  v.setUint32(8, s.ack >>> 0);
  seg[12] = ((TCP_HEADER + options) / 4) << 4;
  seg[13] = s.flags;
  v.setUint16(14, Math.min(0xffff, Math.max(0, s.window)));
  if (synOptions) seg.set(synOptions, TCP_HEADER);
  else if (s.mss !== undefined) {
    seg[20] = 2; // kind: maximum segment size
    seg[21] = 4;
    v.setUint16(22, s.mss);
  }
  seg.set(s.payload, TCP_HEADER + options);
  const v6 = s.from.ip.length === 16;
  const pseudo = new Uint8Array(v6 ? 40 : 12);
  const pv = new DataView(pseudo.buffer);
  pseudo.set(s.from.ip, 0);
  pseudo.set(s.to.ip, s.from.ip.length);
  if (v6) {
    pv.setUint32(32, seg.length);
    pseudo[39] = IPPROTO_TCP;
  } else {
    pseudo[9] = IPPROTO_TCP;
    pv.setUint16(10, seg.length);
  }
  v.setUint16(16, internetChecksum([pseudo, seg]));
  return seg;
}

/** One Ethernet frame holding the segment; `fromClient` picks the MAC pair. */
export function tcpFrame(s: TcpSegmentSpec, fromClient: boolean): Uint8Array {
  const tcp = tcpSegment(s);
  const v6 = s.from.ip.length === 16;
  const ipHeader = v6 ? IPV6_HEADER : IPV4_HEADER;
  const out = new Uint8Array(ETHERNET_HEADER + ipHeader + tcp.length);
  const v = new DataView(out.buffer);
  out.set(fromClient ? SERVER_MAC : CLIENT_MAC, 0);
  out.set(fromClient ? CLIENT_MAC : SERVER_MAC, 6);
  v.setUint16(12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  const ip = ETHERNET_HEADER;
  if (v6) {
    out[ip] = 0x60;
    v.setUint16(ip + 4, tcp.length);
    out[ip + 6] = IPPROTO_TCP;
    out[ip + 7] = TTL;
    out.set(s.from.ip, ip + 8);
    out.set(s.to.ip, ip + 24);
  } else {
    out[ip] = 0x45;
    v.setUint16(ip + 2, IPV4_HEADER + tcp.length);
    v.setUint16(ip + 4, s.ipId & 0xffff);
    out[ip + 6] = 0x40; // don't fragment
    out[ip + 8] = TTL;
    out[ip + 9] = IPPROTO_TCP;
    out.set(s.from.ip, ip + 12);
    out.set(s.to.ip, ip + 16);
    v.setUint16(ip + 10, internetChecksum([out.subarray(ip, ip + IPV4_HEADER)]));
  }
  out.set(tcp, ip + ipHeader);
  return out;
}

/**
 * SYN options as bytes, in the layout Linux sends (MSS, SACK permitted, timestamps, NOP, window
 * scale), padded with NOPs to a 4-byte multiple; the inverse of layers.ts's synOptions for the
 * options it decodes (other kinds are not written back).
 */
function synOptionBytes(o: TcpSynOptions): Uint8Array {
  const out: number[] = [];
  if (o.mss !== undefined) out.push(2, 4, (o.mss >> 8) & 0xff, o.mss & 0xff);
  if (o.sackPermitted) out.push(4, 2);
  if (o.timestamps) {
    const ts = Buffer.alloc(8);
    ts.writeUInt32BE(o.timestamps.value >>> 0, 0);
    ts.writeUInt32BE(o.timestamps.echo >>> 0, 4);
    out.push(8, 10, ...ts);
  }
  if (o.windowScale !== undefined) out.push(1, 3, 3, o.windowScale & 0xff);
  while (out.length % 4 !== 0) out.push(1);
  return Uint8Array.from(out);
}
