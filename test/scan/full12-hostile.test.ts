// The hand-built TLS 1.2 handshake (src/scan/session/full12.ts) against servers that do what a
// plain HTTPS server does not: a greeting written the moment the handshake ends (IMAPS, POP3S,
// SMTPS speak first), before the answer to our renegotiation hello.

import { describe, expect, it } from '@jest/globals';
import { ScanContext } from '../../src/scan/context.js';
import { fullHandshake12 } from '../../src/scan/session/full12.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';

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
