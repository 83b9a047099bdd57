// The hand-built TLS 1.2 handshake of the session probes (src/scan/session/full12.ts) against real
// servers. The master secret it derives is compared with the one the server itself writes to its
// key log (s_server -keylogfile, gnutls-serv's SSLKEYLOGFILE): an independent value, for each
// suite family (AES-GCM with SHA-256 and SHA-384 PRFs, ChaCha20-Poly1305), each group shape
// (x25519, P-256, P-384) and with and without extended_master_secret. Servers it cannot finish
// with (RSA key exchange only, a CertificateRequest) and a tampering proxy make it fall back to
// Node, with a reason, never a verdict from a handshake that did not verify.

import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fullHandshake12, type Full12Result } from '../../src/scan/session/full12.js';
import { scanSession } from '../../src/scan/session/probes.js';
import type { VersionsFound } from '../../src/scan/versions.js';
import { decodeStream } from '../../src/decode/index.js';
import type { ServerHello } from '../../src/decode/model.js';
import { openTls12Record, sealTls12Record } from '../../src/decrypt/record-protection.js';
import { isSupported, suiteCrypto } from '../../src/decrypt/suites.js';
import { flippingProxy } from '../helpers/flipping-proxy.js';
import { describeWithTools, startGnutlsServer, startOpensslServer } from '../helpers/servers.js';
import { localContext, withServer } from './helpers.js';

const TLS12 = 0x0303;
const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-full12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const only12: VersionsFound = { ssl2: Promise.resolve(null), firstRounds: new Map(), supported: [TLS12], candidates12: [], has13: false };

/** The master secret a server's key log holds for a client random (hex), if any. */
function loggedMaster(file: string, random: string): string | undefined {
  const line = readFileSync(file, 'latin1')
    .split('\n')
    .find((l) => l.startsWith(`CLIENT_RANDOM ${random} `));
  return line?.split(' ')[2]?.toLowerCase();
}

function done(r: Full12Result): Extract<Full12Result, { done: unknown }>['done'] {
  if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
  return r.done;
}

/** The server's ServerHello in a recorded connection. */
function serverHello(server: Uint8Array): ServerHello | undefined {
  const m = decodeStream('server', server, {}, { itemise: false }).messages.find((x) => x.kind === 'handshake' && x.body?.type === 'server_hello');
  return m?.kind === 'handshake' && m.body?.type === 'server_hello' ? m.body : undefined;
}

const serverSuite = (server: Uint8Array): number | undefined => serverHello(server)?.cipherSuite;

describeWithTools('openssl')('the hand-built TLS 1.2 handshake against openssl s_server', () => {
  it.each([
    ['default (AES-256-GCM, SHA-384 PRF, x25519, extended master secret)', [], 0xc030],
    ['AES-128-GCM, SHA-256 PRF', ['-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], 0xc02f],
    ['ChaCha20-Poly1305', ['-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'], 0xcca8],
    ['P-256 key exchange', ['-groups', 'P-256'], 0xc030],
    ['P-384 key exchange', ['-groups', 'P-384'], 0xc030],
  ])('%s: the master secret equals the server key log; the server took our Finished and its own verified', async (_name, args, suite) => {
    const keylog = path.join(dir, `s_server-${suite}-${args.join('')}.log`);
    await withServer(startOpensslServer(['-tls1_2', '-keylogfile', keylog, ...args]), async (server) => {
      const r = done(await fullHandshake12(localContext(server.port), { ticket: true, renegotiate: false }));
      expect(r.ok).toBe(true);
      const [, random, master] = r.keylog[0].split(' ');
      expect(serverSuite(r.chunks[1].bytes)).toBe(suite);
      // The server writes its key log line once the handshake is done.
      await new Promise((f) => setTimeout(f, 100));
      expect(loggedMaster(keylog, random)).toBe(master);
    });
  });

  it('RSA key exchange only: falls back to Node, saying why; the probes still answer, one connection more', async () => {
    await withServer(startOpensslServer(['-tls1_2', '-cipher', 'AES128-GCM-SHA256']), async (server) => {
      const r = await fullHandshake12(localContext(server.port), { ticket: false, renegotiate: false });
      expect(r).toEqual({ fallback: expect.stringMatching(/alert handshake_failure/), connections: 1 });
      const ctx = localContext(server.port);
      const s = await scanSession(ctx, only12);
      expect(s.sessionId).toMatchObject({ issued: true, resumed: true, connections: 3 });
      expect(s.renegotiation).toMatchObject({ clientInitiated: 'refused', connections: 2 });
      expect(ctx.nodeHandshakes).toBe(2);
    });
  });

  it('an optional CertificateRequest (-verify): our empty Certificate is taken; a required one (-Verify) is refused, and Node is asked', async () => {
    const keylog = path.join(dir, 's_server-verify.log');
    await withServer(startOpensslServer(['-tls1_2', '-verify', '1', '-keylogfile', keylog]), async (server) => {
      const r = done(await fullHandshake12(localContext(server.port), { ticket: false, renegotiate: false }));
      const [, random, master] = r.keylog[0].split(' ');
      await new Promise((f) => setTimeout(f, 100));
      expect(loggedMaster(keylog, random)).toBe(master);
    });
    await withServer(startOpensslServer(['-tls1_2', '-Verify', '1']), async (server) => {
      expect(await fullHandshake12(localContext(server.port), { ticket: false, renegotiate: false })).toEqual({ fallback: expect.stringMatching(/answered our Finished with alert/), connections: 1 });
    });
  });

  it('a proxy that flips a byte of the server flight: never a completed handshake, never a throw (20 positions)', async () => {
    await withServer(startOpensslServer(['-tls1_2']), async (upstream) => {
      for (let i = 0; i < 20; i++) {
        const at = 5 + Math.floor((i * 7919) % 1200);
        await withServer(flippingProxy(upstream.port, at), async (proxy) => {
          const r = await fullHandshake12(localContext(proxy.port), { ticket: true, renegotiate: true });
          if ('done' in r) expect(r.done.ok).toBe(false);
          else expect(typeof r.fallback).toBe('string');
        });
      }
    });
  });
});

describeWithTools('gnutls-serv')('the hand-built TLS 1.2 handshake against gnutls-serv', () => {
  it.each([
    ['with extended master secret', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', true],
    ['without (%NO_SESSION_HASH)', 'NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH', false],
  ])('%s: the master secret equals the server key log', async (_name, priority, ems) => {
    const keylog = path.join(dir, `gnutls-${priority.length}.log`);
    // GnuTLS writes its key log where SSLKEYLOGFILE says; the server is spawned with this process's environment.
    process.env.SSLKEYLOGFILE = keylog;
    const started = startGnutlsServer(['--priority', priority]).finally(() => delete process.env.SSLKEYLOGFILE);
    await withServer(started, async (server) => {
      const r = done(await fullHandshake12(localContext(server.port), { ticket: false, renegotiate: false }));
      const [, random, master] = r.keylog[0].split(' ');
      expect(serverHello(r.chunks[1].bytes)?.extensions.some((e) => e.type === 23)).toBe(ems);
      await new Promise((f) => setTimeout(f, 100));
      expect(loggedMaster(keylog, random)).toBe(master);
    });
  });
});

describe('sealTls12Record', () => {
  it.each([0xc02f, 0xc030, 0xcca8, 0xc0ac])('suite 0x%s: what it seals, openTls12Record opens (and a flipped bit does not)', (code) => {
    const suite = suiteCrypto(code, TLS12);
    if (!isSupported(suite)) throw new Error('unsupported');
    const keys = { key: Buffer.alloc(suite.keyLength, 7), iv: Buffer.alloc(suite.fixedIvLength, 9) };
    const sealed = sealTls12Record(suite, keys, 5n, 22, Buffer.from('finished!'));
    const opened = openTls12Record(suite, keys, 5n, sealed.subarray(0, 5), sealed.subarray(5), { encryptThenMac: false });
    expect(opened).toMatchObject({ ok: true, contentType: 22, plaintext: Buffer.from('finished!') });
    sealed[sealed.length - 1] ^= 1;
    expect(openTls12Record(suite, keys, 5n, sealed.subarray(0, 5), sealed.subarray(5), { encryptThenMac: false }).ok).toBe(false);
  });

  it('refuses a suite that is not AEAD', () => {
    const cbc = suiteCrypto(0xc013, TLS12);
    if (!isSupported(cbc)) throw new Error('unsupported');
    expect(() => sealTls12Record(cbc, { key: Buffer.alloc(16), iv: Buffer.alloc(0) }, 0n, 22, Buffer.alloc(1))).toThrow(TypeError);
  });
});
