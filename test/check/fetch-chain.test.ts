// check's handshake decodes the server's certificates from the recorded bytes as the handshake
// ends and then leaves Node's own copy of the chain (getPeerCertificate, costly) unasked; when
// the bytes give none (or the decoding throws), Node's chain is taken as before.

import { captureHandshake } from '../../src/capture/capture.js';
import { fetchChain } from '../../src/check/fetch-chain.js';
import { testPki } from '../chain/helpers/pki.js';
import type { TestServer } from '../helpers/servers.js';
import { startVariant } from './helpers.js';

const pki = testPki();
const servers: TestServer[] = [];
const hex = (ders: Buffer[]): string[] => ders.map((d) => d.toString('hex'));

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<TestServer> {
  const s = await startVariant(pki, 'good-ecdsa', { maxVersion });
  servers.push(s);
  return s;
}

describe.each(['TLSv1.2', 'TLSv1.3'] as const)('%s', (version) => {
  test('fetchChain: the chain as sent (the PEM file the server loaded), decoded from the bytes, no Node chain asked for', async () => {
    const s = await server(version);
    let asked = 0;
    const fetched = await fetchChain({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 20_000 });
    expect(fetched.error).toBeUndefined();
    expect(fetched.source).toBe('decoded');
    expect(fetched.certificates).toEqual(hex(pki.chain('good-ecdsa')));
    expect(fetched.protocol).toBe(version);
    // The same capture, asked directly: a hook that has the chain leaves Node's unasked…
    const have = await captureHandshake({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 20_000, drainMs: 0, chainFromBytes: () => (asked++, true) });
    expect(asked).toBe(1);
    expect(have.error).toBeUndefined();
    expect(have.node?.protocol).toBe(version);
    expect(have.node?.peerCertificates).toBeUndefined();
  });

  test('a hook that finds no chain, or throws, gets Node\'s chain and the capture goes on', async () => {
    const s = await server(version);
    for (const chainFromBytes of [(): boolean => false, (): boolean => { throw new Error('decoder bug'); }]) {
      const c = await captureHandshake({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 20_000, drainMs: 0, chainFromBytes });
      expect(c.error).toBeUndefined();
      expect(c.node?.peerCertificates).toEqual(hex(pki.chain('good-ecdsa')));
    }
  });
});
