// The capture reader's byte source: pieces inside one read buffer are views, pieces that span
// buffers are copied, and the no-await path (readBuffered) only answers from the current buffer.
// Fed the same bytes cut into chunks of every size, every way of reading must give the same pieces.

import { ByteReader, TruncatedInput } from '../../../src/capture/pcap/byte-reader.js';

const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff));

async function* chunked(b: Buffer, size: (i: number) => number): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < b.length; i++) {
    const n = Math.max(1, size(i));
    yield b.subarray(at, at + n);
    at += n;
  }
}

/** Reads `data` in pieces of the given sizes, mixing readBuffered, read, peek and skip. */
async function readAll(reader: ByteReader, sizes: number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i];
    if (i % 5 === 3) {
      const peeked = await reader.peek(n);
      expect(peeked.equals(data.subarray(reader.position, reader.position + n))).toBe(true);
    }
    if (i % 7 === 6) {
      await reader.skip(n);
      out.push(data.subarray(reader.position - n, reader.position));
      continue;
    }
    out.push(reader.readBuffered(n) ?? (await reader.read(n)));
  }
  return out;
}

describe('ByteReader', () => {
  it.each([1, 2, 3, 7, 16, 100, 1024, 4999, 5000, 8192])('chunks of %i bytes: every piece is the bytes at its offset', async (chunk) => {
    const sizes: number[] = [];
    for (let left = data.length, i = 0; left > 0; i++) {
      const n = Math.min(left, [16, 1, 300, 5, 1500, 0, 64][i % 7]);
      sizes.push(n);
      left -= n;
    }
    const reader = new ByteReader(chunked(data, () => chunk));
    const pieces = await readAll(reader, sizes);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
    expect(reader.position).toBe(data.length);
    expect(await reader.atEnd()).toBe(true);
  });

  it('uneven chunks: the same bytes', async () => {
    const reader = new ByteReader(chunked(data, (i) => (i * 37) % 211));
    const pieces = await readAll(reader, Array.from({ length: 100 }, () => 50));
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });

  it('readBuffered answers only from the current chunk and consumes nothing when it cannot', async () => {
    const reader = new ByteReader(chunked(data, () => 10));
    expect(reader.readBuffered(1)).toBeUndefined(); // nothing read from the input yet
    expect((await reader.read(4)).equals(data.subarray(0, 4))).toBe(true);
    expect(reader.buffered).toBe(6);
    expect(reader.readBuffered(7)).toBeUndefined();
    expect(reader.position).toBe(4);
    expect(reader.readBuffered(6)?.equals(data.subarray(4, 10))).toBe(true);
    expect((await reader.read(15)).equals(data.subarray(10, 25))).toBe(true);
  });

  it('a piece past the end is TruncatedInput with where it started and how much was there', async () => {
    const reader = new ByteReader(chunked(data.subarray(0, 30), () => 7));
    await reader.read(20);
    const err = await reader.read(16).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TruncatedInput);
    expect((err as TruncatedInput).offset).toBe(20);
    expect((err as TruncatedInput).got).toBe(10);
  });
});
