// The PROXY protocol header a load balancer puts in front of a connection (HAProxy's
// proxy-protocol.txt): v1 is one text line `PROXY TCP4 src dst sport dport\r\n` (at most 107
// bytes), v2 a 12-byte signature, version/command, family and a length-prefixed address block.

import net from 'node:net';
import type { ProxyHeader } from './model.js';

export const PROXY_V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

export interface FoundProxyHeader extends ProxyHeader {
  /** Bytes the header takes at the start of the client's plaintext. */
  length: number;
}

function v1(b: Buffer): FoundProxyHeader | undefined {
  if (b.subarray(0, 6).toString('latin1') !== 'PROXY ') return undefined;
  const end = b.subarray(0, 108).indexOf('\r\n');
  if (end < 0) return undefined;
  const parts = b.subarray(6, end).toString('latin1').split(' ');
  const [family, src, dst, sport, dport] = parts;
  if (family === 'UNKNOWN') return { version: 1, summary: 'UNKNOWN (addresses not given)', length: end + 2 };
  if ((family !== 'TCP4' && family !== 'TCP6') || parts.length !== 5 || !net.isIP(src) || !net.isIP(dst)) return undefined;
  const at = (ip: string, port: string): string => (net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);
  return { version: 1, summary: `${family} ${at(src, sport)} → ${at(dst, dport)}`, length: end + 2 };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/\b(?:0:){2,}/, ':');
}

function v2(b: Buffer): FoundProxyHeader | undefined {
  if (b.length < 16 || !b.subarray(0, 12).equals(PROXY_V2_SIGNATURE)) return undefined;
  const verCmd = b[12];
  const fam = b[13];
  const len = b.readUInt16BE(14);
  if (verCmd >> 4 !== 2 || b.length < 16 + len) return undefined;
  const a = b.subarray(16, 16 + len);
  const length = 16 + len;
  if ((verCmd & 0x0f) === 0) return { version: 2, summary: 'LOCAL (a health check from the proxy itself)', length };
  if (fam === 0x11 && a.length >= 12) {
    const ip = (o: number): string => [...a.subarray(o, o + 4)].join('.');
    return { version: 2, summary: `TCP4 ${ip(0)}:${a.readUInt16BE(8)} → ${ip(4)}:${a.readUInt16BE(10)}`, length };
  }
  if (fam === 0x21 && a.length >= 36) {
    return { version: 2, summary: `TCP6 [${ipv6(a.subarray(0, 16))}]:${a.readUInt16BE(32)} → [${ipv6(a.subarray(16, 32))}]:${a.readUInt16BE(34)}`, length };
  }
  return { version: 2, summary: `address family 0x${fam.toString(16).padStart(2, '0')}`, length };
}

/** A PROXY header at the start of the client's bytes, if there is one. */
export function findProxyHeader(client: Buffer): FoundProxyHeader | undefined {
  return v1(client) ?? v2(client);
}
