// Missing bytes in a packet capture's stream, at the decoder: the chunks jump ahead where the
// capture reader resumed at a record boundary. No record is read across the jump, the record the
// gap cut is incomplete "because bytes are missing", a zero-length marker says how many bytes and
// where, and decoding goes on after it; a gap with no boundary after it ends the direction.

import type { CaptureChunk, CaptureGap } from '../../src/capture/types.js';
import type { OpaqueMessage } from '../../src/decode/model.js';
import { decodeChunks } from '../../src/decode/trace.js';

/** A TLS 1.2 alert record: content type 21, version 3.3, length 2, warning close_notify. */
const alert = Buffer.from([21, 3, 3, 0, 2, 1, 0]);

const chunk = (offset: number, bytes: Buffer, timeMs = offset): CaptureChunk => ({ direction: 'server', timeMs, offset, bytes });

describe('decoding across missing bytes', () => {
  it('resumes at the chunk after the gap: the cut record is incomplete, the next ones decode, a marker says what is missing', () => {
    // Two whole alerts, the first 4 bytes of a third, then 20 bytes missing, then 3 bytes of the
    // cut record's tail the reader skipped (offset 18 + 20 + 3 = 41), then two whole alerts.
    const before = Buffer.concat([alert, alert, alert.subarray(0, 4)]);
    const gaps: CaptureGap[] = [{ direction: 'server', offset: 18, length: 20 }];
    const chunks = [chunk(0, before), chunk(41, Buffer.concat([alert, alert]))];
    const trace = decodeChunks(chunks, {}, undefined, gaps);
    expect(trace.records.map((r) => [r.offset, r.length, r.afterGap ?? false])).toEqual([
      [0, 7, false],
      [7, 7, false],
      [14, 4, false],
      [18, 7, true],
      [25, 7, false],
    ]);
    expect(trace.records[2].issue?.reason).toBe('record header: 5 bytes needed, the capture is missing the bytes after 4');
    const marks = trace.messages.filter((m): m is OpaqueMessage => m.kind === 'opaque');
    expect(marks.map((m) => [m.offset, m.length, m.missing, m.reason])).toEqual([
      [18, 0, { streamOffset: 18, length: 20, resumedAt: 41 }, '20 bytes missing from the capture at stream offset 18; the 3 bytes after them (the rest of a record the gap cut) are skipped and decoding resumes at the next record boundary, stream offset 41'],
    ]);
    expect(trace.messages.filter((m) => m.kind === 'alert' && m.level === 1)).toHaveLength(4);
    // Not a decoding problem of the bytes: no trace-level issue about chunk offsets.
    expect(trace.issues).toEqual([]);
  });

  it('a gap after which no boundary was found ends the direction with a marker saying so', () => {
    const trace = decodeChunks([chunk(0, alert)], {}, undefined, [{ direction: 'server', offset: 7, length: 1000 }]);
    const marks = trace.messages.filter((m): m is OpaqueMessage => m.kind === 'opaque');
    expect(marks.map((m) => [m.offset, m.missing, m.reason])).toEqual([[7, { streamOffset: 7, length: 1000 }, '1000 bytes missing from the capture at stream offset 7; no record boundary was found after them, so decoding of this direction stops here']]);
  });

  it('chunks that claim an earlier offset (overlap) are still an issue, decoded as they follow each other', () => {
    const trace = decodeChunks([chunk(0, alert), chunk(3, alert)]);
    expect(trace.issues.map((i) => i.reason)).toEqual(['capture chunk 1 claims stream offset 3, but the server stream so far has 7 bytes']);
  });
});
