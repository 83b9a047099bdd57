// Key log lines of a capture (DSBs and --keylog): indexed by client random once, held up to
// tls-trace's caps, and a DSB of any number of lines is taken without a RangeError.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { KeylogIndex } from '../../../src/capture/pcap/keylog-index.js';
import { MAX_CAPTURE_KEYLOG_BYTES, MAX_CAPTURE_KEYLOG_LINES } from '../../../src/limits.js';
import { pcapngBlock } from './pcap-bytes.js';

const block = pcapngBlock;

/** A pcapng (SHB, Ethernet IDB) with one "TLS Key Log" Decryption Secrets Block per text. */
function pcapngWithSecrets(texts: string[]): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  const dsb = (text: string): Buffer => {
    const secrets = Buffer.from(text);
    const fixed = Buffer.alloc(8);
    fixed.writeUInt32LE(0x544c534b, 0);
    fixed.writeUInt32LE(secrets.length, 4);
    return block(0x0a, Buffer.concat([fixed, secrets]));
  };
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), ...texts.map(dsb)]);
}

// Short lines (a real client random is 64 hex digits) so 200,000 fit one block under tls-trace's block cap.
const line = (i: number): string => `CLIENT_RANDOM ${i.toString(16)} ab`;

describe('KeylogIndex', () => {
  it('finds a connection\'s lines by client random (any case), skipping lines without one', () => {
    const k = new KeylogIndex();
    const r = 'AA'.repeat(32);
    k.add([`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} 01`, line(1), 'garbage', `SERVER_HANDSHAKE_TRAFFIC_SECRET ${r.toLowerCase()} 02`]);
    expect(k.linesFor('aa'.repeat(32))).toEqual([`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} 01`, `SERVER_HANDSHAKE_TRAFFIC_SECRET ${r.toLowerCase()} 02`]);
    expect(k.linesFor(line(1).split(' ')[1])).toEqual([line(1)]);
    expect(k.linesFor('bb'.repeat(32))).toEqual([]);
    expect(k.dropped).toBe(0);
  });

  it('holds at most its byte cap', () => {
    const k = new KeylogIndex();
    const head = `CLIENT_RANDOM ${'cd'.repeat(32)} `;
    // Five bytes short of the cap: the next (longer) lines do not fit.
    const big = head + 'x'.repeat(MAX_CAPTURE_KEYLOG_BYTES - 5 - head.length);
    k.add([big, line(2), line(3)]);
    expect(k.dropped).toBe(2);
    expect(k.linesFor('cd'.repeat(32))).toEqual([big]);
  });
});

describe('tls-trace read: Decryption Secrets Blocks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-dsb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => line(from + i)).join('\n');

  it('a 200,000-line DSB is read (it was spread into push: RangeError)', async () => {
    const file = path.join(dir, 'big-dsb.pcapng');
    writeFileSync(file, pcapngWithSecrets([lines(0, 200_000)]));
    const c = await readPacketCapture(file);
    expect(c.frames).toBe(0);
    expect(c.notes).toEqual([]);
  }, 30_000);

  it('lines past the cap over DSBs and --keylog are dropped with a note naming tls-trace\'s limit', async () => {
    const file = path.join(dir, 'many-dsb.pcapng');
    const perBlock = 200_000;
    writeFileSync(file, pcapngWithSecrets([lines(0, perBlock), lines(perBlock, perBlock), lines(2 * perBlock, perBlock)]));
    const c = await readPacketCapture(file, [line(9_999_999)]);
    const dropped = 3 * perBlock + 1 - MAX_CAPTURE_KEYLOG_LINES;
    expect(c.notes).toEqual([`${dropped} key log line(s) past tls-trace's limit of ${MAX_CAPTURE_KEYLOG_LINES} lines or ${MAX_CAPTURE_KEYLOG_BYTES} bytes of secrets per capture were not used`]);
  }, 30_000);
});
