// A capture of the client side only (one direction of a pcap, or a tap that saw the client's
// bytes): after a HelloRetryRequest a TLS 1.3 client in middlebox-compatibility mode sends a
// ChangeCipherSpec and then its second ClientHello in the clear. With no ServerHello in sight the
// decoder must not take that CCS for TLS 1.2's key switch and the ClientHello for an encrypted
// Finished. Recorded from a real Node client against a Node server that forces a HelloRetryRequest.

import { demoCerts, describeWithTools, startNodeTlsServer } from '../helpers/servers.js';
import { record } from './helpers/record.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { Capture } from '../../src/capture/types.js';
import type { ClientHello } from '../../src/decode/model.js';
import { concat, invariantProblems, recordBytes, steps } from './helpers/util.js';
import { decodeStream } from '../../src/decode/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { recordNodeServer, run } from '../helpers/pcap-tools.js';

const clientOnly = (c: Capture): Capture => ({ ...c, chunks: c.chunks.filter((k) => k.direction === 'client') });

describe('client side only', () => {
  let full: Capture;
  beforeAll(async () => {
    const s = await startNodeTlsServer({ ...demoCerts().ecdsa, ecdhCurve: 'P-256', response: 'hello' });
    try {
      full = await record({ port: s.port, servername: 'localhost', ecdhCurve: 'X25519:P-256' });
    } finally {
      await s.close();
    }
  }, 30_000);

  test('the second ClientHello after the compat CCS is a ClientHello, as in the whole capture', () => {
    const both = decodeCapture(full);
    const one = decodeCapture(clientOnly(full));
    expect(steps(one).slice(0, 3)).toEqual(['C client_hello', 'C ccs(compat)', 'C client_hello']);
    const hellos = (t: typeof one): ClientHello[] => t.messages.flatMap((m) => (m.kind === 'handshake' && m.body?.type === 'client_hello' ? [m.body] : []));
    // The same two hellos the whole capture shows: second one with the P-256 share the HRR asked for.
    expect(hellos(one)).toEqual(hellos(both));
    const shares = (ch: ClientHello) => (ch.extensions.find((e) => e.type === 51)?.info as { shares: Array<{ group: number }> }).shares.map((s) => s.group);
    expect(hellos(one).map(shares)).toEqual([[0x1d], [0x17]]);
    // What follows (the client's Finished, application data) is protected, and said so.
    expect(steps(one).slice(3).every((s) => s.startsWith('C encrypted'))).toBe(true);
    expect(invariantProblems(one, { coverage: true })).toEqual([]);
  });

  test('a TLS 1.2 client-only capture keeps its encrypted Finished after the CCS', () => {
    // ClientHello, ClientKeyExchange, CCS, then a 40-byte protected Finished (GCM).
    const ch = Buffer.from(full.chunks.find((c) => c.direction === 'client')!.bytes).subarray(0, 5 + ((full.chunks[0].bytes[3] << 8) | full.chunks[0].bytes[4]));
    const cke = recordBytes(22, Uint8Array.from([16, 0, 0, 33, 32, ...new Array(32).fill(7)]));
    const ccs = recordBytes(20, Uint8Array.from([1]));
    const fin = recordBytes(22, Uint8Array.from(new Array(40).fill(0).map((_, i) => (i * 37 + 11) & 0xff)));
    const t = decodeStream('client', concat([ch, cke, ccs, fin]));
    expect(steps(t)).toEqual(['C client_hello', 'C client_key_exchange', 'C ccs', 'C encrypted(Finished)']);
  });

  describeWithTools('tcpdump', 'tshark')('from a pcap holding the client side only', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-client-only-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('tcpdump of a HelloRetryRequest handshake, the server packets filtered out, read as a capture', async () => {
      // The Node server takes only P-256; Node's client shares X25519 first: a HelloRetryRequest.
      const r = await recordNodeServer(dir, 'hrr', { ecdhCurve: 'P-256' });
      const clientOnlyPcap = path.join(dir, 'client-only.pcap');
      await run('tshark', ['-r', r.pcap, '-Y', `tcp.dstport == ${r.port}`, '-w', clientOnlyPcap]);
      const found = (await readPacketCapture(clientOnlyPcap, [])).connections.flatMap((c) => (c.tls ? [c.capture] : []));
      expect(found).toHaveLength(1);
      expect(found[0].chunks.every((c) => c.direction === 'client')).toBe(true);
      const t = decodeCapture(found[0]);
      expect(steps(t).slice(0, 3)).toEqual(['C client_hello', 'C ccs(compat)', 'C client_hello']);
    }, 60_000);
  });
});
