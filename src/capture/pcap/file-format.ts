// The two capture container formats, read as a sequence of frames and key logs:
// - pcap (libpcap): a 24-byte header whose magic gives the byte order and the timestamp unit
//   (a1b2c3d4 microseconds, a1b23c4d nanoseconds), then 16-byte record headers and frames.
// - pcapng (draft-ietf-opsawg-pcapng): blocks of type/length/body/length. A Section Header Block
//   gives each section's byte order; Interface Description Blocks give link type and timestamp
//   resolution (if_tsresol) per interface; Enhanced and Simple Packet Blocks carry frames;
//   Decryption Secrets Blocks carry TLS key logs. Other blocks are skipped by their length.

import { MAX_CAPTURE_BLOCK_BYTES } from '../../limits.js';
import type { ByteReader } from './byte-reader.js';

export interface FrameEvent {
  kind: 'frame';
  /** Absolute time in milliseconds since the Unix epoch (fractional). */
  timeMs: number;
  linkType: number;
  data: Buffer;
  /** Offset of the record or block holding the frame, for error messages. */
  offset: number;
  /** 1-based frame number, as Wireshark counts. */
  number: number;
}

export interface SecretsEvent {
  kind: 'secrets';
  keylog: string[];
}

export type CaptureEvent = FrameEvent | SecretsEvent;

/** A structure in the file is wrong; the offset is where it starts. */
export class CaptureFormatError extends Error {
  constructor(readonly offset: number, message: string) {
    super(`${message} (at byte ${offset})`);
    this.name = 'CaptureFormatError';
  }
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Tells the format from the first four bytes, or undefined when it is neither. */
export function sniffFormat(head: Buffer): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const be = head.readUInt32BE(0);
  if (be === 0x0a0d0d0a) return 'pcapng';
  const le = head.readUInt32LE(0);
  if ([0xa1b2c3d4, 0xa1b23c4d].includes(be) || [0xa1b2c3d4, 0xa1b23c4d].includes(le)) return 'pcap';
  return undefined;
}

/**
 * Where the readers put what they find: each frame and each key log, in file order, as soon as it
 * is read (a call per frame, not an object and a promise per frame: a large capture has millions).
 */
export interface CaptureSink {
  /** `timeMs`: absolute time in milliseconds since the Unix epoch (fractional). */
  frame(linkType: number, data: Buffer, timeMs: number): void;
  secrets(keylog: string[]): void;
}

/** Frames of a classic pcap file. */
export async function readPcap(reader: ByteReader, sink: CaptureSink): Promise<void> {
  const header = await reader.read(24);
  const magicBe = header.readUInt32BE(0);
  const le = !(magicBe === 0xa1b2c3d4 || magicBe === 0xa1b23c4d);
  const nano = (le ? header.readUInt32LE(0) : magicBe) === 0xa1b23c4d;
  const unitsPerMs = nano ? 1e6 : 1e3;
  // The link type's low 16 bits (the upper ones carry FCS length flags, unused here).
  const linkType = (le ? header.readUInt32LE(20) : header.readUInt32BE(20)) & 0xffff;
  // Awaits only when the buffered chunk runs out (readBuffered), not twice per frame.
  while (reader.buffered > 0 || !(await reader.atEnd())) {
    const offset = reader.position;
    // The record header read where it lies in the read buffer, without a view of it.
    let rec = reader.current;
    let r = reader.takeBuffered(16);
    if (r < 0 || rec === undefined) [rec, r] = [await reader.read(16), 0];
    const inclLen = le ? rec.readUInt32LE(r + 8) : rec.readUInt32BE(r + 8);
    if (inclLen > MAX_CAPTURE_BLOCK_BYTES) throw new CaptureFormatError(offset, `a pcap record declares ${inclLen} captured bytes, more than tls-trace's ${MAX_CAPTURE_BLOCK_BYTES}-byte limit for one frame`);
    const timeMs = le ? rec.readUInt32LE(r) * 1000 + rec.readUInt32LE(r + 4) / unitsPerMs : rec.readUInt32BE(r) * 1000 + rec.readUInt32BE(r + 4) / unitsPerMs;
    const data = reader.readBuffered(inclLen) ?? (await reader.read(inclLen));
    sink.frame(linkType, data, timeMs);
  }
}

interface Interface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
}

interface Section {
  le: boolean;
  interfaces: Interface[];
}

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const SPB = 0x00000003;
const EPB = 0x00000006;
const DSB = 0x0000000a;
/** DSB secrets type "TLS Key Log". */
const SECRETS_TLS_KEYLOG = 0x544c534b;

/** Frames and key logs of a pcapng file, section by section. */
export async function readPcapng(reader: ByteReader, sink: CaptureSink): Promise<void> {
  let section: Section | undefined;
  let number = 0;
  // A Simple Packet Block has no timestamp: it is given the time of the frame before it.
  let lastTimeMs = 0;
  while (reader.buffered > 0 || !(await reader.atEnd())) {
    const offset = reader.position;
    const head = reader.readBuffered(12) ?? (await reader.read(12));
    const typeBe = head.readUInt32BE(0);
    if (typeBe === SHB) section = { le: head.readUInt32BE(8) === 0x4d3c2b1a, interfaces: [] };
    if (!section) throw new CaptureFormatError(offset, 'a pcapng file must start with a Section Header Block');
    const le = section.le;
    if (typeBe === SHB && !le && head.readUInt32BE(8) !== 0x1a2b3c4d) throw new CaptureFormatError(offset, 'the Section Header Block has no valid byte-order magic');
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const type = u32(head, 0);
    const total = u32(head, 4);
    if (total < 12 || total % 4 !== 0) throw new CaptureFormatError(offset, `a pcapng block declares a length of ${total} bytes (it must be a multiple of 4, at least 12)`);
    if (total > MAX_CAPTURE_BLOCK_BYTES) throw new CaptureFormatError(offset, `a pcapng block declares ${total} bytes, more than tls-trace's ${MAX_CAPTURE_BLOCK_BYTES}-byte limit for one block`);
    const isKnown = [SHB, IDB, SPB, EPB, DSB].includes(type);
    if (!isKnown) {
      await reader.skip(total - 12);
      continue;
    }
    // Body: the bytes after type+length (the first 4 of which are in `head` for every block), without the trailing length.
    const rest = reader.readBuffered(total - 12) ?? (await reader.read(total - 12));
    const body = joined(head.subarray(8), rest.subarray(0, rest.length - 4));
    if (u32(rest, rest.length - 4) !== total) throw new CaptureFormatError(offset, `a pcapng block's trailing length ${u32(rest, rest.length - 4)} differs from its leading length ${total}`);
    const event = pcapngBlock(type, body, section, offset, number + 1);
    if (event?.kind === 'frame') {
      number++;
      if (type === SPB) event.timeMs = lastTimeMs;
      lastTimeMs = event.timeMs;
    }
    if (event?.kind === 'frame') sink.frame(event.linkType, event.data, event.timeMs);
    else if (event) sink.secrets(event.keylog);
  }
}

/** `a` then `b`: a view when they sit side by side in one read buffer (the usual case), else a copy. */
function joined(a: Buffer, b: Buffer): Buffer {
  if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) return Buffer.from(a.buffer, a.byteOffset, a.length + b.length);
  return Buffer.concat([a, b]);
}

function pcapngBlock(type: number, body: Buffer, section: Section, offset: number, number: number): CaptureEvent | undefined {
  const le = section.le;
  const u32 = (o: number): number => (le ? body.readUInt32LE(o) : body.readUInt32BE(o));
  const need = (n: number, what: string): void => {
    if (body.length < n) throw new CaptureFormatError(offset, `a pcapng ${what} block is ${body.length + 12} bytes, too short for its fixed fields`);
  };
  if (type === IDB) {
    need(8, 'Interface Description');
    const linkType = le ? body.readUInt16LE(0) : body.readUInt16BE(0);
    section.interfaces.push({ linkType, unitsPerSecond: tsresol(body.subarray(8), le) });
    return undefined;
  }
  if (type === EPB) {
    need(20, 'Enhanced Packet');
    const iface = section.interfaces[u32(0)];
    if (!iface) throw new CaptureFormatError(offset, `an Enhanced Packet Block names interface ${u32(0)}, which the section has not described`);
    const capLen = u32(12);
    if (20 + capLen > body.length) throw new CaptureFormatError(offset, `an Enhanced Packet Block declares ${capLen} captured bytes but holds ${body.length - 20}`);
    const ts = u32(4) * 2 ** 32 + u32(8);
    return { kind: 'frame', timeMs: (ts / iface.unitsPerSecond) * 1000, linkType: iface.linkType, data: body.subarray(20, 20 + capLen), offset, number };
  }
  if (type === SPB) {
    need(4, 'Simple Packet');
    const iface = section.interfaces[0];
    if (!iface) throw new CaptureFormatError(offset, 'a Simple Packet Block comes before any Interface Description Block');
    // An SPB has no timestamp (the caller gives it the previous frame's); its captured length is the smaller of the block and the original length.
    const len = Math.min(u32(0), body.length - 4);
    return { kind: 'frame', timeMs: 0, linkType: iface.linkType, data: body.subarray(4, 4 + len), offset, number };
  }
  if (type === DSB) {
    need(8, 'Decryption Secrets');
    if (u32(0) !== SECRETS_TLS_KEYLOG) return undefined;
    const len = u32(4);
    if (8 + len > body.length) throw new CaptureFormatError(offset, `a Decryption Secrets Block declares ${len} secret bytes but holds ${body.length - 8}`);
    const text = body.subarray(8, 8 + len).toString('utf8');
    return { kind: 'secrets', keylog: text.split(/\r?\n/).filter((l) => l.trim() !== '') };
  }
  return undefined;
}

/** if_tsresol (option 9): 10^-n or, with the top bit set, 2^-n seconds; microseconds when absent. */
function tsresol(options: Buffer, le: boolean): number {
  let o = 0;
  while (o + 4 <= options.length) {
    const code = le ? options.readUInt16LE(o) : options.readUInt16BE(o);
    const len = le ? options.readUInt16LE(o + 2) : options.readUInt16BE(o + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1 && o + 5 <= options.length) {
      const v = options[o + 4];
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}
