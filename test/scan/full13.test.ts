// The hand-built TLS 1.3 handshake of the PSK probe's first connection (src/scan/session/full13.ts)
// against openssl s_server. Its traffic secrets are compared with the ones the server writes to its
// own key log (-keylogfile), an independent value, for each of RFC 8446's AES-GCM and ChaCha20
// suites; the PSK it derives for each ticket is proven by the server itself, which resumes with it
// (the second connection's EncryptedExtensions open only with keys made from the same PSK: see
// session.test.ts). Servers it cannot finish with (a CertificateRequest, a group other than x25519)
// and a tampering proxy make it fall back to Node, with a reason, never a throw.

import { afterAll, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fullHandshake13, type Full13Result } from '../../src/scan/session/full13.js';
import { offerTicket } from '../../src/scan/session/early-data.js';
import { flippingProxy } from '../helpers/flipping-proxy.js';
import { describeWithTools, startOpensslServer } from '../helpers/servers.js';
import { localContext, withServer } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-full13-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function done(r: Full13Result): Extract<Full13Result, { done: unknown }>['done'] {
  if (!('done' in r)) throw new Error(`fell back: ${r.fallback}`);
  return r.done;
}

/** label → secret (hex) of a key log's lines for one client random. */
function secretsFor(lines: readonly string[], random: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const [label, r, secret] = l.trim().split(' ');
    if (r === random && secret) out[label] = secret.toLowerCase();
  }
  return out;
}

describeWithTools('openssl')('the hand-built TLS 1.3 full handshake against openssl s_server', () => {
  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'])('%s: handshake and application secrets equal the server key log; two tickets, each resumable', async (suite) => {
    const keylog = path.join(dir, `${suite}.log`);
    await withServer(startOpensslServer(['-tls1_3', '-ciphersuites', suite, '-keylogfile', keylog]), async (server) => {
      const ctx = localContext(server.port);
      const r = done(await fullHandshake13(ctx, 1000));
      expect(r.ok).toBe(true);
      const ours = secretsFor(r.keylog, r.keylog[0].split(' ')[1]);
      expect(Object.keys(ours).sort()).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
      await new Promise((f) => setTimeout(f, 100));
      const theirs = secretsFor(readFileSync(keylog, 'latin1').split('\n'), r.keylog[0].split(' ')[1]);
      for (const [label, secret] of Object.entries(ours)) expect([label, theirs[label]]).toEqual([label, secret]);
      // OpenSSL sends two tickets after a full handshake; each one's PSK resumes.
      expect(r.resumables).toHaveLength(2);
      for (const session of r.resumables) {
        const answer = await offerTicket(ctx, session, false);
        expect(answer.psk.resumed).toBe(true);
      }
    });
  });

  it('-num_tickets 0: the handshake completes and no ticket comes within the wait', async () => {
    await withServer(startOpensslServer(['-tls1_3', '-num_tickets', '0']), async (server) => {
      const r = done(await fullHandshake13(localContext(server.port), 300));
      expect(r).toMatchObject({ ok: true, resumables: [] });
    });
  });

  it('-early_data: the tickets carry max_early_data 16384', async () => {
    await withServer(startOpensslServer(['-tls1_3', '-early_data']), async (server) => {
      const r = done(await fullHandshake13(localContext(server.port), 1000));
      expect(r.resumables.map((s) => s.maxEarlyData)).toEqual([16384, 16384]);
    });
  });

  it('falls back to Node for a CertificateRequest (-verify) and for a server without x25519 (HelloRetryRequest)', async () => {
    await withServer(startOpensslServer(['-tls1_3', '-verify', '1']), async (server) => {
      expect(await fullHandshake13(localContext(server.port), 300)).toEqual({ fallback: 'the server asked for a client certificate', connections: 1 });
    });
    await withServer(startOpensslServer(['-tls1_3', '-groups', 'P-384']), async (server) => {
      expect(await fullHandshake13(localContext(server.port), 300)).toEqual({ fallback: expect.any(String), connections: 1 });
    });
  });

  it('a proxy that flips a byte of the server flight: never a completed handshake, never a throw (20 positions)', async () => {
    await withServer(startOpensslServer(['-tls1_3']), async (upstream) => {
      for (let i = 0; i < 20; i++) {
        const at = 5 + Math.floor((i * 7919) % 1500);
        await withServer(flippingProxy(upstream.port, at), async (proxy) => {
          const r = await fullHandshake13(localContext(proxy.port), 300);
          if ('done' in r) expect(r.done.ok).toBe(false);
          else expect(typeof r.fallback).toBe('string');
        });
      }
    });
  });
});
