// The caps of src/limits.ts: the copies other modules keep agree with it, and hitting each cap
// produces a finding that names it (never an exception, never silence).

import forge from 'node-forge';
import * as limits from '../../src/limits.js';
import { MAX_RECORD_LENGTH, MAX_HANDSHAKE_MESSAGE, decodeCapture } from '../../src/decode/index.js';
import { DEFAULT_CAPTURE_LIMIT } from '../../src/capture/tap.js';
import { MAX_CAPTURE_FILE_BYTES } from '../../src/capture/capture-file.js';
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../../src/cli/options.js';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { STALL_LIMIT } from '../../src/scan/probe.js';
import { analyseTrace, renderJson, renderText } from '../../src/report/index.js';
import type { Capture } from '../../src/capture/types.js';
import { certificate12, deeplyNestedDer, demoChainDer, handshakeRecords, record, serverHello } from './tls-bytes.js';

function serverCapture(server: Uint8Array): Capture {
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: '127.0.0.1', port: 443 },
    startedAt: new Date(0).toISOString(),
    timings: { totalMs: 1 },
    options: {},
    chunks: [{ direction: 'server', timeMs: 0, offset: 0, bytes: server }],
    keylog: [],
  };
}

function pipeline(capture: Capture): { text: string; json: string; decoded: ReturnType<typeof decodeCapture>; analysis: ReturnType<typeof analyseTrace> } {
  const decoded = decodeCapture(capture);
  const analysis = analyseTrace(capture, decoded);
  const view = { capture, decoded, analysis };
  return { text: renderText(view, { color: false, hex: false }), json: JSON.stringify(renderJson(view)), decoded, analysis };
}

describe('src/limits.ts and the modules that keep their own copy agree', () => {
  it.each([
    ['MAX_RECORD_LENGTH (decode/record.ts)', limits.MAX_RECORD_LENGTH, MAX_RECORD_LENGTH],
    ['MAX_HANDSHAKE_MESSAGE (decode/defragment.ts)', limits.MAX_HANDSHAKE_MESSAGE, MAX_HANDSHAKE_MESSAGE],
    ['MAX_CAPTURE_BYTES_PER_DIRECTION (capture/tap.ts)', limits.MAX_CAPTURE_BYTES_PER_DIRECTION, DEFAULT_CAPTURE_LIMIT],
    ['MAX_CAPTURE_FILE_BYTES (capture/capture-file.ts)', limits.MAX_CAPTURE_FILE_BYTES, MAX_CAPTURE_FILE_BYTES],
    ['DEFAULT_TIMEOUT_MS (cli/options.ts)', limits.DEFAULT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS],
    ['MAX_TIMEOUT_MS (cli/options.ts)', limits.MAX_TIMEOUT_MS, MAX_TIMEOUT_MS],
    ['SCAN_STALL_LIMIT (scan/probe.ts)', limits.SCAN_STALL_LIMIT, STALL_LIMIT],
    ["MAX_ASN1_DEPTH (node-forge's asn1.maxDepth)", limits.MAX_ASN1_DEPTH, (forge.asn1 as unknown as { maxDepth: number }).maxDepth],
  ])('%s', (_name, ours, theirs) => {
    expect(theirs).toBe(ours);
  });
});

describe('hitting a cap is a stated finding', () => {
  it('message cap: zero-filled handshake records (4096 empty HelloRequests each) stop at the cap, said as tls-trace\'s own', () => {
    const rec = record(22, Buffer.alloc(16384));
    const bytes = Buffer.concat(Array.from({ length: 4 }, () => rec)); // 16 384 would-be messages
    const { decoded, text, json } = pipeline(serverCapture(bytes));
    // One message per record rides on the record cap; 2048 more may be packed; then one span.
    const handshakes = decoded.messages.filter((m) => m.kind === 'handshake');
    expect(handshakes.length).toBeLessThanOrEqual(4 + limits.MAX_PACKED_MESSAGES_PER_DIRECTION);
    expect(handshakes.length).toBeGreaterThanOrEqual(limits.MAX_PACKED_MESSAGES_PER_DIRECTION);
    const span = decoded.messages.at(-1)!;
    expect(span).toMatchObject({ kind: 'opaque', cap: true });
    expect(span.issue).toBeUndefined();
    const issue = decoded.issues.find((i) => i.kind === 'limit');
    expect(issue).toMatchObject({ direction: 'server', offset: span.offset, length: bytes.length - span.offset });
    expect(issue!.offset % 4).toBe(1); // a 4-byte message boundary after the 5-byte record header
    expect(issue!.reason).toMatch(/^tls-trace stopped decoding the server's bytes after \d records, at 2048 messages beyond one per record \(its message cap\); the remaining \d+ bytes are not decoded$/);
    expect(decoded.caps).toEqual([{ direction: 'server', cap: 'messages', limit: 2048, offset: issue!.offset, length: issue!.length, timeMs: 0, said: issue!.reason.split(';')[0] }]);
    expect(text).toContain("tls-trace stopped decoding the server's bytes after");
    expect(json).toContain('(its message cap)');
    // Never worded as the peer's fault or a protocol verdict.
    expect(text + json).not.toMatch(/cap hit|malformed at .* cap|the server sent .* cap/);
  });

  it('record cap: 5-byte zero-length handshake records (no message each) stop at the cap too', () => {
    const bytes = Buffer.concat(Array.from({ length: limits.MAX_RECORDS_PER_DIRECTION * 3 }, () => record(22, Buffer.alloc(0))));
    const { decoded } = pipeline(serverCapture(bytes));
    expect(decoded.records.length).toBe(limits.MAX_RECORDS_PER_DIRECTION);
    const issue = decoded.issues.find((i) => i.kind === 'limit');
    expect(issue).toMatchObject({ offset: limits.MAX_RECORDS_PER_DIRECTION * 5, length: bytes.length - limits.MAX_RECORDS_PER_DIRECTION * 5 });
    expect(issue!.reason).toBe(`tls-trace stopped decoding the server's bytes after 16384 records (its record cap); the remaining ${bytes.length - 16384 * 5} bytes are not decoded`);
    // The 16384 zero-length records are one finding with a count, not 16384 notes.
    expect(decoded.issues.filter((i) => i.kind === 'malformed').map((i) => i.reason)).toEqual(['zero-length handshake record (not allowed) (16384 such records from the server; the first is listed)']);
  });

  it('ordinary framing reaches the 4 MiB byte cap before the record cap: 4 MiB of 300-byte records decode in full', () => {
    const count = Math.floor(limits.MAX_CAPTURE_BYTES_PER_DIRECTION / 305);
    const bytes = Buffer.concat(Array.from({ length: count }, () => record(23, Buffer.alloc(300, 7))));
    expect(bytes.length).toBeLessThanOrEqual(limits.MAX_CAPTURE_BYTES_PER_DIRECTION);
    const decoded = decodeCapture(serverCapture(bytes));
    expect(decoded.records.length).toBe(count);
    expect(decoded.messages.length).toBe(count);
    expect(decoded.caps).toBeUndefined();
    expect(decoded.issues).toEqual([]);
    // The rule: records of 256 bytes or more never reach the record cap within the byte cap.
    expect(limits.MAX_RECORDS_PER_DIRECTION * (256 + 5)).toBeGreaterThan(limits.MAX_CAPTURE_BYTES_PER_DIRECTION);
  });

  it('reassembly cap: a handshake message over 256 KiB is refused with a finding on its length', () => {
    const body = Buffer.alloc(limits.MAX_HANDSHAKE_MESSAGE + 1);
    const msg = Buffer.concat([Buffer.from([11]), Buffer.from([(body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
    const { analysis, text } = pipeline(serverCapture(handshakeRecords(msg)));
    const issues = analysis.steps.flatMap((s) => s.issues.map((i) => i.reason));
    expect(issues.some((r) => r.includes(`more than the ${limits.MAX_HANDSHAKE_MESSAGE}-byte reassembly limit`))).toBe(true);
    expect(text).toContain('reassembly limit');
  });

  it('record length cap: a record over 2^14 + 2048 is flagged on its length field', () => {
    const sh = serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f });
    const body = Buffer.concat([sh, Buffer.alloc(limits.MAX_RECORD_LENGTH + 1 - sh.length, 0x41)]);
    const { decoded, text } = pipeline(serverCapture(record(22, body)));
    expect(decoded.records[0].issue).toMatchObject({ kind: 'malformed', offset: 3, length: 2 });
    expect(text).toContain(`record length ${limits.MAX_RECORD_LENGTH + 1} exceeds the maximum ${limits.MAX_RECORD_LENGTH}`);
  });

  it('certificate cap: entries past the first 100 are listed but not examined', () => {
    const leaf = demoChainDer()[0];
    const msg = certificate12(Array.from({ length: limits.MAX_CERTIFICATES_PER_MESSAGE + 5 }, () => leaf));
    const { analysis } = pipeline(serverCapture(handshakeRecords(msg)));
    const certs = analysis.steps.find((s) => s.name === 'Certificate')?.certificates ?? [];
    expect(certs).toHaveLength(limits.MAX_CERTIFICATES_PER_MESSAGE + 5);
    expect(certs[0].error).toBeUndefined();
    expect(certs[0].subject).toMatch(/localhost|tls-trace/);
    expect(certs[limits.MAX_CERTIFICATES_PER_MESSAGE].error).toMatch(/certificate cap/);
  });

  it('certificate size cap: a 100 KB entry is not parsed', () => {
    const big = Buffer.concat([Buffer.from([0x30, 0x83, 0x01, 0x86, 0xa0]), Buffer.alloc(100_000)]);
    const { analysis } = pipeline(serverCapture(handshakeRecords(certificate12([big]))));
    const certs = analysis.steps.find((s) => s.name === 'Certificate')?.certificates ?? [];
    expect(certs[0].error).toMatch(/over the 65536-byte certificate cap/);
  });

  it('invalid DER is named as such, not as a PEM problem', () => {
    const { analysis } = pipeline(serverCapture(handshakeRecords(certificate12([Buffer.from('not DER at all')]))));
    const certs = analysis.steps.find((s) => s.name === 'Certificate')?.certificates ?? [];
    expect(certs[0].error).toMatch(/^not a valid DER certificate/);
  });

  it('ASN.1 depth cap: 20 000 nested SEQUENCEs are refused by the certificate parser, no stack overflow', () => {
    expect(() => parseCertificate(deeplyNestedDer(20_000))).toThrow(/Max depth exceeded/);
    // Just under the cap still parses as DER (and then fails as a certificate, by its shape).
    expect(() => parseCertificate(deeplyNestedDer(limits.MAX_ASN1_DEPTH - 2))).toThrow(/Certificate|expected|unexpected/);
  });
});
