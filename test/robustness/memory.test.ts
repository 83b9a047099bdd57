// Memory stays bounded against the peers that try to make tls-trace buffer without limit: a
// handshake message declaring 16 MB (bytes keep coming), a Certificate message of thousands of
// certificates, and a replayed 4 MiB capture of zero-filled handshake records (a million 4-byte
// "messages" without the message cap). Each run is its own child process (the built CLI when it
// exists), whose own peak RSS is measured (test/helpers/peak-rss.cjs).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { captureToJson } from '../../src/capture/capture-file.js';
import { runMemoryChild, serverOnly, type ChildResult } from '../report/helpers/big-captures.js';
import { behaviours, startHostileServer, type ScenarioName } from './hostile-server.js';

/** The stated bound (README "Reliability"). */
const RSS_LIMIT_MB = 200;

describe(`peak RSS stays below ${RSS_LIMIT_MB} MB`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-memory-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const live: Array<[ScenarioName, RegExp]> = [
    ['declares16MB', /excessive message size/],
    ['thousandsOfCertificates', /excessive message size/],
  ];
  it.each(live)('live trace against %s', async (scenario, stderr) => {
    const server = await startHostileServer(behaviours[scenario]);
    let r: ChildResult;
    try {
      r = await runMemoryChild([`127.0.0.1:${server.port}`, '--timeout', '5000', '--no-color']);
    } finally {
      await server.close();
    }
    expect(r.code).toBe(ExitCode.handshake);
    expect(r.stderr).toMatch(stderr);
    expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
  }, 60_000);

  it('replay of 4 MiB of zero-filled handshake records hits the message cap, text and JSON', async () => {
    const record = Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(16384)]);
    const server = Buffer.concat(Array.from({ length: 256 }, () => record));
    const capture = serverOnly(new Uint8Array(server));
    const file = path.join(dir, 'zero-flood.json');
    writeFileSync(file, JSON.stringify(captureToJson(capture)));
    for (const extra of [[], ['--json']]) {
      const r = await runMemoryChild(['replay', file, '--no-color', ...extra]);
      expect(r.code).toBe(ExitCode.ok);
      expect(r.maxRssMB).toBeLessThan(RSS_LIMIT_MB);
      // The cap is stated, not silent (the output itself is discarded by the child).
      expect(r.stdoutBytes).toBeGreaterThan(0);
    }
  }, 120_000);
});
