// The hand-built TLS 1.3 handshake (src/scan/session/full13.ts) when the server does not take our
// Finished: its alert is no proof that it issues no tickets, so the probe asks Node instead of
// reporting "no NewSessionTicket".

import { expect, it } from '@jest/globals';
import net from 'node:net';
import { ScanContext } from '../../src/scan/context.js';
import { fullHandshake13 } from '../../src/scan/session/full13.js';
import { describeWithTools, listenInProcess, startOpensslServer, type TestServer } from '../helpers/servers.js';

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

/** Forwards both ways, flipping the last byte (the AEAD tag) of the client's second write: our CCS and Finished. */
function finishedFlippingProxy(upstreamPort: number): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    const up = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    let writes = 0;
    up.on('data', (d: Buffer) => client.write(d));
    client.on('data', (d: Buffer) => {
      if (++writes === 2) d[d.length - 1] ^= 0x01;
      up.write(d);
    });
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  return listenInProcess(proxy, '127.0.0.1', sockets, [], 'finished-flipping proxy');
}

describeWithTools('openssl')('the hand-built TLS 1.3 handshake when the server refuses our Finished', () => {
  it('falls back to Node with the reason, rather than a completed handshake without tickets', async () => {
    await withServer(startOpensslServer(['-tls1_3']), async (upstream) => {
      await withServer(finishedFlippingProxy(upstream.port), async (proxy) => {
        const r = await fullHandshake13(contextFor(proxy.port), 1000);
        expect(r).toEqual({ fallback: expect.stringMatching(/answered our Finished with alert/), connections: 1 });
      });
    });
  });
});
