// Writes a Capture's two byte streams as a classic pcap file of Ethernet/IPv4/TCP frames, so an
// independent dissector (tshark) can decode exactly the bytes we decoded. A SYN / SYN-ACK / ACK
// opens the stream so Wireshark's TCP reassembly starts at sequence 0, each chunk becomes one or
// more segments with correct sequence and ack numbers, and FINs close both directions.

import type { Capture } from '../../src/capture/types.js';
import type { Direction } from '../../src/decode/types.js';

export interface PcapOptions {
  clientPort?: number;
  /** 443 by default, so Wireshark dissects the payload as TLS without a decode-as rule. */
  serverPort?: number;
}

const CLIENT_IP = [10, 0, 0, 1];
const SERVER_IP = [10, 0, 0, 2];
/** Keeps every IPv4 datagram far below 65535 bytes. */
const MAX_SEGMENT = 16384;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

function ipChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function frame(from: Direction, ports: { client: number; server: number }, seq: number, ack: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + 20 + 20 + payload.length);
  const v = new DataView(out.buffer);
  // Ethernet: made-up locally administered MACs, EtherType IPv4.
  out.set(from === 'client' ? [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], 0);
  v.setUint16(12, 0x0800);
  // IPv4
  const ip = 14;
  out[ip] = 0x45;
  v.setUint16(ip + 2, 20 + 20 + payload.length);
  out[ip + 6] = 0x40; // don't fragment
  out[ip + 8] = 64; // ttl
  out[ip + 9] = 6; // tcp
  out.set(from === 'client' ? CLIENT_IP : SERVER_IP, ip + 12);
  out.set(from === 'client' ? SERVER_IP : CLIENT_IP, ip + 16);
  v.setUint16(ip + 10, ipChecksum(out.subarray(ip, ip + 20)));
  // TCP (checksum left 0: Wireshark does not validate it by default)
  const tcp = ip + 20;
  v.setUint16(tcp, from === 'client' ? ports.client : ports.server);
  v.setUint16(tcp + 2, from === 'client' ? ports.server : ports.client);
  v.setUint32(tcp + 4, seq >>> 0);
  v.setUint32(tcp + 8, ack >>> 0);
  out[tcp + 12] = 5 << 4;
  out[tcp + 13] = flags;
  v.setUint16(tcp + 14, 65535);
  out.set(payload, tcp + 20);
  return out;
}

/** The pcap bytes (link type Ethernet, microsecond timestamps) for a capture. */
export function captureToPcap(capture: Capture, opts: PcapOptions = {}): Buffer {
  const ports = { client: opts.clientPort ?? 50000, server: opts.serverPort ?? 443 };
  const records: Array<{ timeMs: number; data: Uint8Array }> = [];
  // Initial sequence numbers; the SYN consumes one.
  const next: Record<Direction, number> = { client: 1, server: 1 };
  const other = (d: Direction): Direction => (d === 'client' ? 'server' : 'client');
  const push = (timeMs: number, from: Direction, flags: number, payload: Uint8Array = new Uint8Array(0)): void => {
    records.push({ timeMs, data: frame(from, ports, next[from], next[other(from)], flags, payload) });
    next[from] += payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
  };
  records.push({ timeMs: 0, data: frame('client', ports, 0, 0, TCP_SYN, new Uint8Array(0)) });
  records.push({ timeMs: 0, data: frame('server', ports, 0, 1, TCP_SYN | TCP_ACK, new Uint8Array(0)) });
  push(0, 'client', TCP_ACK);
  let last = 0;
  for (const chunk of capture.chunks) {
    last = Math.max(last, chunk.timeMs);
    for (let i = 0; i < chunk.bytes.length; i += MAX_SEGMENT) {
      push(chunk.timeMs, chunk.direction, TCP_ACK | TCP_PSH, chunk.bytes.subarray(i, i + MAX_SEGMENT));
    }
  }
  push(last, 'client', TCP_FIN | TCP_ACK);
  push(last, 'server', TCP_FIN | TCP_ACK);

  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16); // snaplen
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const base = Date.parse(capture.startedAt) || 0;
  const parts: Buffer[] = [header];
  for (const r of records) {
    const micros = Math.round((base + r.timeMs) * 1000);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(micros / 1e6), 0);
    h.writeUInt32LE(micros % 1e6, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.data.length, 12);
    parts.push(h, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}
