// CompressedCertificate (RFC 8879 §4): a TLS 1.3 Certificate message body compressed with the
// algorithm the peer offered in compress_certificate (zlib, brotli, zstd). The compressed form is
// decoded where it is; the decompressed bytes get a ByteSpace of their own, in which the Certificate
// body is decoded as a nested message, so chain analysis and CertificateVerify read it exactly as a
// plain Certificate.
//
//   struct {
//     CertificateCompressionAlgorithm algorithm;   uint16
//     uint24 uncompressed_length;
//     opaque compressed_certificate_message<1..2^24-1>;
//   } CompressedCertificate;

import * as zlib from 'node:zlib';
import type { CertificateMessage, CompressedCertificate, NestedMessage } from '../model.js';
import type { ByteSpace, DecodeIssue } from '../types.js';
import { decodeWith, type ByteReader, type FieldBudget } from '../reader.js';
import { byteCount, fmt } from '../format.js';
import { firstIssue } from '../fields.js';
import { decodeCertificate } from './certificate.js';
import { MAX_DECOMPRESSED_CERTIFICATE_BYTES } from '../../limits.js';

/** RFC 8879 §7.3 algorithm ids. */
const ZLIB = 1;
const BROTLI = 2;
const ZSTD = 3;

type Decompress = (buf: Uint8Array, opts: { maxOutputLength: number }) => Buffer;

const NO_ZSTD = 'certificate compressed with zstd, which this Node cannot decompress';

/**
 * Node 22.15+ has zstd; Node 20 has not. Looked up at run time so one bundle uses it where it
 * exists: undefined here, or (in the bundle, whose lazy stand-in always exists) a TypeError from
 * the call, both mean "not in this Node".
 */
function zstdDecompress(buf: Uint8Array, opts: { maxOutputLength: number }): Buffer | undefined {
  const fn = (zlib as unknown as { zstdDecompressSync?: Decompress }).zstdDecompressSync;
  if (typeof fn !== 'function') return undefined;
  try {
    return fn(buf, opts);
  } catch (e) {
    if (e instanceof TypeError && /not a function/.test(e.message)) return undefined;
    throw e;
  }
}

/** The decompressor for an algorithm, or why there is none. */
function decompressorFor(algorithm: number): Decompress | string {
  if (algorithm === ZLIB) return zlib.inflateSync;
  if (algorithm === BROTLI) return zlib.brotliDecompressSync;
  if (algorithm === ZSTD) {
    return (buf, opts) => {
      const out = zstdDecompress(buf, opts);
      if (!out) throw new ZstdMissing();
      return out;
    };
  }
  return `certificate compressed with ${fmt.certCompression(algorithm)}, an algorithm tls-trace does not know`;
}

class ZstdMissing extends Error {}

/** Reads the compressed form; decompression happens in `decompressCertificate` (it needs the space). */
export function decodeCompressedCertificate(r: ByteReader): CompressedCertificate {
  const algorithm = r.u16('algorithm', 'Compression algorithm', fmt.certCompression);
  const uncompressedLength = r.u24('uncompressed_length', 'Uncompressed length', byteCount);
  let compressed: Uint8Array = new Uint8Array();
  r.vector(3, 'compressed_certificate_message', 'Compressed Certificate', { min: 1 }, (v) => {
    const n = v.remaining;
    if (n > 0) compressed = v.rest('data', 'Compressed bytes', () => byteCount(n));
  });
  const out: CompressedCertificate = { type: 'compressed_certificate', algorithm, uncompressedLength, compressedLength: compressed.length };
  compressedBytes.set(out, compressed);
  return out;
}

/** The compressed bytes of a decoded body, kept off the model (it is JSON) until decompression. */
const compressedBytes = new WeakMap<CompressedCertificate, Uint8Array>();

let nestedSpaces = 0;

/**
 * Decompresses `body` (bounded by the declared length and MAX_DECOMPRESSED_CERTIFICATE_BYTES) and
 * decodes the Certificate inside. Sets `body.certificate` on success, `body.notDecompressed` when
 * it cannot run; returns the nested message (its fields index the decompressed space) and the
 * issue to show on the compressed bytes when the data contradicts the declared length or is not
 * valid compressed data.
 */
export function decompressCertificate(body: CompressedCertificate, parent: ByteSpace, budget?: FieldBudget): { nested?: NestedMessage; issue?: DecodeIssue } {
  const compressed = compressedBytes.get(body);
  compressedBytes.delete(body);
  if (!compressed || compressed.length === 0) return {};
  const how = decompressorFor(body.algorithm);
  if (typeof how === 'string') {
    body.notDecompressed = how;
    return {};
  }
  const declared = body.uncompressedLength;
  if (declared > MAX_DECOMPRESSED_CERTIFICATE_BYTES) {
    body.notDecompressed = `the certificate declares ${declared} uncompressed bytes, more than tls-trace's ${MAX_DECOMPRESSED_CERTIFICATE_BYTES}-byte decompression limit`;
    return { issue: { kind: 'limit', offset: 0, length: 0, reason: body.notDecompressed } };
  }
  let bytes: Buffer;
  try {
    // maxOutputLength: a stream that inflates past the declared length stops there (RangeError).
    bytes = how(compressed, { maxOutputLength: Math.max(1, declared) });
  } catch (e) {
    if (e instanceof ZstdMissing) {
      body.notDecompressed = NO_ZSTD;
      return {};
    }
    const past = e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    body.notDecompressed = past ? `the compressed data inflates to more than the declared ${declared} bytes` : `the compressed data is not valid ${algorithmName(body.algorithm)} (${(e as Error).message})`;
    return { issue: mismatch(body.notDecompressed, declared, past ? `more than ${declared} bytes` : 'invalid data') };
  }
  if (bytes.length !== declared) {
    body.notDecompressed = `the compressed data inflates to ${bytes.length} bytes, not the declared ${declared}`;
    return { issue: mismatch(body.notDecompressed, declared, `${bytes.length} bytes`) };
  }
  nestedSpaces += 1;
  const space: ByteSpace = { id: `${parent.direction}/cert#${nestedSpaces}`, direction: parent.direction, bytes: new Uint8Array(bytes), segments: [] };
  if (parent.decrypted) space.decrypted = true;
  let certificate: CertificateMessage | undefined;
  const res = decodeWith(space.bytes, 0, space.bytes.length, (c) => {
    certificate = decodeCertificate(c, true);
    if (!c.done) c.fail(`${c.remaining} bytes after the Certificate body`, c.offset, c.remaining, 'end of the decompressed bytes', byteCount(c.remaining));
  }, budget);
  if (certificate) body.certificate = certificate;
  const issue = res.issue ?? firstIssue(res.fields);
  const nested: NestedMessage = { space, fields: res.fields, title: 'Certificate (decompressed)' };
  if (issue) nested.issue = issue;
  return { nested };
}

function algorithmName(algorithm: number): string {
  return algorithm === ZLIB ? 'zlib' : algorithm === BROTLI ? 'brotli' : algorithm === ZSTD ? 'zstd' : fmt.certCompression(algorithm);
}

function mismatch(reason: string, declared: number, actual: string): DecodeIssue {
  return { kind: 'malformed', offset: 0, length: 0, reason, expected: `${declared} bytes`, actual };
}
