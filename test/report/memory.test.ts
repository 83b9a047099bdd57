// Item 7 of issue 9: peak RSS of a replay stays under the README's 200 MB for Certificate messages
// of one-byte entries, in text, --json and --hex. 25,000 entries (100 KB, a size OpenSSL's client
// accepts) reached 315–330 MB with --json/--hex; 65,000 entries crashed the text view. Each run is
// its own process so the peak belongs to it alone.

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { MAX_CAPTURE_FILE_BYTES } from '../../src/limits.js';
import { oneByteCertificates, runMemoryChild, serverOnlyCapture } from './helpers/big-captures.js';

const RSS_LIMIT_MB = 200;

describe('replay of one-byte certificate floods', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-report-memory-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([[[]], [['--json']], [['--hex']]])('25,000 entries, %j: under 200 MB', async (extra: string[]) => {
    const file = path.join(dir, 'c25k.json');
    writeFileSync(file, JSON.stringify(serverOnlyCapture(oneByteCertificates(25_000))));
    const r = await runMemoryChild(['replay', file, '--no-color', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
    // The report is bounded, not just the process: a few MB at most.
    expect(r.stdoutBytes).toBeLessThan(4_000_000);
  }, 120_000);

  it.each([[[]], [['--json']], [['--hex']]])('65,000 entries, %j: no crash, bounded output', async (extra: string[]) => {
    const file = path.join(dir, 'c65k.json');
    writeFileSync(file, JSON.stringify(serverOnlyCapture(oneByteCertificates(65_000))));
    const r = await runMemoryChild(['replay', file, '--no-color', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.stdoutBytes).toBeLessThan(4_000_000);
  }, 120_000);

  // Sixteen such messages in one capture file took 1 GB in decode alone (260,000 field objects
  // each); the decoder's field cap and entry cap bound them (src/limits.ts).
  it.each([[[]], [['--json']], [['--hex']]])('sixteen messages of 65,000 entries, %j: under 200 MB', async (extra: string[]) => {
    const file = path.join(dir, 'c65kx16.json');
    writeFileSync(file, JSON.stringify(serverOnlyCapture(oneByteCertificates(65_000, 16))));
    const r = await runMemoryChild(['replay', file, '--no-color', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);

  // The largest capture file replay reads: one chunk of ~12 MB of records, written as hex.
  it('a capture file just under the 24 MiB cap: under 200 MB', async () => {
    const file = path.join(dir, 'big.json');
    const record = Buffer.concat([Buffer.from([23, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000, 0x41)]);
    const server = Buffer.concat([oneByteCertificates(1), ...Array<Buffer>(740).fill(record)]);
    writeFileSync(file, JSON.stringify(serverOnlyCapture(server)));
    expect(statSync(file).size).toBeGreaterThan(MAX_CAPTURE_FILE_BYTES - 1024 * 1024);
    expect(statSync(file).size).toBeLessThanOrEqual(MAX_CAPTURE_FILE_BYTES);
    const r = await runMemoryChild(['replay', file, '--no-color', '--json']);
    expect(r.stderr).toBe('');
    expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);

  // A legal 4 MiB direction of 300-byte records (14,000 of them) made a 36 MB JSON document that
  // was built, escaped and stringified whole: 343 MB. The JSON is now written entry by entry.
  it.each([[[]], [['--json']], [['--hex']]])('4 MiB of 300-byte records, %j: under 200 MB', async (extra: string[]) => {
    const file = path.join(dir, 'r300.json');
    const record = Buffer.concat([Buffer.from([23, 3, 3, 0x01, 0x27]), Buffer.alloc(295, 0x41)]);
    writeFileSync(file, JSON.stringify(serverOnlyCapture(Buffer.concat([oneByteCertificates(1), ...Array<Buffer>(13_980).fill(record)]))));
    const r = await runMemoryChild(['replay', file, '--no-color', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);
});
