// The hand-built session handshakes (src/scan/session/full12.ts, full13.ts) against servers that do
// what a plain HTTPS server does not, each seen wrong before its fix: a greeting written the
// moment the handshake ends (IMAPS, POP3S, SMTPS speak first) before the answer to our
// renegotiation hello; reads that end inside record headers; a HelloRequest before the flight; a
// server that refuses our TLS 1.3 Finished; a server the scan has given up on as stalled.

import { describe, expect, it } from '@jest/globals';
import type { TLSSocket } from 'node:tls';
import { STALL_LIMIT } from '../../src/scan/probe.js';
import { fullHandshake12, type Full12Result } from '../../src/scan/session/full12.js';
import { fullHandshake13 } from '../../src/scan/session/full13.js';
import { scanSession } from '../../src/scan/session/probes.js';
import type { VersionsFound } from '../../src/scan/versions.js';
import { silentServer, tamperingProxy } from '../helpers/flipping-proxy.js';
import { describeWithTools, startNodeTlsServer, startOpensslServer } from '../helpers/servers.js';
import { localContext, withServer } from './helpers.js';

function done(r: Full12Result): Extract<Full12Result, { done: unknown }>['done'] {
  if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
  return r.done;
}

describe('the hand-built TLS 1.2 handshake against a server that speaks first', () => {
  it('a greeting before the answer to our renegotiation hello is skipped: the ServerHello after it is the verdict', async () => {
    const greeting = (socket: TLSSocket): void => {
      socket.write('* OK IMAP4rev1 ready\r\n');
      socket.resume();
    };
    await withServer(startNodeTlsServer({ maxVersion: 'TLSv1.2', onSecureConnection: greeting }), async (server) => {
      const r = done(await fullHandshake12(localContext(server.port), { ticket: false, renegotiate: true }));
      expect(r.ok).toBe(true);
      expect(r.renegotiation).toMatchObject({ outcome: 'completed' });
    });
  });
});

describeWithTools('openssl')('the hand-built TLS 1.2 handshake and unusual framing', () => {
  it("reads ending inside record headers: the server's Finished and the answer to the renegotiation are awaited whole", async () => {
    // Each of the server's records in two writes 15 ms apart, the first ending inside its 5-byte header.
    const splitHeaders = (): { server: (d: Buffer, send: (b: Buffer) => void) => void } => {
      let buffered = Buffer.alloc(0);
      let chain = Promise.resolve();
      const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 15));
      return {
        server: (d, send) => {
          buffered = Buffer.concat([buffered, d]);
          while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt16BE(3)) {
            const rec = buffered.subarray(0, 5 + buffered.readUInt16BE(3));
            buffered = buffered.subarray(rec.length);
            chain = chain.then(async () => {
              send(rec.subarray(0, 3));
              await pause();
              send(rec.subarray(3));
              await pause();
            });
          }
        },
      };
    };
    await withServer(startOpensslServer(['-tls1_2', '-client_renegotiation']), async (upstream) => {
      await withServer(tamperingProxy(upstream.port, splitHeaders), async (proxy) => {
        const r = done(await fullHandshake12(localContext(proxy.port), { ticket: true, renegotiate: true }));
        expect(r.ok).toBe(true);
        expect(r.renegotiation).toMatchObject({ outcome: 'completed' });
      });
    });
  });

  it('a HelloRequest before the ServerHello stays out of the Finished hashes (RFC 5246 §7.4.1.1): the handshake completes', async () => {
    const helloRequest = Buffer.from([22, 3, 3, 0, 4, 0, 0, 0, 0]);
    const prefix = (): { server: (d: Buffer, send: (b: Buffer) => void) => void } => {
      let first = true;
      return {
        server: (d, send) => {
          send(first ? Buffer.concat([helloRequest, d]) : d);
          first = false;
        },
      };
    };
    await withServer(startOpensslServer(['-tls1_2']), async (upstream) => {
      await withServer(tamperingProxy(upstream.port, prefix), async (proxy) => {
        expect(done(await fullHandshake12(localContext(proxy.port), { ticket: true, renegotiate: false })).ok).toBe(true);
      });
    });
  });
});

describeWithTools('openssl')('the hand-built TLS 1.3 handshake when the server refuses our Finished', () => {
  it('falls back to Node with the reason, rather than a completed handshake without tickets', async () => {
    // The last byte (the AEAD tag) of the client's second write: our CCS and Finished.
    const flipOurFinished = (): { client: (d: Buffer) => Buffer } => {
      let writes = 0;
      return {
        client: (d) => {
          if (++writes === 2) d[d.length - 1] ^= 0x01;
          return d;
        },
      };
    };
    await withServer(startOpensslServer(['-tls1_3']), async (upstream) => {
      await withServer(tamperingProxy(upstream.port, flipOurFinished), async (proxy) => {
        const r = await fullHandshake13(localContext(proxy.port), 1000);
        expect(r).toEqual({ fallback: expect.stringMatching(/answered our Finished with alert/), connections: 1 });
      });
    });
  });
});

describe('session probes against a server the scan has stopped probing (stalled)', () => {
  it('a hand-built try that was never made is not counted as a connection; the Node handshake still is', async () => {
    await withServer(silentServer(), async (silent) => {
      const ctx = localContext(silent.port, 300);
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
    });
  });
});
