// `tls-trace read` on every pcap variant and on pcapng's less common parts, each checked against
// tshark reading the same file: editcap's own conversions (pcap, nsecpcap, modpcap, nokiapcap,
// rh6_1pcap, suse6_3pcap, pcapng), the same layouts written big-endian, a pre-2.3 file with its
// lengths in the old order, and pcapng with two sections of opposite byte order, interfaces of
// different link types, if_tsresol as a power of 2 and of 10, if_tsoffset, Simple Packet Blocks,
// obsolete Packet Blocks and unknown blocks; a file cut inside its last block keeps what came before.

import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCapture } from '../../src/capture/capture-file.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { eth, ipPackets, ourView, pcapFile, PcapngWriter, text2pcap, tsharkView, type PcapFileOptions, type TimedFrame } from '../helpers/encapsulate.js';
import { runCli } from '../helpers/cli.js';
import { linkHeaders, run } from '../helpers/pcap-tools.js';
import { describeWithTools, repoRoot } from '../helpers/servers.js';
import { frame } from '../capture/pcap/pcap-bytes.js';

const inEth = (ip: Buffer): Buffer => eth(ip[0] >> 4 === 6 ? 0x86dd : 0x0800, ip);
const ARP = eth(0x0806, Buffer.from('0001080006040001020000000002c000020100000000000000c0000202', 'hex'));

/** tshark and tls-trace agree on FILE: frame count, connections, SNI, handshake types, hello frame numbers. */
async function agree(file: string, connections = 2): Promise<void> {
  const [theirs, ours] = [await tsharkView(file), await ourView(file)];
  expect(theirs.connections).toHaveLength(connections);
  expect(ours.notes).toEqual([]);
  expect(ours.frames).toBe(theirs.frames);
  expect(ours.connections).toEqual(theirs.connections);
}

/** Each connection's first frame time, as tshark gives it, in milliseconds (ISO, as tls-trace's startedAt). */
async function firstFrameTimes(file: string): Promise<string[]> {
  const rows = (await run('tshark', ['-r', file, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0', '-T', 'fields', '-e', 'frame.time_epoch'])).trim().split('\n');
  return rows.map((t) => new Date(Math.floor(Number(t) * 1000)).toISOString());
}

describeWithTools('tshark', 'editcap', 'text2pcap')('tls-trace read: capture containers agree with tshark', () => {
  let dir: string;
  let frames: TimedFrame[];
  let ethernetPcap: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-containers-'));
    const c = await loadCapture(path.join(repoRoot, 'fixtures', 'captures', 'openssl-tls13.json'));
    const plain = { ...c, keylog: [] };
    const packets = await ipPackets(dir, [
      { ...plain, client: { address: '192.0.2.99', port: 50000 } },
      { ...plain, target: { ...c.target, address: '2001:db8::443', family: 6 }, client: { address: '2001:db8::c', port: 50001 } },
    ]);
    // An ARP frame first and after the fifth packet: frames without TLS count in the numbering.
    frames = packets.flatMap((p, i) => [...(i === 0 || i === 5 ? [{ ...p, data: ARP }] : []), { ...p, data: inEth(p.data) }]);
    ethernetPcap = await text2pcap(frames, 1, path.join(dir, 'ethernet.pcap'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['pcap', 'nsecpcap', 'modpcap', 'nokiapcap', 'rh6_1pcap', 'suse6_3pcap', 'pcapng'])('editcap -F %s', async (format) => {
    const out = path.join(dir, `editcap.${format}`);
    await run('editcap', ['-F', format, ethernetPcap, out]);
    await agree(out);
  });

  const layouts: [string, Omit<PcapFileOptions, 'le' | 'linkType'>][] = [
    ['microseconds', { magic: 0xa1b2c3d4 }],
    ['nanoseconds', { magic: 0xa1b23c4d, nano: true }],
    ['modified magic, 24-byte records (ss991029)', { magic: 0xa1b2cd34, recordBytes: 24 }],
    ['modified magic, 28-byte records (SuSE 6.3)', { magic: 0xa1b2cd34, recordBytes: 28 }],
    ['standard magic, 24-byte records (Red Hat 6.1)', { magic: 0xa1b2c3d4, recordBytes: 24 }],
    ['standard magic, 20-byte records (Nokia)', { magic: 0xa1b2c3d4, recordBytes: 20 }],
    ['version 2.2, lengths in the old order', { magic: 0xa1b2c3d4, version: [2, 2], oldLengthOrder: true }],
    ['Ixia lcap, software (microseconds)', { magic: 0x1c0001ab, ixia: true }],
    ['Ixia lcap, hardware (nanoseconds)', { magic: 0x1c0001ac, ixia: true, nano: true }],
  ];
  it.each(layouts.flatMap(([name, o]) => [true, false].map((le) => [`${name}, ${le ? 'little' : 'big'}-endian`, { ...o, le }] as const)))('pcap: %s', async (name, o) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
    writeFileSync(file, pcapFile(frames, { ...o, linkType: 1 }));
    await agree(file);
  });

  it('pcapng: two sections of opposite byte order, interfaces of three link types, tsresol 2^-20 and 10^-9, tsoffset, SPB, PB, a custom block and an unknown block', async () => {
    const w = new PcapngWriter();
    const OFFSET = 1_700_000_000n;
    const half = Math.floor(frames.length / 2);
    // Section 1, little-endian: Ethernet (microseconds) and raw IP (2^-20 s, counted from OFFSET).
    w.section(true).iface(1, 262144).iface(101, 262144, 0x80 | 20, OFFSET);
    // A Custom Block: no packet, but tshark lists and numbers it as a frame.
    w.block(0x0bad, Buffer.from('a custom block'));
    for (const f of frames.slice(0, half)) {
      const ip = f.data.readUInt16BE(12) === 0x0806 ? undefined : f.data.subarray(14);
      // IPv6 packets go on the raw IP interface, the rest on Ethernet.
      if (ip && ip[0] >> 4 === 6) w.packet(1, ((BigInt(f.sec) - OFFSET) << 20n) + (BigInt(f.usec) << 20n) / 1_000_000n, ip);
      else w.packet(0, BigInt(f.sec) * 1_000_000n + BigInt(f.usec), f.data);
    }
    // Section 2, big-endian: its own interfaces, Linux cooked SLL in nanoseconds; the ARP frame as a
    // Simple Packet Block, the IPv4 frames as obsolete Packet Blocks.
    w.section(false).iface(113, 0, 9);
    // A block type no reader knows: skipped, not numbered.
    w.block(0x0fff, Buffer.alloc(8));
    for (const f of frames.slice(half)) {
      const arp = f.data.readUInt16BE(12) === 0x0806;
      const ip = f.data.subarray(14);
      const sll = Buffer.concat([linkHeaders.sll(ip[0] >> 4), ip]);
      if (arp) w.simple(Buffer.concat([linkHeaders.sll(4).subarray(0, 14), Buffer.from([0x08, 0x06]), ip]));
      else w.packet(0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.usec) * 1000n, sll, ip[0] >> 4 === 4);
    }
    const file = path.join(dir, 'mixed.pcapng');
    writeFileSync(file, w.bytes());
    await agree(file);
    // The times follow each interface's resolution and offset: each connection starts when tshark says.
    const read = await readPacketCapture(file);
    expect(read.connections.map((c) => c.startedAt)).toEqual(await firstFrameTimes(file));
  });

  it('the CLI, from a file and from stdin: a modified pcap lists both connections; --packets shows tshark\'s frame numbers', async () => {
    const mod = path.join(dir, 'cli.modpcap');
    await run('editcap', ['-F', 'modpcap', ethernetPcap, mod]);
    const fromFile = await runCli(['read', mod, '--json']);
    const fromStdin = await runCli(['read', '-', '--json'], { stdin: () => createReadStream(mod) });
    for (const r of [fromFile, fromStdin]) {
      expect(r.code).toBe(0);
      const table = JSON.parse(r.stdout) as { connections: { client: string }[] };
      expect(table.connections.map((c) => c.client).sort()).toEqual(['192.0.2.99:50000', '[2001:db8::c]:50001']);
    }
    const one = await runCli(['read', mod, '--stream', '2', '--packets', '--no-color']);
    const shown = [...one.stdout.matchAll(/ · frame (\d+)/g)].map((m) => Number(m[1]));
    const theirs = (await tsharkView(mod)).connections.find((c) => c.client.startsWith('[2001'))?.frames;
    expect(shown).toEqual(theirs);
  });

  it('a Simple Packet Block is cut at interface 0\'s snap length, as tshark cuts it', async () => {
    // Ethernet, IPv4 and TCP headers (54 bytes), then 26 bytes of a TLS handshake record: 80 bytes
    // on the wire, snap length 62. The block holds the 62 captured bytes and 2 of padding: the
    // reader must take the length from the snap length, not from the block (its padding would be read as data).
    const data = frame(1000, 0x18, Buffer.concat([Buffer.from('1603010100', 'hex'), Buffer.alloc(21, 1)]));
    const w = new PcapngWriter().section(true).iface(1, 62).simple(data.subarray(0, 62), data.length);
    const file = path.join(dir, 'spb-snaplen.pcapng');
    writeFileSync(file, w.bytes());
    expect((await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.cap_len', '-e', 'frame.len'])).trim()).toBe('62\t80');
    const read = await readPacketCapture(file);
    const c = read.connections[0];
    expect(c.tls && c.capture.chunks.map((k) => k.bytes.length)).toEqual([62 - 54]);
  });

  it('a pcapng file cut inside its last block: the frames before it are read, and one note says where', async () => {
    const whole = path.join(dir, 'whole.pcapng');
    await run('editcap', ['-F', 'pcapng', ethernetPcap, whole]);
    const bytes = readFileSync(whole);
    const cut = path.join(dir, 'cut.pcapng');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    const read = await readPacketCapture(cut);
    expect(read.frames).toBe(frames.length - 1);
    expect(read.notes).toEqual([expect.stringMatching(new RegExp(`^the capture is truncated: the file ends at byte ${bytes.length - 30}, inside a \\d+-byte structure that starts at byte \\d+; the ${frames.length - 1} frame\\(s\\) before it were read$`))]);
    expect(read.connections.filter((c) => c.tls)).toHaveLength(2);
  });
});
