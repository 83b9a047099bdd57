// TCP reassembly on real loopback captures bent with Wireshark's own tools: every packet twice
// (mergecap of a file with itself: retransmissions), a data segment moved to the end (out of
// order), a segment deleted (a gap), the three-way handshake deleted (capture started
// mid-connection) and one direction only (tshark -Y). Plus the byte-level cases on TcpStream.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { ConnectionTable, type TcpConnection } from '../../../src/capture/pcap/connections.js';
import type { TcpSegment } from '../../../src/capture/pcap/layers.js';
import { TcpStream, type ByteBudget } from '../../../src/capture/pcap/tcp-stream.js';
import type { Capture } from '../../../src/capture/types.js';
import { MAX_PROLOGUE_SEARCH_BYTES } from '../../../src/limits.js';
import { editcap, recordOpenssl, run, type Recorded } from '../../helpers/pcap-tools.js';
import { describeWithTools } from '../../helpers/servers.js';

async function only(file: string): Promise<Capture> {
  const c = await readPacketCapture(file);
  const tls = c.connections.flatMap((x) => (x.tls ? [x.capture] : []));
  expect(tls).toHaveLength(1);
  return tls[0];
}

function stream(capture: Capture, d: 'client' | 'server'): string {
  return Buffer.concat(capture.chunks.filter((c) => c.direction === d).map((c) => c.bytes)).toString('hex');
}

describe('TcpStream', () => {
  const budget = (): ByteBudget => ({ used: 0, limit: 1 << 20, exhausted: false });
  const text = (s: TcpStream): string => Buffer.concat(s.chunks.map((c) => c.bytes)).toString();

  it('orders segments, drops retransmitted bytes, trims overlaps and records the gap it could not fill', () => {
    const s = new TcpStream('client', budget());
    expect(s.add(1000, true, Buffer.alloc(0), 0)).toEqual({});
    expect(s.add(1001, false, Buffer.from('abc'), 1)).toEqual({ stream: { offset: 0, length: 3 } });
    expect(s.add(1007, false, Buffer.from('ghi'), 2)).toEqual({ stream: { offset: 6, length: 3 }, note: 'out-of-order' });
    expect(s.add(1004, false, Buffer.from('def'), 3)).toEqual({ stream: { offset: 3, length: 3 } });
    expect(s.add(1001, false, Buffer.from('abc'), 4)).toEqual({ stream: { offset: 0, length: 3 }, note: 'retransmission' });
    expect(s.add(1008, false, Buffer.from('hijk'), 5)).toEqual({ stream: { offset: 9, length: 2 }, note: 'overlap' });
    s.add(1020, false, Buffer.from('XY'), 6);
    s.finish();
    expect(text(s)).toBe('abcdefghijkXY');
    expect(s.gaps).toEqual([{ direction: 'client', offset: 11, length: 8 }]);
    expect(s.chunks.map((c) => c.offset)).toEqual([0, 3, 6, 9, 19]);
  });

  it('wraps sequence numbers modulo 2^32 and starts at the first data when the SYN is missing', () => {
    const s = new TcpStream('server', budget());
    s.add(0xfffffffe, false, Buffer.from('ab'), 0);
    s.add(0, false, Buffer.from('cd'), 1);
    expect(text(s)).toBe('abcd');
    expect(s.synSeen).toBe(false);
  });

  it('stops keeping bytes at the total budget and says so', () => {
    const b: ByteBudget = { used: 0, limit: 4, exhausted: false };
    const s = new TcpStream('client', b);
    s.add(1, false, Buffer.from('abcdef'), 0);
    expect(text(s)).toBe('abcd');
    expect(s.capped).toBe(true);
    expect(b.exhausted).toBe(true);
  });
});

describe('ConnectionTable', () => {
  const seg = (fromClient: boolean, flags: number, seq: number, ack: number, payload = ''): TcpSegment => ({
    srcAddr: fromClient ? '10.0.0.1' : '10.0.0.2',
    dstAddr: fromClient ? '10.0.0.2' : '10.0.0.1',
    srcPort: fromClient ? 50000 : 25,
    dstPort: fromClient ? 25 : 50000,
    seq,
    ack,
    flags,
    window: 100,
    payload: Buffer.from(payload),
  });

  it('frees a plaintext connection\'s bytes and packet list as soon as its first line shows a protocol that never turns into TLS', () => {
    const done: TcpConnection[] = [];
    const t = new ConnectionTable((c) => done.push(c));
    t.add(seg(true, 0x02, 100, 0), 0);
    t.add(seg(false, 0x12, 500, 101), 1);
    t.add(seg(true, 0x18, 101, 501, 'GET / HTTP/1.1\r\n\r\n'), 2);
    expect(t.budget.used).toBe(18);
    t.add(seg(false, 0x18, 501, 119, 'HTTP/1.1 200 OK\r\n\r\n'), 3);
    expect(t.budget.used).toBe(0);
    expect(t.listed.count).toBe(0);
    t.add(seg(false, 0x18, 520, 119, 'more'), 4);
    expect(t.budget.used).toBe(0);
    t.finish();
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ notTls: true, notTlsReason: 'HTTP request: "GET / HTTP/1.1"', packets: [] });
    expect(done[0].streams.server.delivered).toBe(23);
  });

  it('keeps a STARTTLS-like dialogue (TLS may follow it) until MAX_PROLOGUE_SEARCH_BYTES of it pass without a ClientHello', () => {
    const done: TcpConnection[] = [];
    const t = new ConnectionTable((c) => done.push(c));
    t.add(seg(true, 0x02, 100, 0), 0);
    t.add(seg(false, 0x12, 500, 101), 1);
    t.add(seg(false, 0x18, 501, 101, '220 mail.example ESMTP\r\n'), 2);
    t.add(seg(true, 0x18, 101, 525, 'EHLO me\r\n'), 3);
    expect(t.budget.used).toBe(33);
    // 64 KiB more of plaintext from the client and still no ClientHello: not TLS, bytes freed.
    t.add(seg(true, 0x18, 110, 525, 'x'.repeat(MAX_PROLOGUE_SEARCH_BYTES)), 4);
    expect(t.budget.used).toBe(0);
    t.finish();
    expect(done[0]).toMatchObject({ notTls: true, notTlsReason: `no TLS record or ClientHello in the first ${MAX_PROLOGUE_SEARCH_BYTES} bytes (the server's first line: "220 mail.example ESMTP")` });
  });
});

describe('ConnectionTable hands on connections as they end', () => {
  const seg = (port: number, fromClient: boolean, flags: number, seq: number, payload = ''): TcpSegment => ({
    srcAddr: '10.0.0.1',
    dstAddr: '10.0.0.1',
    srcPort: fromClient ? port : 443,
    dstPort: fromClient ? 443 : port,
    seq,
    ack: 0,
    flags,
    window: 1,
    payload: Buffer.from(payload),
  });

  it('a closed connection goes once 2 s of capture time pass; late ACKs before that still find it, after it start nothing', () => {
    const done: TcpConnection[] = [];
    const t = new ConnectionTable((c) => done.push(c));
    t.add(seg(1000, true, 0x02, 1), 0);
    t.add(seg(1000, true, 0x18, 2, 'hello'), 1);
    t.add(seg(1000, true, 0x11, 7), 2);
    t.add(seg(1000, false, 0x11, 100), 3);
    t.add(seg(1000, true, 0x10, 8), 4);
    expect(t.budget.used).toBe(5);
    t.add(seg(2000, true, 0x02, 1), 1000);
    expect(done).toEqual([]);
    t.add(seg(3000, true, 0x02, 1), 2005);
    expect(done.map((c) => [c.number, c.packets.length])).toEqual([[1, 5]]);
    expect(t.budget.used).toBe(0);
    t.add(seg(1000, true, 0x10, 8), 3000);
    t.finish();
    expect(done.map((c) => c.number)).toEqual([1, 2, 3]);
  });
});

describeWithTools('tcpdump', 'editcap', 'mergecap', 'tshark', 'openssl')('tls-trace read: TCP reassembly on bent captures', () => {
  let dir: string;
  let rec: Recorded;
  let base: Capture;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tcp-'));
    rec = await recordOpenssl(dir, 'conn');
    base = await only(rec.pcap);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** 1-based frame numbers of the segments carrying data from `d`. */
  const dataFrames = (d: 'client' | 'server'): number[] => (base.packets ?? []).flatMap((p, i) => (p.direction === d && p.payloadLength > 0 ? [i + 1] : []));

  it('every packet twice: the same streams, each copy noted as a retransmission', async () => {
    const out = path.join(dir, 'twice.pcap');
    await run('mergecap', ['-F', 'pcap', '-w', out, rec.pcap, rec.pcap]);
    const got = await only(out);
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    // Every data segment but the first copy of each is a retransmission. On a loaded machine the
    // recording itself may hold a real retransmission already, so count distinct segments.
    const segments = (base.packets ?? []).filter((p) => p.payloadLength > 0);
    const distinct = new Set(segments.map((p) => `${p.direction}:${p.seq}:${p.payloadLength}`)).size;
    const expected = 2 * segments.length - distinct;
    expect(got.packets?.filter((p) => p.note === 'retransmission')).toHaveLength(expected);
    // tshark agrees which data segments are retransmissions (it also flags the repeated SYN and FIN).
    const tshark = (await run('tshark', ['-r', out, '-Y', 'tcp.analysis.retransmission && tcp.len > 0', '-T', 'fields', '-e', 'frame.number'])).trim().split('\n').filter(Boolean);
    expect(tshark).toHaveLength(expected);
    expect(tshark.map(Number)).toEqual((got.packets ?? []).flatMap((p, i) => (p.note === 'retransmission' ? [i + 1] : [])));
  });

  it('a data segment moved to the end: the same streams, the segments after it held as out of order', async () => {
    const moved = dataFrames('server')[0];
    const rest = await editcap([], rec.pcap, path.join(dir, 'rest.pcap'));
    await run('editcap', [rec.pcap, rest, String(moved)]);
    const one = path.join(dir, 'one.pcap');
    await run('editcap', ['-r', rec.pcap, one, String(moved)]);
    const out = path.join(dir, 'reordered.pcap');
    await run('mergecap', ['-a', '-F', 'pcap', '-w', out, rest, one]);
    const got = await only(out);
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(got.packets?.filter((p) => p.direction === 'server' && p.note === 'out-of-order').length).toBe(dataFrames('server').length - 1);
  });

  it('a deleted segment is a gap at its stream offset; the direction resumes after it (the next segment starts a record)', async () => {
    const frames = dataFrames('server');
    const victim = frames[1];
    const before = (base.packets ?? []).slice(0, victim - 1).filter((p) => p.direction === 'server').reduce((n, p) => n + p.payloadLength, 0);
    const out = await editcap([], rec.pcap, path.join(dir, 'gap.pcap'));
    await run('editcap', [rec.pcap, out, String(victim)]);
    const got = await only(out);
    expect(got.gaps).toEqual([{ direction: 'server', offset: before, length: base.packets?.[victim - 1]?.payloadLength }]);
    const lost = base.packets?.[victim - 1]?.payloadLength ?? 0;
    const whole = stream(base, 'server');
    expect(stream(got, 'server')).toBe(whole.slice(0, before * 2) + whole.slice((before + lost) * 2));
    expect(got.chunks.filter((c) => c.direction === 'server' && c.offset >= before).map((c) => c.offset)[0]).toBe(before + lost);
  });

  it('a capture that starts after the three-way handshake: client told by its ClientHello, same streams', async () => {
    const out = path.join(dir, 'nosyn.pcap');
    await run('editcap', [rec.pcap, out, '1-3']);
    const got = await only(out);
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    expect(got.timings.connectMs).toBeUndefined();
  });

  it('one direction only (the server side filtered out)', async () => {
    const out = path.join(dir, 'client-only.pcap');
    await run('tshark', ['-r', rec.pcap, '-Y', `tcp.dstport==${rec.port}`, '-F', 'pcap', '-w', out]);
    const got = await only(out);
    expect(stream(got, 'client')).toBe(stream(base, 'client'));
    expect(stream(got, 'server')).toBe('');
    expect(readFileSync(out).length).toBeGreaterThan(24);
  });

  it('the server side only, without the SYN-ACK: the ServerHello tells the server apart', async () => {
    const out = path.join(dir, 'server-only.pcap');
    await run('tshark', ['-r', rec.pcap, '-Y', `tcp.srcport==${rec.port} && !(tcp.flags.syn==1)`, '-F', 'pcap', '-w', out]);
    const got = await only(out);
    expect(got.target.port).toBe(rec.port);
    expect(stream(got, 'server')).toBe(stream(base, 'server'));
    expect(stream(got, 'client')).toBe('');
  });
});
