// The revocation building blocks against openssl's own reading of the same bytes: the OCSP request
// we build (`openssl ocsp -reqin -req_text`), nonce handling, an unauthorised responder, CRLs that
// are tampered, stale or from the wrong issuer, PKCS#7 caIssuers bundles, and the fetch size cap.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCertificate, pemToDer } from '../../src/analyse/certificates/parse.js';
import type { ParsedCertificate } from '../../src/analyse/certificates/types.js';
import { buildOcspRequest, nonceExtnValue } from '../../src/analyse/chain/ocsp-request.js';
import { judgeCrl, judgeOcspResponse, parseCrl } from '../../src/analyse/chain/revocation.js';
import { certificateRevocation, CrlCache } from '../../src/check/revocation/chain-revocation.js';
import { certificatesIn } from '../../src/check/revocation/complete-chain.js';
import { httpFetch } from '../../src/capture/http-fetch.js';
import { describeWithTools } from '../helpers/servers.js';
import { answerOcsp, type RevocationPki, startRevocationPki } from './helpers/revocation-pki.js';

let pki: RevocationPki;
const cert = (name: string): ParsedCertificate => parseCertificate(pemToDer(readFileSync(pki.file(`${name}.pem`), 'utf8'))[0]);
const now = (): Date => new Date();

describeWithTools('openssl')('revocation parts', () => {
  beforeAll(async () => {
    pki = await startRevocationPki();
  });
  afterAll(async () => {
    await pki?.close();
  });

  test('openssl reads our OCSP request: SHA-1 CertID of the issuer, the serial, the nonce', () => {
    const nonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const req = buildOcspRequest(cert('ocsp-good'), cert('int'), nonce);
    writeFileSync(pki.file('ours.req.der'), req);
    const text = execFileSync('openssl', ['ocsp', '-reqin', pki.file('ours.req.der'), '-req_text', '-noverify'], { encoding: 'utf8' });
    expect(text).toMatch(/Hash Algorithm: sha1/);
    expect(text).toMatch(/Serial Number: 2001/);
    // The hashes themselves are proven by the responder: openssl ocsp answers `good` (not
    // `unknown`) to this request in the next test only when the CertID names its CA.
    expect(text.replace(/\s+/g, '')).toContain('OCSPNonce:04100011223344556677'.replace(/\s+/g, ''));
  });

  test('nonce: echoed and equal is accepted; a different echoed nonce makes the answer unavailable', () => {
    const nonce = Buffer.from('a1a2a3a4a5a6a7a8a9aaabacadaeafb0', 'hex');
    const resp = answerOcsp(pki.dir, buildOcspRequest(cert('ocsp-good'), cert('int'), nonce));
    expect(judgeOcspResponse(resp, cert('ocsp-good'), cert('int'), now(), nonceExtnValue(nonce))).toMatchObject({ status: 'good', detail: expect.stringContaining('nonce echoed') });
    const other = nonceExtnValue(Buffer.alloc(16, 7));
    expect(judgeOcspResponse(resp, cert('ocsp-good'), cert('int'), now(), other)).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/nonce differs/) });
    // Asked about the wrong certificate: the CertID does not match.
    expect(judgeOcspResponse(resp, cert('crl-good'), cert('int'), now()).status).toBe('unavailable');
  });

  test('a response signed by a certificate without id-kp-OCSPSigning is not trusted', () => {
    const req = buildOcspRequest(cert('ocsp-good'), cert('int'), Buffer.alloc(16, 1));
    writeFileSync(pki.file('bad.req.der'), req);
    execFileSync('openssl', ['ocsp', '-index', 'int/index.txt', '-CA', 'int.pem', '-rsigner', 'crl-good.pem', '-rkey', 'crl-good.key', '-reqin', 'bad.req.der', '-respout', 'bad.resp.der', '-ndays', '1'], { cwd: pki.dir, stdio: 'ignore' });
    const out = judgeOcspResponse(readFileSync(pki.file('bad.resp.der')), cert('ocsp-good'), cert('int'), now());
    expect(out).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/signature does not verify/) });
  });

  test('CRL: revocation date and reason as openssl crl -text shows them; stale, wrong issuer and tampered CRLs are unavailable', () => {
    const crl = parseCrl(readFileSync(pki.file('int.crl')));
    const text = execFileSync('openssl', ['crl', '-in', pki.file('int.crl.pem'), '-noout', '-text'], { encoding: 'utf8' });
    const entries = [...text.matchAll(/Serial Number: (\w+)\s+Revocation Date: ([^\n]+)/g)];
    const serial = entries.find((m) => m[1].toLowerCase() === cert('crl-revoked').info.serial);
    const revoked = judgeCrl(crl, cert('crl-revoked'), cert('int'), now());
    expect(revoked).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(entries).toHaveLength(2); // ocsp-revoked and crl-revoked
    expect(serial).toBeDefined();
    expect(Date.parse(revoked.revokedAt ?? '')).toBe(Date.parse(serial?.[2] ?? ''));
    expect(judgeCrl(crl, cert('crl-good'), cert('int'), now()).status).toBe('good');
    const later = new Date(Date.now() + 10 * 86_400_000);
    expect(judgeCrl(crl, cert('crl-good'), cert('int'), later)).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/CRL expired/) });
    expect(judgeCrl(parseCrl(readFileSync(pki.file('root.crl'))), cert('crl-good'), cert('int'), now()).detail).toMatch(/not the certificate's issuer/);
    const tampered = Buffer.from(readFileSync(pki.file('int.crl')));
    tampered[tampered.length - 5] ^= 0x01;
    expect(judgeCrl(parseCrl(tampered), cert('crl-good'), cert('int'), now())).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/signature does not verify/) });
  });

  test("a CRL's signature is judged once per issuer key: an impostor with the issuer's name and its own key fails, before and after the real issuer passed", () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'impostor.key'], { cwd: pki.dir, stdio: 'ignore' });
    // int.pem re-signed with another key: the same subject name, the impostor's public key.
    execFileSync('openssl', ['x509', '-in', 'int.pem', '-signkey', 'impostor.key', '-days', '30', '-out', 'impostor.pem'], { cwd: pki.dir, stdio: 'ignore' });
    const impostor = cert('impostor');
    expect(impostor.subjectDer.equals(cert('int').subjectDer)).toBe(true);
    const crl = parseCrl(readFileSync(pki.file('int.crl')));
    const forged = /signature does not verify/;
    expect(judgeCrl(crl, cert('crl-good'), impostor, now()).detail).toMatch(forged);
    expect(judgeCrl(crl, cert('crl-good'), cert('int'), now()).status).toBe('good');
    expect(judgeCrl(crl, cert('crl-good'), impostor, now()).detail).toMatch(forged);
    expect(judgeCrl(crl, cert('crl-revoked'), cert('int'), now()).status).toBe('revoked');
  });

  test('caIssuers as PKCS#7 certs-only (openssl crl2pkcs7) or a bare DER certificate', () => {
    execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.file('int.pem'), '-outform', 'DER', '-out', pki.file('int.p7c')]);
    const der = readFileSync(pki.file('int.der'));
    expect(certificatesIn(readFileSync(pki.file('int.p7c')))).toEqual([der]);
    expect(certificatesIn(der)).toEqual([der]);
  });

  test('a body past the cap is cut off and said as tls-trace\'s limit', async () => {
    const server = http.createServer((_req, res) => res.end(Buffer.alloc(200_000)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.crl`;
    try {
      const res = await httpFetch({ url, timeoutMs: 10_000, maxBytes: 65_536 });
      expect(res).toEqual({ ok: false, why: `response from ${url} is larger than tls-trace's limit of 65536 bytes` });
      expect(await httpFetch({ url: 'https://127.0.0.1/x.crl', timeoutMs: 1000, maxBytes: 10 })).toMatchObject({ ok: false, why: expect.stringMatching(/only http/) });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('every wait is bounded: a silent responder times out; past the target deadline nothing is fetched', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/ocsp`;
    try {
      expect(await httpFetch({ url, body: Buffer.from([0x30, 0]), timeoutMs: 300, maxBytes: 100 })).toEqual({ ok: false, why: `no answer from ${url} within 300 ms` });
      let fetches = 0;
      const ctx = { at: now(), deadline: Date.now() - 1, crls: new CrlCache(), fetcher: async () => { fetches++; return { ok: false as const, why: 'unused' }; } };
      const r = await certificateRevocation(cert('crl-good'), cert('int'), undefined, ctx);
      expect(r).toMatchObject({ status: 'unavailable', method: 'none' });
      expect(r.detail).toContain("the target's --timeout deadline passed before it could be fetched");
      expect(fetches).toBe(0);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('a responder named by host is reached as the handshake would: --resolve pins, the resolver answers or says why', async () => {
    const hosts: string[] = [];
    const server = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const url = `http://ocsp.responder.test:${port}/x`;
    try {
      // --resolve: the pinned address is dialled and the URL's host is named in the request.
      const pinned = (host: string, p: number): string[] | undefined => (host === 'ocsp.responder.test' && p === port ? ['127.0.0.1'] : undefined);
      expect(await httpFetch({ url, timeoutMs: 5000, maxBytes: 100, pinned })).toMatchObject({ ok: true, body: Buffer.from('ok') });
      expect(hosts).toEqual([`ocsp.responder.test:${port}`]);
      // The injected resolver (the same one the handshake uses) answers for the name.
      const lookup = ((_h: string, _o: unknown, cb: (e: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as import('node:net').LookupFunction;
      expect(await httpFetch({ url, timeoutMs: 5000, maxBytes: 100, lookup })).toMatchObject({ ok: true });
      // A name that does not resolve is said in the resolver's words, not Node's getaddrinfo text.
      const failing = ((_h: string, _o: unknown, cb: (e: NodeJS.ErrnoException | null, a: unknown[]) => void) => cb(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }), [])) as unknown as import('node:net').LookupFunction;
      const res = await httpFetch({ url, timeoutMs: 5000, maxBytes: 100, lookup: failing });
      expect(res).toEqual({ ok: false, why: expect.stringMatching(new RegExp(`^${url.replace(/[.]/g, '\\.')}: cannot resolve ocsp\\.responder\\.test: `)) });
      expect(JSON.stringify(res)).not.toMatch(/getaddrinfo/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
