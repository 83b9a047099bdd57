// `tls-trace read` on captures with missing bytes, made from real loopback recordings with
// editcap: a deleted segment (decoding resumes at the next record, TLS 1.3 decryption finds the
// sequence number again by trying a bounded window, the plaintext checked against what the server
// really wrote), frames cut by a snap length (records cut, the next ones decoded), and the same
// file when no record boundary follows the gap.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace, OpaqueMessage } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';
import { editcap, recordNodeServer, run, type Recorded } from '../helpers/pcap-tools.js';
import { describeWithTools } from '../helpers/servers.js';

const PARTS = ['part-1 ' + 'a'.repeat(40), 'part-2 ' + 'b'.repeat(40), 'part-3 ' + 'c'.repeat(40), 'part-4 ' + 'd'.repeat(40), 'part-5 ' + 'e'.repeat(40)];

/** Writes each part in its own record and TCP segment (a pause between them), then ends. */
function writeParts(s: tls.TLSSocket): void {
  s.on('error', () => undefined);
  let i = 0;
  const next = (): void => {
    if (i === PARTS.length) {
      s.end();
      return;
    }
    s.write(PARTS[i++]);
    setTimeout(next, 60);
  };
  next();
}

async function only(file: string, keylog: string[]): Promise<Capture> {
  const found = (await readPacketCapture(file, keylog)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The server's decrypted application data, as text, in order. */
function serverPlaintext(trace: DecodedTrace): string[] {
  return trace.messages.filter((m) => m.kind === 'application_data' && m.direction === 'server').map((m) => Buffer.from(m.space.bytes.subarray(m.offset, m.offset + m.length)).toString());
}

const missingMarks = (trace: DecodedTrace): OpaqueMessage[] => trace.messages.filter((m): m is OpaqueMessage => m.kind === 'opaque' && m.missing !== undefined);

describeWithTools('tcpdump', 'editcap', 'tshark')('tls-trace read: missing bytes', () => {
  let dir: string;
  let rec: Recorded;
  let keys: string[];
  let base: Capture;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-gaps-'));
    rec = await recordNodeServer(dir, 'parts', { minVersion: 'TLSv1.3' }, '127.0.0.1', writeParts);
    keys = readFileSync(rec.keylog, 'utf8').split('\n').filter(Boolean);
    base = await only(rec.pcap, keys);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** 1-based frame number of the server segment that carries `text`'s record (found by decrypting the whole capture). */
  function frameOf(text: string): number {
    const { trace } = decryptAndMerge(base, decodeCapture(base));
    const msg = trace.messages.find((m) => m.kind === 'application_data' && Buffer.from(m.space.bytes.subarray(m.offset, m.offset + m.length)).toString() === text);
    const record = trace.records[msg?.records[0] ?? -1];
    const i = (base.packets ?? []).findIndex((p) => p.direction === 'server' && p.stream !== undefined && p.stream.offset <= record.offset && record.offset < p.stream.offset + p.stream.length);
    expect(i).toBeGreaterThan(0);
    // The part is alone in its segment, so deleting the segment loses exactly that record.
    expect(base.packets?.[i].stream?.offset).toBe(record.offset);
    expect(base.packets?.[i].payloadLength).toBe(record.length);
    return i + 1;
  }

  it('the whole capture decrypts every part (the control for the cases below)', () => {
    const { trace } = decryptAndMerge(base, decodeCapture(base));
    expect(serverPlaintext(trace)).toEqual(PARTS);
    expect(base.gaps).toBeUndefined();
  });

  it('a deleted segment: the gap is shown where it is, decoding resumes after it, and decryption finds the sequence number again', async () => {
    const frame = frameOf(PARTS[1]);
    const lost = base.packets![frame - 1];
    const out = await editcap([], rec.pcap, path.join(dir, 'gap.pcap'));
    await run('editcap', [rec.pcap, out, String(frame)]);
    // tshark sees the same hole: the next server segment is marked as following a lost segment.
    const tsharkLost = (await run('tshark', ['-r', out, '-Y', 'tcp.analysis.lost_segment', '-T', 'fields', '-e', 'tcp.srcport'])).trim().split('\n');
    expect(tsharkLost).toEqual([String(rec.port)]);
    const got = await only(out, keys);
    expect(got.gaps).toEqual([{ direction: 'server', offset: lost.stream!.offset, length: lost.payloadLength }]);
    const { trace, decryption } = decryptAndMerge(got, decodeCapture(got));
    // Every part but the lost one, decrypted: the AEAD tag checks the sequence number, so none is wrong.
    expect(serverPlaintext(trace)).toEqual([PARTS[0], ...PARTS.slice(2)]);
    const marks = missingMarks(trace);
    expect(marks.map((m) => [m.direction, m.missing])).toEqual([['server', { streamOffset: lost.stream!.offset, length: lost.payloadLength, resumedAt: lost.stream!.offset + lost.payloadLength }]]);
    expect(marks[0].reason).toBe(`${lost.payloadLength} bytes missing from the capture at stream offset ${lost.stream!.offset}; decoding resumes at stream offset ${lost.stream!.offset + lost.payloadLength}`);
    expect(decryption.notes.filter((n) => n.includes('follows missing bytes'))).toEqual([expect.stringMatching(/^record #\d+ \(server\) follows missing bytes: it opened with sequence number \d+ of the .* keys, so 1 record\(s\) were lost with them/)]);
    expect(decryption.records.filter((r) => !r.ok)).toEqual([]);
    const r = await runCli(['read', out, '--keylog', rec.keylog, '--packets']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Missing bytes (not in the capture)');
    expect(r.stdout).toContain(`${lost.payloadLength} bytes missing from the capture at stream offset ${lost.stream!.offset}`);
    // The segment after the hole still names the record it carries (offsets mapped past the gap).
    expect(r.stdout).toMatch(/\[after gap\]|after gap/);
    expect(r.stdout).toMatch(/← \[P\.\] +seq \d+ ack \d+ win \d+ len \d+ · record #\d+ bytes 0–\d+ · frame \d+ +\[after gap\]/);
    // The JSON carries the marker too, valid against the trace schema.
    const json = parseValid<{ messages: { kind: string; missing?: unknown }[] }>('trace', (await runCli(['read', out, '--keylog', rec.keylog, '--json'])).stdout);
    expect(json.messages.filter((m) => m.missing)).toEqual([expect.objectContaining({ kind: 'opaque', missing: { streamOffset: lost.stream!.offset, length: lost.payloadLength, resumedAt: lost.stream!.offset + lost.payloadLength } })]);
  });

  it("the server's first data segment deleted (a kernel drop under load): the gap opens its stream, not a server that never answered", async () => {
    const first = (base.packets ?? []).findIndex((p) => p.direction === 'server' && p.payloadLength > 0);
    const lost = base.packets![first];
    expect(lost.stream?.offset).toBe(0);
    const out = path.join(dir, 'no-server-hello.pcap');
    await run('editcap', [rec.pcap, out, String(first + 1)]);
    const got = await only(out, keys);
    expect(got.gaps).toEqual([{ direction: 'server', offset: 0, length: lost.payloadLength }]);
    const trace = decodeCapture(got);
    expect(missingMarks(trace).map((m) => [m.direction, m.missing])).toEqual([['server', { streamOffset: 0, length: lost.payloadLength, resumedAt: lost.payloadLength }]]);
    // The bytes after it are whole records: no "chunk claims stream offset" malformation.
    expect(trace.issues.filter((i) => /claims stream offset/.test(i.reason))).toEqual([]);
    const r = await runCli(['read', out, '--keylog', rec.keylog]);
    expect(r.stdout).toContain('outcome   Handshake did not complete: no ServerHello in the capture, which is missing bytes from the server\n');
    // The text wraps at its width: compared with its whitespace collapsed.
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`${lost.payloadLength} bytes missing from the capture at stream offset 0; decoding resumes at stream offset ${lost.payloadLength}`);
    expect(r.stderr).toBe(`tls-trace: the capture is missing ${lost.payloadLength} bytes of the connection (the first ${lost.payloadLength} at server stream offset 0), so the handshake cannot be followed to its end (${got.chunks.filter((c) => c.direction === 'server').reduce((n, c) => n + c.bytes.length, 0)} bytes from the server in the file)\n`);
  });

  it('two deleted segments in a row (two records lost): the window still finds the sequence number', async () => {
    const frames = [frameOf(PARTS[1]), frameOf(PARTS[2])];
    const out = await editcap([], rec.pcap, path.join(dir, 'gap2.pcap'));
    await run('editcap', [rec.pcap, out, ...frames.map(String)]);
    const got = await only(out, keys);
    const { trace, decryption } = decryptAndMerge(got, decodeCapture(got));
    expect(serverPlaintext(trace)).toEqual([PARTS[0], PARTS[3], PARTS[4]]);
    expect(decryption.notes.some((n) => /so 2 record\(s\) were lost/.test(n))).toBe(true);
  });

  it.each([
    ['TLS 1.2, AES-GCM (the sequence number is in the additional data)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }],
    ['TLS 1.2, ChaCha20-Poly1305 (the sequence number is in the nonce)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }],
  ] as const)('%s: a deleted record is found again by its sequence number', async (name, opts) => {
    const tag = name.includes('GCM') ? 'gcm' : 'chacha';
    const r12 = await recordNodeServer(dir, `parts12-${tag}`, opts, '127.0.0.1', writeParts);
    const keys12 = readFileSync(r12.keylog, 'utf8').split('\n').filter(Boolean);
    const whole = await only(r12.pcap, keys12);
    const full = decryptAndMerge(whole, decodeCapture(whole)).trace;
    expect(serverPlaintext(full)).toEqual(PARTS);
    const record = full.records[full.messages.find((m) => m.kind === 'application_data' && Buffer.from(m.space.bytes.subarray(m.offset, m.offset + m.length)).toString() === PARTS[2])?.records[0] ?? -1];
    const frame = (whole.packets ?? []).findIndex((p) => p.direction === 'server' && p.stream?.offset === record.offset) + 1;
    expect(frame).toBeGreaterThan(0);
    const out = await editcap([], r12.pcap, path.join(dir, `gap12-${tag}.pcap`));
    await run('editcap', [r12.pcap, out, String(frame)]);
    const got = await only(out, keys12);
    const { trace, decryption } = decryptAndMerge(got, decodeCapture(got));
    expect(serverPlaintext(trace)).toEqual([PARTS[0], PARTS[1], PARTS[3], PARTS[4]]);
    expect(decryption.notes.some((n) => /so 1 record\(s\) were lost/.test(n))).toBe(true);
  }, 60_000);

  it('frames cut by a snap length (editcap -s): cut records are incomplete, the records in later segments decode', async () => {
    // 66 bytes of link, IP and TCP (with timestamps) headers, then 74 bytes of each segment's payload.
    const out = await editcap(['-s', '140'], rec.pcap, path.join(dir, 'snap.pcap'));
    const got = await only(out, keys);
    expect((got.gaps ?? []).length).toBeGreaterThan(0);
    const { trace } = decryptAndMerge(got, decodeCapture(got));
    // The ClientHello record (longer than 74 bytes) is cut short and said to be cut by missing bytes.
    const first = trace.records.find((r) => r.direction === 'client');
    expect(first?.issue?.reason).toMatch(/the capture is missing the bytes after/);
    // The parts are short enough to be whole: each decodes as an encrypted record of its own segment.
    const server = trace.records.filter((r) => r.direction === 'server' && r.contentType === 23 && r.bodyLength === r.declaredLength);
    expect(server.length).toBeGreaterThanOrEqual(PARTS.length);
    expect(missingMarks(trace).length).toBe(got.gaps?.length);
    const r = await runCli(['read', out]);
    expect(r.stdout).toContain('bytes missing from the capture at stream offset');
  });
});
