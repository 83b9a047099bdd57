// The recording of a direction cut by the capture cap ends at a record boundary (framing.ts).

import { completeRecordsLength, cutStream } from '../../src/capture/framing.js';
import type { CaptureChunk } from '../../src/capture/types.js';

const rec = (type: number, body: number): Buffer => Buffer.concat([Buffer.from([type, 3, 3, body >> 8, body & 0xff]), Buffer.alloc(body, 7)]);

describe('completeRecordsLength', () => {
  it('stops after the last whole record, at every cut point', () => {
    const stream = Buffer.concat([rec(22, 10), rec(23, 300), rec(21, 2)]);
    const ends = [0, 15, 320, 327];
    for (let n = 0; n <= stream.length; n++) {
      expect(completeRecordsLength(stream.subarray(0, n))).toBe(Math.max(...ends.filter((e) => e <= n)));
    }
  });

  it('leaves bytes that are not TLS framing whole', () => {
    const http = Buffer.from('HTTP/1.1 200 OK\r\n');
    expect(completeRecordsLength(http)).toBe(http.length);
    expect(completeRecordsLength(Buffer.concat([rec(22, 4), http]))).toBe(9 + http.length);
  });
});

describe('cutStream', () => {
  it('cuts one direction at a stream offset and keeps the other', () => {
    const chunk = (direction: 'client' | 'server', offset: number, n: number): CaptureChunk => ({ direction, offset, timeMs: offset, bytes: new Uint8Array(n).fill(offset % 256) });
    const chunks = [chunk('client', 0, 5), chunk('server', 0, 10), chunk('server', 10, 10), chunk('client', 5, 5), chunk('server', 20, 10)];
    const cut = cutStream(chunks, 'server', 15);
    expect(cut.map((c) => [c.direction, c.offset, c.bytes.length])).toEqual([
      ['client', 0, 5],
      ['server', 0, 10],
      ['server', 10, 5],
      ['client', 5, 5],
    ]);
  });
});
