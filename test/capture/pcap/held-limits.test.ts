// Out-of-order reassembly stays bounded: a capture of 1-byte segments at every other sequence
// number (each waiting for a byte that never comes) is held up to tls-trace's segment limit, then
// the missing bytes become gaps; held bytes count against the shared byte budget.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { TcpStream, type ByteBudget } from '../../../src/capture/pcap/tcp-stream.js';
import { MAX_TCP_OUT_OF_ORDER_SEGMENTS } from '../../../src/limits.js';
import { frame, pcapOf } from './pcap-bytes.js';

describe('out-of-order segments held', () => {
  const budget = (): ByteBudget => ({ used: 0, limit: 1 << 20, exhausted: false });

  it('are capped in number per direction: 130,000 holes become gaps, fast and without a stack overflow', () => {
    const s = new TcpStream('client', budget());
    s.add(1000, true, Buffer.alloc(0), 0);
    const n = 130_000;
    for (let i = 0; i < n; i++) s.add(1000 + 2 + 2 * i, false, Buffer.from([i & 0xff]), i);
    s.finish();
    // Every byte at an even offset is missing: one 1-byte gap before each held byte.
    expect(s.gaps).toHaveLength(n);
    expect(s.gaps[0]).toEqual({ direction: 'client', offset: 0, length: 1 });
    expect(s.delivered).toBe(2 * n);
    expect(s.kept).toBe(n);
    // The limit declared the gap early once past MAX_TCP_OUT_OF_ORDER_SEGMENTS held, on every later segment.
    expect(s.heldLimitHits).toBe(n - MAX_TCP_OUT_OF_ORDER_SEGMENTS);
  }, 20_000);

  it('are charged to the shared byte budget while held and given back when delivered or released', () => {
    const b = budget();
    const s = new TcpStream('client', b);
    s.add(1000, true, Buffer.alloc(0), 0);
    s.add(1004, false, Buffer.from('defg'), 1);
    expect(b.used).toBe(4);
    s.add(1001, false, Buffer.from('abc'), 2);
    expect(b.used).toBe(7);
    expect(s.kept).toBe(7);
    s.add(1020, false, Buffer.from('zz'), 3);
    expect(b.used).toBe(9);
    s.release();
    expect(b.used).toBe(0);
    s.finish();
    expect(s.delivered).toBe(21);
    expect(b.used).toBe(0);
  });

  it('a held segment the budget has no room for is dropped and the direction marked truncated', () => {
    const b: ByteBudget = { used: 0, limit: 5, exhausted: false };
    const s = new TcpStream('client', b);
    s.add(1000, true, Buffer.alloc(0), 0);
    s.add(1004, false, Buffer.from('defghi'), 1);
    expect(b.used).toBe(0);
    s.add(1001, false, Buffer.from('abc'), 2);
    expect(Buffer.concat(s.chunks.map((c) => c.bytes)).toString()).toBe('abc');
    expect(s.capped).toBe(true);
    expect(b.exhausted).toBe(true);
    expect(s.delivered).toBe(9);
  });
});

describe('tls-trace read: a capture of 1-byte segments at every other sequence number', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-held-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes within the test timeout with a note naming tls-trace\'s own limit', async () => {
    const n = 20_000;
    const frames = [frame(5000, 0x02, Buffer.alloc(0))];
    for (let i = 0; i < n; i++) frames.push(frame(5000 + 2 + 2 * i, 0x18, Buffer.from([0x16])));
    const file = path.join(dir, 'holes.pcap');
    writeFileSync(file, pcapOf(frames));
    const c = await readPacketCapture(file);
    expect(c.frames).toBe(n + 1);
    expect(c.connections).toHaveLength(1);
    expect(c.notes).toContain(`${n - MAX_TCP_OUT_OF_ORDER_SEGMENTS} time(s) out-of-order TCP data reached tls-trace's limit of ${MAX_TCP_OUT_OF_ORDER_SEGMENTS} segments or 1048576 bytes held per direction: the bytes still missing were recorded as a gap`);
  }, 10_000);

  it('an exception while handing on the connections still open at the end becomes a note, not an internal error', async () => {
    const file = path.join(dir, 'open-at-end.pcap');
    writeFileSync(file, pcapOf([frame(5000, 0x02, Buffer.alloc(0)), frame(5001, 0x18, Buffer.from('x'))]));
    const c = await readPacketCapture(file, [], () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    expect(c.notes).toEqual(['the connections still open at the end of the capture could not all be reassembled: Maximum call stack size exceeded']);
  });
});
