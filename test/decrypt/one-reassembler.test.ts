// Decryption frames the handshake plaintext it opens with decode's one reassembler
// (src/decode/defragment.ts): a message split over records, several messages in one record and an
// oversized header give the same messages, record lists and finding as the plaintext decoder fed
// the same bytes in the same records. Records are sealed with the RFC 8448 server application keys.

import { RFC8448_FLOW, rfc8448Capture } from '../../fixtures/rfc8448/capture.js';
import { decodeCapture } from '../../src/decode/index.js';
import { decodeChunks } from '../../src/decode/trace.js';
import { HandshakeReassembler, MessageCap } from '../../src/decode/defragment.js';
import type { HandshakeMessage, Message } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { sealServerRecord } from './helpers/seal.js';
import { MAX_HANDSHAKE_MESSAGE } from '../../src/limits.js';
import type { Direction } from '../../src/capture/types.js';

const msg = (type: number, bodyLength: number, fill: number): Buffer => Buffer.concat([Buffer.from([type, 0, bodyLength >> 8, bodyLength & 0xff]), Buffer.alloc(bodyLength, fill)]);
const a = msg(200, 10, 0xaa);
const b = msg(201, 30, 0xbb);
const oversized = MAX_HANDSHAKE_MESSAGE + 1;
const c = Buffer.from([202, oversized >> 16, (oversized >> 8) & 0xff, oversized & 0xff, 1, 2, 3]);
// A whole, B's first 5 bytes | B's next 10 | B's last 19 and C's header | bytes after C.
const pieces = [Buffer.concat([a, b.subarray(0, 5)]), b.subarray(5, 15), Buffer.concat([b.subarray(15), c]), Buffer.from([1, 2, 3, 4])];

interface Shape {
  msgType: number;
  length: number;
  records: number[];
  issue?: { reason: string; at: number; length: number; expected?: string; actual?: string };
}

function shapes(messages: readonly Message[], recordPosition: (index: number) => number): Shape[] {
  return messages
    .filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType >= 200)
    .map((m) => {
      const s: Shape = { msgType: m.msgType, length: m.length, records: m.records.map(recordPosition) };
      if (m.issue) s.issue = { reason: m.issue.reason, at: m.issue.offset - m.offset, length: m.issue.length, expected: m.issue.expected, actual: m.issue.actual };
      return s;
    });
}

describe('decrypted handshake plaintext is framed by decode\'s reassembler', () => {
  const flow: Array<[Direction, string]> = RFC8448_FLOW.slice(0, 5).map(([d, n]) => [d, n]);
  const extra: Record<string, Buffer> = {};
  pieces.forEach((p, i) => {
    extra[`piece${i}`] = sealServerRecord(BigInt(i + 1), p, 22);
    flow.push(['server', `piece${i}`]);
  });
  const capture = rfc8448Capture({ flow, extra });
  const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
  const firstPiece = trace.records.findIndex((r) => r.direction === 'server' && r.encrypted && r.timeMs === 5);

  // The same bytes in the same records, unprotected.
  let offset = 0;
  const plain = decodeChunks(
    pieces.map((p, i) => {
      const bytes = Buffer.concat([Buffer.from([22, 3, 3, p.length >> 8, p.length & 0xff]), p]);
      const chunk = { direction: 'server' as const, timeMs: i, offset, bytes: Uint8Array.from(bytes) };
      offset += bytes.length;
      return chunk;
    }),
  );

  it('gives the same messages, records and oversized finding as the plaintext decoder', () => {
    expect(decryption.records.every((r) => r.ok)).toBe(true);
    const decrypted = shapes(trace.messages, (i) => i - firstPiece);
    const plaintext = shapes(plain.messages, (i) => i);
    expect(decrypted).toEqual(plaintext);
    expect(decrypted.map((s) => [s.msgType, s.length, s.records])).toEqual([
      [200, 14, [0]],
      [201, 34, [0, 1, 2]],
      [202, 7, [2]],
    ]);
    expect(decrypted[2].issue).toEqual({
      reason: `handshake message declares ${oversized} bytes, more than the ${MAX_HANDSHAKE_MESSAGE}-byte reassembly limit; the rest of this direction's handshake is not decoded`,
      at: 1,
      length: 3,
      expected: `<= ${MAX_HANDSHAKE_MESSAGE}`,
      actual: String(oversized),
    });
  });

  it('keeps decryption\'s own layout: one space per record, a split message timed by its last record', () => {
    const b201 = trace.messages.find((m) => m.kind === 'handshake' && m.msgType === 201)!;
    expect(b201.space.id).toBe(`server/plain#${firstPiece + 2}`);
    expect(b201.timeMs).toBe(7);
    const after = trace.messages.find((m) => m.records.includes(firstPiece + 3) && m.space.decrypted);
    expect(after).toMatchObject({ kind: 'opaque', reason: 'handshake bytes after an oversized handshake message (not decoded)' });
    expect(decryption.notes.filter((n) => /reassembly limit/.test(n))).toHaveLength(1);
  });
});

describe('reassembler API shared by decode and decrypt', () => {
  const space = { id: 'server', direction: 'server' as const, bytes: Uint8Array.from(Buffer.concat([a, b])), segments: [] };

  it('peek() says what take() would return without taking it', () => {
    const r = new HandshakeReassembler(space);
    r.push({ streamOffset: 0, length: 16, record: 0, timeMs: 1 });
    expect(r.peek()).toBe('complete');
    expect(r.buffered).toBe(16);
    expect(r.take()).toMatchObject({ start: 0, end: 14, records: [0], timeMs: 1, endTimeMs: 1 });
    expect(r.peek()).toBeUndefined();
    r.push({ streamOffset: 16, length: space.bytes.length - 16, record: 1, timeMs: 2 });
    // Spanning two pieces: a derived space whose segments map back to the stream.
    const spanning = r.take()!;
    expect(spanning).toMatchObject({ start: 0, end: 34, records: [0, 1], timeMs: 1, endTimeMs: 2 });
    expect(spanning.space.segments).toEqual([
      { at: 0, streamOffset: 14, length: 2 },
      { at: 2, streamOffset: 16, length: 32 },
    ]);
  });

  it('takeRest() hands over everything buffered as one slice', () => {
    const r = new HandshakeReassembler(space);
    r.push({ streamOffset: 0, length: 20, record: 0, timeMs: 1 });
    expect(r.takeRest()).toMatchObject({ start: 0, end: 20 });
    expect(r.buffered).toBe(0);
    expect(r.takeRest()).toBeUndefined();
  });

  it('MessageCap allows one message per record plus the packed allowance', () => {
    const cap = new MessageCap(2);
    cap.record();
    for (let i = 0; i < 3; i++) {
      expect(cap.full).toBe(false);
      cap.count();
    }
    expect(cap.full).toBe(true);
    cap.record();
    expect(cap.full).toBe(false);
    expect(cap.said('client', 'bytes')).toBe("tls-trace stopped decoding the client's bytes after 2 records, at 2 messages beyond one per record (its message cap)");
  });
});
