// Tunnel headers between an outer network layer and the packet it carries: MPLS label stacks,
// GRE (RFC 2784/2890, and PPTP's enhanced GRE) with ERSPAN types I, II and III, and the UDP
// tunnels VXLAN (RFC 7348, port 4789), VXLAN-GPE (4790), Geneve (RFC 8926, 6081) and GTP-U
// (3GPP TS 29.281, 2152: a mobile core's user plane), and L2TPv2 (RFC 2661, 1701) data messages
// with PPP inside. Each gives
// where the inner packet starts and what it is, as an EtherType; layers.ts walks on from there
// (IP-in-IP needs no header of its own: it is the IP protocol number alone).

import { ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MULTICAST, ETH_TEB, ppp, type LinkBad, type LinkNext } from './link.js';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
/** Enhanced GRE (PPTP, RFC 2637): an acknowledgement number follows when this bit is set. */
const GRE_ACK = 0x0080;
const GRE_PPP = 0x880b;
const GRE_ERSPAN_1_2 = 0x88be;
const GRE_ERSPAN_3 = 0x22eb;
/** EtherTypes GRE and Geneve may name that are walked on as they are. */
const CARRIED: readonly number[] = [ETH_IPV4, ETH_IPV6, ETH_TEB, ETH_MPLS, ETH_MPLS_MULTICAST];

const PORT_VXLAN = 4789;
const PORT_VXLAN_GPE = 4790;
const PORT_GENEVE = 6081;
const PORT_GTP_U = 2152;
const PORT_L2TP = 1701;
/** GTP-U's G-PDU message: a user packet follows the header. */
const GTP_G_PDU = 0xff;
/** MPLS labels read before a stack is taken as malformed. */
const MAX_MPLS_LABELS = 16;

/** A GRE header at `at`; undefined when its payload is nothing tls-trace reads. */
export function gre(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 4) return { bad: 'a GRE header cut short' };
  const flags = f.readUInt16BE(at);
  const protocol = f.readUInt16BE(at + 2);
  const version = flags & 7;
  let o = at + 4;
  if (version === 0) {
    // Source routing (RFC 1701) is obsolete: such packets are not followed.
    if (flags & GRE_ROUTING) return undefined;
    if (flags & GRE_CHECKSUM) o += 4;
    if (flags & GRE_KEY) o += 4;
    if (flags & GRE_SEQUENCE) o += 4;
  } else if (version === 1) {
    // PPTP: the key field (payload length, call id) is always there.
    o += 4;
    if (flags & GRE_SEQUENCE) o += 4;
    if (flags & GRE_ACK) o += 4;
  } else return undefined;
  if (o > end) return { bad: 'a GRE header cut short' };
  if (protocol === GRE_PPP) return ppp(f, o, end);
  if (protocol === GRE_ERSPAN_1_2) {
    // Type I has no header of its own and no GRE sequence number; type II has both (8 bytes).
    if (flags & GRE_SEQUENCE) o += 8;
    return o > end ? { bad: 'an ERSPAN header cut short' } : { at: o, etherType: ETH_TEB };
  }
  if (protocol === GRE_ERSPAN_3) return erspan3(f, o, end);
  return CARRIED.includes(protocol) ? { at: o, etherType: protocol } : undefined;
}

/** An ERSPAN type III header (12 bytes, and an 8-byte platform subheader when its O bit is set); Ethernet frames only. */
function erspan3(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 12) return { bad: 'an ERSPAN header cut short' };
  const word = f.readUInt16BE(at + 10);
  const frameType = (word >> 10) & 0x1f;
  const o = at + 12 + (word & 1 ? 8 : 0);
  if (o > end) return { bad: 'an ERSPAN header cut short' };
  return frameType === 0 ? { at: o, etherType: ETH_TEB } : undefined;
}

/** An MPLS label stack at `at`, then the packet under it by its first nibble (IPv4, IPv6, or an Ethernet pseudowire's control word). */
export function mpls(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  let o = at;
  for (let labels = 1; ; labels++) {
    if (o + 4 > end) return { bad: 'an MPLS label stack cut short' };
    if (labels > MAX_MPLS_LABELS) return { bad: `an MPLS label stack of more than ${MAX_MPLS_LABELS} labels` };
    const bottom = (f[o + 2] & 1) === 1;
    o += 4;
    if (bottom) break;
  }
  if (o >= end) return undefined;
  const nibble = f[o] >> 4;
  if (nibble === 4) return { at: o, etherType: ETH_IPV4 };
  if (nibble === 6) return { at: o, etherType: ETH_IPV6 };
  // A zero nibble is a pseudowire control word (RFC 4385); an Ethernet frame follows it.
  if (nibble === 0 && end - o > 4) return { at: o + 4, etherType: ETH_TEB };
  return undefined;
}

/** A UDP datagram at `at` that carries a tunnel (by either port); undefined for any other UDP. */
export function udpTunnel(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 8) return { bad: 'a UDP header cut short' };
  const [src, dst] = [f.readUInt16BE(at), f.readUInt16BE(at + 2)];
  const o = at + 8;
  const port = (p: number): boolean => src === p || dst === p;
  if (port(PORT_VXLAN)) return end - o < 8 ? { bad: 'a VXLAN header cut short' } : { at: o + 8, etherType: ETH_TEB };
  if (port(PORT_GENEVE)) return geneve(f, o, end);
  if (port(PORT_GTP_U)) return gtpU(f, o, end);
  if (port(PORT_L2TP)) return l2tp(f, o, end);
  if (port(PORT_VXLAN_GPE)) {
    if (end - o < 8) return { bad: 'a VXLAN header cut short' };
    // The next-protocol byte is meaningful only with the P flag; without it the payload is Ethernet.
    const next = f[o] & 0x04 ? f[o + 3] : 3;
    const etherType = [0, ETH_IPV4, ETH_IPV6, ETH_TEB, 0, ETH_MPLS][next] ?? 0;
    return etherType ? { at: o + 8, etherType } : undefined;
  }
  return undefined;
}

/** A Geneve header at `at`: 8 bytes, its options (a length in 4-byte words), then the protocol it names. */
function geneve(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 8) return { bad: 'a Geneve header cut short' };
  if (f[at] >> 6 !== 0) return undefined;
  const o = at + 8 + (f[at] & 0x3f) * 4;
  if (o > end) return { bad: 'a Geneve header cut short' };
  const protocol = f.readUInt16BE(at + 2);
  return CARRIED.includes(protocol) ? { at: o, etherType: protocol } : undefined;
}

/**
 * A GTP-U header at `at`: 8 bytes (version 1, protocol type GTP), 4 more when a sequence number,
 * N-PDU number or extension header is flagged, then each extension header (its length in 4-byte
 * words, its last byte naming the next). Only a G-PDU carries a user packet, IPv4 or IPv6.
 */
function gtpU(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 8) return { bad: 'a GTP-U header cut short' };
  const flags = f[at];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || f[at + 1] !== GTP_G_PDU) return undefined;
  let o = at + 8;
  if (flags & 0x07) {
    if (end - o < 4) return { bad: 'a GTP-U header cut short' };
    let next = flags & 0x04 ? f[o + 3] : 0;
    o += 4;
    for (let n = 0; next !== 0; n++) {
      const len = (f[o] ?? 0) * 4;
      if (len === 0 || o + len > end || n >= 16) return { bad: 'a GTP-U extension header that does not fit' };
      next = f[o + len - 1];
      o += len;
    }
  }
  if (o >= end) return undefined;
  const v = f[o] >> 4;
  return v === 4 ? { at: o, etherType: ETH_IPV4 } : v === 6 ? { at: o, etherType: ETH_IPV6 } : undefined;
}

/**
 * An L2TPv2 data message at `at`: flags and version, the length, Ns/Nr and offset fields when
 * flagged, tunnel and session ids, then a PPP frame. Control messages carry no user packet.
 */
function l2tp(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 6) return { bad: 'an L2TP header cut short' };
  const flags = f.readUInt16BE(at);
  if ((flags & 0x000f) !== 2 || flags & 0x8000) return undefined;
  let o = at + 2 + (flags & 0x4000 ? 2 : 0) + 4 + (flags & 0x0800 ? 4 : 0);
  if (flags & 0x0200) {
    if (o + 2 > end) return { bad: 'an L2TP header cut short' };
    o += 2 + f.readUInt16BE(o);
  }
  if (o > end) return { bad: 'an L2TP header cut short' };
  return ppp(f, o, end);
}
