// The link layer of a captured frame, by link type (LINKTYPE_* numbers, tcpdump.org/linktypes.html):
// where the network layer starts and what it is, as an EtherType. Pure header arithmetic; the
// network layers and tunnels are in layers.ts and tunnels.ts.

export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
/** Transparent Ethernet bridging: an Ethernet frame follows (GRE, Geneve, VXLAN, ERSPAN, pseudowires). */
export const ETH_TEB = 0x6558;
export const ETH_MPLS = 0x8847;
export const ETH_MPLS_MULTICAST = 0x8848;
export const ETH_PPPOE_SESSION = 0x8864;
/**
 * Tags between the MAC addresses and the EtherType, by their own EtherType, and their size with
 * it: 802.1Q, 802.1ad (QinQ), the older 0x9100/0x9200 QinQ tags, Cisco's VN-Tag and 802.1BR's E-Tag.
 */
const ETH_TAG_BYTES: Readonly<Record<number, number>> = { 0x8100: 4, 0x88a8: 4, 0x9100: 4, 0x9200: 4, 0x8926: 6, 0x893f: 8 };

/**
 * A tag met where an EtherType was expected, without the MAC addresses of an Ethernet header
 * before it (Linux cooked captures of a VLAN's parent, GRE, Geneve): its TPID (already read)
 * and the rest of the tag, then the EtherType after it.
 */
export function tagAfterType(f: Buffer, at: number, end: number, tpid: number): LinkNext | LinkBad | undefined {
  const size = ETH_TAG_BYTES[tpid];
  if (size === undefined) return undefined;
  const o = at + size - 2;
  if (end < o + 2) return { bad: 'a VLAN tag cut short' };
  return { at: o + 2, etherType: f.readUInt16BE(o) };
}

/** Where the next layer starts in the frame, and what it is. */
export interface LinkNext {
  at: number;
  etherType: number;
}

/** A frame whose header is malformed: a fixed reason (frames are counted per reason) and details for the first. */
export interface LinkBad {
  bad: string;
  example?: string;
}

/** The link types tls-trace reads (LINKTYPE_* numbers). */
export const LINK_TYPES: Record<number, string> = {
  0: 'BSD null/loopback',
  1: 'Ethernet',
  9: 'PPP',
  12: 'raw IP (DLT 12)',
  14: 'raw IP (OpenBSD DLT 14)',
  50: 'PPP in HDLC framing',
  51: 'PPPoE',
  101: 'raw IP',
  104: 'Cisco HDLC',
  105: 'IEEE 802.11',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  127: '802.11 radiotap',
  192: 'PPI',
  228: 'raw IPv4',
  229: 'raw IPv6',
  239: 'Linux NFLOG',
  258: 'Apple PKTAP',
  276: 'Linux cooked v2 (SLL2)',
};

/** Names of some link types tls-trace does not read, for the note that says so. */
const OTHER_LINK_TYPES: Record<number, string> = {
  6: 'Token Ring',
  10: 'FDDI',
  119: '802.11 Prism',
  163: '802.11 AVS',
  187: 'Bluetooth HCI H4',
  189: 'Linux USB',
  195: 'IEEE 802.15.4',
  220: 'Linux USB (memory-mapped)',
  252: 'Wireshark upper PDU',
};

/** The reason for a frame of a link type not read: one per link type number, naming it. */
function unknownLinkType(linkType: number): LinkBad {
  const name = OTHER_LINK_TYPES[linkType] ?? (linkType >= 147 && linkType <= 162 ? `user-defined DLT_USER${linkType - 147}` : undefined);
  return { bad: `link type ${linkType}${name ? ` (${name})` : ''}, which tls-trace does not read (it reads link types ${Object.keys(LINK_TYPES).join(', ')})` };
}

/** Link-layer headers that wrap another link type (PPI, PKTAP) nested at most this deep. */
const MAX_WRAPPED_LINKS = 2;

/** Where the network layer starts in a frame; undefined for frames that carry no IP (ARP, LLDP…). */
export function linkPayload(linkType: number, f: Buffer, nested = 0): LinkNext | LinkBad | undefined {
  switch (linkType) {
    case 1:
      return ethernet(f, 0, f.length);
    case 113:
      if (f.length < 16) return { bad: 'a Linux cooked (SLL) frame shorter than its 16-byte header' };
      return { at: 16, etherType: f.readUInt16BE(14) };
    case 276:
      if (f.length < 20) return { bad: 'a Linux cooked v2 (SLL2) frame shorter than its 20-byte header' };
      return { at: 20, etherType: f.readUInt16BE(0) };
    case 0:
    case 108:
      return loopback(f);
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      if (f.length < 1) return { bad: 'an empty raw IP frame' };
      return rawIp(f, 0);
    case 9:
    case 50:
      return ppp(f, 0, f.length);
    case 51:
      return pppoe(f, 0, f.length);
    case 104:
      // Cisco HDLC: address, control, then an EtherType.
      if (f.length < 4) return { bad: 'a Cisco HDLC frame shorter than its 4-byte header' };
      return { at: 4, etherType: f.readUInt16BE(2) };
    case 239:
      return nflog(f);
    case 105:
      return ieee80211(f, 0);
    case 127:
      // Radiotap: its length (little-endian) at byte 2, then the 802.11 frame.
      if (f.length < 8) return { bad: 'a radiotap header cut short' };
      return ieee80211(f, f.readUInt16LE(2));
    case 192:
    case 258:
      return wrappedLink(linkType, f, nested);
    default:
      return unknownLinkType(linkType);
  }
}

/** IPv4 or IPv6 by the version nibble; anything else carries no IP tls-trace reads. */
function rawIp(f: Buffer, at: number): LinkNext | undefined {
  const v = f[at] >> 4;
  return v === 4 ? { at, etherType: ETH_IPV4 } : v === 6 ? { at, etherType: ETH_IPV6 } : undefined;
}

/**
 * An Ethernet header at `at` (ending by `end`): VLAN and other tags, stacked, are stepped over; an 802.3
 * length field with an LLC/SNAP header gives the EtherType after it.
 */
export function ethernet(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 14) return { bad: 'an Ethernet frame shorter than its 14-byte header' };
  let o = at + 12;
  let etherType = f.readUInt16BE(o);
  for (let tag = ETH_TAG_BYTES[etherType]; tag !== undefined; tag = ETH_TAG_BYTES[etherType]) {
    o += tag;
    if (end < o + 2) return { bad: 'a VLAN tag cut short' };
    etherType = f.readUInt16BE(o);
  }
  o += 2;
  if (etherType > 1500) return { at: o, etherType };
  // 802.3 with a length: only LLC with a SNAP header (AA AA 03, OUI, EtherType) carries IP.
  if (end - o >= 8 && f[o] === 0xaa && f[o + 1] === 0xaa && f[o + 2] === 0x03) return { at: o + 8, etherType: f.readUInt16BE(o + 6) };
  return undefined;
}

/**
 * BSD loopback (0: the address family in the capturing host's byte order; 108, OpenBSD: in
 * network order): both orders are tried. AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30
 * (NetBSD/OpenBSD, FreeBSD, macOS), the values Wireshark reads (Linux never writes this link type).
 */
function loopback(f: Buffer): LinkNext | LinkBad | undefined {
  if (f.length < 4) return { bad: 'a loopback frame shorter than its 4-byte header' };
  const fam = f.readUInt32LE(0) <= 0xffff ? f.readUInt32LE(0) : f.readUInt32BE(0);
  if (fam === 2) return { at: 4, etherType: ETH_IPV4 };
  if ([24, 28, 30].includes(fam)) return { at: 4, etherType: ETH_IPV6 };
  return undefined;
}

/** PPP protocol numbers of what tls-trace reads, as EtherTypes. */
const PPP_PROTOCOLS: Record<number, number> = { 0x0021: ETH_IPV4, 0x0057: ETH_IPV6, 0x0281: ETH_MPLS, 0x0283: ETH_MPLS_MULTICAST };

/** A PPP frame at `at`: the HDLC address and control bytes (FF 03) when present, then a 1- or 2-byte protocol. */
export function ppp(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  let o = at;
  if (end - o >= 2 && f[o] === 0xff && f[o + 1] === 0x03) o += 2;
  if (end - o < 1) return { bad: 'a PPP frame cut short' };
  // Protocol-field compression: an odd first byte is the whole (1-byte) protocol.
  let protocol: number;
  if (f[o] & 1) protocol = f[o++];
  else {
    if (end - o < 2) return { bad: 'a PPP frame cut short' };
    protocol = f.readUInt16BE(o);
    o += 2;
  }
  const etherType = PPP_PROTOCOLS[protocol];
  return etherType === undefined ? undefined : { at: o, etherType };
}

/** A PPPoE session frame at `at` (RFC 2516): a 6-byte header, then PPP without address and control. */
export function pppoe(f: Buffer, at: number, end: number): LinkNext | LinkBad | undefined {
  if (end - at < 8) return { bad: 'a PPPoE frame shorter than its header' };
  // Code 0: session data; discovery packets carry no IP.
  if (f[at + 1] !== 0) return undefined;
  return ppp(f, at + 6, end);
}

/**
 * Linux NFLOG (239): family, version, resource id, then TLVs whose length and type are in the
 * capturing host's byte order (little-endian on the hosts that write these; big-endian tried when
 * that does not fit); type 9 holds the packet, whose IP version says which it is.
 */
function nflog(f: Buffer): LinkNext | LinkBad | undefined {
  if (f.length < 4) return { bad: 'an NFLOG frame shorter than its 4-byte header' };
  for (const le of [true, false]) {
    let o = 4;
    while (o + 4 <= f.length) {
      const len = le ? f.readUInt16LE(o) : f.readUInt16BE(o);
      const type = (le ? f.readUInt16LE(o + 2) : f.readUInt16BE(o + 2)) & 0x7fff;
      if (len < 4 || o + len > f.length) break;
      if (type === 9) return len > 4 ? rawIp(f, o + 4) : undefined;
      o += (len + 3) & ~3;
    }
  }
  return { bad: 'an NFLOG frame whose TLVs do not fit it' };
}

/**
 * An 802.11 data frame at `at`: its header (24 bytes; 30 with four addresses; 2 more for QoS, 4
 * more for HT control), then LLC/SNAP and an EtherType. Protected frames (not decrypted in the
 * file), management, control and null-data frames carry no IP tls-trace reads.
 */
function ieee80211(f: Buffer, at: number): LinkNext | LinkBad | undefined {
  if (f.length - at < 24) return { bad: 'an 802.11 frame shorter than its 24-byte header' };
  const [fc, flags] = [f[at], f[at + 1]];
  const subtype = fc >> 4;
  if (((fc >> 2) & 3) !== 2 || subtype & 0x4 || flags & 0x40) return undefined;
  const qos = (subtype & 0x8) !== 0;
  const o = at + 24 + ((flags & 3) === 3 ? 6 : 0) + (qos ? 2 : 0) + (qos && flags & 0x80 ? 4 : 0);
  if (f.length - o >= 8 && f[o] === 0xaa && f[o + 1] === 0xaa && f[o + 2] === 0x03) return { at: o + 8, etherType: f.readUInt16BE(o + 6) };
  return undefined;
}

/**
 * Headers that name the link type after them: PPI (192: version, flags, length and DLT, little-
 * endian) and Apple's PKTAP (258, `tcpdump -i pktap` on macOS: length, record type 1 for a packet,
 * DLT). The inner frame is read by its own link type; offsets stay the outer frame's.
 */
function wrappedLink(linkType: number, f: Buffer, nested: number): LinkNext | LinkBad | undefined {
  const name = linkType === 192 ? 'PPI' : 'PKTAP';
  if (f.length < (linkType === 192 ? 8 : 12)) return { bad: `a ${name} header cut short` };
  const length = linkType === 192 ? f.readUInt16LE(2) : f.readUInt32LE(0);
  if (linkType === 258 && f.readUInt32LE(4) !== 1) return undefined;
  const inner = f.readUInt32LE(linkType === 192 ? 4 : 8);
  if (length > f.length || length < 8) return { bad: `a ${name} header whose length does not fit its frame` };
  if (nested >= MAX_WRAPPED_LINKS) return { bad: `link-layer headers nested more than ${MAX_WRAPPED_LINKS} deep` };
  const next = linkPayload(inner, f.subarray(length), nested + 1);
  return next && !('bad' in next) ? { at: next.at + length, etherType: next.etherType } : next;
}
