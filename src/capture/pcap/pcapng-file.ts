// pcapng (draft-ietf-opsawg-pcapng): blocks of type/length/body/length. Each Section Header Block
// starts a section with its own byte order and its own interfaces; Interface Description Blocks
// give each interface's link type, snap length, timestamp resolution (if_tsresol, a power of 10 or
// of 2) and offset (if_tsoffset, seconds added to every timestamp); Enhanced Packet Blocks, Simple
// Packet Blocks (no timestamp, interface 0) and the obsolete Packet Blocks carry frames; Decryption
// Secrets Blocks carry TLS key logs. Other blocks are skipped by their length (those Wireshark
// lists as frames still count in the frame numbers).

import { MAX_CAPTURE_BLOCK_BYTES } from '../../limits.js';
import type { ByteReader } from './byte-reader.js';
import { CaptureFormatError, type CaptureEvent, type CaptureSink } from './file-format.js';

interface Interface {
  linkType: number;
  /** Most bytes captured per frame; 0 for no limit. */
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  /** if_tsoffset: seconds to add to each timestamp. */
  offsetSeconds: number;
}

interface Section {
  le: boolean;
  interfaces: Interface[];
}

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const DSB = 0x0000000a;
const KNOWN_BLOCKS: readonly number[] = [SHB, IDB, PB, SPB, EPB, DSB];
/**
 * Blocks without a packet that Wireshark still lists, and numbers, as frames: Custom Blocks (both
 * kinds) and systemd Journal Export Blocks. They count, so frame numbers stay tshark's.
 */
const NUMBERED_BLOCKS: readonly number[] = [0x00000bad, 0x40000bad, 0x00000009];
/** DSB secrets type "TLS Key Log". */
const SECRETS_TLS_KEYLOG = 0x544c534b;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

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
    if (!KNOWN_BLOCKS.includes(type)) {
      await reader.skip(total - 12);
      if (NUMBERED_BLOCKS.includes(type)) {
        number++;
        sink.record();
      }
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
      sink.frame(event.linkType, event.data, event.timeMs);
    } else if (event) sink.secrets(event.keylog);
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
    section.interfaces.push({ linkType, snaplen: u32(4), ...interfaceOptions(body.subarray(8), le) });
    return undefined;
  }
  if (type === EPB || type === PB) {
    const what = type === EPB ? 'Enhanced Packet' : 'Packet';
    need(20, what);
    // The obsolete Packet Block has a 16-bit interface id and a 16-bit drop count where the EPB has a 32-bit id.
    const id = type === EPB ? u32(0) : le ? body.readUInt16LE(0) : body.readUInt16BE(0);
    const iface = section.interfaces[id];
    if (!iface) throw new CaptureFormatError(offset, `a${type === EPB ? 'n' : ''} ${what} Block names interface ${id}, which the section has not described`);
    const capLen = u32(12);
    if (20 + capLen > body.length) throw new CaptureFormatError(offset, `a${type === EPB ? 'n' : ''} ${what} Block declares ${capLen} captured bytes but holds ${body.length - 20}`);
    const ts = u32(4) * 2 ** 32 + u32(8);
    const timeMs = (ts / iface.unitsPerSecond + iface.offsetSeconds) * 1000;
    return { kind: 'frame', timeMs, linkType: iface.linkType, data: body.subarray(20, 20 + capLen), offset, number };
  }
  if (type === SPB) {
    need(4, 'Simple Packet');
    const iface = section.interfaces[0];
    if (!iface) throw new CaptureFormatError(offset, 'a Simple Packet Block comes before any Interface Description Block');
    // An SPB has no timestamp (the caller gives it the previous frame's) and no captured length:
    // it is the smallest of the original length, interface 0's snap length and the block's room.
    const len = Math.min(u32(0), iface.snaplen > 0 ? iface.snaplen : Infinity, body.length - 4);
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

/**
 * An IDB's options: if_tsresol (10^-n or, with the top bit set, 2^-n seconds; microseconds when
 * absent) and if_tsoffset (a signed 64-bit count of seconds; 0 when absent).
 */
function interfaceOptions(options: Buffer, le: boolean): Pick<Interface, 'unitsPerSecond' | 'offsetSeconds'> {
  const out = { unitsPerSecond: 1e6, offsetSeconds: 0 };
  let o = 0;
  while (o + 4 <= options.length) {
    const code = le ? options.readUInt16LE(o) : options.readUInt16BE(o);
    const len = le ? options.readUInt16LE(o + 2) : options.readUInt16BE(o + 2);
    if (code === 0) break;
    if (code === OPT_IF_TSRESOL && len >= 1 && o + 5 <= options.length) {
      const v = options[o + 4];
      out.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    if (code === OPT_IF_TSOFFSET && len === 8 && o + 12 <= options.length) out.offsetSeconds = Number(le ? options.readBigInt64LE(o + 4) : options.readBigInt64BE(o + 4));
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return out;
}
