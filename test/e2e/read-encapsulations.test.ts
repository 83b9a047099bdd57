// `tls-trace read` on the link types and tunnels of real-world captures, each file written by
// text2pcap from the IP packets of two TLS 1.3 handshakes (one over IPv4, one over IPv6) with
// frames that carry no TLS in between (ARP, a UDP query): for every file the frame count, each TLS
// connection's innermost addresses and ports, SNI, handshake message types and the frame numbers
// of its ClientHello and ServerHello equal what tshark reads from the same file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCapture } from '../../src/capture/capture-file.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { MAX_ENCAPSULATION_DEPTH } from '../../src/limits.js';
import { pcapOf } from '../capture/pcap/pcap-bytes.js';
import { eth, ethVnTag, gtpU, l2tp, withAh, erspan2, erspan3, geneve, gre, ipPackets, ipv4, ipv6, mpls, nflog, ourView, pktap, ppi, pppFrame, pppoe, radiotap, text2pcap, tsharkView, udp, vxlan, wifi, type TimedFrame } from '../helpers/encapsulate.js';
import { linkHeaders } from '../helpers/pcap-tools.js';
import { describeWithTools, repoRoot } from '../helpers/servers.js';

const v6 = (ip: Buffer): boolean => ip[0] >> 4 === 6;
const etherType = (ip: Buffer): number => (v6(ip) ? 0x86dd : 0x0800);
/** IP protocol number of the packet itself, for IP-in-IP (4) and IPv6-in-IP (41). */
const ipProto = (ip: Buffer): number => (v6(ip) ? 41 : 4);
const family = (ip: Buffer, le: boolean, af6: number): Buffer => {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v6(ip) ? af6 : 2);
  else b.writeUInt32BE(v6(ip) ? af6 : 2);
  return b;
};
const inEth = (ip: Buffer): Buffer => eth(etherType(ip), ip);

/** The two connections of every file: the fixture's TLS 1.3 handshake over IPv4, and again over IPv6. */
async function baseCaptures(): Promise<Capture[]> {
  const c = await loadCapture(path.join(repoRoot, 'fixtures', 'captures', 'openssl-tls13.json'));
  const plain = { ...c, keylog: [] };
  return [
    { ...plain, client: { address: '192.0.2.99', port: 50000 } },
    { ...plain, target: { ...c.target, address: '2001:db8::443', family: 6 }, client: { address: '2001:db8::c', port: 50001 }, startedAt: new Date(Date.parse(c.startedAt) + 5).toISOString() },
  ];
}

/** Link type, how each IP packet becomes a frame (or frames), and which packets the link type can carry. */
type Case = [name: string, dlt: number, wrap: (ip: Buffer) => Buffer | Buffer[], keep?: (ip: Buffer) => boolean];

let fragmentId = 0x100;

/**
 * An IP packet as fragments of at most `size` payload bytes (IPv4's flags and offset, or an IPv6
 * Fragment header), the last fragment first so reassembly is tested out of order; a short one as it is.
 */
function fragments(ip: Buffer, size: number): Buffer[] {
  const header = v6(ip) ? 40 : (ip[0] & 0x0f) * 4;
  const payload = ip.subarray(header);
  if (payload.length <= size) return [ip];
  const id = fragmentId++;
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const part = payload.subarray(at, at + size);
    const more = at + size < payload.length;
    if (v6(ip)) {
      const h = Buffer.from(ip.subarray(0, 40));
      h.writeUInt16BE(8 + part.length, 4);
      h[6] = 44;
      const frag = Buffer.alloc(8);
      frag[0] = ip[6];
      frag.writeUInt16BE(at | (more ? 1 : 0), 2);
      frag.writeUInt32BE(id, 4);
      out.push(Buffer.concat([h, frag, part]));
    } else {
      const h = Buffer.from(ip.subarray(0, header));
      h.writeUInt16BE(header + part.length, 2);
      h.writeUInt16BE(id & 0xffff, 4);
      h.writeUInt16BE((more ? 0x2000 : 0) | (at / 8), 6);
      out.push(Buffer.concat([h, part]));
    }
  }
  return out.reverse();
}

const cases: Case[] = [
  ['Ethernet', 1, inEth],
  ['Ethernet with three stacked tags (802.1ad, 802.1Q, 802.1Q)', 1, (ip) => eth(etherType(ip), ip, [[0x88a8, 10], [0x8100, 100], [0x8100, 200]])],
  ['Linux cooked SLL (113)', 113, (ip) => Buffer.concat([linkHeaders.sll(ip[0] >> 4), ip])],
  ['Linux cooked SLL (113) with an 802.1Q tag after the protocol field', 113, (ip) => Buffer.concat([linkHeaders.sll(ip[0] >> 4).subarray(0, 14), Buffer.from([0x81, 0x00, 0x00, 0x64]), linkHeaders.sll(ip[0] >> 4).subarray(14), ip])],
  ['IPsec AH in IPv4 and IPv6', 1, (ip) => inEth(withAh(ip))],
  ['Linux cooked SLL2 (276)', 276, (ip) => Buffer.concat([linkHeaders.sll2(ip[0] >> 4), ip])],
  ['BSD null (0), little-endian family (AF_INET6 30, macOS)', 0, (ip) => Buffer.concat([family(ip, true, 30), ip])],
  ['BSD null (0), big-endian family (AF_INET6 24)', 0, (ip) => Buffer.concat([family(ip, false, 24), ip])],
  ['OpenBSD loopback (108)', 108, (ip) => Buffer.concat([family(ip, false, 24), ip])],
  ['raw IP (101)', 101, (ip) => ip],
  ['raw IP (12)', 12, (ip) => ip],
  ['raw IPv4 (228)', 228, (ip) => ip, (ip) => !v6(ip)],
  ['raw IPv6 (229)', 229, (ip) => ip, v6],
  ['PPP (9)', 9, pppFrame],
  ['PPP in HDLC framing (50)', 50, pppFrame],
  ['PPPoE (51)', 51, pppoe],
  ['PPPoE session in Ethernet', 1, (ip) => eth(0x8864, pppoe(ip))],
  ['Cisco HDLC (104)', 104, (ip) => Buffer.concat([Buffer.from([0x0f, 0x00, etherType(ip) >> 8, etherType(ip) & 0xff]), ip])],
  ['Linux NFLOG (239)', 239, nflog],
  ['IEEE 802.11 data frames (105)', 105, (ip) => wifi(ip, false)],
  ['802.11 QoS data frames under radiotap (127)', 127, (ip) => radiotap(wifi(ip, true))],
  ['802.11 under PPI (192)', 192, (ip) => ppi(105, wifi(ip, false))],
  ['Ethernet under Apple PKTAP (258)', 258, (ip) => pktap(1, inEth(ip))],
  ['MPLS label stack in Ethernet', 1, (ip) => eth(0x8847, mpls([100, 200, 300], ip))],
  ['GRE with key and sequence number in IPv4', 1, (ip) => eth(0x0800, ipv4(47, gre(etherType(ip), ip, { key: 7, seq: 1, checksum: true })))],
  ['GRE transparent Ethernet bridging', 1, (ip) => eth(0x0800, ipv4(47, gre(0x6558, inEth(ip))))],
  ['ERSPAN type I', 1, (ip) => eth(0x0800, ipv4(47, gre(0x88be, inEth(ip))))],
  ['ERSPAN type II', 1, (ip) => eth(0x0800, ipv4(47, gre(0x88be, erspan2(inEth(ip)), { seq: 9 })))],
  ['ERSPAN type III with its platform subheader', 1, (ip) => eth(0x0800, ipv4(47, gre(0x22eb, erspan3(inEth(ip), true), { seq: 9 })))],
  ['IP-in-IP and IPv6-in-IPv4', 1, (ip) => eth(0x0800, ipv4(ipProto(ip), ip))],
  ['IPv4 and IPv6 in IPv6', 1, (ip) => eth(0x86dd, ipv6(ipProto(ip), ip))],
  ['GRE in IPv6', 1, (ip) => eth(0x86dd, ipv6(47, gre(etherType(ip), ip)))],
  ['VXLAN over IPv6', 1, (ip) => eth(0x86dd, ipv6(17, udp(41003, 4789, vxlan(inEth(ip)))))],
  ['VXLAN (UDP 4789)', 1, (ip) => eth(0x0800, ipv4(17, udp(41000, 4789, vxlan(inEth(ip)))))],
  ['Geneve with an option (UDP 6081)', 1, (ip) => eth(0x0800, ipv4(17, udp(41001, 6081, geneve(0x6558, inEth(ip)))))],
  ['IPv4 and IPv6 fragments, out of order', 1, (ip) => fragments(ip, 512).map(inEth)],
  ['GRE whose outer IPv4 packets are fragmented', 1, (ip) => fragments(ipv4(47, gre(etherType(ip), ip)), 256).map((f) => eth(0x0800, f))],
  ['GTP-U (UDP 2152)', 1, (ip) => eth(0x0800, ipv4(17, udp(2152, 2152, gtpU(ip, false))))],
  ['GTP-U with a sequence number and an extension header', 1, (ip) => eth(0x0800, ipv4(17, udp(2152, 2152, gtpU(ip, true))))],
  ['L2TPv2 with PPP (UDP 1701)', 1, (ip) => eth(0x0800, ipv4(17, udp(1701, 1701, l2tp(ip))))],
  ['Ethernet with a VN-Tag', 1, (ip) => ethVnTag(etherType(ip), ip)],
  ['GRE in MPLS in VXLAN', 1, (ip) => eth(0x0800, ipv4(17, udp(41002, 4789, vxlan(eth(0x8847, mpls([16], ipv4(47, gre(etherType(ip), ip))))))))],
];

/** Frames that carry no TLS, wrapped like the rest: an ARP request (Ethernet only) and a UDP query. */
function noise(wrap: (ip: Buffer) => Buffer | Buffer[], dlt: number, keep: (ip: Buffer) => boolean, at: TimedFrame): TimedFrame[] {
  const query = ipv4(17, udp(53000, 53, Buffer.from('00010100000100000000000003777777076578616d706c6503636f6d0000010001', 'hex')), [192, 0, 2, 53], [192, 0, 2, 1]);
  const out: TimedFrame[] = [];
  if (dlt === 1) out.push({ ...at, data: eth(0x0806, Buffer.from('0001080006040001020000000002c000020100000000000000c0000202', 'hex')) });
  if (keep(query)) out.push(...[wrap(query)].flat().map((data) => ({ ...at, data })));
  return out;
}

describeWithTools('tshark', 'editcap', 'text2pcap')('tls-trace read: link types and tunnels agree with tshark', () => {
  let dir: string;
  let packets: TimedFrame[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-encap-'));
    packets = await ipPackets(dir, await baseCaptures());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('%s', async (name, dlt, wrap, keep = () => true) => {
    const kept = packets.filter((p) => keep(p.data));
    const frames: TimedFrame[] = [];
    kept.forEach((p, i) => {
      // Other traffic first, and again after the third and the eighth packet.
      if (i === 0 || i === 3 || i === 8) frames.push(...noise(wrap, dlt, keep, p));
      frames.push(...[wrap(p.data)].flat().map((data) => ({ ...p, data })));
    });
    const file = await text2pcap(frames, dlt, path.join(dir, `${name.replace(/\W+/g, '-')}.pcap`));
    const [theirs, ours] = [await tsharkView(file), await ourView(file)];
    expect(theirs.connections).toHaveLength(keep === v6 || name.includes('228') ? 1 : 2);
    expect(theirs.connections.every((c) => c.sni === 'localhost' && c.clientTypes.includes(1) && c.serverTypes.includes(2))).toBe(true);
    expect(ours.notes).toEqual([]);
    expect(ours.frames).toBe(theirs.frames);
    expect(ours.connections).toEqual(theirs.connections);
  });
});

describe('tls-trace read: encapsulation depth', () => {
  it(`a frame nested deeper than ${MAX_ENCAPSULATION_DEPTH} levels is skipped with one note; the frames around it are read`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-depth-'));
    try {
      // MAX_ENCAPSULATION_DEPTH levels of IP-in-IP around UDP are walked (and the UDP skipped
      // silently); one more level is too deep.
      let shallow = ipv4(17, udp(1, 53, Buffer.alloc(4)));
      for (let i = 0; i < MAX_ENCAPSULATION_DEPTH; i++) shallow = ipv4(4, shallow);
      const deep = ipv4(4, shallow);
      const file = path.join(dir, 'deep.pcap');
      writeFileSync(file, pcapOf([eth(0x0800, shallow), eth(0x0800, deep), eth(0x0800, deep)]));
      const read = await readPacketCapture(file);
      expect(read.frames).toBe(3);
      expect(read.notes).toEqual([`2 frame(s) skipped: encapsulations nested more than ${MAX_ENCAPSULATION_DEPTH} deep`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
