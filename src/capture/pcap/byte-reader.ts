// Reads a capture file as a stream of exact-size pieces, never the whole file: plain files through
// fs read calls of READ_CHUNK_BYTES, gzip files through node:zlib's streaming gunzip. Offsets in
// errors are positions in the (decompressed) capture, which is what editcap and tshark report.

import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * Bytes asked of the file per read call (1 MiB). Fewer, larger reads: with 64 KiB ones most
 * loopback frames (up to 64 KiB each) straddled two reads and were copied out of them whole.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Input ended inside a structure that declared more bytes: everything before is still valid. */
export class TruncatedInput extends Error {
  constructor(readonly offset: number, readonly wanted: number, readonly got: number, compressed = false) {
    // In a gzip file the offsets are in the decompressed capture, and the message says so.
    const what = compressed ? 'the decompressed capture' : 'the file';
    super(`${what} ends at byte ${offset + got}, inside a ${wanted}-byte structure that starts at byte ${offset}`);
    this.name = 'TruncatedInput';
  }
}

/** FILE is not a regular file (a FIFO, a device, a directory): the CLI names what it is. */
export class NotRegularFile extends Error {
  constructor(readonly stats: Stats) {
    super('not a regular file');
    this.name = 'NotRegularFile';
  }
}

/** The gzip layer itself is damaged (not a truncation of the capture inside it). */
export class CompressedInputError extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
    this.name = 'CompressedInputError';
  }
}

/** The file's bytes in order; the next read is already under way while a chunk is being parsed. */
async function* fileChunks(fh: FileHandle): AsyncGenerator<Buffer> {
  const readNext = (): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    return fh.read(buf, 0, READ_CHUNK_BYTES, null).then(({ bytesRead }) => buf.subarray(0, bytesRead));
  };
  let next = readNext();
  for (;;) {
    const chunk = await next;
    if (chunk.length === 0) return;
    next = readNext();
    // A read still under way when the consumer stops early must not end up unhandled.
    next.catch(() => undefined);
    yield chunk;
  }
}

/**
 * Pulls exact-size pieces from an async sequence of chunks; holds at most one piece plus one chunk.
 * A piece inside one chunk is a view of it; only a piece that spans chunks is copied (just its bytes).
 */
export class ByteReader {
  private pending: Buffer[] = [];
  /** Where the unread bytes of pending[0] start (advanced instead of re-slicing the chunk per piece). */
  private headAt = 0;
  private pendingBytes = 0;
  private done = false;
  /** Offset of the next byte `read` returns. */
  position = 0;
  /**
   * The bytes come from a stream (stdin), maybe a live capture: a reader must not wait for bytes
   * it could do without (the pcap layout guess looks ahead only in files, as wiretap does).
   */
  streamed = false;

  constructor(
    private readonly chunks: AsyncIterator<Buffer>,
    private readonly compressed = false,
  ) {}

  private async fill(n: number): Promise<void> {
    while (this.pendingBytes < n && !this.done) {
      const next = await this.chunks.next();
      if (next.done) this.done = true;
      else if (next.value.length > 0) {
        this.pending.push(next.value);
        this.pendingBytes += next.value.length;
      }
    }
  }

  /** Bytes already read from the input and not yet consumed. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Exactly `n` bytes without waiting, when the current chunk holds them; else undefined (then
   * `read`). Frame by frame, this spares two promise round trips per frame.
   */
  readBuffered(n: number): Buffer | undefined {
    const head = this.pending[0];
    if (head === undefined || head.length - this.headAt < n) return undefined;
    const out = head.subarray(this.headAt, this.headAt + n);
    this.consumed(head, n);
    return out;
  }

  /** The chunk the next buffered bytes are in (for takeBuffered). */
  get current(): Buffer | undefined {
    return this.pending[0];
  }

  /**
   * Consumes `n` bytes when the current chunk holds them and returns where they start in it (read
   * them from `current`, taken before this call); -1 otherwise (then `read`). No view is made: a
   * pcap record header is read in place, once per frame.
   */
  takeBuffered(n: number): number {
    const head = this.pending[0];
    if (head === undefined || head.length - this.headAt < n) return -1;
    const at = this.headAt;
    this.consumed(head, n);
    return at;
  }

  private consumed(head: Buffer, n: number): void {
    this.headAt += n;
    if (this.headAt === head.length) {
      this.pending.shift();
      this.headAt = 0;
    }
    this.pendingBytes -= n;
    this.position += n;
  }

  /** The next `n` buffered bytes copied into one buffer; `consume` takes them. */
  private gather(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0, at = this.headAt; filled < n; i++, at = 0) {
      const chunk = this.pending[i];
      const take = Math.min(chunk.length - at, n - filled);
      chunk.copy(out, filled, at, at + take);
      filled += take;
    }
    for (let left = consume ? n : 0; left > 0; ) {
      const take = Math.min(this.pending[0].length - this.headAt, left);
      this.consumed(this.pending[0], take);
      left -= take;
    }
    return out;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.pendingBytes === 0;
  }

  /** Looks at up to `n` next bytes without consuming them. */
  async peek(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.gather(Math.min(n, this.pendingBytes), false);
  }

  /** Exactly `n` bytes, or TruncatedInput when the input ends first. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    if (this.pendingBytes < n) throw new TruncatedInput(this.position, n, this.pendingBytes, this.compressed);
    return this.readBuffered(n) ?? this.gather(n, true);
  }

  /** Consumes `n` bytes without keeping them (skipping unknown blocks costs no memory). */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const step = Math.min(left, READ_CHUNK_BYTES);
      await this.read(step);
      left -= step;
    }
  }
}

/** Opens FILE (gzip or not, told by its magic) as a ByteReader; `close` releases the handle. */
export interface CaptureBytes {
  reader: ByteReader;
  gzip: boolean;
  /** Set when the gzip stream ended early (a cut .gz file): the capture inside is cut there too. */
  gzipTruncated: { at?: number };
  close: () => Promise<void>;
}

/**
 * Opens FILE for streaming. Non-blocking, because opening a FIFO for reading otherwise waits for a
 * writer for ever; the type is checked with fstat on the opened handle (a stat before the open
 * would be defeated by a path swapped in between). The handle is closed on every failure here.
 * Errors: NotRegularFile, or the system error of the open or first read (its `code` says which).
 */
export async function openCaptureBytes(path: string): Promise<CaptureBytes> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFile(st);
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    const gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const raw = fileChunks(fh);
    const gzipTruncated: { at?: number } = {};
    if (!gzip) return { reader: new ByteReader(raw), gzip, gzipTruncated, close: () => fh.close() };
    const gunzip = Readable.from(raw).pipe(createGunzip());
    return { reader: new ByteReader(gunzipChunks(gunzip, gzipTruncated), true), gzip, gzipTruncated, close: () => fh.close() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * A capture arriving as a stream (stdin): streamed like a file, gzip told by its first two bytes.
 * `close` stops reading it.
 */
export async function openCaptureSource(source: AsyncIterable<Uint8Array>): Promise<CaptureBytes> {
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  while (have < 2) {
    const next = await it.next();
    if (next.done) break;
    first.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length));
    have += next.value.length;
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* first;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
    }
  }
  const head = Buffer.concat(first);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const close = async (): Promise<void> => void (await it.return?.());
  const gzipTruncated: { at?: number } = {};
  const reader = gzip ? new ByteReader(gunzipChunks(Readable.from(chunks()).pipe(createGunzip()), gzipTruncated), true) : new ByteReader(chunks());
  reader.streamed = true;
  return { reader, gzip, gzipTruncated, close };
}

/** Gunzip's output; a gzip stream cut short ends the sequence (the capture parser then sees truncation). */
async function* gunzipChunks(gunzip: NodeJS.ReadableStream, truncated: { at?: number }): AsyncGenerator<Buffer> {
  let offset = 0;
  try {
    for await (const chunk of gunzip) {
      const b = chunk as Buffer;
      offset += b.length;
      yield b;
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    // "unexpected end of file": the .gz was cut; what came out before is good capture data.
    if (code === 'Z_BUF_ERROR') {
      truncated.at = offset;
      return;
    }
    throw new CompressedInputError(offset, `the gzip data is damaged after ${offset} decompressed bytes (${(e as Error).message})`);
  }
}
