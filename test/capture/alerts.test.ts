// Issue 9 item 3: the server's alert is read from the bytes it sent (the alert record), not from
// Node's error. A fatal alert with a description OpenSSL has no name for (255) used to end in a
// timeout (exit 5) or "closed the connection" although the trace showed the fatal alert.

import { AlertWatcher } from '../../src/capture/alert-watch.js';
import { captureHandshake } from '../../src/capture/capture.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startPeer, type Peer } from './peers.js';

const TIMEOUT_MS = 8000;

/** A scripted server that answers the ClientHello with `hex`, then closes or stays silent. */
function answering(hex: string, close: boolean): Promise<Peer> {
  return startPeer((s) => {
    s.once('data', () => (close ? s.end(Buffer.from(hex, 'hex')) : s.write(Buffer.from(hex, 'hex'))));
  });
}

describe('AlertWatcher', () => {
  it('reads plaintext alerts across any chunking and ignores protected ones', () => {
    // A ServerHello-sized handshake record, a 26-byte (protected) alert record, a fatal alert 255.
    const stream = Buffer.from('1603030004' + '02000000' + '150303001a' + '02'.repeat(26) + '150303000202ff', 'hex');
    for (const size of [1, 2, 3, 7, stream.length]) {
      const w = new AlertWatcher();
      for (let i = 0; i < stream.length; i += size) w.feed(stream.subarray(i, i + size));
      expect(w.fatal).toEqual({ level: 2, description: 255 });
      expect(w.lastWarning).toBeUndefined();
    }
  });

  it('keeps the first fatal alert and the last warning; gives up on bytes that are not TLS framing', () => {
    const w = new AlertWatcher();
    w.feed(Buffer.from('150303000201ff' + '15030300020228' + '150303000202ff' + '15030300020100', 'hex'));
    expect(w.fatal).toEqual({ level: 2, description: 40 });
    expect(w.lastWarning).toEqual({ level: 1, description: 0 });
    const http = new AlertWatcher();
    http.feed(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n' + '\x15\x03\x03\x00\x02\x02\x28', 'latin1'));
    expect(http.fatal).toBeUndefined();
  });
});

const cases: Array<[string, string, boolean, RegExp, string]> = [
  ['fatal alert 255, connection left open', '150303000202ff', false, /^server sent fatal alert unknown \(0xff\)$/, 'unknown (0xff)'],
  ['fatal alert 255, then close', '150303000202ff', true, /^server sent fatal alert unknown \(0xff\)$/, 'unknown (0xff)'],
  ['fatal handshake_failure (40)', '15030300020228', false, /^server sent fatal alert handshake_failure \(40\)/, 'handshake_failure (40)'],
  ['warning alert 255, then close', '150303000201ff', true, /^server sent warning alert unknown \(0xff\) and closed the connection during the handshake$/, 'warning alert unknown (0xff)'],
];

beforeAll(async () => {
  // Load (and let ts-jest compile) the CLI once, so the deadline bounds below time the trace only.
  await runCli(['127.0.0.1:1', '--timeout', '1000']);
});

describe.each(cases)('%s', (_name, hex, close, message, named) => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await answering(hex, close);
  });
  afterAll(async () => {
    await peer.close();
  });

  it('capture: error code alert, read from the bytes, well before the deadline', async () => {
    const t0 = performance.now();
    const c = await captureHandshake({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS });
    expect(c.error?.code).toBe('alert');
    expect(c.error?.message).toMatch(message);
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS / 2);
  });

  it('trace: exit 7, the failure line names the alert', async () => {
    const r = await runCli([`127.0.0.1:${peer.port}`, '--no-color', '--timeout', String(TIMEOUT_MS)]);
    expect(r.code).toBe(ExitCode.handshake);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(named);
    expect(r.ms).toBeLessThan(TIMEOUT_MS / 2);
  });
});

describe('close_notify during the handshake', () => {
  it('is a close, not an alert failure', async () => {
    const peer = await answering('15030300020100', false);
    try {
      const c = await captureHandshake({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS });
      expect(c.error).toEqual({ code: 'closed', message: 'the server closed the connection during the handshake' });
    } finally {
      await peer.close();
    }
  });
});
