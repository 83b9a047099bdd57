// Frames and files no tool writes: random and mutated bytes under every link type and through
// every tunnel, and random record headers after each pcap magic and pcapng block. Nothing throws:
// a frame is TCP, skipped, or bad with one of a handful of fixed reasons; a file ends with its
// frames read and at most a note.

import fc from 'fast-check';
import { readPacketBytes } from '../../../src/capture/pcap/index.js';
import { decodeFrame, IpDefragmenter, LINK_TYPES } from '../../../src/capture/pcap/layers.js';
import { eth, geneve, gre, ipv4, ipv6, mpls, udp, vxlan, erspan3, pktap, radiotap, wifi } from '../../helpers/encapsulate.js';
import { frame } from './pcap-bytes.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const params = { numRuns: RUNS, seed: SEED };

/** A TCP segment as IP (the Ethernet header of pcap-bytes' frame cut off). */
const tcpIp = frame(1, 0x18, Buffer.from('160303000501020304', 'hex')).subarray(14);

/** Valid frames of every kind, each with the link type it is written under: the seeds that mutations start from. */
const seeds: [number, Buffer][] = [
  [1, eth(0x0800, tcpIp, [[0x8100, 5]])],
  [1, eth(0x8847, mpls([1, 2], tcpIp))],
  [1, eth(0x0800, ipv4(47, gre(0x0800, tcpIp, { key: 1, seq: 2, checksum: true })))],
  [1, eth(0x0800, ipv4(47, gre(0x22eb, erspan3(eth(0x0800, tcpIp), true), { seq: 1 })))],
  [1, eth(0x0800, ipv4(17, udp(1, 4789, vxlan(eth(0x0800, tcpIp)))))],
  [1, eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x0800, tcpIp))))],
  [1, eth(0x86dd, ipv6(4, tcpIp))],
  [127, radiotap(wifi(tcpIp, true))],
  [258, pktap(1, eth(0x0800, tcpIp))],
  [0, Buffer.concat([Buffer.from([2, 0, 0, 0]), tcpIp])],
  [113, Buffer.concat([Buffer.alloc(14), Buffer.from([8, 0]), tcpIp])],
];

const linkTypes = [...Object.keys(LINK_TYPES).map(Number), 147, 65535];

function decodes(linkType: number, bytes: Uint8Array, defrag: IpDefragmenter): string {
  const r = decodeFrame(linkType, Buffer.from(bytes), defrag);
  return r.kind === 'bad' ? r.reason : r.kind;
}

describe('read: hostile frames and files', () => {
  it('every seed decodes to its TCP segment', () => {
    for (const [linkType, f] of seeds) expect([linkType, decodes(linkType, f, new IpDefragmenter())]).toEqual([linkType, 'tcp']);
  });

  it('random bytes under every link type: TCP, skipped or a fixed reason, never a throw', () => {
    const reasons = new Set<string>();
    const defrag = new IpDefragmenter();
    fc.assert(
      fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 200 }), (linkType, bytes) => {
        reasons.add(decodes(linkType, bytes, defrag));
      }),
      params,
    );
    // Reasons are fixed sentences (one per unknown link type number): a handful, however many frames.
    expect(reasons.size).toBeLessThan(60);
  });

  it('seeds mutated (bytes changed, cut short): never a throw', () => {
    const defrag = new IpDefragmenter();
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), ([linkType, seed], changes, cut) => {
        const b = Buffer.from(seed);
        for (const [at, v] of changes) b[at % b.length] = v;
        decodes(linkType, b.subarray(0, cut % (b.length + 1)), defrag);
      }),
      params,
    );
  });

  it('random bytes after each pcap magic and after a pcapng section header: frames read and notes, never a throw', async () => {
    const heads = ['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d', '34cdb2a1', 'a1b2cd34', 'ac01001c', '1c0001ab'].map((m) => Buffer.from(m, 'hex'));
    const shb = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...heads, shb), fc.uint8Array({ maxLength: 300 }), async (head, rest) => {
        const read = await readPacketBytes(Buffer.concat([head, rest]));
        expect(read).toBeDefined();
        expect(read?.frames).toBeGreaterThanOrEqual(0);
      }),
      params,
    );
  });
});
