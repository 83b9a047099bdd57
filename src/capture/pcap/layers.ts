// From a captured frame to a TCP segment: the link layer (Ethernet with 802.1Q/802.1ad tags, Linux
// cooked SLL and SLL2, BSD null/loopback, raw IP), then IPv4 (options skipped by IHL, fragments
// reassembled, bounded) or IPv6 (extension headers walked), then the TCP header. Frames that are
// not TCP are skipped silently (ARP, UDP…); frames whose headers are malformed give a reason.

import { MAX_IP_FRAGMENT_DATAGRAMS } from '../../limits.js';
import type { TcpSynOptions } from '../types.js';

export interface TcpSegment {
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The TCP flags byte (FIN 0x01 … CWR 0x80). */
  flags: number;
  window: number;
  payload: Buffer;
  /** SYN and SYN-ACK only: the options that set up the connection (other segments' are not read). */
  options?: TcpSynOptions;
}

/**
 * A bad frame's `reason` is one of a fixed set of sentences (frames are counted per reason, so the
 * count of distinct reasons stays small whatever the file holds); `example` has this frame's numbers.
 */
export type LayerResult = { kind: 'tcp'; segment: TcpSegment } | { kind: 'skip' } | { kind: 'bad'; reason: string; example?: string };

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = [0x8100, 0x88a8, 0x9100];

/** The link types tls-trace reads (LINKTYPE_* numbers, tcpdump.org/linktypes.html). */
export const LINK_TYPES: Record<number, string> = { 0: 'BSD null/loopback', 1: 'Ethernet', 101: 'raw IP', 113: 'Linux cooked (SLL)', 228: 'raw IPv4', 229: 'raw IPv6', 276: 'Linux cooked v2 (SLL2)' };

/** Where the network layer starts in a frame, and its EtherType; undefined for frames without IP. */
function linkPayload(linkType: number, f: Buffer): { at: number; etherType: number } | { bad: string; example?: string } | undefined {
  switch (linkType) {
    case 1: {
      if (f.length < 14) return { bad: 'an Ethernet frame shorter than its 14-byte header' };
      let at = 12;
      let etherType = f.readUInt16BE(at);
      while (ETH_VLAN.includes(etherType)) {
        at += 4;
        if (f.length < at + 2) return { bad: 'a VLAN tag cut short' };
        etherType = f.readUInt16BE(at);
      }
      return { at: at + 2, etherType };
    }
    case 113:
      if (f.length < 16) return { bad: 'a Linux cooked (SLL) frame shorter than its 16-byte header' };
      return { at: 16, etherType: f.readUInt16BE(14) };
    case 276:
      if (f.length < 20) return { bad: 'a Linux cooked v2 (SLL2) frame shorter than its 20-byte header' };
      return { at: 20, etherType: f.readUInt16BE(0) };
    case 0: {
      if (f.length < 4) return { bad: 'a loopback frame shorter than its 4-byte header' };
      // The address family is in the capturing host's byte order: try both. AF_INET is 2 everywhere;
      // AF_INET6 is 10 (Linux), 24, 28 or 30 (BSDs, macOS).
      const fam = f.readUInt32LE(0) <= 0xffff ? f.readUInt32LE(0) : f.readUInt32BE(0);
      if (fam === 2) return { at: 4, etherType: ETH_IPV4 };
      if ([10, 24, 28, 30].includes(fam)) return { at: 4, etherType: ETH_IPV6 };
      return undefined;
    }
    case 101:
    case 228:
    case 229:
      if (f.length < 1) return { bad: 'an empty raw IP frame' };
      return { at: 0, etherType: f[0] >> 4 === 6 ? ETH_IPV6 : ETH_IPV4 };
    default:
      return { bad: `a link type tls-trace does not read (it reads ${Object.entries(LINK_TYPES).map(([n, name]) => `${n} ${name}`).join(', ')})`, example: `link type ${linkType}` };
  }
}

/**
 * Dotted-quad texts already made, by address: a capture holds few addresses and many packets, and
 * building two strings per packet was a visible share of reading one. Bounded: past the limit new
 * addresses are built each time.
 */
const ipv4Texts = new Map<number, string>();
const MAX_IPV4_TEXTS = 4096;

function ipv4Text(b: Buffer, at: number): string {
  const n = b.readUInt32BE(at);
  let text = ipv4Texts.get(n);
  if (text === undefined) {
    text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
    if (ipv4Texts.size < MAX_IPV4_TEXTS) ipv4Texts.set(n, text);
  }
  return text;
}

function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(at + i).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 writes addresses.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

interface Fragments {
  parts: { offset: number; data: Buffer }[];
  /** Bytes held in `parts` (duplicates included), bounded so repeated fragments cannot grow it. */
  held: number;
  /** Total payload length, known once the last fragment (MF clear) is seen. */
  total?: number;
}

/** Reassembles IPv4 fragments; holds at most MAX_IP_FRAGMENT_DATAGRAMS datagrams at once. */
export class Ipv4Defragmenter {
  private readonly pending = new Map<string, Fragments>();
  dropped = 0;

  /** The whole payload once every fragment is in, else undefined. */
  add(key: string, offset: number, more: boolean, data: Buffer): Buffer | undefined {
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= MAX_IP_FRAGMENT_DATAGRAMS) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
        this.dropped++;
      }
      entry = { parts: [], held: 0 };
      this.pending.set(key, entry);
    }
    // An IPv4 datagram is at most 65535 bytes; more held than twice that is a fragment flood.
    if (entry.held + data.length > 2 * 65535) {
      this.pending.delete(key);
      this.dropped++;
      return undefined;
    }
    entry.parts.push({ offset, data: Buffer.from(data) });
    entry.held += data.length;
    if (!more) entry.total = offset + data.length;
    if (entry.total === undefined || entry.total > 65535) return undefined;
    const out = Buffer.alloc(entry.total);
    const have = new Uint8Array(entry.total);
    for (const p of entry.parts) {
      const len = Math.max(0, Math.min(p.data.length, entry.total - p.offset));
      p.data.copy(out, p.offset, 0, len);
      have.fill(1, p.offset, p.offset + len);
    }
    if (have.includes(0)) return undefined;
    this.pending.delete(key);
    return out;
  }
}

/** What a skipped frame gives: one shared object (read, never changed). */
const SKIP: LayerResult = Object.freeze({ kind: 'skip' });

/** A segment without payload gets this one empty view, not a view of its own. */
const NO_PAYLOAD = Buffer.alloc(0);

/**
 * The answer for a TCP frame, filled in again for each one: a large capture has millions of
 * frames, and two objects per frame that its caller reads at once and keeps nothing of were a
 * share of the garbage collector's work.
 */
const SEGMENT: TcpSegment = { srcAddr: '', dstAddr: '', srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, payload: NO_PAYLOAD, options: undefined };
const TCP_RESULT: LayerResult = { kind: 'tcp', segment: SEGMENT };

/**
 * Decodes one frame down to TCP. The layers read the frame in place by offsets (a view per layer
 * was three Buffer objects per frame); only a TCP payload becomes a view of its own. A 'tcp'
 * answer and its segment are reused by the next call: read them before decoding another frame
 * (the payload view itself stays valid).
 */
export function decodeFrame(linkType: number, frame: Buffer, defrag: Ipv4Defragmenter): LayerResult {
  const link = linkPayload(linkType, frame);
  if (!link) return SKIP;
  if ('bad' in link) return { kind: 'bad', reason: link.bad, ...(link.example !== undefined ? { example: link.example } : {}) };
  if (link.etherType === ETH_IPV4) return ipv4(frame, link.at, defrag);
  if (link.etherType === ETH_IPV6) return ipv6(frame, link.at);
  return SKIP;
}

/** The IPv4 datagram at `at` in frame `f`. */
function ipv4(f: Buffer, at: number, defrag: Ipv4Defragmenter): LayerResult {
  const length = f.length - at;
  if (length < 20 || f[at] >> 4 !== 4) return { kind: 'bad', reason: 'an IPv4 header cut short or with the wrong version' };
  const ihl = (f[at] & 0x0f) * 4;
  // A total length of 0 is a segment captured before TCP segmentation offload cut it (Linux BIG TCP
  // writes 0 above 64 KiB): the datagram runs to the end of the frame, as tshark's ip.tso_support reads it.
  const total = f.readUInt16BE(at + 2) || length;
  if (ihl < 20 || total < ihl || length < ihl) return { kind: 'bad', reason: 'an IPv4 header whose lengths do not fit', example: `header length ${ihl}, total length ${total}` };
  // Ethernet pads short frames: the datagram ends at its total length (or where the snap length cut it).
  const end = at + Math.min(total, length);
  const proto = f[at + 9];
  const src = ipv4Text(f, at + 12);
  const dst = ipv4Text(f, at + 16);
  const fragWord = f.readUInt16BE(at + 6);
  const more = (fragWord & 0x2000) !== 0;
  const fragOffset = (fragWord & 0x1fff) * 8;
  if (more || fragOffset > 0) {
    const whole = defrag.add(`${src}>${dst}/${proto}/${f.readUInt16BE(at + 4)}`, fragOffset, more, f.subarray(at + ihl, end));
    if (!whole) return SKIP;
    return proto === 6 ? tcp(whole, 0, whole.length, src, dst) : SKIP;
  }
  if (proto !== 6) return SKIP;
  return tcp(f, at + ihl, end, src, dst);
}

/** IPv6 extension headers walked to find TCP: hop-by-hop, routing, destination options, fragment (first only). */
function ipv6(f: Buffer, base: number): LayerResult {
  if (f.length - base < 40 || f[base] >> 4 !== 6) return { kind: 'bad', reason: 'an IPv6 header cut short or with the wrong version' };
  const payloadLength = f.readUInt16BE(base + 4);
  let next = f[base + 6];
  let at = base + 40;
  const end = Math.min(f.length, base + 40 + payloadLength);
  while (next === 0 || next === 43 || next === 44 || next === 60) {
    if (at + 8 > end) return { kind: 'bad', reason: 'an IPv6 extension header cut short' };
    if (next === 44) {
      // A fragment other than the first carries no TCP header; IPv6 TCP fragmentation is not reassembled.
      if ((f.readUInt16BE(at + 2) & 0xfff8) !== 0 || (f[at + 3] & 1) === 1) return SKIP;
      next = f[at];
      at += 8;
    } else {
      const len = (f[at + 1] + 1) * 8;
      next = f[at];
      at += len;
    }
  }
  if (next !== 6) return SKIP;
  return tcp(f, at, end, ipv6Text(f, base + 8), ipv6Text(f, base + 24));
}

/** The TCP segment in bytes [start, end) of `f`. */
function tcp(f: Buffer, start: number, end: number, srcAddr: string, dstAddr: string): LayerResult {
  const length = end - start;
  if (length < 20) return { kind: 'bad', reason: 'a TCP header cut short' };
  const dataOffset = (f[start + 12] >> 4) * 4;
  if (dataOffset < 20 || dataOffset > length) return { kind: 'bad', reason: 'a TCP header longer than its segment or shorter than 20 bytes', example: `${dataOffset} header bytes in a ${length}-byte segment` };
  const s = SEGMENT;
  s.srcAddr = srcAddr;
  s.dstAddr = dstAddr;
  s.srcPort = f.readUInt16BE(start);
  s.dstPort = f.readUInt16BE(start + 2);
  s.seq = f.readUInt32BE(start + 4);
  s.ack = f.readUInt32BE(start + 8);
  s.flags = f[start + 13];
  s.window = f.readUInt16BE(start + 14);
  s.payload = start + dataOffset < end ? f.subarray(start + dataOffset, end) : NO_PAYLOAD;
  // Only a SYN's options are shown (MSS, window scale…): the other segments' are not read at all.
  s.options = (s.flags & 0x02) !== 0 && dataOffset > 20 ? synOptions(f, start + 20, start + dataOffset) : undefined;
  return TCP_RESULT;
}

/**
 * The options of a SYN in bytes [at, end) (RFC 9293 3.2; window scale RFC 7323, SACK permitted
 * RFC 2018, timestamps RFC 7323). A length that does not fit stops the walk: what came before stays.
 */
export function synOptions(f: Buffer, at: number, end: number): TcpSynOptions {
  const out: TcpSynOptions = {};
  const other: number[] = [];
  while (at < end) {
    const kind = f[at];
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    const len = at + 1 < end ? f[at + 1] : 0;
    if (len < 2 || at + len > end) {
      out.malformed = true;
      break;
    }
    if (kind === 2 && len === 4) out.mss = f.readUInt16BE(at + 2);
    else if (kind === 3 && len === 3) out.windowScale = f[at + 2];
    else if (kind === 4 && len === 2) out.sackPermitted = true;
    else if (kind === 8 && len === 10) out.timestamps = { value: f.readUInt32BE(at + 2), echo: f.readUInt32BE(at + 6) };
    else if (other.length < 8) other.push(kind);
    at += len;
  }
  if (other.length > 0) out.otherKinds = other;
  return out;
}
