// Stapled OCSP: responses made by `openssl ocsp` from the test CA's own database, decoded and
// checked against the leaf and issuer; golden values from `openssl ocsp -resp_text`.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { checkOcsp, parseOcspResponse } from '../../src/analyse/chain/ocsp.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { testPki } from './helpers/pki.js';

const pki = testPki();
const store = buildTrustStore([{ origin: 'ca-file', pem: pki.pem('root.pem') }]);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ocsp-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe', timeout: 10_000 });

/** An OCSP response for VARIANT's leaf from an index edited by `edit`, signed as chosen. */
function respond(variant: string, name: string, opts: { edit?: (index: string, serial: string) => string; signer?: 'delegated' | 'issuer' } = {}): Buffer {
  const serial = parseCertificate(pki.der(`${variant}.pem`)[0]).info.serial.toUpperCase();
  const index = path.join(dir, `${name}.index`);
  const original = readFileSync(pki.file('ca-db/index.txt'), 'utf8');
  writeFileSync(index, opts.edit ? opts.edit(original, serial) : original);
  writeFileSync(`${index}.attr`, 'unique_subject = no\n');
  const req = path.join(dir, `${name}.req`);
  const out = path.join(dir, `${name}.der`);
  run(['ocsp', '-issuer', pki.file('intermediate.pem'), '-cert', pki.file(`${variant}.pem`), '-no_nonce', '-reqout', req]);
  const signer = opts.signer === 'issuer' ? ['-rsigner', pki.file('intermediate.pem'), '-rkey', pki.file('intermediate.key')] : ['-rsigner', pki.file('ocsp.pem'), '-rkey', pki.file('ocsp.key')];
  run(['ocsp', '-index', index, ...signer, '-CA', pki.file('intermediate.pem'), '-reqin', req, '-respout', out, '-ndays', '7']);
  return readFileSync(out);
}

const revoke = (index: string, serial: string): string =>
  index
    .split('\n')
    .map((l) => {
      const f = l.split('\t');
      return f[3] === serial ? ['R', f[1], '261101000000Z,keyCompromise', ...f.slice(3)].join('\t') : l;
    })
    .join('\n');
const forget = (index: string, serial: string): string => index.split('\n').filter((l) => l.split('\t')[3] !== serial).join('\n');

const leaf = () => parseCertificate(pki.der('good-ecdsa.pem')[0]);
const issuer = () => parseCertificate(pki.der('intermediate.pem')[0]);

test('good, from a delegated responder: every field, matching openssl -resp_text', () => {
  const der = respond('good-ecdsa', 'good');
  const parsed = parseOcspResponse(der);
  const text = run(['ocsp', '-respin', path.join(dir, 'good.der'), '-resp_text', '-noverify']);
  const r = parsed.info.responses[0];
  expect(parsed.info.responseStatus).toBe(0);
  expect(parsed.info.responseStatusName).toBe('successful');
  expect(parsed.info.responder).toBe('O=tls-trace test, CN=tls-trace Test OCSP Responder');
  expect(parsed.info.certs).toBe(1);
  expect(r.status).toBe('good');
  expect(r.serial).toBe(leaf().info.serial);
  expect(r.hashAlgorithm).toBe('sha1');
  expect(text).toContain('Cert Status: good');
  expect(text).toContain(`Serial Number: ${leaf().info.serial.toUpperCase()}`);
  const produced = /Produced At: (.*)/.exec(text)?.[1] ?? '';
  expect(parsed.info.producedAt).toBe(new Date(produced).toISOString());
  const nextUpdate = /Next Update: (.*)/.exec(text)?.[1] ?? '';
  expect(r.nextUpdate).toBe(new Date(nextUpdate).toISOString());
  const checks = checkOcsp(parsed, leaf(), issuer(), new Date());
  expect(checks.map((c) => [c.check, c.ok])).toEqual([
    ['ocsp.match', true],
    ['ocsp.status', true],
    ['ocsp.fresh', true],
    ['ocsp.signature', true],
  ]);
  expect(checks[3].reason).toBe('OCSP response signed by delegated responder O=tls-trace test, CN=tls-trace Test OCSP Responder');
});

test('signed by the issuing CA itself', () => {
  const parsed = parseOcspResponse(respond('good-ecdsa', 'byissuer', { signer: 'issuer' }));
  expect(checkOcsp(parsed, leaf(), issuer(), new Date()).find((c) => c.check === 'ocsp.signature')).toMatchObject({ ok: true, reason: 'OCSP response signed by the issuing CA' });
});

test('revoked: an error fact with the revocation time', () => {
  const parsed = parseOcspResponse(respond('good-ecdsa', 'revoked', { edit: revoke }));
  expect(parsed.info.responses[0]).toMatchObject({ status: 'revoked', revocationTime: '2026-11-01T00:00:00.000Z', revocationReason: 1 });
  const r = analyseChain({ certificates: pki.chain('good-ecdsa'), source: 'decoded', at: new Date(), host: 'localhost', trustStore: store, ocspResponse: respond('good-ecdsa', 'revoked2', { edit: revoke }) });
  expect(r.valid).toBe(false);
  expect(r.errors).toEqual(['OCSP says REVOKED at 2026-11-01T00:00:00.000Z']);
  expect(r.ocsp?.responses[0].status).toBe('revoked');
});

test('unknown status is a warning', () => {
  const parsed = parseOcspResponse(respond('good-ecdsa', 'unknown', { edit: forget }));
  expect(parsed.info.responses[0].status).toBe('unknown');
  expect(checkOcsp(parsed, leaf(), issuer(), new Date()).find((c) => c.check === 'ocsp.status')).toMatchObject({ ok: false, severity: 'warning' });
});

test('a staple for another certificate does not match', () => {
  const parsed = parseOcspResponse(respond('good-rsa', 'other'));
  const checks = checkOcsp(parsed, leaf(), issuer(), new Date());
  expect(checks).toEqual([expect.objectContaining({ check: 'ocsp.match', ok: false })]);
  expect(checks[0].reason).toContain(`leaf serial ${leaf().info.serial}`);
});

test('stale at a later --at, and a wrong issuer breaks the CertID', () => {
  const parsed = parseOcspResponse(respond('good-ecdsa', 'stale'));
  const later = new Date(Date.now() + 10 * 86_400_000);
  expect(checkOcsp(parsed, leaf(), issuer(), later).find((c) => c.check === 'ocsp.fresh')).toMatchObject({ ok: false });
  const notIssuer = parseCertificate(pki.der('root.pem')[0]);
  expect(checkOcsp(parsed, leaf(), notIssuer, new Date())[0]).toMatchObject({ check: 'ocsp.match', ok: false });
});

test('non-successful and malformed responses', () => {
  // OCSPResponse { responseStatus tryLater(3) }
  const tryLater = parseOcspResponse(Buffer.from('30030a0103', 'hex'));
  expect(tryLater.info.responseStatusName).toBe('tryLater');
  expect(checkOcsp(tryLater, leaf(), issuer(), new Date())).toEqual([expect.objectContaining({ check: 'ocsp.response', ok: false })]);
  const der = respond('good-ecdsa', 'trunc');
  for (let n = 0; n < der.length; n += 13) expect(() => parseOcspResponse(der.subarray(0, n))).toThrow();
  const r = analyseChain({ certificates: pki.chain('good-ecdsa'), source: 'decoded', at: new Date(), host: 'localhost', trustStore: store, ocspResponse: 'deadbeef' });
  expect(r.valid).toBe(true);
  expect(r.problems[0]).toMatch(/^stapled OCSP response could not be decoded/);
});
