// The scan engine's parts without a real TLS server: elimination and preference against a model
// server, the first-flight reader on hand-made bytes, the prober's retry on resets, findings.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import net from 'node:net';
import { eliminate, eliminateChunked, preferenceOf } from '../../src/scan/elimination.js';
import { readFirstFlight } from '../../src/scan/first-flight.js';
import { Prober } from '../../src/scan/probe.js';
import { deriveFindings } from '../../src/scan/findings.js';
import { suiteCandidates } from '../../src/scan/candidates.js';
import type { ScanResult } from '../../src/scan/types.js';
import { emptyScanResult } from './helpers.js';

/** A model server: accepts `supported`; picks by its own order or by the offer's. */
function modelServer(supported: number[], serverOrder: boolean): { round: (offer: readonly number[]) => Promise<number | undefined>; calls: () => number } {
  let calls = 0;
  return {
    round: async (offer) => {
      calls++;
      if (serverOrder) return supported.find((s) => offer.includes(s));
      return offer.find((s) => supported.includes(s));
    },
    calls: () => calls,
  };
}

describe('elimination', () => {
  it('finds exactly the accepted values in server order, with accepted + 1 rounds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { maxLength: 40 }), fc.boolean(), async (supported, serverOrder) => {
        const candidates = Array.from({ length: 501 }, (_, i) => 500 - i);
        const model = modelServer(supported, serverOrder);
        const found = await eliminate(candidates, model.round);
        const expected = serverOrder ? supported : candidates.filter((c) => supported.includes(c));
        expect(found).toEqual(expected);
        expect(model.calls()).toBe(supported.length + 1);
        expect(await preferenceOf(found, model.round)).toBe(found.length < 2 ? (found.length ? 'single' : undefined) : serverOrder ? 'server' : 'client');
      }),
      { numRuns: 60 },
    );
  });

  it('chunked elimination ends in the same global order', async () => {
    const supported = [9, 3, 27, 14, 1, 22];
    const model = modelServer(supported, true);
    const found = await eliminateChunked(Array.from({ length: 30 }, (_, i) => i), 7, model.round);
    expect(found).toEqual(supported);
  });
});

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** A TLS 1.2 ServerHello (suite 0xc02f, renegotiation_info, EMS, ALPN "h2") and ServerHelloDone. */
const SERVER_HELLO_12 =
  '160303' + '004e' + // record
  '02' + '00004a' + '0303' + '11'.repeat(24) + '444f574e47524401' + // random with the TLS 1.2 sentinel
  '00' + 'c02f' + '00' + '0022' +
  'ff01' + '0001' + '00' + '0017' + '0000' + '0010' + '0005' + '0003026832' + '000b' + '0004' + '03000102' + '0023' + '0000' + '0016' + '0000';
const DONE = '16030300040e000000';

describe('first-flight reader (through the shared decoder)', () => {
  it('reads a TLS 1.2 ServerHello and waits for ServerHelloDone in full-flight mode', () => {
    const sh = readFirstFlight(hex(SERVER_HELLO_12), { fullFlight: true });
    expect(sh.complete).toBe(false);
    expect(sh.serverHello).toMatchObject({
      version: 0x0303,
      cipherSuite: 0xc02f,
      alpn: 'h2',
      secureRenegotiation: true,
      downgradeSentinel: 'tls12',
      helloRetryRequest: false,
    });
    expect(sh.serverHello?.extensionTypes).toEqual([0xff01, 0x17, 0x10, 0x0b, 0x23, 0x16]);
    expect(readFirstFlight(hex(SERVER_HELLO_12), {}).complete).toBe(true);
    const full = readFirstFlight(hex(SERVER_HELLO_12 + DONE), { fullFlight: true });
    expect(full.complete).toBe(true);
    expect(full.serverHelloDone).toBe(true);
  });

  it('never completes on a prefix, and completes on the whole flight', () => {
    const bytes = hex(SERVER_HELLO_12 + DONE);
    for (let n = 0; n < bytes.length; n++) {
      const r = readFirstFlight(bytes.subarray(0, n), { fullFlight: true });
      expect([n, r.complete]).toEqual([n, false]);
    }
  });

  it('reports an alert', () => {
    expect(readFirstFlight(hex('15030300020246'))).toEqual({ complete: true, alert: { level: 2, description: 70 } });
  });

  it('recognises an SSL 2.0 SERVER-HELLO and non-TLS bytes', () => {
    // len 0x0013: type 4, hit 0, cert type 1, version 0002, cert len 0, specs len 3, conn id len 0, spec 010080
    const v2 = readFirstFlight(hex('8010' + '04' + '00' + '01' + '0002' + '0000' + '0003' + '0010' + '010080' + '00'.repeat(16)).subarray(0, 2 + 0x10));
    expect(v2.sslv2?.version).toBe(2);
    expect(readFirstFlight(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')).notTls).toBe(true);
  });
});

describe('prober', () => {
  let server: net.Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    // Resets the first connection (as a rate-limiting server might), answers later ones with an alert.
    server = net.createServer((s) => {
      connections++;
      if (connections === 1) s.resetAndDestroy();
      else s.resume().end(hex('15030300020228'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries a reset with backoff and counts it', async () => {
    const prober = new Prober({ address: '127.0.0.1', port }, { concurrency: 2, timeoutMs: 2000, backoffMs: 5 });
    const r = await prober.probe(hex('16030100010100'));
    expect(r.attempts).toBe(2);
    expect(r.flight.alert).toEqual({ level: 2, description: 40 });
    expect(prober.stats).toMatchObject({ probes: 2, retries: 1, resets: 1 });
  });

  it('reports a refused connection without retrying when nothing ever connected', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const prober = new Prober({ address: '127.0.0.1', port: deadPort }, { concurrency: 1, timeoutMs: 2000 });
    const r = await prober.probe(hex('16030100010100'));
    expect(r).toMatchObject({ end: 'connect-failed', errorCode: 'ECONNREFUSED', attempts: 1 });
  });

  it('gives a free slot to a waiting chain round before one-off questions, each kind in arrival order', async () => {
    const prober = new Prober({ address: '127.0.0.1', port: 1 }, { concurrency: 1, timeoutMs: 2000 });
    const started: string[] = [];
    let release = (): void => undefined;
    const busy = prober.limit(() => new Promise<void>((r) => (release = r)));
    const job = (name: string) => async (): Promise<void> => void started.push(name);
    const queued = [
      prober.limit(job('one-off 1')),
      prober.limit(job('chain 1'), 'chain'),
      prober.limit(job('one-off 2'), 'one-off'),
      prober.limit(job('chain 2'), 'chain'),
    ];
    expect(started).toEqual([]);
    release();
    await Promise.all([busy, ...queued]);
    expect(started).toEqual(['chain 1', 'chain 2', 'one-off 1', 'one-off 2']);
  });
});

const emptyResult = (): ScanResult => emptyScanResult({ secureRenegotiation: true, fallbackScsv: 'protected', compression: [] });

describe('findings', () => {
  it('flags RC4, 3DES, EXPORT, SSL 3.0, no forward secrecy, compression and missing fallback protection', () => {
    const r = emptyResult();
    r.versions = [
      { version: 0x0300, supported: true, suites: [{ code: 0x0005 }, { code: 0x000a }, { code: 0x0003 }] },
      { version: 0x0303, supported: true, suites: [{ code: 0x0035 }] },
    ];
    r.features.fallbackScsv = 'not-protected';
    r.features.compression = [1];
    const ids = deriveFindings(r).map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining(['ssl3-enabled', 'rc4-suites', '3des-suites', 'export-suites', 'no-forward-secrecy', 'no-tls13', 'tls-compression', 'no-fallback-scsv', 'cbc-only']),
    );
    expect(ids).not.toContain('null-suites');
  });

  it('is quiet for a modern TLS 1.3 + 1.2 ECDHE/AEAD server', () => {
    const r = emptyResult();
    r.versions = [
      { version: 0x0303, supported: true, suites: [{ code: 0xc02f, group: 0x1d }] },
      { version: 0x0304, supported: true, suites: [{ code: 0x1301 }] },
    ];
    r.features.downgradeSentinel = 'present';
    expect(deriveFindings(r)).toEqual([]);
  });

  it('flags weak certificate keys and SHA-1 signatures', () => {
    const r = emptyResult();
    r.versions = [{ version: 0x0304, supported: true, suites: [{ code: 0x1301 }] }];
    r.certificates = [
      {
        fingerprint256: '',
        subject: 'CN=old',
        issuer: '',
        serial: '01',
        publicKey: { type: 'rsa', bits: 1024, label: 'RSA 1024' },
        signatureAlgorithm: { oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption', hash: 'sha1' },
        notBefore: '',
        notAfter: '',
        san: { dns: [], ip: [], email: [], uri: [] },
        chainLength: 1,
        servedFor: [],
      },
    ];
    expect(deriveFindings(r).map((f) => f.id)).toEqual(['weak-key', 'weak-signature']);
  });
});

describe('candidates', () => {
  it('offers every registry suite valid for the version, without signalling values', () => {
    const tls12 = suiteCandidates(0x0303);
    const tls10 = suiteCandidates(0x0301);
    expect(tls12.length).toBeGreaterThan(300);
    expect(tls12).not.toContain(0x00ff);
    expect(tls12).not.toContain(0x5600);
    expect(tls12).toContain(0xc02f);
    expect(tls10).toContain(0x002f);
    expect(tls10).not.toContain(0xc02f); // GCM is TLS 1.2 only
    expect(tls10).not.toContain(0x003c); // SHA-256 MAC is TLS 1.2 only
    expect(suiteCandidates(0x0304)).toEqual(expect.arrayContaining([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]));
    // Strongest first: forward-secret AEAD before static RSA CBC before NULL.
    expect(tls12.indexOf(0xc030)).toBeLessThan(tls12.indexOf(0x0035));
    expect(tls12.indexOf(0x0035)).toBeLessThan(tls12.indexOf(0x0001));
  });
});
