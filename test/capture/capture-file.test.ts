// Capture files: a live capture survives save → load unchanged, the file is owner-only, and
// anything that is not a well-formed capture is refused with a one-line UsageError.

import { mkdtempSync, rmSync, statSync, writeFileSync, truncateSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureHandshake } from '../../src/capture/capture.js';
import { captureToJson, loadCapture, MAX_CAPTURE_FILE_BYTES, saveCapture } from '../../src/capture/capture-file.js';
import { startDemoServer } from '../../src/capture/demo-server.js';
import type { Capture } from '../../src/capture/types.js';
import { ExitCode, UsageError } from '../../src/errors.js';

let dir: string;
let live: Capture;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-capfile-'));
  const demo = await startDemoServer();
  try {
    live = await captureHandshake({ host: demo.host, port: demo.port, timeoutMs: 5000, alpn: ['h2'] });
  } finally {
    await demo.close();
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A minimal valid capture document, to mutate in the table below. */
function valid(): Record<string, unknown> {
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: 'example.test', port: 443 },
    startedAt: '2026-01-01T00:00:00.000Z',
    timings: { totalMs: 1.5 },
    options: { timeoutMs: 1000 },
    keylog: [],
    chunks: [
      { direction: 'client', timeMs: 0.5, offset: 0, hex: '1603010000' },
      { direction: 'server', timeMs: 1.0, offset: 0, hex: '16030300' },
      { direction: 'client', timeMs: 1.2, offset: 5, hex: 'ab' },
    ],
  };
}

async function loadText(text: string | Buffer): Promise<Capture> {
  const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  return loadCapture(file);
}

describe('saveCapture / loadCapture', () => {
  it('round-trips a live capture exactly, key log included', async () => {
    expect(live.error).toBeUndefined();
    expect(live.keylog.length).toBeGreaterThan(0);
    const file = path.join(dir, 'live.json');
    await saveCapture(file, live);
    const back = await loadCapture(file);
    // Everything the live capture held comes back; only its source says where it was read from.
    expect(live.source).toBe('live');
    expect(back.source).toBe('file');
    expect(back).toEqual({ ...live, source: 'file' });
    expect(back.chunks.every((c) => c.bytes instanceof Uint8Array)).toBe(true);
    // The JSON form is stable too (what `replay` reproduces from).
    expect(JSON.stringify(captureToJson(back))).toBe(JSON.stringify(captureToJson(live)));
  });

  it('creates the file with mode 0600, and tightens an existing file', async () => {
    const file = path.join(dir, 'mode.json');
    await saveCapture(file, live);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    await saveCapture(file, live);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('accepts the minimal document', async () => {
    const c = await loadText(JSON.stringify(valid()));
    expect(c.chunks.map((ch) => Buffer.from(ch.bytes).toString('hex'))).toEqual(['1603010000', '16030300', 'ab']);
  });

  const mutate = (f: (o: Record<string, unknown>) => void): string => {
    const o = valid();
    f(o);
    return JSON.stringify(o);
  };
  const chunk = (i: number, patch: Record<string, unknown>) => (o: Record<string, unknown>) => {
    const chunks = o.chunks as Array<Record<string, unknown>>;
    Object.assign(chunks[i], patch);
  };
  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"format": ', /not JSON/],
    ['a JSON array', '[]', /the document is missing or not an object/],
    ['another format', mutate((o) => (o.format = 'pcap')), /"format" is "pcap", expected "tls-trace-capture"/],
    ['no format', mutate((o) => delete o.format), /"format" is missing/],
    ['a future version', mutate((o) => (o.version = 2)), /unsupported version 2/],
    ['no target', mutate((o) => delete o.target), /"target" is missing/],
    ['a port out of range', mutate((o) => ((o.target as Record<string, unknown>).port = 70000)), /target\.port/],
    ['a bad date', mutate((o) => (o.startedAt = 'yesterday')), /"startedAt" is not a date/],
    ['negative timings', mutate((o) => (o.timings = { totalMs: -1 })), /timings\.totalMs/],
    ['chunks not an array', mutate((o) => (o.chunks = {})), /"chunks" is missing or not an array/],
    ['a bad direction', mutate(chunk(0, { direction: 'up' })), /chunk 0: direction/],
    ['odd hex', mutate(chunk(1, { hex: 'abc' })), /chunk 1: hex is not an even-length hex string/],
    ['non-hex characters', mutate(chunk(1, { hex: 'zz' })), /chunk 1: hex/],
    ['a gap in offsets', mutate(chunk(2, { offset: 6 })), /chunk 2: client offset 6 does not follow the previous client bytes \(expected 5\)/],
    ['an overlap in offsets', mutate(chunk(1, { offset: 1 })), /chunk 1: server offset 1 .*expected 0/],
    ['a string time', mutate(chunk(0, { timeMs: '1' })), /chunk 0: timeMs/],
    ['a bad key log', mutate((o) => (o.keylog = [1])), /"keylog" must be an array of strings/],
    ['a bad option value', mutate((o) => (o.options = { x: { y: 1 } })), /options\.x/],
    ['a bad node summary', mutate((o) => (o.node = { authorized: 'yes' })), /node\.authorized/],
    ['a bad error', mutate((o) => (o.error = { code: 5 })), /error\.code/],
  ];
  it.each(bad)('refuses %s', async (_name, text, why) => {
    const err = await loadText(text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    const e = err as UsageError;
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toMatch(/ is not a tls-trace capture: /);
    expect(e.message).toMatch(why);
    expect(e.message).not.toMatch(/\n/);
  });

  it('refuses a missing file, a directory and an over-size file before reading them', async () => {
    await expect(loadCapture(path.join(dir, 'absent.json'))).rejects.toThrow(/cannot read .*absent\.json: ENOENT/);
    await expect(loadCapture(dir)).rejects.toThrow(/is not a tls-trace capture: not a regular file/);
    const huge = path.join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_CAPTURE_FILE_BYTES + 1); // sparse: no real disk use
    await expect(loadCapture(huge)).rejects.toThrow(/over the 24 MiB limit/);
  });
});
