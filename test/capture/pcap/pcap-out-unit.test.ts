// capturesToPcapng without external tools: what it writes is read back by tls-trace's own pcapng
// reader (streams, addresses, key log from the DSB, TCP flags), and captures that never connected,
// were reset, carry a prologue or hold segments larger than one IP datagram come out as they should.
// (pcap-out.test.ts checks the same files with tshark.)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { capturesToPcapng } from '../../../src/capture/pcap/pcap-out.js';
import type { Capture, CapturePacket } from '../../../src/capture/types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-pcap-out-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS-looking stream: a handshake record header and `n` body bytes of a pattern. */
function record(n: number, fill: number): Uint8Array {
  const b = new Uint8Array(5 + n).fill(fill);
  b.set([22, 3, 3, n >> 8, n & 0xff]);
  return b;
}

function capture(over: Partial<Capture> = {}): Capture {
  const client = record(300, 0xc1);
  const server = record(5000, 0x5e);
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: 'example.test', port: 443, address: '192.0.2.10', family: 4 },
    startedAt: '2026-12-02T00:00:00.000Z',
    timings: { connectMs: 1.5, totalMs: 10 },
    options: {},
    chunks: [
      { direction: 'client', timeMs: 2, offset: 0, bytes: client },
      { direction: 'server', timeMs: 4, offset: 0, bytes: server },
    ],
    keylog: ['CLIENT_RANDOM 00 11'],
    ...over,
  };
}

async function readBack(c: Capture[], name: string): Promise<Awaited<ReturnType<typeof readPacketCapture>>> {
  const file = path.join(dir, `${name}.pcapng`);
  writeFileSync(file, capturesToPcapng(c));
  return readPacketCapture(file);
}

const streamHex = (c: Capture, d: 'client' | 'server'): string => Buffer.concat(c.chunks.filter((x) => x.direction === d).map((x) => x.bytes)).toString('hex');

describe('capturesToPcapng', () => {
  it('synthesized frames read back as the same streams, addresses and flags, the key log from the DSB', async () => {
    const original = capture({ client: { address: '198.51.100.7', port: 40000 }, keylog: [] });
    const back = await readBack([original], 'basic');
    expect(back.format).toBe('pcapng');
    expect(back.notes).toEqual([]);
    const conn = back.connections[0];
    expect(conn.client).toEqual({ addr: '198.51.100.7', port: 40000 });
    expect(conn.server).toEqual({ addr: '192.0.2.10', port: 443 });
    if (!conn.tls) throw new Error('not TLS');
    expect(streamHex(conn.capture, 'client')).toBe(streamHex(original, 'client'));
    expect(streamHex(conn.capture, 'server')).toBe(streamHex(original, 'server'));
    const flags = (conn.capture.packets ?? []).map((p) => `${p.direction[0]}:${[...p.flags].sort().join('+')}:${p.payloadLength}`);
    // 5005 server bytes: three full 1460-byte segments and a 625-byte one.
    expect(flags).toEqual(['c:SYN:0', 's:ACK+SYN:0', 'c:ACK:0', 'c:ACK+PSH:305', 's:ACK:1460', 's:ACK:1460', 's:ACK:1460', 's:ACK+PSH:625', 'c:ACK+FIN:0', 's:ACK+FIN:0', 'c:ACK:0']);
    // The SYN goes one connect time before the first byte.
    expect(conn.capture.timings.connectMs).toBeCloseTo(1.5, 3);
  });

  it('the key log of several connections goes into one DSB, each line once', async () => {
    const line = `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`;
    const bytes = Buffer.from(capturesToPcapng([capture({ keylog: [line] }), capture({ keylog: [line] })]));
    expect(bytes.toString('latin1').split(line).length - 1).toBe(1);
  });

  it('IPv6 with no known address: documentation addresses, 1440-byte segments', async () => {
    const back = await readBack([capture({ target: { host: 'v6.example.test', port: 8443, family: 6 } })], 'v6');
    const conn = back.connections[0];
    expect(conn.client.addr).toBe('2001:db8::1');
    expect(conn.server).toEqual({ addr: '2001:db8::2', port: 8443 });
    if (!conn.tls) throw new Error('not TLS');
    expect(Math.max(...(conn.capture.packets ?? []).map((p) => p.payloadLength))).toBe(1440);
  });

  it('a capture that never connected has no packets; a reset one ends with the server RST', async () => {
    const never = Buffer.from(capturesToPcapng([capture({ chunks: [], timings: { totalMs: 5 }, error: { code: 'refused', message: 'refused' } })]));
    // SHB, IDB and the DSB only.
    const blocks: number[] = [];
    for (let at = 0; at < never.length; at += never.readUInt32LE(at + 4)) blocks.push(never.readUInt32LE(at));
    expect(blocks).toEqual([0x0a0d0d0a, 1, 0x0a]);
    const reset = await readBack([capture({ error: { code: 'reset', message: 'reset' } })], 'reset');
    const packets = reset.connections[0].tls ? (reset.connections[0].capture.packets ?? []) : [];
    expect(packets.at(-1)?.direction).toBe('server');
    expect([...(packets.at(-1)?.flags ?? [])].sort()).toEqual(['ACK', 'RST']);
    expect(packets.some((p) => p.flags.includes('FIN'))).toBe(false);
  });

  it('plaintext before TLS goes first in its direction, the TLS bytes after it', async () => {
    const hello = new TextEncoder().encode('EHLO x\r\n');
    const back = await readBack([capture({ prologue: [{ direction: 'client', timeMs: 1, bytes: hello }] })], 'prologue');
    const conn = back.connections[0];
    if (!conn.tls) throw new Error('not TLS');
    const first = (conn.capture.packets ?? []).find((p) => p.payloadLength > 0);
    expect(first).toMatchObject({ direction: 'client', payloadLength: hello.length, seq: 1 });
  });

  it("real segments larger than one IP datagram are split; a retransmission's bytes are found again by sequence number", async () => {
    const big = Buffer.concat(Array.from({ length: 7 }, (_, i) => record(16_000, 0x40 + i)));
    const packets: CapturePacket[] = [
      { timeMs: 0, direction: 'client', flags: ['SYN'], seq: 0, window: 100, payloadLength: 0 },
      { timeMs: 0.1, direction: 'server', flags: ['SYN', 'ACK'], seq: 0, ack: 1, window: 100, payloadLength: 0 },
      { timeMs: 0.2, direction: 'client', flags: ['ACK'], seq: 1, ack: 1, window: 100, payloadLength: 0 },
      { timeMs: 1, direction: 'server', flags: ['PSH', 'ACK'], seq: 1, ack: 1, window: 100, payloadLength: big.length, stream: { offset: 0, length: big.length } },
      // A retransmission: no stream, its bytes found again by sequence number.
      { timeMs: 2, direction: 'server', flags: ['ACK'], seq: 1, ack: 1, window: 100, payloadLength: 10 },
      { timeMs: 3, direction: 'server', flags: ['FIN', 'ACK'], seq: 1 + big.length, ack: 1, window: 100, payloadLength: 0 },
    ];
    const c = capture({ chunks: [{ direction: 'server', timeMs: 1, offset: 0, bytes: big }], packets, source: 'pcap' });
    const back = await readBack([c], 'big');
    const conn = back.connections[0];
    if (!conn.tls) throw new Error('not TLS');
    const lengths = (conn.capture.packets ?? []).map((p) => p.payloadLength);
    expect(lengths).toEqual([0, 0, 0, 65495, big.length - 65495, 10, 0]);
    expect(streamHex(conn.capture, 'server')).toBe(Buffer.from(big).toString('hex'));
    expect(conn.capture.packets?.[5].note).toBe('retransmission');
    expect(conn.capture.packets?.filter((p) => p.flags.includes('FIN'))).toHaveLength(1);
  });

  it("a connection's frames keep their order where its timestamps go backwards; connections interleave by time", async () => {
    const packets = (t: number[]): CapturePacket[] => [
      { timeMs: t[0], direction: 'client', flags: ['SYN'], seq: 0, window: 100, payloadLength: 0 },
      { timeMs: t[1], direction: 'server', flags: ['SYN', 'ACK'], seq: 0, ack: 1, window: 100, payloadLength: 0 },
      { timeMs: t[2], direction: 'client', flags: ['ACK'], seq: 1, ack: 1, window: 100, payloadLength: 0 },
      { timeMs: t[3], direction: 'client', flags: ['PSH', 'ACK'], seq: 1, ack: 1, window: 100, payloadLength: 305, stream: { offset: 0, length: 305 } },
    ];
    const a = capture({ packets: packets([0, 5, 3, 6]), source: 'pcap', chunks: [capture().chunks[0]] });
    const b = capture({ packets: packets([1, 2, 4, 7]), source: 'pcap', chunks: [capture().chunks[0]], client: { address: '192.0.2.99', port: 5555 } });
    const bytes = Buffer.from(capturesToPcapng([a, b]));
    // EPBs in file order: which connection (by client port) and the SYN/ACK flags byte.
    const order: string[] = [];
    for (let at = 0; at < bytes.length; at += bytes.readUInt32LE(at + 4)) {
      if (bytes.readUInt32LE(at) !== 6) continue;
      const frame = bytes.subarray(at + 28);
      const port = frame.readUInt16BE(34) === 443 ? frame.readUInt16BE(36) : frame.readUInt16BE(34);
      order.push(`${port === 5555 ? 'b' : 'a'}${frame[47]}`);
    }
    // a's ACK (time 3) stays after its SYN-ACK (time 5); b's frames slot in by time.
    expect(order).toEqual(['a2', 'b2', 'b18', 'b16', 'a18', 'a16', 'a24', 'b24']);
  });
});
