// The one way the CLI reads a file the user named (--targets, --ca, --cert, --key,
// NODE_EXTRA_CA_CERTS, replay FILE): only a regular file, or stdin as `-` where the command allows
// it, and never more than the file's cap (src/limits.ts). `/dev/zero`, a FIFO or a 16 GB file
// would otherwise hang tls-trace or exhaust its memory before any check could run.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { errnoReason } from './errno.js';

export interface InputFile {
  /** How the file is named in errors: `--targets`, `--ca`, `capture file`. */
  what: string;
  /** Most bytes read; a longer file is refused (one of src/limits.ts's MAX_*_BYTES). */
  maxBytes: number;
}

/** Where `-` reads from (the CLI context's stdin); absent when the command takes no stdin. */
export type StdinSource = () => AsyncIterable<Uint8Array>;

const CHUNK = 64 * 1024;

/** "1 MiB" for the caps in src/limits.ts, bytes otherwise. */
export function formatCap(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

function cannotRead(spec: InputFile, path: string, reason: string): UsageError {
  return new UsageError(`cannot read ${spec.what} ${path}: ${reason}`);
}

function overCap(spec: InputFile, path: string): UsageError {
  return cannotRead(spec, path, `larger than ${formatCap(spec.maxBytes)}, the most tls-trace reads for ${spec.what}`);
}

/** What a non-regular file is, for the error line. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}

/**
 * Reads a regular file of at most `spec.maxBytes`. The type is checked with fstat on the opened
 * descriptor (not stat-then-open, which a swapped path would defeat), and the open is
 * non-blocking because opening a FIFO for reading otherwise waits for a writer for ever.
 * Every failure is a UsageError (exit 2) naming the file and why.
 */
export function readInputFile(path: string, spec: InputFile): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(spec, path, errnoReason(e));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw cannotRead(spec, path, `${fileKind(st)}, not a regular file`);
    // A size over the cap is refused before reading; the read itself still stops at cap + 1 in
    // case the file grows meanwhile.
    if (st.size > spec.maxBytes) throw overCap(spec, path);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, spec.maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw cannotRead(spec, path, errnoReason(e));
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > spec.maxBytes) throw overCap(spec, path);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Reads stdin (a pipe or a file redirected in) up to the same cap. */
export async function readInputStream(source: AsyncIterable<Uint8Array>, spec: InputFile): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of source) {
      chunks.push(chunk);
      total += chunk.length;
      // Leaving the loop destroys the stream: nothing past the cap is buffered.
      if (total > spec.maxBytes) throw overCap(spec, 'from stdin');
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw cannotRead(spec, 'from stdin', errnoReason(e));
  }
  return Buffer.concat(chunks, total);
}

/**
 * `-` reads stdin when the command offers it (`stdin` given); any other path is a regular file.
 * Text is decoded as UTF-8 (a malformed byte becomes U+FFFD and is escaped where printed).
 */
export async function readInputText(path: string, spec: InputFile, stdin?: StdinSource): Promise<string> {
  if (path === '-' && stdin) return (await readInputStream(stdin(), spec)).toString('utf8');
  return readInputFile(path, spec).toString('utf8');
}
