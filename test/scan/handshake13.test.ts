// The scan's hand-built TLS 1.3 handshake (src/scan/handshake13.ts) against real servers, with
// `openssl s_client` as the independent reference: per TLS 1.3 signature scheme, whether s_client
// restricted to it (-sigalgs) completes a handshake must match the schemes the scan's elimination
// reads from the CertificateVerify; ALPN must match s_client's, the OCSP staple must be there
// exactly when s_server has a -status_file. A server that only takes secp384r1 (HelloRetryRequest)
// is still answered, and a tampered encrypted record gives "not determined", never a crash.

import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TLS13_SIGNATURE_SCHEMES } from '../../src/scan/candidates.js';
import { ScanContext } from '../../src/scan/context.js';
import { handshake13 } from '../../src/scan/handshake13.js';
import { scanSignatureSchemes } from '../../src/scan/signature-schemes.js';
import type { VersionsFound } from '../../src/scan/versions.js';
import { demoPaths, describeWithTools, listenInProcess, startGnutlsServer, startNginx, startOpensslServer, type TestServer } from '../helpers/servers.js';

const TLS13 = 0x0304;

function contextFor(port: number, sni = 'localhost'): ScanContext {
  return new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port, sni }, { host: '127.0.0.1', port, timeoutMs: 5000, concurrency: 4 });
}

const only13: VersionsFound = { ssl2: Promise.resolve(null), firstRounds: new Map(), supported: [TLS13], candidates12: [], has13: true };

function sClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_3', ...args], { timeout: 20_000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) =>
      resolve(`${stdout}${stderr}${err ? `\n[exit: ${err.message}]` : ''}`),
    );
    child.stdin?.end();
  });
}

/** The TLS 1.3 schemes s_client completes a handshake with, one scheme allowed at a time (names this OpenSSL knows). */
async function sClientSchemes(port: number, clientArgs: string[] = []): Promise<{ accepted: number[]; known: number[] }> {
  const accepted: number[] = [];
  const known: number[] = [];
  for (const s of TLS13_SIGNATURE_SCHEMES) {
    const out = await sClient(port, ['-sigalgs', s.openssl, '-brief', ...clientArgs]);
    if (/Call to SSL_CONF_cmd\(-sigalgs, .*\) failed/.test(out)) continue;
    known.push(s.code);
    if (/^Protocol version: TLSv1\.3$/m.test(out)) accepted.push(s.code);
  }
  return { accepted, known };
}

/** The scan's answer and s_client's (with `clientArgs`, such as the suites the server needs), compared over the schemes OpenSSL knows. */
async function compareSchemes(server: TestServer, clientArgs: string[] = []): Promise<number[]> {
  const ctx = contextFor(server.port);
  const ours = await scanSignatureSchemes(ctx, only13);
  const ref = await sClientSchemes(server.port, clientArgs);
  expect(ours.tls13Method).toBe('certificate-verify');
  expect(ref.accepted.length).toBeGreaterThan(0);
  expect(ours.tls13!.filter((c) => ref.known.includes(c))).toEqual(ref.accepted);
  expect(ctx.nodeHandshakes).toBe(0);
  return ours.tls13!;
}

describeWithTools('openssl', 'nginx', 'gnutls-serv')('hand-built TLS 1.3 handshakes against real servers', () => {
  let dir: string;
  const sh = (args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-hs13-'));
    sh(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', 'ed.key', '-out', 'ed.pem']);
    sh(['req', '-x509', '-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', 'pss.key', '-out', 'pss.pem']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('nginx with RSA and ECDSA certificates: both key types found, both chains noted', async () => {
    const server = await startNginx(
      [
        'ssl_protocols TLSv1.3;',
        `ssl_certificate ${demoPaths.rsaChain};`,
        `ssl_certificate_key ${demoPaths.rsaKey};`,
        `ssl_certificate ${demoPaths.ecdsaChain};`,
        `ssl_certificate_key ${demoPaths.ecdsaKey};`,
      ].join('\n'),
    );
    try {
      const found = await compareSchemes(server);
      expect(found).toEqual(expect.arrayContaining([0x0403, 0x0804, 0x0805, 0x0806]));
      const ctx = contextFor(server.port);
      await scanSignatureSchemes(ctx, only13);
      expect(ctx.certificates.list().map((c) => c.publicKey.label).sort()).toEqual(['EC P-256', 'RSA 2048']);
    } finally {
      await server.close();
    }
  });

  it('openssl s_server with an Ed25519 key, and with an RSA-PSS key', async () => {
    for (const [cert, key, want] of [
      ['ed.pem', 'ed.key', [0x0807]],
      ['pss.pem', 'pss.key', [0x0809, 0x080a, 0x080b]],
    ] as const) {
      const server = await startOpensslServer(['-tls1_3', '-cert', path.join(dir, cert), '-key', path.join(dir, key)]);
      try {
        expect(await compareSchemes(server)).toEqual(want);
      } finally {
        await server.close();
      }
    }
  });

  it('gnutls-serv', async () => {
    const server = await startGnutlsServer(['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3']);
    try {
      expect(await compareSchemes(server)).toEqual(expect.arrayContaining([0x0804]));
    } finally {
      await server.close();
    }
  });

  it('ALPN as s_client sees it; the OCSP staple exactly when s_server has a -status_file', async () => {
    // A real OCSP response for the demo RSA leaf, signed by the demo intermediate.
    const serial = sh(['x509', '-in', demoPaths.rsaLeaf, '-noout', '-serial']).trim().split('=')[1];
    const subject = sh(['x509', '-in', demoPaths.rsaLeaf, '-noout', '-subject', '-nameopt', 'compat']).trim().replace(/^subject=/, '');
    writeFileSync(path.join(dir, 'index.txt'), `V\t361119000000Z\t\t${serial}\tunknown\t${subject}\n`);
    sh(['ocsp', '-issuer', demoPaths.intermediate, '-cert', demoPaths.rsaLeaf, '-reqout', 'req.der', '-no_nonce']);
    sh(['ocsp', '-index', 'index.txt', '-rsigner', demoPaths.intermediate, '-rkey', path.join(path.dirname(demoPaths.intermediate), 'intermediate.key'), '-CA', demoPaths.intermediate, '-reqin', 'req.der', '-respout', 'resp.der', '-ndays', '2']);
    for (const status of [true, false]) {
      const server = await startOpensslServer(['-tls1_3', '-alpn', 'h2,http/1.1', ...(status ? ['-status_file', path.join(dir, 'resp.der')] : [])]);
      try {
        const r = await handshake13(contextFor(server.port), { alpn: ['http/1.1', 'h2'] });
        const ref = await sClient(server.port, ['-alpn', 'http/1.1,h2', '-status']);
        expect(r.outcome).toBe('complete');
        expect(r.alpn).toBe(/^ALPN protocol: (\S+)$/m.exec(ref)?.[1]);
        expect(r.ocspStapled).toBe(status);
        expect(/OCSP Response Status: successful/.test(ref)).toBe(status);
        expect(r.chain?.length).toBe(2);
      } finally {
        await server.close();
      }
    }
  });

  it('a server that only takes secp384r1: answered after its HelloRetryRequest, later hellos send that share at once', async () => {
    const server = await startOpensslServer(['-tls1_3', '-groups', 'secp384r1']);
    try {
      const ctx = contextFor(server.port);
      const first = await handshake13(ctx);
      expect(first).toMatchObject({ outcome: 'complete', connections: 2, signatureScheme: 0x0804 });
      expect(first.serverHello?.selectedGroup).toBe(0x0018);
      expect(await handshake13(ctx)).toMatchObject({ outcome: 'complete', connections: 1 });
    } finally {
      await server.close();
    }
  });

  it('a server that only takes ffdhe2048 (no share the scan can make): the schemes come from Node handshakes, and the method says so', async () => {
    const server = await startOpensslServer(['-tls1_3', '-groups', 'ffdhe2048']);
    try {
      const ctx = contextFor(server.port);
      expect(await handshake13(ctx)).toMatchObject({ outcome: 'hello-retry', serverHello: { selectedGroup: 0x0100 } });
      const r = await scanSignatureSchemes(ctx, only13);
      expect(r).toMatchObject({ tls13Method: 'node-sigalgs', tls13: [0x0804, 0x0805, 0x0806] });
      expect(ctx.nodeHandshakes).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('a tampered encrypted record: not determined, never a crash; refusals stay refusals', async () => {
    const upstream = await startOpensslServer(['-tls1_3']);
    const sockets = new Set<net.Socket>();
    // Forwards both ways; flips one byte in the server's first protected record (content type 23).
    const proxy = net.createServer((client) => {
      sockets.add(client);
      const up = net.connect(upstream.port, '127.0.0.1');
      sockets.add(up);
      let buffered = Buffer.alloc(0);
      let flipped = false;
      up.on('data', (d: Buffer) => {
        if (flipped) return void client.write(d);
        buffered = Buffer.concat([buffered, d]);
        for (let at = 0; at + 5 <= buffered.length; at += 5 + buffered.readUInt16BE(at + 3)) {
          if (buffered[at] === 23 && at + 5 + buffered.readUInt16BE(at + 3) <= buffered.length) {
            buffered[at + 10] ^= 0x01;
            flipped = true;
            break;
          }
        }
        if (flipped) {
          client.write(buffered);
          buffered = Buffer.alloc(0);
        }
      });
      client.on('data', (d) => up.write(d));
      const end = (): void => {
        client.destroy();
        up.destroy();
      };
      for (const s of [client, up]) s.on('error', end).on('close', end);
    });
    const server = await listenInProcess(proxy, '127.0.0.1', sockets, [], 'tampering proxy');
    try {
      const r = await handshake13(contextFor(server.port));
      expect(r.outcome).toBe('not-determined');
      expect(r.detail).toMatch(/did not open/);
      const refused = await handshake13(contextFor(upstream.port), { sigs: [0x0403] });
      expect(refused).toMatchObject({ outcome: 'refused', alert: { description: 40 } });
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it('a server whose only TLS 1.3 suites are AES-CCM (and CCM_8): the schemes come from the CertificateVerify', async () => {
    for (const suite of ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256']) {
      const server = await startOpensslServer(['-tls1_3', '-ciphersuites', suite]);
      try {
        const r = await handshake13(contextFor(server.port));
        expect(r).toMatchObject({ outcome: 'complete', signatureScheme: 0x0804 });
        expect(await compareSchemes(server, ['-ciphersuites', suite])).toEqual(expect.arrayContaining([0x0804, 0x0805, 0x0806]));
      } finally {
        await server.close();
      }
    }
  });

  it('a first round (every scheme offered) refused by a server with TLS 1.3 is unreadable, not "no schemes": Node is asked', async () => {
    const sockets = new Set<net.Socket>();
    // Answers any ClientHello with a fatal handshake_failure alert.
    const refuser = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.once('data', () => s.end(Buffer.from([21, 3, 3, 0, 2, 2, 40])));
    });
    const server = await listenInProcess(refuser, '127.0.0.1', sockets, [], 'refusing server');
    try {
      const ctx = contextFor(server.port);
      expect(await handshake13(ctx)).toMatchObject({ outcome: 'refused' });
      expect(await scanSignatureSchemes(ctx, only13)).toMatchObject({ tls13Method: 'node-sigalgs', tls13: [] });
      expect(ctx.nodeHandshakes).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
