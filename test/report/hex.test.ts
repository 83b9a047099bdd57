import { analyseTrace } from '../../src/analyse/index.js';
import type { DecodedTrace, Message, TlsRecord } from '../../src/decode/model.js';
import type { ByteSpace, Field } from '../../src/decode/types.js';
import { recordSpans, renderText } from '../../src/report/index.js';
import { expectExactCover } from './helpers/checks.js';
import { buildTrace, clientHello, serverHello, type Built } from './helpers/build.js';

function sample(): Built {
  return buildTrace([
    { dir: 'client', t: 1, hs: clientHello(), size: 40 },
    { dir: 'server', t: 2, hs: serverHello(), size: 38 },
    // Three messages sharing one record.
    { dir: 'server', t: 2.1, hs: { type: 'certificate', tls13: false, entries: [] }, size: 3, join: true },
    { dir: 'server', t: 2.2, hs: { type: 'server_key_exchange', form: 'ecdhe', namedGroup: 29 }, size: 70, join: true },
    { dir: 'server', t: 2.3, hs: { type: 'server_hello_done' }, size: 0, join: true },
    { dir: 'client', t: 3, ccs: true },
    { dir: 'client', t: 3.1, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
    { dir: 'server', t: 4, hs: { type: 'finished', verifyData: '00'.repeat(12) }, size: 12, decrypted: true },
    { dir: 'server', t: 4.2, alert: [1, 0] },
  ]);
}

/** A ClientHello split across two records: its fields live in a reassembled space. */
function reassembled(): DecodedTrace {
  const stream = Uint8Array.from([22, 3, 1, 0, 10, 1, 0, 0, 12, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 22, 3, 1, 0, 6, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab]);
  const client: ByteSpace = { id: 'client', direction: 'client', bytes: stream, segments: [{ at: 0, streamOffset: 0, length: stream.length }] };
  const hsBytes = Uint8Array.from([...stream.subarray(5, 15), ...stream.subarray(20, 26)]);
  const hs: ByteSpace = {
    id: 'client/hs#0',
    direction: 'client',
    bytes: hsBytes,
    segments: [
      { at: 0, streamOffset: 5, length: 10 },
      { at: 10, streamOffset: 20, length: 6 },
    ],
  };
  const header = (offset: number, len: number): Field[] => [
    { name: 'content_type', label: 'Content type', offset, length: 1, value: 22 },
    { name: 'legacy_version', label: 'Legacy version', offset: offset + 1, length: 2, value: 0x0301 },
    { name: 'length', label: 'Length', offset: offset + 3, length: 2, value: len },
  ];
  const rec = (index: number, offset: number, len: number): TlsRecord => ({
    index,
    direction: 'client',
    offset,
    length: 5 + len,
    contentType: 22,
    legacyVersion: 0x0301,
    declaredLength: len,
    bodyOffset: offset + 5,
    bodyLength: len,
    timeMs: index,
    encrypted: false,
    fields: header(offset, len),
  });
  const msg: Message = {
    kind: 'handshake',
    direction: 'client',
    space: hs,
    offset: 0,
    length: 16,
    records: [0, 1],
    timeMs: 0,
    msgType: 1,
    declaredLength: 12,
    raw: Buffer.from(hsBytes).toString('hex'),
    fields: [
      { name: 'msg_type', label: 'Handshake type', offset: 0, length: 1, value: 1 },
      { name: 'length', label: 'Length', offset: 1, length: 3, value: 12 },
      // Straddles the record boundary: 5 bytes in record 0, 7 in record 1.
      { name: 'random_part', label: 'Random (part)', offset: 4, length: 12, value: Buffer.from(hsBytes.subarray(4)).toString('hex') },
    ],
  };
  return { records: [rec(0, 0, 10), rec(1, 15, 6)], messages: [msg], spaces: [client, hs], issues: [] };
}

describe('annotated hex spans', () => {
  it('label every byte of every record exactly once, with shared records and decrypted bodies', () => {
    const { decoded } = sample();
    expect(decoded.records).toHaveLength(6);
    for (const r of decoded.records) expectExactCover(recordSpans(decoded, r), r.offset, r.length);
    // The shared server record is explained by its header plus three messages' fields.
    const shared = recordSpans(decoded, decoded.records[1]);
    expect(shared.spans.filter((s) => s.label === 'Handshake type')).toHaveLength(4);
  });

  it('map a message reassembled from two records back onto both records', () => {
    const decoded = reassembled();
    const [r0, r1] = decoded.records;
    const m0 = recordSpans(decoded, r0);
    const m1 = recordSpans(decoded, r1);
    expectExactCover(m0, 0, 15);
    expectExactCover(m1, 15, 11);
    expect(m0.spans.at(-1)).toMatchObject({ offset: 9, length: 6, label: 'Random (part)' });
    expect(m1.spans.at(-1)).toMatchObject({ offset: 20, length: 6, label: 'Random (part)' });
  });

  it('report bytes no field explains, and bytes two fields claim', () => {
    const decoded = reassembled();
    const msg = decoded.messages[0];
    msg.fields = msg.fields.slice(0, 2); // drop the last field: its bytes become a gap
    const gap = recordSpans(decoded, decoded.records[1]);
    expect(gap.gaps).toBe(6);
    expect(gap.spans.at(-1)).toMatchObject({ kind: 'gap', offset: 20, length: 6 });
    msg.fields.push({ name: 'a', label: 'A', offset: 4, length: 8 }, { name: 'b', label: 'B', offset: 10, length: 6 });
    expect(recordSpans(decoded, decoded.records[1]).overlaps).toBe(2);
  });

  it('--hex shows each record once, 16 bytes per row, with field labels', () => {
    const { capture, decoded } = sample();
    const analysis = analyseTrace(capture, decoded);
    const text = renderText({ capture, decoded, analysis }, { color: false, hex: true, width: 120 });
    // One header line per record, and shared records referred back to.
    expect(text.match(/record #\d+ · (client|server) stream offset/g)).toHaveLength(6);
    expect(text.match(/record #2: bytes shown with an earlier step/g)).toHaveLength(3);
    // The ClientHello record starts 16 03 03 00 2c (40-byte body + 4-byte handshake header).
    expect(text).toMatch(/\n\s+0000 {2}16 {2,}Content type: 22\n\s+0001 {2}03 03 {2,}Legacy version: 771\n\s+0003 {2}00 2c {2,}Length: 44\n/);
    // A 70-byte body is dumped as rows of 16, 16, 16, 16, 6 bytes.
    const skeRows = text.split('\n').filter((l) => /^\s+[0-9a-f]{4} {2}0c 13 1a/.test(l) || false);
    expect(skeRows).toHaveLength(1);
    const hexRows = text.split('\n').filter((l) => /^\s+[0-9a-f]{4} {2}([0-9a-f]{2} ?)+/.test(l));
    for (const row of hexRows) {
      const bytes = row.trim().split(/ {2,}/)[1].split(' ');
      expect(bytes.length).toBeLessThanOrEqual(16);
    }
    // The decrypted Finished is also dumped inside its plaintext space.
    expect(text).toContain('decrypted plaintext (server/plain#');
    expect(text).not.toContain('not explained by any field');
  });
});
