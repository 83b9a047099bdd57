// Damaged frames are counted per kind of damage, with the first one's details: however many
// frames are bad, and however their numbers differ, the notes stay a handful.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { frame, pcapOf } from './pcap-bytes.js';

describe('tls-trace read: many damaged frames', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-bad-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('1000 TCP headers of 36 different impossible lengths make one note with a count and the first example', async () => {
    const frames = Array.from({ length: 1000 }, (_, i) => frame(1, 0x18, Buffer.alloc(i % 36), 60));
    const file = path.join(dir, 'bad-tcp.pcap');
    writeFileSync(file, pcapOf(frames));
    const c = await readPacketCapture(file);
    expect(c.frames).toBe(1000);
    expect(c.connections).toEqual([]);
    expect(c.notes).toEqual(['1000 frame(s) skipped: a TCP header longer than its segment or shorter than 20 bytes (the first, frame 1: 60 header bytes in a 20-byte segment)']);
  });
});
