// Classic pcap (libpcap) and its historical variants, read as Wireshark's wiretap reads them:
// - magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), in either byte order: 16-byte
//   record headers (time, captured length, original length);
// - Ixia lcap (1c0001ac hardware, nanoseconds; 1c0001ab software): 4 more header bytes;
// - the "modified" magic a1b2cd34 (Alexey Kuznetsov's patched libpcap): 24-byte record headers
//   (ss991029, `editcap -F modpcap`) or 28-byte ones (ss990915, SuSE 6.3);
// - the standard magic with 24-byte (ss990417, Red Hat 6.1) or 20-byte (Nokia IPSO) records.
//   Nothing in the file header tells these apart from plain pcap, so, like wiretap, the first
//   three records are read under each layout and the one whose headers make the most sense wins;
// - version 2.2 and older (and AIX's 2.2 files) store the two lengths the other way round.

import { MAX_CAPTURE_BLOCK_BYTES } from '../../limits.js';
import type { ByteReader } from './byte-reader.js';
import { CaptureFormatError, PCAP_MAGICS, type CaptureSink } from './file-format.js';

const [MAGIC_USEC, MAGIC_NSEC, MAGIC_MODIFIED, MAGIC_IXIA_HW, MAGIC_IXIA_SW] = PCAP_MAGICS;

/** A record layout, named as wiretap names it, and the size of its record header. */
type Variant = 'pcap' | 'ss990417' | 'nokia' | 'ss991029' | 'ss990915';
const RECORD_BYTES: Record<Variant, number> = { pcap: 16, ss990417: 24, nokia: 20, ss991029: 24, ss990915: 28 };

/** What the file header says, and the record layout chosen for the file. */
export interface PcapLayout {
  le: boolean;
  /** Timestamp fraction units per millisecond (1e3 for microseconds, 1e6 for nanoseconds). */
  unitsPerMs: number;
  linkType: number;
  snaplen: number;
  /** Bytes of each record's header before the frame. */
  recordBytes: number;
  /** 'yes': the captured length is the second length field; 'maybe': whichever is smaller. */
  lengthsSwapped: 'no' | 'yes' | 'maybe';
}

/** Records read to choose a layout (as wiretap does). */
const PROBE_RECORDS = 3;
/** wiretap's largest snap length for most link types: a longer record is a sign of a wrong layout. */
const MAX_PLAUSIBLE_RECORD = 262144;

/** Frames of a classic pcap file (any variant above). */
export async function readPcap(reader: ByteReader, sink: CaptureSink): Promise<void> {
  const layout = await pcapLayout(reader);
  const { le, unitsPerMs, linkType, recordBytes, lengthsSwapped } = layout;
  const u32 = le ? (b: Buffer, o: number): number => b.readUInt32LE(o) : (b: Buffer, o: number): number => b.readUInt32BE(o);
  // Awaits only when the buffered chunk runs out (readBuffered), not twice per frame.
  while (reader.buffered > 0 || !(await reader.atEnd())) {
    const offset = reader.position;
    // The record header read where it lies in the read buffer, without a view of it.
    let rec = reader.current;
    let r = reader.takeBuffered(recordBytes);
    if (r < 0 || rec === undefined) [rec, r] = [await reader.read(recordBytes), 0];
    let inclLen = u32(rec, r + 8);
    if (lengthsSwapped !== 'no') {
      const other = u32(rec, r + 12);
      if (lengthsSwapped === 'yes' || other < inclLen) inclLen = other;
    }
    if (inclLen > MAX_CAPTURE_BLOCK_BYTES) throw new CaptureFormatError(offset, `a pcap record declares ${inclLen} captured bytes, more than tls-trace's ${MAX_CAPTURE_BLOCK_BYTES}-byte limit for one frame`);
    const timeMs = u32(rec, r) * 1000 + u32(rec, r + 4) / unitsPerMs;
    const data = reader.readBuffered(inclLen) ?? (await reader.read(inclLen));
    sink.frame(linkType, data, timeMs);
  }
}

/** Reads the file header (and looks ahead at the first records when the layout is ambiguous). */
async function pcapLayout(reader: ByteReader): Promise<PcapLayout> {
  const header = await reader.read(24);
  const magicBe = header.readUInt32BE(0);
  const le = !PCAP_MAGICS.includes(magicBe);
  const u16 = (o: number): number => (le ? header.readUInt16LE(o) : header.readUInt16BE(o));
  const u32 = (o: number): number => (le ? header.readUInt32LE(o) : header.readUInt32BE(o));
  const magic = u32(0);
  const [major, minor] = [u16(4), u16(6)];
  if (major < 2) throw new CaptureFormatError(0, `a pcap file of version ${major}.${minor}, older than 2.0, which no reader supports`);
  const ixia = magic === MAGIC_IXIA_HW || magic === MAGIC_IXIA_SW;
  // The Ixia lcap variants carry the size of the records after the usual header.
  if (ixia) await reader.read(4);
  let linkType = u32(20) & 0xffff;
  let nano = magic === MAGIC_NSEC || magic === MAGIC_IXIA_HW;
  const old = (major === 2 && minor < 3) || major === 543;
  // AIX's tcpdump writes version 2.2 with interface types (RFC 1573 ifType) for link types, and nanoseconds.
  const aix = magic === MAGIC_USEC && major === 2 && minor === 2 ? AIX_LINK_TYPES[u32(20)] : undefined;
  if (aix !== undefined) [linkType, nano] = [aix, true];
  const layout: PcapLayout = { le, unitsPerMs: nano ? 1e6 : 1e3, linkType, snaplen: u32(16), recordBytes: 16, lengthsSwapped: old ? 'yes' : major === 2 && minor === 3 ? 'maybe' : 'no' };
  // Only a version-2.4 file with the standard or modified magic may be one of the variants. A
  // stream (stdin, perhaps a live tcpdump) with the standard magic is taken as plain pcap, as
  // wiretap takes a pipe: looking ahead would hold up its first frames.
  const standard = magic === MAGIC_USEC && !old && minor !== 3 && aix === undefined && !reader.streamed;
  const candidates: Variant[] | undefined = magic === MAGIC_MODIFIED ? ['ss991029', 'ss990915'] : standard ? ['pcap', 'ss990417', 'nokia'] : undefined;
  if (candidates) layout.recordBytes = RECORD_BYTES[await likeliestVariant(reader, layout, candidates)];
  return layout;
}

/** AIX ifType numbers in a version-2.2 header and the link types they stand for (as wiretap maps them). */
const AIX_LINK_TYPES: Record<number, number> = { 6: 1, 9: 6, 15: 10, 24: 0 };

/** The first of `candidates` whose first records all look right, else the one with the fewest faults. */
async function likeliestVariant(reader: ByteReader, layout: PcapLayout, candidates: Variant[]): Promise<Variant> {
  let best = candidates[0];
  let bestFaults = Infinity;
  for (const v of candidates) {
    const faults = await variantFaults(reader, layout, v);
    if (faults === 0) return v;
    if (faults < bestFaults) [best, bestFaults] = [v, faults];
  }
  return best;
}

/**
 * How many things look wrong in the first wrong-looking one of the first records read with
 * variant `v`'s record headers (0: all look right): a fraction of a second of 10^6 or more, a
 * captured length past the snap length or wiretap's maximum, or past the original length, an
 * original length over 128 MiB; a record cut by the end of the input counts 1. These are the
 * tests of wiretap 4.0 (the tshark the tests compare with): a layout of the wrong size soon reads
 * frame bytes as a record header, and those fail them. Only the bytes up to the last record
 * header looked at are awaited, so a capture streamed from a live tcpdump is not held up.
 */
async function variantFaults(reader: ByteReader, layout: PcapLayout, v: Variant): Promise<number> {
  const size = RECORD_BYTES[v];
  for (let i = 0, at = 0; i < PROBE_RECORDS; i++) {
    const b = await reader.peek(at + size);
    if (b.length === at) return 0;
    if (b.length < at + size) return 1;
    const u32 = (o: number): number => (layout.le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const [frac, incl, orig] = [u32(at + 4), u32(at + 8), u32(at + 12)];
    const faults = Number(frac >= 1_000_000) + Number(incl > MAX_PLAUSIBLE_RECORD) + Number(orig > 128 * 1024 * 1024) + Number(incl > layout.snaplen) + Number(incl > orig);
    if (faults > 0) return faults;
    at += size + incl;
  }
  return 0;
}
