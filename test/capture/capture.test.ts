// captureHandshake against loopback servers: byte-exact recording, timings, key log, Node's
// summary, and every failure mode resolving (never rejecting) with the right error code.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { captureHandshake, looksNotTls, type CaptureOptions } from '../../src/capture/capture.js';
import { demoCertDir, startDemoServer, type DemoServer } from '../../src/capture/demo-server.js';
import type { Capture } from '../../src/capture/types.js';
import { closedPort, peers, startPeer } from './peers.js';

function stream(capture: Capture, direction: 'client' | 'server'): Buffer {
  return Buffer.concat(capture.chunks.filter((c) => c.direction === direction).map((c) => c.bytes));
}

/** A lookup that answers every name with 127.0.0.1, without touching DNS. */
const loopbackLookup = ((_host: string, opts: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) => {
  if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

const failingLookup = ((_host: string, _opts: unknown, cb: (e: Error | null) => void) => {
  cb(Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' }));
}) as unknown as LookupFunction;

function pemCertsDer(file: string): string[] {
  const pem = readFileSync(demoCertDir() + file, 'utf8');
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).raw.toString('hex'));
}

describe('captureHandshake: successful handshakes', () => {
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemoServer();
  });
  afterAll(async () => {
    await demo.close();
  });
  const base = (o: Partial<CaptureOptions> = {}): CaptureOptions => ({ host: '127.0.0.1', port: demo.port, timeoutMs: 5000, ...o });

  it.each(['1.2', '1.3'] as const)('TLS %s: chunks are ordered, contiguous, and timings are present', async (v) => {
    const c = await captureHandshake(base({ minVersion: v, maxVersion: v }));
    expect(c.error).toBeUndefined();
    expect(c.format).toBe('tls-trace-capture');
    expect(c.node?.protocol).toBe(v === '1.2' ? 'TLSv1.2' : 'TLSv1.3');
    const next = { client: 0, server: 0 };
    let lastTime = 0;
    for (const ch of c.chunks) {
      expect(ch.offset).toBe(next[ch.direction]);
      next[ch.direction] += ch.bytes.length;
      expect(ch.timeMs).toBeGreaterThanOrEqual(lastTime);
      lastTime = ch.timeMs;
    }
    // The client speaks first, with a handshake record (ClientHello); the server answers in kind.
    expect(c.chunks[0].direction).toBe('client');
    expect([stream(c, 'client')[0], stream(c, 'client')[5]]).toEqual([0x16, 0x01]);
    expect([stream(c, 'server')[0], stream(c, 'server')[5]]).toEqual([0x16, 0x02]);
    const t = c.timings;
    expect(t.dnsMs).toBeUndefined(); // IP literal: no lookup
    expect(t.connectMs).toBeGreaterThan(0);
    expect(t.tlsMs).toBeGreaterThan(0);
    expect(t.totalMs).toBeGreaterThanOrEqual((t.connectMs ?? 0) + (t.tlsMs ?? 0));
    expect(c.target).toEqual({ host: '127.0.0.1', port: demo.port, address: '127.0.0.1', family: 4 });
    expect(Date.parse(c.startedAt)).not.toBeNaN();
  });

  it('records Node summary: ALPN, cipher, ephemeral key, the peer chain as DER leaf first', async () => {
    const c = await captureHandshake(base({ alpn: ['h2', 'http/1.1'], maxVersion: '1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384', groups: 'P-256' }));
    expect(c.error).toBeUndefined();
    expect(c.node?.alpn).toBe('h2');
    expect(c.node?.cipher?.standardName).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    expect(c.node?.ephemeralKey).toEqual({ type: 'ECDH', name: 'prime256v1', size: 256 });
    expect(c.node?.peerCertificates).toEqual(pemCertsDer('chain-ecdsa.pem'));
    expect(c.node?.authorized).toBe(false); // the demo root is not in Node's store
    expect(c.node?.sessionReused).toBe(false);
    expect(c.options).toMatchObject({ alpn: ['h2', 'http/1.1'], maxVersion: '1.2', groups: 'P-256', timeoutMs: 5000 });
  });

  it('collects NSS key log lines that belong to this handshake', async () => {
    const c13 = await captureHandshake(base({ minVersion: '1.3' }));
    const random13 = stream(c13, 'client').subarray(11, 43).toString('hex');
    const labels = c13.keylog.map((l) => l.split(' ')[0]).sort();
    expect(labels).toEqual(
      ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'].sort(),
    );
    for (const line of c13.keylog) expect(line.split(' ')[1]).toBe(random13);

    const c12 = await captureHandshake(base({ maxVersion: '1.2' }));
    const random12 = stream(c12, 'client').subarray(11, 43).toString('hex');
    expect(c12.keylog).toHaveLength(1);
    expect(c12.keylog[0]).toMatch(new RegExp(`^CLIENT_RANDOM ${random12} [0-9a-f]{96}$`));
  });

  it('keeps TLS 1.3 NewSessionTickets that arrive after the handshake', async () => {
    // A generous drain bound so a loaded machine cannot make this flaky; the drain still ends as
    // soon as the server goes quiet after its tickets.
    const c = await captureHandshake(base({ minVersion: '1.3', drainMs: 3000 }));
    // After the client's second flight (CCS + Finished), the server sends its tickets (and later
    // its close_notify): at least one server chunk must follow the client's second chunk.
    const clientSecond = c.chunks.filter((ch) => ch.direction === 'client')[1];
    expect(clientSecond).toBeDefined();
    const after = c.chunks.filter((ch) => ch.direction === 'server' && ch.timeMs >= clientSecond.timeMs);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0].bytes[0]).toBe(0x17); // protected record
  });

  it('sends SNI for names (via the injected lookup) and none for IP literals', async () => {
    const seen: Array<string | false | null> = [];
    const server = tls.createServer({ cert: readFileSync(demoCertDir() + 'chain-ecdsa.pem'), key: readFileSync(demoCertDir() + 'leaf-ecdsa.key') }, (s) => {
      seen.push(s.servername);
      s.on('error', () => undefined);
      s.end();
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const byName = await captureHandshake({ host: 'demo.test', port, timeoutMs: 5000, lookup: loopbackLookup });
      expect(byName.error).toBeUndefined();
      expect(byName.target).toMatchObject({ host: 'demo.test', servername: 'demo.test', address: '127.0.0.1', family: 4 });
      expect(byName.timings.dnsMs).toBeGreaterThanOrEqual(0);
      const byIp = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 5000 });
      expect(byIp.target.servername).toBeUndefined();
      const override = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, servername: 'other.test' });
      expect(override.target.servername).toBe('other.test');
      const none = await captureHandshake({ host: 'demo.test', port, timeoutMs: 5000, lookup: loopbackLookup, servername: false });
      expect(none.target.servername).toBeUndefined();
      expect(seen).toEqual(['demo.test', false, 'other.test', false]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('records byte-exactly what the server socket read and wrote', async () => {
    // The server reads until the client's close_notify and then closes too; the capture waits for
    // that close (closeWaitMs), so both totals are final when we compare them.
    const totals: Array<{ read: number; written: number }> = [];
    const closed: Array<Promise<void>> = [];
    const server = tls.createServer({ cert: readFileSync(demoCertDir() + 'chain-rsa.pem'), key: readFileSync(demoCertDir() + 'leaf-rsa.key') }, (s) => {
      s.on('error', () => undefined);
      s.resume();
    });
    server.on('connection', (raw: net.Socket) => {
      closed.push(
        new Promise((resolve) =>
          raw.once('close', () => {
            totals.push({ read: raw.bytesRead, written: raw.bytesWritten });
            resolve();
          }),
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (const v of ['1.2', '1.3'] as const) {
        const c = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, minVersion: v, maxVersion: v, closeWaitMs: 3000 });
        expect(c.error).toBeUndefined();
        await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 3000).unref())]);
        expect(totals).toHaveLength(closed.length);
        const t = totals.at(-1);
        expect(stream(c, 'client').length).toBe(t?.read);
        expect(stream(c, 'server').length).toBe(t?.written);
        // Both ends said goodbye: the last record each way is a protected close_notify alert.
        const last = c.chunks.filter((ch) => ch.direction === 'server').at(-1);
        expect(last?.bytes[0]).toBe(v === '1.3' ? 0x17 : 0x15);
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('moves on to the next resolved address when one refuses', async () => {
    const twoAddresses = ((_h: string, _o: unknown, cb: (e: Error | null, a: unknown) => void) =>
      cb(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as LookupFunction;
    const c = await captureHandshake({ host: 'localhost', port: demo.port, timeoutMs: 5000, lookup: twoAddresses });
    expect(c.error).toBeUndefined();
    expect(c.target).toMatchObject({ host: 'localhost', servername: 'localhost', address: '127.0.0.1', family: 4 });
  });

  it('connects to IPv6 literals (skipped when ::1 is unavailable)', async () => {
    let v6: DemoServer;
    try {
      v6 = await startDemoServer({ host: '::1' });
    } catch {
      return; // no IPv6 loopback on this machine
    }
    try {
      const c = await captureHandshake({ host: '::1', port: v6.port, timeoutMs: 5000 });
      expect(c.error).toBeUndefined();
      expect(c.target).toEqual({ host: '::1', port: v6.port, address: '::1', family: 6 });
    } finally {
      await v6.close();
    }
  });

  it('stops recording at the per-direction capture limit, but not the handshake', async () => {
    // The cap bounds what tls-trace keeps, not the connection: the handshake still completes.
    const c = await captureHandshake(base({ captureLimit: 600, maxVersion: '1.2' }));
    expect(c.error).toBeUndefined();
    expect(c.node?.protocol).toBe('TLSv1.2');
    // 600 bytes end inside the Certificate record: the recording ends after the whole ServerHello
    // record instead, so the decoder never sees a record tls-trace cut in two.
    const server = stream(c, 'server');
    const firstRecord = 5 + server.readUInt16BE(3);
    expect(server[0]).toBe(0x16);
    expect(server.length).toBe(firstRecord);
    expect(firstRecord).toBeLessThan(600);
    expect(c.truncated).toEqual([{ direction: 'server', recordedBytes: firstRecord }]);
  });

  it('reports a server alert when the versions do not overlap', async () => {
    const old = await startDemoServer({ maxVersion: 'TLSv1.2' });
    try {
      const c = await captureHandshake({ host: old.host, port: old.port, timeoutMs: 5000, minVersion: '1.3' });
      expect(c.error?.code).toBe('alert');
      expect(c.error?.message).toMatch(/protocol_version \(70\)/);
      // The alert record itself is in the capture for the decoder: 15 03 0x 00 02 02 46.
      expect(stream(c, 'server').subarray(-2).toString('hex')).toBe('0246');
    } finally {
      await old.close();
    }
  });
});

describe('captureHandshake: failures resolve with an error code and the partial capture', () => {
  it('dns: an injected lookup failure, nothing sent', async () => {
    const c = await captureHandshake({ host: 'nope.invalid', port: 443, timeoutMs: 2000, lookup: failingLookup });
    expect(c.error).toEqual({ code: 'dns', message: 'cannot resolve nope.invalid: no such host' });
    expect(c.chunks).toEqual([]);
    expect(c.target.address).toBeUndefined();
    expect(c.timings.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('dns: a lookup that never answers is cut off by the deadline', async () => {
    const hanging = (() => undefined) as unknown as LookupFunction;
    const c = await captureHandshake({ host: 'slow.test', port: 443, timeoutMs: 200, lookup: hanging });
    // A name that did not resolve in time is a DNS failure (exit 3), not a silent server (5).
    expect(c.error?.code).toBe('dns');
    expect(c.error?.message).toMatch(/DNS lookup of slow.test did not finish within 200 ms/);
  });

  it('refused: nothing listens on the port', async () => {
    const port = await closedPort();
    const c = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(c.error).toEqual({ code: 'refused', message: `connection refused by 127.0.0.1:${port}` });
    expect(c.timings.connectMs).toBeUndefined();
  });

  const cases: Array<[string, keyof typeof peers, string, RegExp]> = [
    ['an HTTP answer', 'http', 'not-tls', /^HTTP\/1\.1 400 Bad Request/],
    ['an SSH banner', 'ssh', 'not-tls', /^SSH-2\.0-OpenSSH/],
    ['a close before anything', 'closeAtOnce', 'closed', /^$/],
    ['a close after the ClientHello', 'closeAfterHello', 'closed', /^$/],
    // eslint-disable-next-line no-control-regex -- raw record bytes
    ['a reset mid-handshake', 'resetAfterHello', 'reset', /^\x16\x03\x03$/],
    // eslint-disable-next-line no-control-regex -- raw record bytes
    ['a plaintext fatal alert', 'fatalAlert', 'alert', /^\x15\x03\x03\x00\x02\x02\x28$/],
  ];
  it.each(cases)('%s → %s', async (_name, peer, code, serverBytes) => {
    const p = await startPeer(peers[peer]);
    try {
      const c = await captureHandshake({ host: '127.0.0.1', port: p.port, timeoutMs: 5000 });
      expect(c.error?.code).toBe(code);
      expect(stream(c, 'server').toString('latin1')).toMatch(serverBytes);
      expect(c.node).toBeUndefined();
      if (peer !== 'closeAtOnce' && peer !== 'ssh') expect(stream(c, 'client')[0]).toBe(0x16); // the ClientHello was sent
      if (code === 'alert') expect(c.error?.message).toMatch(/^server sent fatal alert handshake_failure \(40\)/);
    } finally {
      await p.close();
    }
  });

  it('timeout: a server that accepts and never answers', async () => {
    const p = await startPeer(peers.silent);
    try {
      const c = await captureHandshake({ host: '127.0.0.1', port: p.port, timeoutMs: 300 });
      expect(c.error?.code).toBe('timeout');
      expect(c.error?.message).toBe(`no answer from 127.0.0.1:${p.port} within 300 ms`);
      expect(stream(c, 'client')[0]).toBe(0x16);
      expect(stream(c, 'server').length).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('timeout: a peer dripping one byte every 100 ms is cut at the overall deadline', async () => {
    const p = await startPeer(peers.drip);
    try {
      const started = Date.now();
      const c = await captureHandshake({ host: '127.0.0.1', port: p.port, timeoutMs: 700 });
      // The drip would go on forever; only the deadline can have ended the capture.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(c.error?.code).toBe('timeout');
      expect(c.error?.message).toMatch(/did not complete within 700 ms \(\d+ bytes received\)/);
      const server = stream(c, 'server');
      expect(server.subarray(0, 10).toString('hex')).toBe('16030300460200004203');
      expect(server.length).toBeGreaterThan(10); // some dripped bytes were recorded
    } finally {
      await p.close();
    }
  });

  it('bad option values resolve as tls errors instead of throwing', async () => {
    const c = await captureHandshake({ host: '127.0.0.1', port: await closedPort(), timeoutMs: 2000, ciphers: 'NO-SUCH-CIPHER' });
    expect(c.error?.code).toBe('refused'); // connect fails before the option is used
    const demo = await startDemoServer();
    try {
      const d = await captureHandshake({ host: demo.host, port: demo.port, timeoutMs: 2000, ciphers: 'NO-SUCH-CIPHER' });
      expect(d.error).toEqual({ code: 'tls', message: 'no cipher match' });
    } finally {
      await demo.close();
    }
  });
});

describe('looksNotTls', () => {
  it.each([
    ['160303', false],
    ['15030300020228', false],
    ['16', false],
    ['1604', true], // major version 4 does not exist
    ['485454502f312e31', true], // "HTTP/1.1"
    ['5353482d', true], // "SSH-"
    ['32323020', true], // "220 "
    ['00', true],
    ['8046', false], // could be an SSL 2.0 header: leave it to OpenSSL and the decoder
    ['', false],
  ])('%s → %s', (hex, expected) => {
    expect(looksNotTls(Buffer.from(hex, 'hex'))).toBe(expected);
  });
});

describe('captureHandshake: client certificates', () => {
  const dir = demoCertDir();
  const serverOpts = { cert: readFileSync(dir + 'chain-rsa.pem'), key: readFileSync(dir + 'leaf-rsa.key'), requestCert: true };

  async function withServer<T>(opts: tls.TlsOptions, fn: (port: number, peers: Array<tls.PeerCertificate | null>) => Promise<T>): Promise<T> {
    const seen: Array<tls.PeerCertificate | null> = [];
    const server = tls.createServer(opts, (s) => {
      const cert = s.getPeerCertificate();
      seen.push(cert && cert.subject ? cert : null);
      s.on('error', () => undefined);
      s.resume();
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      return await fn((server.address() as net.AddressInfo).port, seen);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  it('offers the given certificate when the server asks', async () => {
    const clientCert = { cert: readFileSync(dir + 'leaf-ecdsa.pem', 'utf8'), key: readFileSync(dir + 'leaf-ecdsa.key', 'utf8') };
    await withServer({ ...serverOpts, rejectUnauthorized: false }, async (port, seen) => {
      const c = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, clientCert });
      expect(c.error).toBeUndefined();
      expect(c.options.clientCert).toBe(true);
      expect(seen[0]?.subject.CN).toBe('localhost');
    });
  });

  it('TLS 1.3: a server that rejects the missing certificate after the handshake is an alert failure', async () => {
    await withServer({ ...serverOpts, rejectUnauthorized: true }, async (port) => {
      const c = await captureHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, minVersion: '1.3' });
      expect(c.error?.code).toBe('alert');
      expect(c.error?.message).toMatch(/^server sent fatal alert certificate_required \(116\) after the handshake/);
      expect(c.node?.protocol).toBe('TLSv1.3'); // the handshake itself did complete
    });
  });
});
