// From a captured frame to a TCP segment: the link layer (link.ts), then the network layers,
// walked through tunnels (tunnels.ts: MPLS, GRE and ERSPAN, VXLAN, Geneve; IP-in-IP and IPv6-in-IP
// by protocol number) down to the innermost IPv4 (options skipped by IHL, fragments reassembled,
// bounded) or IPv6 (extension headers walked, fragments reassembled), then the TCP header. Frames
// that are not TCP are skipped silently (ARP, UDP…); frames whose headers are malformed give a reason.

import { MAX_ENCAPSULATION_DEPTH, MAX_IP_FRAGMENT_DATAGRAMS } from '../../limits.js';
import type { TcpSynOptions } from '../types.js';
import { ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MULTICAST, ETH_PPPOE_SESSION, ETH_TEB, ethernet, linkPayload, pppoe, tagAfterType, type LinkBad, type LinkNext } from './link.js';
import { gre, mpls, udpTunnel } from './tunnels.js';

export { LINK_TYPES } from './link.js';

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

/**
 * Reassembles IP fragments (IPv4, and IPv6's Fragment header: the same offsets, flag and bound);
 * holds at most MAX_IP_FRAGMENT_DATAGRAMS datagrams at once.
 */
export class IpDefragmenter {
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
export function decodeFrame(linkType: number, frame: Buffer, defrag: IpDefragmenter): LayerResult {
  const link = linkPayload(linkType, frame);
  if (!link) return SKIP;
  if ('bad' in link) return badResult(link);
  return network(frame, link.at, frame.length, link.etherType, defrag, 0);
}

function badResult(b: LinkBad): LayerResult {
  return { kind: 'bad', reason: b.bad, ...(b.example !== undefined ? { example: b.example } : {}) };
}

const TOO_DEEP: LayerResult = Object.freeze({ kind: 'bad', reason: `encapsulations nested more than ${MAX_ENCAPSULATION_DEPTH} deep` });

/**
 * The packet of EtherType `etherType` in bytes [at, end) of `f`, `depth` encapsulations in: IP is
 * decoded, and the headers that only wrap another packet (an Ethernet frame in a tunnel, MPLS,
 * PPPoE, a VLAN tag with no MAC addresses before it) are stepped over here, each counting one level.
 */
function network(f: Buffer, at: number, end: number, etherType: number, defrag: IpDefragmenter, depth: number): LayerResult {
  for (let d = depth; ; d++) {
    if (etherType === ETH_IPV4) return ipv4(f, at, end, defrag, d);
    if (etherType === ETH_IPV6) return ipv6(f, at, end, defrag, d);
    if (d >= MAX_ENCAPSULATION_DEPTH) return TOO_DEEP;
    let next: LinkNext | LinkBad | undefined;
    if (etherType === ETH_TEB) next = ethernet(f, at, end);
    else if (etherType === ETH_MPLS || etherType === ETH_MPLS_MULTICAST) next = mpls(f, at, end);
    else if (etherType === ETH_PPPOE_SESSION) next = pppoe(f, at, end);
    else next = tagAfterType(f, at, end, etherType);
    if (!next) return SKIP;
    if ('bad' in next) return badResult(next);
    ({ at, etherType } = next);
  }
}

/** What an IP packet's payload (protocol `proto`, bytes [at, end)) holds: TCP, or a tunnel walked into. */
function ipPayload(f: Buffer, at: number, end: number, proto: number, src: string, dst: string, defrag: IpDefragmenter, depth: number): LayerResult {
  // An IPsec Authentication Header (RFC 4302) only authenticates: the protocol it names follows it.
  for (let ah = 0; proto === 51 && ah < 4; ah++) {
    if (end - at < 12) return { kind: 'bad', reason: 'an IPsec AH header cut short' };
    [proto, at] = [f[at], at + (f[at + 1] + 2) * 4];
  }
  if (proto === 6) return tcp(f, at, end, src, dst);
  if (proto !== 4 && proto !== 41 && proto !== 47 && proto !== 17 && proto !== 137) return SKIP;
  let next: LinkNext | LinkBad | undefined;
  if (proto === 4) next = { at, etherType: ETH_IPV4 };
  else if (proto === 41) next = { at, etherType: ETH_IPV6 };
  else if (proto === 47) next = gre(f, at, end);
  else if (proto === 137) next = mpls(f, at, end);
  else next = udpTunnel(f, at, end);
  if (!next) return SKIP;
  if ('bad' in next) return badResult(next);
  if (depth >= MAX_ENCAPSULATION_DEPTH) return TOO_DEEP;
  return network(f, next.at, end, next.etherType, defrag, depth + 1);
}

/** The IPv4 datagram in bytes [at, end) of frame `f`. */
function ipv4(f: Buffer, at: number, limit: number, defrag: IpDefragmenter, depth: number): LayerResult {
  const length = limit - at;
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
    return ipPayload(whole, 0, whole.length, proto, src, dst, defrag, depth);
  }
  return ipPayload(f, at + ihl, end, proto, src, dst, defrag, depth);
}

/** IPv6 extension headers walked to the payload: hop-by-hop, routing, destination options, fragment (reassembled). */
function ipv6(f: Buffer, base: number, limit: number, defrag: IpDefragmenter, depth: number): LayerResult {
  if (limit - base < 40 || f[base] >> 4 !== 6) return { kind: 'bad', reason: 'an IPv6 header cut short or with the wrong version' };
  const payloadLength = f.readUInt16BE(base + 4);
  let next = f[base + 6];
  let at = base + 40;
  // A payload length of 0 is a jumbogram or a segment captured before segmentation offload: to the end of the frame.
  let end = payloadLength === 0 ? limit : Math.min(limit, base + 40 + payloadLength);
  const src = ipv6Text(f, base + 8);
  const dst = ipv6Text(f, base + 24);
  while (next === 0 || next === 43 || next === 44 || next === 60) {
    if (at + 8 > end) return { kind: 'bad', reason: 'an IPv6 extension header cut short' };
    if (next === 44) {
      const word = f.readUInt16BE(at + 2);
      const whole = defrag.add(`${src}>${dst}/${f.readUInt32BE(at + 4)}`, word & 0xfff8, (word & 1) === 1, f.subarray(at + 8, end));
      if (!whole) return SKIP;
      next = f[at];
      [f, at, end] = [whole, 0, whole.length];
    } else {
      const len = (f[at + 1] + 1) * 8;
      next = f[at];
      at += len;
    }
  }
  return ipPayload(f, at, end, next, src, dst, defrag, depth);
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
