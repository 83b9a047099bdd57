// The hand-built TLS 1.3 handshake (src/scan/handshake13.ts) against a scripted TLS 1.3 server that
// derives real keys (x25519, TLS_AES_128_GCM_SHA256) and sends the flight the case asks for: the
// messages in any order, a CertificateVerify signed or not. A flight that does not prove the
// scheme (no valid signature before the Finished) must never come back `complete`.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCipheriv, createPublicKey, createSign, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { digest } from '../../src/decrypt/hkdf.js';
import { perRecordNonce } from '../../src/decrypt/record-protection.js';
import { trafficKeys, verifyData13 } from '../../src/decrypt/tls13.js';
import { ScanContext } from '../../src/scan/context.js';
import { handshake13 } from '../../src/scan/handshake13.js';
import { earlySecret, handshakeSecrets } from '../../src/scan/tls13-wire.js';
import { certificateBody, demoEcdsaChain, handshake } from '../decrypt/helpers/compressed-flight.js';
import { demoPaths } from '../helpers/servers.js';

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), u16(body.length), body]);
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

/** The ClientHello message (header included), its session id and its x25519 share, from one record. */
function readHello(record: Buffer): { message: Buffer; sessionId: Buffer; share: Buffer } | undefined {
  if (record.length < 5 || record.length < 5 + record.readUInt16BE(3)) return undefined;
  const message = record.subarray(5, 5 + record.readUInt16BE(3));
  let at = 4 + 2 + 32;
  const sessionId = message.subarray(at + 1, at + 1 + message[at]);
  at += 1 + message[at];
  at += 2 + message.readUInt16BE(at);
  at += 1 + message[at];
  const end = at + 2 + message.readUInt16BE(at);
  for (at += 2; at < end; at += 4 + message.readUInt16BE(at + 2)) {
    if (message.readUInt16BE(at) !== 51) continue;
    for (let s = at + 6; s < at + 4 + message.readUInt16BE(at + 2); s += 4 + message.readUInt16BE(s + 2)) {
      if (message.readUInt16BE(s) === 0x001d) return { message, sessionId, share: message.subarray(s + 4, s + 4 + message.readUInt16BE(s + 2)) };
    }
  }
  return undefined;
}

type Message = 'ee' | 'certificate' | 'certificate_verify' | 'finished';

interface Script {
  order: Message[];
  /** Sign the CertificateVerify with the demo ECDSA key; false sends 72 random bytes. */
  sign: boolean;
  /** Changes the ServerHello message or the protected plaintext after both were made (and the keys derived). */
  mutate?: { serverHello?: (b: Buffer) => Buffer; plaintext?: (b: Buffer) => Buffer };
  /** Sends the flight in two writes, the second starting this many bytes into the protected record. */
  splitAt?: number;
}

/** The server's answer to `hello`: ServerHello, then the scripted messages sealed in one record. */
function flight(clientHello: NonNullable<ReturnType<typeof readHello>>, script: Script): Buffer {
  const own = generateKeyPairSync('x25519');
  const ownShare = own.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const shared = diffieHellman({ privateKey: own.privateKey, publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, clientHello.share]), format: 'der', type: 'spki' }) });
  const exts = Buffer.concat([ext(43, u16(0x0304)), ext(51, Buffer.concat([u16(0x001d), u16(32), ownShare]))]);
  const sh = handshake(2, Buffer.concat([u16(0x0303), randomBytes(32), Buffer.from([clientHello.sessionId.length]), clientHello.sessionId, u16(0x1301), Buffer.from([0]), u16(exts.length), exts]));
  const secrets = handshakeSecrets('sha256', earlySecret('sha256'), clientHello.message, sh, shared);
  const transcript: Buffer[] = [clientHello.message, sh];
  const sent: Buffer[] = [];
  for (const m of script.order) {
    let out: Buffer;
    if (m === 'ee') out = handshake(8, u16(0));
    else if (m === 'certificate') out = handshake(11, certificateBody(demoEcdsaChain()));
    else if (m === 'certificate_verify') {
      const signed = Buffer.concat([Buffer.alloc(64, 0x20), Buffer.from('TLS 1.3, server CertificateVerify'), Buffer.from([0]), digest('sha256', Buffer.concat(transcript))]);
      const signature = script.sign ? createSign('sha256').update(signed).sign(readFileSync(demoPaths.ecdsaKey, 'utf8')) : randomBytes(72);
      out = handshake(15, Buffer.concat([u16(0x0403), u16(signature.length), signature]));
    } else out = handshake(20, verifyData13('sha256', secrets.server, digest('sha256', Buffer.concat(transcript))));
    transcript.push(out);
    sent.push(out);
  }
  const keys = trafficKeys('sha256', secrets.server, 16);
  const plaintext = script.mutate?.plaintext?.(Buffer.concat(sent)) ?? Buffer.concat(sent);
  const inner = Buffer.concat([plaintext, Buffer.from([22])]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const cipher = createCipheriv('aes-128-gcm', keys.key, perRecordNonce(keys.iv, 0n));
  cipher.setAAD(header);
  const sealed = Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  const hello = script.mutate?.serverHello?.(sh) ?? sh;
  return Buffer.concat([Buffer.from([22, 3, 3]), u16(hello.length), hello, sealed]);
}

describe('hand-built TLS 1.3 handshake against a scripted server', () => {
  let script: Script = { order: [], sign: true };
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
      let got = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const hello = readHello(got);
        if (!hello) return;
        const out = flight(hello, script);
        if (script.splitAt === undefined) return void c.end(out);
        // Two reads on the client's side: a pause between the writes, no Nagle coalescing.
        const cut = 5 + out.readUInt16BE(3) + script.splitAt;
        c.setNoDelay(true);
        c.write(out.subarray(0, cut));
        setTimeout(() => c.end(out.subarray(cut)), 150);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const c of sockets) c.destroy();
    await new Promise((r) => server.close(r));
  });
  const run = (s: Script): ReturnType<typeof handshake13> => {
    script = s;
    const ctx = new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port, sni: 'localhost' }, { host: '127.0.0.1', port, timeoutMs: 4000, concurrency: 2 });
    return handshake13(ctx);
  };

  it('a flight in order with a valid signature is complete (the scripted server is right)', async () => {
    const r = await run({ order: ['ee', 'certificate', 'certificate_verify', 'finished'], sign: true });
    expect(r).toMatchObject({ outcome: 'complete', signatureScheme: 0x0403 });
    expect(r.chain?.map((c) => c.toString('hex'))).toEqual(demoEcdsaChain().map((c) => c.toString('hex')));
  });

  it('a flight whose bytes arrive in two reads, split anywhere in the protected record (its header too), is complete', async () => {
    for (const splitAt of [1, 3, 5, 40]) {
      const r = await run({ order: ['ee', 'certificate', 'certificate_verify', 'finished'], sign: true, splitAt });
      expect({ splitAt, outcome: r.outcome, detail: r.detail }).toEqual({ splitAt, outcome: 'complete', detail: expect.stringContaining('verified') });
    }
  });

  it('a valid Finished before an unverifiable CertificateVerify does not prove the scheme', async () => {
    const r = await run({ order: ['ee', 'certificate', 'finished', 'certificate_verify'], sign: false });
    expect(r.outcome).toBe('not-determined');
    expect(r.detail).toMatch(/CertificateVerify/);
  });

  it('a CertificateVerify before the Certificate is not verified with a later leaf', async () => {
    const r = await run({ order: ['ee', 'certificate_verify', 'certificate', 'finished'], sign: true });
    expect(r.outcome).toBe('not-determined');
  });

  it('seeded corruptions of the ServerHello and of the protected flight: never an exception, never complete', async () => {
    // A small LCG, so a failure names its seed.
    let seed = 0x1d2c3b4a;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const corrupt = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const kind = next(3);
      if (kind === 0) out[next(out.length)] ^= 1 << next(8);
      else if (kind === 1) return out.subarray(0, next(out.length));
      else {
        const at = next(out.length);
        const value = [0, 0xff, 0x7f, 20, 11, 15][next(6)];
        out[at] = value === out[at] ? value ^ 0x80 : value; // always a change
      }
      return out;
    };
    const order: Message[] = ['ee', 'certificate', 'certificate_verify', 'finished'];
    for (let i = 0; i < 60; i++) {
      const which = i % 2 === 0 ? { plaintext: corrupt } : { serverHello: corrupt };
      const r = await run({ order, sign: true, mutate: which });
      expect([i, r.outcome]).not.toEqual([i, 'complete']);
    }
  });
});
