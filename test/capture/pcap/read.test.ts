// `readPacketCapture` on real captures: tcpdump on loopback around an openssl s_server handshake,
// then the same packets in every container and link layer tls-trace reads, made with editcap,
// text2pcap and gzip. Every variant must yield the same connection with the same stream bytes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture, type CaptureFileContents } from '../../../src/capture/pcap/index.js';
import { pcapngBlock } from './pcap-bytes.js';
import type { Capture } from '../../../src/capture/types.js';
import { UsageError } from '../../../src/errors.js';
import { editcap, fragmentIpv4, framesOf, gzipFile, linkHeaders, recordOpenssl, relink, run, swapPcapByteOrder, swapPcapngByteOrder, truncateFile, type Recorded } from '../../helpers/pcap-tools.js';
import { describeWithTools } from '../../helpers/servers.js';

function only(c: CaptureFileContents): Capture {
  const tls = c.connections.filter((x) => x.tls);
  expect(tls).toHaveLength(1);
  const first = tls[0];
  if (!first.tls) throw new Error('unreachable');
  return first.capture;
}

function stream(capture: Capture, d: 'client' | 'server'): string {
  return Buffer.concat(capture.chunks.filter((c) => c.direction === d).map((c) => c.bytes)).toString('hex');
}

describeWithTools('tcpdump', 'editcap', 'text2pcap', 'openssl')('tls-trace read: capture containers and link types', () => {
  let dir: string;
  let rec: Recorded;
  let base: Capture;
  let keys: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-pcap-'));
    rec = await recordOpenssl(dir, 'tls13');
    keys = readFileSync(rec.keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    base = only(await readPacketCapture(rec.pcap));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the one TLS connection with client and server told apart by the SYN', async () => {
    const c = await readPacketCapture(rec.pcap);
    expect(c.format).toBe('pcap');
    expect(c.notes).toEqual([]);
    const conn = c.connections[0];
    expect(conn.server).toEqual({ addr: '127.0.0.1', port: rec.port });
    expect(base.source).toBe('pcap');
    expect(base.target).toMatchObject({ host: '127.0.0.1', port: rec.port });
    // The ClientHello opens the client stream; the server answers with a handshake record.
    expect(stream(base, 'client').slice(0, 2)).toBe('16');
    expect(stream(base, 'client').slice(10, 12)).toBe('01');
    expect(stream(base, 'server').slice(0, 2)).toBe('16');
    const flags = base.packets?.slice(0, 3).map((p) => p.flags.join('+'));
    expect(flags).toEqual(['SYN', 'SYN+ACK', 'ACK']);
    expect(base.packets?.[2]).toMatchObject({ direction: 'client', seq: 1, ack: 1 });
    // As many segments as tshark counts frames.
    const frames = (await run('tshark', ['-r', rec.pcap, '-T', 'fields', '-e', 'frame.number'])).trim().split('\n').length;
    expect(base.packets).toHaveLength(frames);
    expect(c.frames).toBe(frames);
  });

  it('keeps only the key log lines of this connection, from --keylog lines and from a DSB', async () => {
    const withKeys = only(await readPacketCapture(rec.pcap, [...keys, 'CLIENT_RANDOM ' + '00'.repeat(32) + ' ' + '11'.repeat(48)]));
    expect(withKeys.keylog.sort()).toEqual([...keys].sort());
    const dsb = await editcap(['-F', 'pcapng', '--inject-secrets', `tls,${rec.keylog}`], rec.pcap, path.join(dir, 'dsb.pcapng'));
    const fromDsb = await readPacketCapture(dsb);
    expect(fromDsb.format).toBe('pcapng');
    expect(only(fromDsb).keylog.sort()).toEqual([...keys].sort());
  });

  const variants: [string, () => Promise<string>][] = [
    ['pcapng', () => editcap(['-F', 'pcapng'], rec.pcap, path.join(dir, 'x.pcapng'))],
    ['nanosecond pcap', () => editcap(['-F', 'nsecpcap'], rec.pcap, path.join(dir, 'x.nsec.pcap'))],
    ['big-endian pcap', () => Promise.resolve(swapPcapByteOrder(rec.pcap, path.join(dir, 'x.be.pcap')))],
    ['big-endian pcapng', async () => swapPcapngByteOrder(await editcap(['-F', 'pcapng'], rec.pcap, path.join(dir, 'le.pcapng')), path.join(dir, 'be.pcapng'))],
    ['IPv4 fragments (last first)', () => Promise.resolve(fragmentIpv4(rec.pcap, path.join(dir, 'frag.pcap'), 512))],
    ['gzip pcap', () => Promise.resolve(gzipFile(rec.pcap, path.join(dir, 'x.pcap.gz')))],
    ['gzip pcapng', async () => gzipFile(await editcap(['-F', 'pcapng'], rec.pcap, path.join(dir, 'y.pcapng')), path.join(dir, 'y.pcapng.gz'))],
    ['Linux cooked SLL', () => relink(rec.pcap, path.join(dir, 'sll.pcap'), 113, linkHeaders.sll)],
    ['Linux cooked SLL2', () => relink(rec.pcap, path.join(dir, 'sll2.pcap'), 276, linkHeaders.sll2)],
    ['BSD null/loopback', () => relink(rec.pcap, path.join(dir, 'null.pcap'), 0, linkHeaders.null)],
    ['raw IP', () => relink(rec.pcap, path.join(dir, 'raw.pcap'), 101, linkHeaders.raw)],
    ['Ethernet with QinQ VLAN tags', () => relink(rec.pcap, path.join(dir, 'vlan.pcap'), 1, linkHeaders.vlan)],
  ];
  it.each(variants)('%s gives the same streams, packets and times', async (_name, make) => {
    const file = await make();
    const c = await readPacketCapture(file);
    expect(c.notes).toEqual([]);
    const got = only(c);
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    expect(got.packets?.map((p) => [p.direction, p.flags.join('+'), p.seq, p.payloadLength])).toEqual(base.packets?.map((p) => [p.direction, p.flags.join('+'), p.seq, p.payloadLength]));
    expect(got.startedAt).toBe(base.startedAt);
    expect(got.timings.totalMs).toBeCloseTo(base.timings.totalMs, 2);
  });

  it('a hand-built pcapng: nanosecond if_tsresol, an unknown block skipped by its length, a Simple Packet Block', async () => {
    const frames = await framesOf(rec.pcap);
    const block = pcapngBlock;
    const shb = Buffer.alloc(16);
    shb.writeUInt32LE(0x1a2b3c4d, 0);
    shb.writeUInt16LE(1, 4);
    shb.writeBigInt64LE(-1n, 8);
    // IDB: Ethernet, snaplen 0, option if_tsresol (9) = 9 (nanoseconds), then opt_endofopt.
    const idb = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    const epb = (f: { time: string; data: Buffer }): Buffer => {
      const [sec, frac] = f.time.split('.');
      const ns = BigInt(sec) * 1_000_000_000n + BigInt(frac) * 1000n;
      const fixed = Buffer.alloc(20);
      fixed.writeUInt32LE(0, 0);
      fixed.writeUInt32LE(Number(ns >> 32n), 4);
      fixed.writeUInt32LE(Number(ns & 0xffffffffn), 8);
      fixed.writeUInt32LE(f.data.length, 12);
      fixed.writeUInt32LE(f.data.length, 16);
      return block(6, Buffer.concat([fixed, f.data]));
    };
    const last = frames[frames.length - 1];
    const spbLen = Buffer.alloc(4);
    spbLen.writeUInt32LE(last.data.length);
    const file = Buffer.concat([
      block(0x0a0d0d0a, shb),
      block(1, idb),
      // A type no specification defines (0x00000BAD would be a Custom Block, which tshark numbers as a frame).
      block(0x00000fff, Buffer.from('an unknown block tls-trace must skip')),
      ...frames.slice(0, -1).map(epb),
      block(3, Buffer.concat([spbLen, last.data])),
    ]);
    writeFileSync(path.join(dir, 'crafted.pcapng'), file);
    const c = await readPacketCapture(path.join(dir, 'crafted.pcapng'));
    expect(c.notes).toEqual([]);
    expect(c.frames).toBe(frames.length);
    const got = only(c);
    expect(got.startedAt).toBe(base.startedAt);
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    expect(got.packets).toHaveLength(frames.length);
    // The SPB (no timestamp of its own) takes the time of the frame before it.
    const times = got.packets?.map((p) => p.timeMs) ?? [];
    expect(times[times.length - 1]).toBe(times[times.length - 2]);
  });

  it('several pcapng sections (two files concatenated, one of them big-endian) read as one capture', async () => {
    const le = await editcap(['-F', 'pcapng'], rec.pcap, path.join(dir, 's1.pcapng'));
    const be = swapPcapngByteOrder(le, path.join(dir, 's2.pcapng'));
    writeFileSync(path.join(dir, 'two.pcapng'), Buffer.concat([readFileSync(le), readFileSync(be)]));
    const c = await readPacketCapture(path.join(dir, 'two.pcapng'));
    expect(c.notes).toEqual([]);
    expect(c.frames).toBe(2 * (base.packets?.length ?? 0));
    // The same packets again after the connection closed: a SYN on a closed 4-tuple is a new connection.
    const caps = c.connections.flatMap((x) => (x.tls ? [x.capture] : []));
    expect(caps).toHaveLength(2);
    for (const cap of caps) expect([stream(cap, 'client'), stream(cap, 'server')]).toEqual([stream(base, 'client'), stream(base, 'server')]);
  });

  it('a frame of an unknown link type is skipped with a note naming it; the rest is read', async () => {
    const b = Buffer.from(readFileSync(rec.pcap));
    b.writeUInt32LE(147, 20);
    writeFileSync(path.join(dir, 'dlt147.pcap'), b);
    const c = await readPacketCapture(path.join(dir, 'dlt147.pcap'));
    expect(c.connections).toEqual([]);
    expect(c.notes).toHaveLength(1);
    expect(c.notes[0]).toMatch(new RegExp(`^${base.packets?.length} frame\\(s\\) skipped: link type 147 \\(user-defined DLT_USER0\\), which tls-trace does not read \\(it reads link types 0, 1, .*, 276\\)$`));
  });

  it('a truncated file yields the frames before the cut and one note saying where', async () => {
    const size = readFileSync(rec.pcap).length;
    const cut = truncateFile(rec.pcap, path.join(dir, 'cut.pcap'), size - 10);
    const c = await readPacketCapture(cut);
    expect(c.notes).toHaveLength(1);
    expect(c.notes[0]).toMatch(/^the capture is truncated: the file ends at byte \d+, inside a \d+-byte structure that starts at byte \d+; the \d+ frame\(s\) before it were read$/);
    expect(c.frames).toBe((base.packets?.length ?? 0) - 1);
    expect(stream(only(c), 'client').slice(0, 100)).toBe(stream(base, 'client').slice(0, 100));
    // A truncated .gz reads the same way.
    const gz = readFileSync(gzipFile(rec.pcap, path.join(dir, 'cut.gz')));
    writeFileSync(path.join(dir, 'cut2.gz'), gz.subarray(0, gz.length - 40));
    const g = await readPacketCapture(path.join(dir, 'cut2.gz'));
    expect(g.frames).toBeLessThan(base.packets?.length ?? 0);
    expect(g.connections.length).toBe(1);
    expect(g.notes).toHaveLength(1);
    expect(g.notes[0]).toMatch(/^the capture is truncated: /);
    // Offsets in a gzip file are in the decompressed capture, and the note says so.
    expect(g.notes[0]).not.toMatch(/the file ends at byte/);
  });

  it('a corrupt record length stops reading there with a note naming the offset', async () => {
    const b = Buffer.from(readFileSync(rec.pcap));
    // The fourth record's captured length: walk three records from the 24-byte header.
    let o = 24;
    for (let i = 0; i < 3; i++) o += 16 + b.readUInt32LE(o + 8);
    b.writeUInt32LE(0x7fffffff, o + 8);
    writeFileSync(path.join(dir, 'bad.pcap'), b);
    const c = await readPacketCapture(path.join(dir, 'bad.pcap'));
    expect(c.frames).toBe(3);
    expect(c.notes).toEqual([`the capture is damaged: a pcap record declares 2147483647 captured bytes, more than tls-trace's 16777216-byte limit for one frame (at byte ${o}); the 3 frame(s) before it were read`]);
  });

  it('seeded mutations and prefixes of pcap, pcapng and gzip files never throw: notes, or a usage error for a broken header', async () => {
    const ng = await editcap(['-F', 'pcapng', '--inject-secrets', `tls,${rec.keylog}`], rec.pcap, path.join(dir, 'm.pcapng'));
    const sources = [readFileSync(rec.pcap), readFileSync(ng)];
    sources.push(readFileSync(gzipFile(ng, path.join(dir, 'm.pcapng.gz'))));
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const file = path.join(dir, 'mutant');
    const tryRead = async (bytes: Buffer): Promise<void> => {
      writeFileSync(file, bytes);
      try {
        const c = await readPacketCapture(file);
        for (const n of c.notes) expect(typeof n).toBe('string');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
      }
    };
    for (const src of sources) {
      for (let i = 0; i < 300; i++) {
        const m = Buffer.from(src);
        for (let k = 0; k < 1 + rand(8); k++) m[rand(m.length)] = rand(256);
        await tryRead(m);
      }
      for (let cut = 0; cut < src.length; cut += 1 + rand(97)) await tryRead(src.subarray(0, cut));
    }
    // Hundreds of reads: seconds alone, much longer on a loaded 2-core machine.
  }, 180_000);

  it('an empty file and a file that is not a capture are usage errors (exit 2), one line each', async () => {
    writeFileSync(path.join(dir, 'empty'), '');
    writeFileSync(path.join(dir, 'text'), 'hello world\n');
    await expect(readPacketCapture(path.join(dir, 'empty'))).rejects.toThrow(new UsageError(`${path.join(dir, 'empty')} is empty: not a capture`));
    await expect(readPacketCapture(path.join(dir, 'text'))).rejects.toThrow(UsageError);
    await expect(readPacketCapture(path.join(dir, 'text'))).rejects.toThrow(/is not a pcap or pcapng capture \(it starts with 68656c6c\)/);
  });
});
