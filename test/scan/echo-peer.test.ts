// A peer that answers, but not as a TLS server: it echoes every byte back, so each probe gets its
// own ClientHello. The scan used to keep waiting for a ServerHello and end with "no answer within
// 2000 ms" (exit 5) although the peer had answered at once. It must say what the peer sent.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { ExitCode } from '../../src/errors.js';
import { readFirstFlight } from '../../src/scan/first-flight.js';
import { runCli } from '../helpers/cli.js';
import { handshake, record, serverHello } from '../robustness/tls-bytes.js';

const ECHOED = /^tls-trace: 127\.0\.0\.1 port \d+: the server answered with a ClientHello \(\d+ bytes\) before any ServerHello — not a TLS server answer$/m;

describe('scan against an echo peer', () => {
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', (d) => s.write(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('says the peer answered with a ClientHello (exit 6), without waiting for the deadline', async () => {
    const started = performance.now();
    const r = await runCli(['scan', `127.0.0.1:${port}`, '--timeout', '10000', '--no-color', '--no-progress']);
    expect(r.code).toBe(ExitCode.notTls);
    expect(r.stderr).toMatch(ECHOED);
    expect(r.stderr).not.toMatch(/no answer/);
    // Every probe is answered at once: no probe waits for its 10 s deadline (wide margin, shared CI).
    expect(performance.now() - started).toBeLessThan(8000);
  }, 20_000);
});

describe('first-flight reader: answers that are not a server flight', () => {
  const clientHello = record(22, handshake(1, Buffer.from('0303' + '11'.repeat(32) + '000002c02f0100', 'hex')), 0x0301);

  it('an echoed ClientHello is a complete, wrong answer', () => {
    const f = readFirstFlight(clientHello);
    expect(f).toMatchObject({ complete: true, notServerAnswer: true });
    expect(f.problem).toBe(`the server answered with a ClientHello (${clientHello.length - 5} bytes) before any ServerHello — not a TLS server answer`);
  });

  it('application data before any ServerHello is named with its size', () => {
    const f = readFirstFlight(record(23, Buffer.alloc(40)));
    expect(f).toMatchObject({ complete: true, notServerAnswer: true, problem: 'the server answered with 40 bytes of application_data records before any ServerHello — not a TLS server answer' });
  });

  it('a HelloRequest before the ServerHello is still waited past, and a normal flight has no problem', () => {
    const hello = serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f });
    const helloRequest = Buffer.from([0, 0, 0, 0]);
    expect(readFirstFlight(record(22, helloRequest))).toEqual({ complete: false });
    const f = readFirstFlight(record(22, Buffer.concat([helloRequest, hello])));
    expect(f.complete).toBe(true);
    expect(f.serverHello?.cipherSuite).toBe(0xc02f);
    expect(f.problem).toBeUndefined();
    expect(f.notServerAnswer).toBeUndefined();
  });
});
