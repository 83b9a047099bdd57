// check's own TLS 1.3 first flight (src/check/own-flight13.ts) in place of Node's handshake. Held
// to Node's: against real servers (Node, OpenSSL with a staple, nginx, GnuTLS) the fetched chain,
// staple and protocol equal those of check's Node-only path (fetchChainViaNode) on the same server;
// what it cannot judge itself (a TLS 1.2 server, a HelloRetryRequest, a CertificateRequest) is
// declined and Node answers, with the same result; and a flight whose CertificateVerify or Finished
// was altered (re-sealed with the server's keys, so the records still open) is declined, never
// judged, so a server whose key does not match its certificate still fails as with Node.

import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { captureHandshake } from '../../src/capture/capture.js';
import type { CaptureOptions, OwnHandshake, OwnHandshakeStep } from '../../src/capture/options.js';
import { fetchChain, fetchChainViaNode, type FetchedChain } from '../../src/check/fetch-chain.js';
import { EndpointMemo, flightJudge, ownFlight13 } from '../../src/check/own-flight13.js';
import { decodeStream, splitRecords } from '../../src/decode/index.js';
import type { ClientHello } from '../../src/decode/model.js';
import type { Capture } from '../../src/capture/types.js';
import { parseKeyLog, KeyLogLabel } from '../../src/decrypt/index.js';
import { openTls13Record, sealTls13Record } from '../../src/decrypt/record-protection.js';
import { tls13SuiteCrypto } from '../../src/decrypt/suites.js';
import { trafficKeys } from '../../src/decrypt/tls13.js';
import { Group, Version } from '../../src/registry/index.js';
import { makeHello } from '../../src/scan/hello.js';
import { signatureSchemeCandidates } from '../../src/scan/candidates.js';
import { HAPPY_SCRIPTS, startScriptedServer } from '../helpers/starttls-fake.js';
import { startFakeProxy, tunnelTo } from '../helpers/proxies.js';
import { demoCerts, describeWithTools, startGnutlsServer, startNginx, startNodeTlsServer, startOpensslServer, keptServers } from '../helpers/servers.js';

/** An OCSPResponse of status tryLater (RFC 6960 §4.2.1): bytes a server staples, not judged here. */
const STAPLE = Buffer.from('30030a0103', 'hex');

/** Servers started by this file, closed after its tests. */
const keep = keptServers();

/** What the tests' own hellos offer (makeHello's default schemes, every TLS 1.3 suite the tests use). */
const OFFER = { suites: [0x1301, 0x1302, 0x1303], sigs: signatureSchemeCandidates(), alpn: [] as string[] };

const optsFor = (port: number): CaptureOptions => ({ host: '127.0.0.1', port, servername: 'localhost', timeoutMs: 20_000, requestOcsp: true });
const withoutTime = ({ durationMs: _d, ...rest }: FetchedChain): Omit<FetchedChain, 'durationMs'> => rest;

/** The capture check's own flight makes on its own (no fallback), with the chain it handed over. */
async function ownCapture(port: number, extra: Partial<CaptureOptions> = {}): Promise<{ error?: string; protocol?: string; clientChunks: number; chain?: string[] }> {
  let chain: string[] | undefined;
  const o = { ...optsFor(port), ...extra };
  const c = await captureHandshake({ ...o, drainMs: 0, ownHandshake: ownFlight13(o, (got) => (chain = got.certificates)) });
  return { ...(c.error ? { error: c.error.code } : {}), ...(c.node?.protocol ? { protocol: c.node.protocol } : {}), clientChunks: c.chunks.filter((k) => k.direction === 'client').length, ...(chain ? { chain } : {}) };
}

/** Both paths on one server: equal results, and whether the own flight took it alone. */
async function compare(port: number, ownAlone: boolean, protocol = 'TLSv1.3'): Promise<FetchedChain> {
  const own = await fetchChain(optsFor(port));
  const node = await fetchChainViaNode(optsFor(port));
  expect(node.error).toBeUndefined();
  expect(node.protocol).toBe(protocol);
  expect(withoutTime(own)).toEqual(withoutTime(node));
  const alone = await ownCapture(port);
  if (ownAlone) {
    expect(alone).toEqual({ protocol: 'TLSv1.3', clientChunks: 1, chain: own.certificates });
  } else expect(alone.error).toBe('declined');
  return own;
}

describe('the hello: what Node\'s client offers a TLS 1.3 server', () => {
  /** The first ClientHello in a capture's client bytes, decoded by the shared decoder. */
  function helloOf(c: Capture): ClientHello {
    const bytes = Buffer.concat(c.chunks.filter((k) => k.direction === 'client').map((k) => k.bytes));
    for (const m of decodeStream('client', bytes).messages) if (m.kind === 'handshake' && m.body?.type === 'client_hello') return m.body;
    throw new Error('no ClientHello');
  }
  const info = (h: ClientHello, kind: string): unknown => h.extensions.find((e) => e.info?.kind === kind)?.info;

  test('the same TLS 1.3 suites, groups, key share group, signature schemes, SNI, ALPN and status_request as Node\'s own hello (a Node upgrade that changes them fails here)', async () => {
    const s = await keep(startNodeTlsServer({ ...demoCerts().ecdsa }));
    const o = { ...optsFor(s.port), drainMs: 0, alpn: ['h2'] };
    const node = helloOf(await captureHandshake(o));
    const own = helloOf(await captureHandshake({ ...o, ownHandshake: ownFlight13(o, () => undefined) }));
    expect(own.cipherSuites).toEqual(node.cipherSuites.filter((c) => c >> 8 === 0x13));
    for (const kind of ['supported_groups', 'signature_algorithms', 'server_name', 'status_request', 'alpn', 'psk_key_exchange_modes']) {
      expect(info(own, kind)).toBeDefined();
      expect(info(own, kind)).toEqual(info(node, kind));
    }
    const groupsOfShares = (h: ClientHello): number[] => (info(h, 'key_share') as { shares: Array<{ group: number }> }).shares.map((x) => x.group);
    expect(groupsOfShares(own)).toEqual(groupsOfShares(node));
    expect((info(own, 'supported_versions') as { versions: number[] }).versions).toEqual([Version.TLS13]);
  });
});

describe('real servers: the chain Node\'s handshake gives, from check\'s own flight', () => {
  test.each(['ecdsa', 'rsa'] as const)('Node server (%s) stapling an OCSP response', async (kind) => {
    const server = tls.createServer({ ...demoCerts()[kind] }, (sock) => sock.end());
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (err: Error | null, resp?: Buffer) => void) => done(null, STAPLE));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const got = await compare((server.address() as AddressInfo).port, true);
      expect(got.ocspResponse).toBe(STAPLE.toString('hex'));
      expect(got.decrypted).toBe(true);
    } finally {
      server.close();
    }
  });

  test('Node server with ALPN required: the same protocol offered, the same answer', async () => {
    const s = await keep(startNodeTlsServer({ ALPNProtocols: ['h2'] }));
    const own = await fetchChain({ ...optsFor(s.port), alpn: ['h2', 'http/1.1'] });
    const node = await fetchChainViaNode({ ...optsFor(s.port), alpn: ['h2', 'http/1.1'] });
    expect(withoutTime(own)).toEqual(withoutTime(node));
  });
});

describe('before TLS: a STARTTLS dialogue, a proxy\'s tunnel', () => {
  test('SMTP STARTTLS (a scripted server upgrading to Node\'s TLS): the own flight after the go-ahead, the same chain as Node\'s', async () => {
    const s = await startScriptedServer(HAPPY_SCRIPTS.smtp);
    try {
      const o = { ...optsFor(s.port), starttls: 'smtp' as const };
      const alone = await ownCapture(s.port, { starttls: 'smtp' });
      expect(alone.protocol).toBe('TLSv1.3');
      expect(alone.error).toBeUndefined();
      expect(withoutTime(await fetchChain(o))).toEqual(withoutTime(await fetchChainViaNode(o)));
    } finally {
      await s.close();
    }
  });

  test('through an HTTP CONNECT tunnel: the own flight, the same chain as Node\'s', async () => {
    const target = await keep(startNodeTlsServer({ ...demoCerts().ecdsa }));
    const proxy = await startFakeProxy(tunnelTo(target.port));
    try {
      const route = { proxy: { host: '127.0.0.1', port: proxy.port } };
      const o = { ...optsFor(target.port), route };
      const alone = await ownCapture(target.port, { route });
      expect(alone).toMatchObject({ protocol: 'TLSv1.3', clientChunks: 1 });
      const own = await fetchChain(o);
      expect(own.proxy).toBe(`127.0.0.1:${proxy.port}`);
      expect(withoutTime(own)).toEqual(withoutTime(await fetchChainViaNode(o)));
    } finally {
      await proxy.close();
    }
  });
});

describeWithTools('openssl')('openssl s_server', () => {
  test('TLS 1.3 with a stapled OCSP response: own flight', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tls-trace-own-')), 'staple.der');
    writeFileSync(file, STAPLE);
    const s = await keep(startOpensslServer(['-tls1_3', '-status_file', file]));
    expect((await compare(s.port, true)).ocspResponse).toBe(STAPLE.toString('hex'));
  });

  test.each([
    ['TLS 1.2 only', ['-tls1_2'], 'TLSv1.2'],
    ['TLS 1.3 with P-256 only (a HelloRetryRequest for our x25519 share)', ['-tls1_3', '-groups', 'P-256'], 'TLSv1.3'],
    ['TLS 1.3 asking for a client certificate', ['-tls1_3', '-verify', '1'], 'TLSv1.3'],
  ])('%s: declined, and Node\'s handshake gives the result', async (_name, args, protocol) => {
    const s = await keep(startOpensslServer(args));
    await compare(s.port, false, protocol);
  });
});

describeWithTools('nginx')('nginx', () => {
  test('TLS 1.3', async () => {
    const s = await keep(startNginx('ssl_protocols TLSv1.2 TLSv1.3;'));
    await compare(s.port, true);
  });
});

describeWithTools('gnutls-serv')('gnutls-serv', () => {
  test('TLS 1.3', async () => {
    const s = await keep(startGnutlsServer(['--disable-client-cert']));
    await compare(s.port, true);
  });

  test('TLS 1.3 asking for an optional client certificate (its default): declined, Node answers', async () => {
    const s = await keep(startGnutlsServer());
    await compare(s.port, false);
  });
});

/** Sends `judge.hello` to `port` and reads the server's bytes until the judge is done. */
function exchange(port: number, judge: OwnHandshake): Promise<{ server: Buffer; step: OwnHandshakeStep }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(judge.hello));
    let server = Buffer.alloc(0);
    sock.on('data', (b: Buffer) => {
      server = Buffer.concat([server, b]);
      const step = judge.read(server);
      if (step.step === 'more') return;
      sock.destroy();
      resolve({ server, step });
    });
    sock.on('error', reject);
  });
}

/**
 * The server's flight with `alter` applied to its handshake plaintext, re-sealed as one record under
 * the server's handshake keys (from the key log the judge produced): the records open, the
 * messages decode, only the altered bytes differ.
 */
function altered(server: Buffer, keylog: string[], alter: (plain: Buffer) => void): Buffer {
  const split = splitRecords(server).records;
  const secret = [...parseKeyLog(keylog).byClientRandom.values()][0].get(KeyLogLabel.serverHandshake)!;
  const hello = split[0];
  const suiteCode = server.readUInt16BE(hello.bodyOffset + 4 + 2 + 32 + 1 + server[hello.bodyOffset + 4 + 2 + 32]);
  const suite = tls13SuiteCrypto(suiteCode)!;
  const keys = trafficKeys(suite.hash, Buffer.from(secret, 'hex'), suite.keyLength, 12);
  const plain: Buffer[] = [];
  const kept: Buffer[] = [];
  let seq = 0n;
  for (const r of split) {
    const whole = server.subarray(r.offset, r.bodyOffset + r.bodyLength);
    if (r.contentType !== 23) {
      kept.push(whole);
      continue;
    }
    const opened = openTls13Record(suite, keys, seq++, server.subarray(r.offset, r.bodyOffset), server.subarray(r.bodyOffset, r.bodyOffset + r.bodyLength));
    if (!opened.ok) throw new Error(opened.reason);
    plain.push(opened.plaintext);
  }
  const all = Buffer.concat(plain);
  alter(all);
  return Buffer.concat([...kept, sealTls13Record(suite, keys, 0n, 22, all)]);
}

/** Offset of the first handshake message of `type` in the handshake plaintext. */
function messageAt(plain: Buffer, type: number): { start: number; end: number } {
  for (let at = 0; at + 4 <= plain.length; ) {
    const end = at + 4 + plain.readUIntBE(at + 1, 3);
    if (plain[at] === type) return { start: at, end };
    at = end;
  }
  throw new Error(`no message of type ${type}`);
}

describe('an altered flight is declined (Node would refuse it)', () => {
  test.each(['ecdsa', 'rsa'] as const)('%s: CertificateVerify signature, Finished; the unaltered re-sealed flight completes', async (kind) => {
    const s = await keep(startNodeTlsServer({ ...demoCerts()[kind] }));
    const hello = makeHello({ version: Version.TLS13, suites: [0x1301], shares: [Group.x25519], sni: 'localhost' });
    const first = await exchange(s.port, flightJudge(hello, OFFER, () => undefined));
    expect(first.step.step).toBe('complete');
    const keylog = first.step.step === 'complete' ? first.step.keylog : [];
    const judged = (bytes: Buffer): OwnHandshakeStep => flightJudge(hello, OFFER, () => undefined).read(bytes);
    expect(judged(altered(first.server, keylog, () => undefined)).step).toBe('complete');
    const badSignature = judged(altered(first.server, keylog, (p) => void (p[messageAt(p, 15).end - 1] ^= 1)));
    expect(badSignature).toMatchObject({ step: 'declined' });
    const badFinished = judged(altered(first.server, keylog, (p) => void (p[messageAt(p, 20).end - 1] ^= 1)));
    expect(badFinished).toEqual({ step: 'declined', why: "the server's Finished does not match the transcript" });
    // A flight that verifies but answers outside the offer: a suite or a signature scheme not offered.
    expect(flightJudge(hello, { ...OFFER, suites: [0x1302] }, () => undefined).read(first.server)).toEqual({ step: 'declined', why: 'the server chose suite 0x1301, which was not offered' });
    const withoutScheme = flightJudge(hello, { ...OFFER, sigs: OFFER.sigs.filter((x) => x !== 0x0403 && x !== 0x0804) }, () => undefined).read(first.server);
    expect(withoutScheme).toMatchObject({ step: 'declined', why: expect.stringMatching(/^the CertificateVerify uses scheme 0x(403|804), which was not offered$/) });
    // A record that does not open at all.
    const flipped = Buffer.from(first.server);
    flipped[flipped.length - 2] ^= 1;
    expect(judged(flipped)).toMatchObject({ step: 'declined' });
  });
});

describe('failures read as they did with Node alone', () => {
  /** A plain TCP server that does `onConnection` with each connection. */
  async function rawServer(onConnection: (sock: net.Socket) => void): Promise<{ port: number; close: () => void }> {
    const server = net.createServer((sock) => {
      sock.on('error', () => undefined);
      onConnection(sock);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, close: () => server.close() };
  }

  test('declined, then Node\'s retry runs out of time: the message names the target\'s --timeout, and the hang-up is not remembered', async () => {
    let n = 0;
    const s = await rawServer((sock) => {
      // Each own hello (the first two connections) is dropped after a while; Node's retry meets silence.
      if (n++ < 2) setTimeout(() => sock.destroy(), 150);
    });
    try {
      const memo = new EndpointMemo(10);
      let key: string | undefined;
      const o = { ...optsFor(s.port), timeoutMs: 600 };
      const own = await captureHandshake({ ...o, ownHandshake: (sni, endpoint) => ((key = `${endpoint} sni=${sni ?? ''}`), ownFlight13(o, () => undefined, memo)(sni, endpoint)) });
      expect(own.error?.code).toBe('declined');
      expect(memo.has(key!)).toBe(false);
      const fetched = await fetchChain({ ...optsFor(s.port), timeoutMs: 600 });
      expect(fetched.error).toEqual({ code: 'timeout', message: `no answer from 127.0.0.1:${s.port} within 600 ms` });
      expect(n).toBe(3);
    } finally {
      s.close();
    }
  });

  test.each([
    ['half a record, then silence (the deadline: the bytes received are counted)', (sock: net.Socket) => sock.write(Buffer.from([22, 3, 3, 0, 80, 2, 0]))],
    ['a hang-up at once', (sock: net.Socket) => sock.end()],
    ['bytes that are not TLS', (sock: net.Socket) => sock.end('HTTP/1.1 400 Bad Request\r\n\r\n')],
  ])('%s', async (_name, onConnection) => {
    const s = await rawServer(onConnection);
    try {
      const o = { ...optsFor(s.port), timeoutMs: 400 };
      const own = await fetchChain(o);
      const node = await fetchChainViaNode(o);
      expect(own.error).toBeDefined();
      expect(own.error).toEqual(node.error);
      expect(own.serverBytes).toBe(node.serverBytes);
    } finally {
      s.close();
    }
  });
});

describe('a mutated flight (a seeded loop): never an exception, and never a chain other than the server\'s', () => {
  test.each(['ecdsa', 'rsa'] as const)('%s', async (kind) => {
    const s = await keep(startNodeTlsServer({ ...demoCerts()[kind] }));
    const hello = makeHello({ version: Version.TLS13, suites: [0x1301, 0x1302, 0x1303], shares: [Group.x25519], sni: 'localhost' });
    let served: string[] | undefined;
    const first = await exchange(s.port, flightJudge(hello, OFFER, (c) => (served = c.certificates)));
    expect(first.step.step).toBe('complete');
    let seed = 0x1badb002;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const steps = { more: 0, declined: 0, complete: 0 };
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(first.server);
      // The first round is the flight as sent: the control that completes.
      const cut = i > 0 && next(4) === 0 ? next(bytes.length) : bytes.length;
      for (let k = i === 0 ? 0 : 1 + next(3); k > 0; k--) bytes[next(bytes.length)] ^= 1 + next(255);
      let chain: string[] | undefined;
      const step = flightJudge(hello, OFFER, (c) => (chain = c.certificates)).read(bytes.subarray(0, cut));
      steps[step.step]++;
      if (step.step === 'complete') expect(chain).toEqual(served);
    }
    // The loop reached each outcome it can: most mutations are declined or leave the flight unfinished.
    expect(steps.declined).toBeGreaterThan(100);
    expect(steps.complete).toBeGreaterThanOrEqual(1);
  });
});

test('a judge that throws: the capture is declined with the reason (the process goes on, Node answers in fetchChain)', async () => {
  const s = await keep(startNodeTlsServer({ ...demoCerts().ecdsa }));
  const o = optsFor(s.port);
  const hello = makeHello({ version: Version.TLS13, suites: [0x1301], shares: [Group.x25519], sni: 'localhost' });
  const c = await captureHandshake({
    ...o,
    ownHandshake: () => ({
      hello,
      read: () => {
        throw new Error('judge bug');
      },
    }),
  });
  expect(c.error).toEqual({ code: 'declined', message: 'own handshake failed: judge bug' });
});
