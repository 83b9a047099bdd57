// The capture file is opened non-blocking and checked on the open handle: a FIFO or a device is
// refused at once (it used to block in open for ever), and no failure leaves a handle open.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotRegularFile, openCaptureBytes } from '../../../src/capture/pcap/byte-reader.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('openCaptureBytes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-open-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a FIFO nobody writes to without waiting, naming what it is', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const e: unknown = await openCaptureBytes(fifo).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotRegularFile);
    expect((e as NotRegularFile).stats.isFIFO()).toBe(true);
  }, 5_000);

  it('refuses a character device and a directory, and closes the handle each time', async () => {
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      // A directory opens fine on Linux; reading it fails (EISDIR): the handle used to leak there.
      for (const p of ['/dev/zero', dir]) await expect(openCaptureBytes(p)).rejects.toBeInstanceOf(NotRegularFile);
    }
    expect(openFds()).toBe(before);
  });
});
