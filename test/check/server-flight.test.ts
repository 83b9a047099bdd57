// check reads the certificates from the server's flight alone (src/check/server-flight.ts). Its
// answer must be the one the whole pipeline gives (chainFromTrace over decodeAndDecrypt) on the
// same capture, or none at all (then check runs the pipeline). Captures are taken as check takes
// them: at the moment Node reports the handshake done, from real servers (Node, OpenSSL with a
// stapled OCSP response, nginx, GnuTLS) in TLS 1.3 and 1.2 with AEAD, CBC and ChaCha suites; plus
// the recorded fixtures cut after the server's Finished, and flights of other shapes.

import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { captureHandshake } from '../../src/capture/capture.js';
import { parseCapture } from '../../src/capture/capture-file.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeAndDecrypt } from '../../src/analyse/pipeline.js';
import { chainFromTrace } from '../../src/analyse/chain/from-capture.js';
import { chainFromServerFlight } from '../../src/check/server-flight.js';
import { demoCerts, demoPaths, describeWithTools, repoRoot, startGnutlsServer, startNginx, startNodeTlsServer, startOpensslServer, keptServers } from '../helpers/servers.js';

/** An OCSPResponse of status tryLater (RFC 6960 §4.2.1): bytes the server staples, not judged here. */
const STAPLE = Buffer.from('30030a0103', 'hex');

const pipeline = (c: Capture): ReturnType<typeof chainFromTrace> => chainFromTrace(decodeAndDecrypt(c, { skipVerification: true }).trace);

/** The capture as check's hook sees it: when Node reports the handshake done. */
async function flightOf(port: number, extra: { maxVersion?: 'TLSv1.2'; ciphers?: string } = {}, protocol = extra.maxVersion ?? 'TLSv1.3'): Promise<Capture> {
  let seen: Capture | undefined;
  const done = await captureHandshake({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    timeoutMs: 20_000,
    drainMs: 0,
    requestOcsp: true,
    ...(extra.maxVersion ? { maxVersion: '1.2' as const } : {}),
    ...(extra.ciphers ? { ciphers: extra.ciphers } : {}),
    chainFromBytes: (c) => {
      seen = c;
      return false;
    },
  });
  expect(done.error).toBeUndefined();
  // The version the case is about was the one negotiated.
  expect(done.node?.protocol).toBe(protocol);
  return seen!;
}

/** Servers started by this file, closed after its tests. */
const keep = keptServers();

const demoChainHex = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes('BEGIN CERTIFICATE'))
    .map((p) => Buffer.from(p.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex'));

describe('live flights: the same chain as the pipeline, without falling back', () => {
  // CBC: the Finished record's padding leaves room for a small message after the Finished, so the
  // pipeline (which opens the record) decides.
  const node = [
    ['TLS 1.3', {}, true],
    ['TLS 1.2 AES-GCM', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, true],
    ['TLS 1.2 ChaCha20', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }, true],
    ['TLS 1.2 AES-CBC (left to the pipeline)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-SHA384' }, false],
  ] as const;
  test.each(node)('Node server, %s', async (_name, extra, decided) => {
    // The server ends at once: in TLS 1.2 its close_notify often rides with its Finished.
    const s = await keep(startNodeTlsServer({ response: 'bye', ...('ciphers' in extra ? { ciphers: extra.ciphers, maxVersion: extra.maxVersion } : {}) }));
    const c = await flightOf(s.port, extra);
    const fast = chainFromServerFlight(c);
    expect(pipeline(c)?.certificates).toEqual(demoChainHex(demoPaths.rsaChain));
    if (!decided) return expect(fast).toBeUndefined();
    expect(fast).toEqual(pipeline(c));
    expect(fast?.decrypted).toBe('ciphers' in extra ? undefined : true);
  });

  test.each(['TLSv1.3', 'TLSv1.2'] as const)('Node server stapling an OCSP response, %s (the leaf entry\'s status_request; CertificateStatus)', async (version) => {
    const server = tls.createServer({ ...demoCerts().ecdsa, maxVersion: version }, (sock) => sock.end());
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (err: Error | null, resp?: Buffer) => void) => done(null, STAPLE));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = await flightOf((server.address() as AddressInfo).port, version === 'TLSv1.2' ? { maxVersion: 'TLSv1.2' } : {});
      const fast = chainFromServerFlight(c);
      expect(fast?.ocspResponse).toBe(STAPLE.toString('hex'));
      expect(fast).toEqual(pipeline(c));
    } finally {
      server.close();
    }
  });
});

describeWithTools('openssl')('openssl s_server', () => {
  test.each([
    ['TLS 1.3', ['-tls1_3']],
    ['TLS 1.2 with a stapled OCSP response (CertificateStatus)', ['-tls1_2', '-status_file', 'STAPLE']],
    ['TLS 1.3 with a stapled OCSP response', ['-tls1_3', '-status_file', 'STAPLE']],
  ])('%s', async (_name, given) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tls-trace-flight-')), 'staple.der');
    writeFileSync(file, STAPLE);
    const args = given.map((a) => (a === 'STAPLE' ? file : a));
    const s = await keep(startOpensslServer(args));
    const c = await flightOf(s.port, args.includes('-tls1_2') ? { maxVersion: 'TLSv1.2' } : {});
    const fast = chainFromServerFlight(c);
    expect(fast).toBeDefined();
    expect(fast).toEqual(pipeline(c));
    if (args.includes('-status_file')) expect(fast?.ocspResponse).toBe(STAPLE.toString('hex'));
  });
});

describeWithTools('nginx')('nginx', () => {
  test('TLS 1.3 and 1.2', async () => {
    // nginx before 1.23.4 leaves TLS 1.3 off unless asked.
    const s = await keep(startNginx('ssl_protocols TLSv1.2 TLSv1.3;'));
    for (const extra of [{}, { maxVersion: 'TLSv1.2' as const }]) {
      const c = await flightOf(s.port, extra);
      const fast = chainFromServerFlight(c);
      expect(fast).toBeDefined();
      expect(fast).toEqual(pipeline(c));
    }
  });
});

describeWithTools('gnutls-serv')('gnutls-serv', () => {
  test('TLS 1.3', async () => {
    const s = await keep(startGnutlsServer());
    const c = await flightOf(s.port);
    const fast = chainFromServerFlight(c);
    expect(fast).toBeDefined();
    expect(fast).toEqual(pipeline(c));
  });
});

/** A recorded capture with the server's bytes cut after the record that ends its Finished (what check's hook sees). */
function cutAfterServerFinished(c: Capture): Capture {
  const { trace } = decodeAndDecrypt(c, { skipVerification: true });
  const fin = trace.messages.find((m) => m.direction === 'server' && m.kind === 'handshake' && m.body?.type === 'finished');
  if (!fin) return c;
  const rec = trace.records[Math.max(...fin.records)];
  const end = rec.offset + rec.length;
  const chunks = c.chunks.flatMap((k) => (k.direction !== 'server' ? [k] : k.offset >= end ? [] : [{ ...k, bytes: k.bytes.subarray(0, Math.min(k.bytes.length, end - k.offset)) }]));
  return { ...c, chunks };
}

describe('recorded fixtures', () => {
  const dir = path.join(repoRoot, 'fixtures/captures');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  test.each(files)('%s: the pipeline\'s chain, or none (then the pipeline runs)', (file) => {
    const whole = parseCapture(readFileSync(path.join(dir, file), 'utf8'), file);
    const cut = cutAfterServerFinished(whole);
    const fast = chainFromServerFlight(cut);
    if (file.includes('hrr')) expect(fast).toBeUndefined(); // a HelloRetryRequest is left to the pipeline
    else expect(fast).toBeDefined();
    if (fast) expect(fast).toEqual(pipeline(cut));
    // The whole recording goes on past the Finished (tickets, close_notify, application data).
    const all = chainFromServerFlight(whole);
    if (all) expect(all).toEqual(pipeline(whole));
  });

  const tls13 = (): Capture => cutAfterServerFinished(parseCapture(readFileSync(path.join(dir, 'openssl-tls13.json'), 'utf8'), 'openssl-tls13.json'));
  const serverBytes = (c: Capture): Buffer => Buffer.concat(c.chunks.filter((k) => k.direction === 'server').map((k) => k.bytes));
  const withServerBytes = (c: Capture, bytes: Uint8Array): Capture => ({ ...c, chunks: [...c.chunks.filter((k) => k.direction === 'client'), { direction: 'server', timeMs: 1, offset: 0, bytes }] });

  test('a protected record that does not open, a missing key, a cut record or a hole: none', () => {
    const c = tls13();
    expect(chainFromServerFlight(c)).toBeDefined();
    const flipped = Buffer.from(serverBytes(c));
    flipped[flipped.length - 3] ^= 1;
    expect(chainFromServerFlight(withServerBytes(c, flipped))).toBeUndefined();
    expect(chainFromServerFlight({ ...c, keylog: c.keylog.filter((l) => !l.startsWith('SERVER_HANDSHAKE')) })).toBeUndefined();
    expect(chainFromServerFlight(withServerBytes(c, serverBytes(c).subarray(0, serverBytes(c).length - 1)))).toBeUndefined();
    const holed = { ...c, chunks: c.chunks.map((k) => (k.direction === 'server' && k.offset > 0 ? { ...k, offset: k.offset + 1 } : k)) };
    if (holed.chunks.filter((k) => k.direction === 'server').length > 1) expect(chainFromServerFlight(holed)).toBeUndefined();
    expect(chainFromServerFlight({ ...c, truncated: [{ direction: 'server', recordedBytes: 10 }] })).toBeUndefined();
  });

  test('bytes after the server\'s Finished: none (the pipeline opens them with the application keys)', () => {
    const c = tls13();
    const extra = Buffer.concat([serverBytes(c), Buffer.from([23, 3, 3, 0, 20]), Buffer.alloc(20)]);
    expect(chainFromServerFlight(withServerBytes(c, extra))).toBeUndefined();
  });
});

describe('corrupted flights (a seeded mutation loop): never an exception, and the pipeline\'s chain or none', () => {
  const dir = path.join(repoRoot, 'fixtures/captures');
  test.each(['openssl-tls13.json', 'openssl-tls12-ecdhe-rsa.json', 'node-tls13.json'])('%s', (file) => {
    const base = cutAfterServerFinished(parseCapture(readFileSync(path.join(dir, file), 'utf8'), file));
    const server = Buffer.concat(base.chunks.filter((k) => k.direction === 'server').map((k) => k.bytes));
    let seed = 0x2545f491;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let decided = 0;
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(server);
      // Mostly the plaintext head (record and handshake headers, the ServerHello, a TLS 1.2 Certificate), sometimes anywhere.
      for (let flips = 1 + next(3); flips > 0; flips--) bytes[next(4) === 0 ? next(bytes.length) : next(Math.min(bytes.length, 1200))] ^= 1 << next(8);
      const c: Capture = { ...base, chunks: [...base.chunks.filter((k) => k.direction === 'client'), { direction: 'server', timeMs: 1, offset: 0, bytes }] };
      const fast = chainFromServerFlight(c);
      if (fast === undefined) continue;
      decided++;
      expect(fast).toEqual(pipeline(c));
    }
    // Flips in a certificate's DER bytes leave the flight's shape alone: those are still decided here.
    expect(decided).toBeGreaterThan(0);
  });
});
