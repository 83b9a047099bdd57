// The hand-built TLS 1.2 handshake (src/scan/session/full12.ts) against servers that do what a
// plain HTTPS server does not: a greeting written the moment the handshake ends (IMAPS, POP3S,
// SMTPS speak first), before the answer to our renegotiation hello; a server the scan has given up
// on as stalled; a stream whose reads end inside record headers.

import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { ScanContext } from '../../src/scan/context.js';
import { STALL_LIMIT } from '../../src/scan/probe.js';
import { scanSession } from '../../src/scan/session/probes.js';
import type { VersionsFound } from '../../src/scan/versions.js';
import { fullHandshake12 } from '../../src/scan/session/full12.js';
import { describeWithTools, listenInProcess, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';

function contextFor(port: number): ScanContext {
  return new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port, sni: 'localhost' }, { host: '127.0.0.1', port, timeoutMs: 5000, concurrency: 4 });
}

async function withServer<T>(start: Promise<TestServer>, f: (s: TestServer) => Promise<T>): Promise<T> {
  const s = await start;
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

describe('the hand-built TLS 1.2 handshake against a server that speaks first', () => {
  it('a greeting before the answer to our renegotiation hello is skipped: the ServerHello after it is the verdict', async () => {
    const greeting = (socket: import('node:tls').TLSSocket): void => {
      socket.write('* OK IMAP4rev1 ready\r\n');
      socket.resume();
    };
    await withServer(startNodeTlsServer({ maxVersion: 'TLSv1.2', onSecureConnection: greeting }), async (server) => {
      const r = await fullHandshake12(contextFor(server.port), { ticket: false, renegotiate: true });
      if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
      expect(r.done.ok).toBe(true);
      expect(r.done.renegotiation).toMatchObject({ outcome: 'completed' });
    });
  });
});

describe('session probes against a server the scan has stopped probing (stalled)', () => {
  it('a hand-built try that was never made is not counted as a connection; the Node handshake still is', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const ctx = new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port }, { host: '127.0.0.1', port, timeoutMs: 300, concurrency: 4 });
      // As after STALL_LIMIT probes in a row that timed out: the prober makes no more connections.
      (ctx.prober as unknown as { timeoutsInARow: number }).timeoutsInARow = STALL_LIMIT;
      const found: VersionsFound = { ssl2: Promise.resolve(null), firstRounds: new Map(), supported: [0x0303, 0x0304], candidates12: [], has13: true };
      const s = await scanSession(ctx, found);
      expect(ctx.prober.stats.probes).toBe(0);
      // One Node handshake each (the renegotiation's is also the ticket probe's first), all timed out.
      expect(ctx.nodeHandshakes).toBe(3);
      for (const p of [s.sessionId, s.psk]) expect(p).toMatchObject({ issued: null, resumed: null, connections: 1 });
      expect(s.renegotiation).toMatchObject({ clientInitiated: null, connections: 1 });
      expect(s.connections).toBe(3);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

/**
 * A proxy that forwards the server's records one at a time, each in two writes 15 ms apart, the
 * first ending inside the record's 5-byte header: the client's reads end there.
 */
function headerSplittingProxy(upstreamPort: number): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    client.setNoDelay(true);
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    let buffered = Buffer.alloc(0);
    let chain = Promise.resolve();
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 15));
    up.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt16BE(3)) {
        const rec = buffered.subarray(0, 5 + buffered.readUInt16BE(3));
        buffered = buffered.subarray(rec.length);
        chain = chain.then(async () => {
          client.write(rec.subarray(0, 3));
          await pause();
          client.write(rec.subarray(3));
          await pause();
        });
      }
    });
    client.on('data', (d) => up.write(d));
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  return listenInProcess(proxy, '127.0.0.1', sockets, [], 'header-splitting proxy');
}

describeWithTools('openssl')('the hand-built TLS 1.2 handshake when reads end inside a record header', () => {
  it("the server's Finished and the answer to the renegotiation are awaited whole, not opened as empty records", async () => {
    await withServer(startOpensslServer(['-tls1_2', '-client_renegotiation']), async (upstream) => {
      await withServer(headerSplittingProxy(upstream.port), async (proxy) => {
        const r = await fullHandshake12(contextFor(proxy.port), { ticket: true, renegotiate: true });
        if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
        expect(r.done.ok).toBe(true);
        expect(r.done.renegotiation).toMatchObject({ outcome: 'completed' });
      });
    });
  });
});

/** Forwards both ways; the client first gets `prefix`, as if the server had sent it before its flight. */
function prefixingProxy(upstreamPort: number, prefix: Buffer): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    let first = true;
    up.on('data', (d: Buffer) => {
      client.write(first ? Buffer.concat([prefix, d]) : d);
      first = false;
    });
    client.on('data', (d) => up.write(d));
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  return listenInProcess(proxy, '127.0.0.1', sockets, [], 'prefixing proxy');
}

describeWithTools('openssl')('the hand-built TLS 1.2 handshake and a HelloRequest', () => {
  it('a HelloRequest before the ServerHello stays out of the Finished hashes (RFC 5246 §7.4.1.1): the handshake completes', async () => {
    const helloRequest = Buffer.from([22, 3, 3, 0, 4, 0, 0, 0, 0]);
    await withServer(startOpensslServer(['-tls1_2']), async (upstream) => {
      await withServer(prefixingProxy(upstream.port, helloRequest), async (proxy) => {
        const r = await fullHandshake12(contextFor(proxy.port), { ticket: true, renegotiate: false });
        if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
        expect(r.done.ok).toBe(true);
      });
    });
  });
});
