// parseCertificate against the generated PKI, with golden values from `openssl x509`.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatIp, parseCertificate, pemToDer } from '../../src/analyse/certificates/parse.js';
import { opensslX509, testPki } from '../chain/helpers/pki.js';

const pki = testPki();
const leaf = (variant: string) => parseCertificate(pki.der(`${variant}.pem`)[0]);

/** `notAfter=Feb 20 04:21:36 2027 GMT` → ISO. */
function opensslDate(line: string): string {
  return new Date(line.replace(/^not(Before|After)=/, '')).toISOString();
}

describe('parseCertificate: golden values from openssl x509', () => {
  test.each(['good-rsa', 'good-ecdsa', 'ed25519', 'expired', 'notyet', 'sha1', 'rsa1024', 'wildcard', 'ipsan', 'selfsigned'])('%s', (variant) => {
    const file = pki.file(`${variant}.pem`);
    const info = leaf(variant).info;
    // One openssl run per certificate (the machines are shared): fields by their prefixes.
    const out = opensslX509(file, '-serial', '-startdate', '-enddate', '-fingerprint', '-sha256', '-subject', '-nameopt', 'sep_comma_plus', '-text');
    const line = (prefix: string): string => (out.split('\n').find((l) => l.startsWith(prefix)) ?? '').slice(prefix.length);
    expect(info.notBefore).toBe(opensslDate(line('notBefore=')));
    expect(info.notAfter).toBe(opensslDate(line('notAfter=')));
    expect(info.serial).toBe(line('serial=').toLowerCase().replace(/^0+(?=.)/, ''));
    expect(info.fingerprint256).toBe(line('sha256 Fingerprint=').replace(/:/g, '').toLowerCase());
    expect(line('subject=')).toBe(info.subject.replace(/, /g, ','));
    expect(out).toContain(`Signature Algorithm: ${info.signatureAlgorithm.name}`);
  });
});

describe('parseCertificate: every field of the variants', () => {
  test('good RSA leaf', () => {
    const i = leaf('good-rsa').info;
    expect(i.version).toBe(3);
    expect(i.subject).toBe('O=tls-trace test, CN=localhost');
    expect(i.issuer).toBe('O=tls-trace test, CN=tls-trace Test Intermediate CA');
    expect(i.subjectCN).toEqual(['localhost']);
    expect(i.publicKey).toEqual({ type: 'rsa', bits: 2048, label: 'RSA 2048' });
    expect(i.signatureAlgorithm).toEqual({ oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'sha256' });
    expect(i.san).toEqual({ dns: ['localhost'], ip: ['127.0.0.1', '::1'], email: [], uri: [] });
    expect(i.keyUsage).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(i.extendedKeyUsage).toEqual(['serverAuth']);
    expect(i.basicConstraints).toEqual({ ca: false });
    expect(i.aia).toEqual({ ocsp: ['http://ocsp.tls-trace.test'], caIssuers: ['http://ca.tls-trace.test/intermediate.der'] });
    expect(i.sctCount).toBeUndefined();
    expect(i.selfIssued).toBe(false);
    expect(i.selfSigned).toBe(false);
    expect(i.parseIssues).toEqual([]);
    // AKI of the leaf is the intermediate's SKI; both match openssl's rendering.
    const inter = parseCertificate(pki.der('intermediate.pem')[0]).info;
    expect(i.authorityKeyId).toBe(inter.subjectKeyId);
    const skiText = opensslX509(pki.file('intermediate.pem'), '-ext', 'subjectKeyIdentifier').split('\n')[1].trim();
    expect(inter.subjectKeyId).toBe(skiText.replace(/:/g, '').toLowerCase());
  });

  test('key types: ECDSA P-256, P-384 root, Ed25519, RSA 1024', () => {
    expect(leaf('good-ecdsa').info.publicKey).toEqual({ type: 'ec', curve: 'P-256', label: 'EC P-256' });
    expect(parseCertificate(pki.der('root.pem')[0]).info.publicKey).toEqual({ type: 'ec', curve: 'P-384', label: 'EC P-384' });
    expect(leaf('ed25519').info.publicKey).toEqual({ type: 'ed25519', label: 'Ed25519' });
    expect(leaf('rsa1024').info.publicKey.bits).toBe(1024);
  });

  test('CA certificates: basic constraints, key usage, AIA', () => {
    const root = parseCertificate(pki.der('root.pem')[0]).info;
    expect(root.basicConstraints).toEqual({ ca: true });
    expect(root.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(root.selfIssued && root.selfSigned).toBe(true);
    expect(root.signatureAlgorithm.name).toBe('ecdsa-with-SHA256');
    const inter = parseCertificate(pki.der('intermediate.pem')[0]).info;
    expect(inter.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(inter.aia.caIssuers).toEqual(['http://ca.tls-trace.test/root.der']);
    expect(inter.aia.ocsp).toEqual([]);
  });

  test('SHA-1 signature, EKU clientAuth only, wildcard and IP SANs, self-signed', () => {
    expect(leaf('sha1').info.signatureAlgorithm).toEqual({ oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption', hash: 'sha1' });
    expect(leaf('clientauth').info.extendedKeyUsage).toEqual(['clientAuth']);
    expect(leaf('wildcard').info.san.dns).toEqual(['*.tls-trace.test']);
    expect(leaf('ipsan').info.san).toEqual({ dns: [], ip: ['127.0.0.1'], email: [], uri: [] });
    const self = leaf('selfsigned').info;
    expect(self.selfIssued && self.selfSigned).toBe(true);
    expect(self.basicConstraints).toEqual({ ca: false });
  });

  test('ECDSA signature by the P-384 root over the intermediate', () => {
    const inter = parseCertificate(pki.der('intermediate.pem')[0]);
    const root = parseCertificate(pki.der('root.pem')[0]);
    expect(inter.info.signatureAlgorithm.oid.startsWith('1.2.840.10045.4.3')).toBe(true);
    expect(inter.x509.verify(root.x509.publicKey)).toBe(true);
    expect(inter.issuerDer.equals(root.subjectDer)).toBe(true);
  });
});

describe('parseCertificate: generated on the fly', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-cert-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function selfSigned(name: string, keyArgs: string[], extra: string[]): Buffer {
    const key = path.join(dir, `${name}.key`);
    const crt = path.join(dir, `${name}.pem`);
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'pipe' });
    execFileSync('openssl', ['req', '-x509', '-new', '-key', key, '-subj', `/CN=${name}.test`, '-days', '30', '-out', crt, ...extra], { stdio: 'pipe' });
    return pemToDer(readFileSync(crt, 'utf8'))[0];
  }

  test('Ed448 key and signature', () => {
    const info = parseCertificate(selfSigned('ed448', ['-algorithm', 'ED448'], [])).info;
    expect(info.publicKey).toEqual({ type: 'ed448', label: 'Ed448' });
    expect(info.signatureAlgorithm).toEqual({ oid: '1.3.101.113', name: 'Ed448' });
    expect(info.selfSigned).toBe(true);
  });

  test('SCT list count, email/URI SANs, absent extensions', () => {
    // Two SCT entries of 1 and 2 bytes: list length 7 = (2+1) + (2+2).
    const der = selfSigned('sct', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], [
      '-addext', '1.3.6.1.4.1.11129.2.4.2=DER:04:09:00:07:00:01:aa:00:02:bb:cc',
      '-addext', 'subjectAltName=email:a@b.test,URI:https://x.test/,DNS:sct.test',
    ]);
    const info = parseCertificate(der).info;
    expect(info.sctCount).toBe(2);
    expect(info.san).toEqual({ dns: ['sct.test'], ip: [], email: ['a@b.test'], uri: ['https://x.test/'] });
    expect(info.extendedKeyUsage).toBeUndefined();
  });

  test('a malformed extension is a parse issue, not a lost certificate', () => {
    const der = selfSigned('badsct', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-addext', '1.3.6.1.4.1.11129.2.4.2=DER:04:04:00:09:00:01']);
    const info = parseCertificate(der).info;
    expect(info.sctCount).toBeUndefined();
    expect(info.parseIssues).toEqual([expect.stringContaining('1.3.6.1.4.1.11129.2.4.2')]);
    expect(info.subjectCN).toEqual(['badsct.test']);
  });
});

describe('parseCertificate: bad input', () => {
  test('truncations throw DerError, never crash', () => {
    const der = pki.der('good-ecdsa.pem')[0];
    for (let n = 0; n < der.length; n += 7) {
      expect(() => parseCertificate(der.subarray(0, n))).toThrow();
    }
  });
  test('formatIp', () => {
    expect(formatIp(Buffer.from([10, 0, 0, 1]))).toBe('10.0.0.1');
    expect(formatIp(Buffer.from('20010db8000000000000000000000001', 'hex'))).toBe('2001:db8::1');
    expect(formatIp(Buffer.from('00000000000000000000000000000001', 'hex'))).toBe('::1');
    expect(formatIp(Buffer.from('20010db8000100000001000000000001', 'hex'))).toBe('2001:db8:1:0:1::1');
  });
});

describe('pemToDer', () => {
  // Issue 9 item 19: the base64 is decoded as it stands (Node's decoder skips whitespace), without
  // first copying it with the whitespace removed; any layout must still give the same DER.
  test('line breaks, CRLF, tabs and spaces inside the base64 give the same DER', () => {
    const der = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 37) & 0xff));
    const b64 = der.toString('base64');
    const lines = (sep: string, width: number): string => b64.match(new RegExp(`.{1,${width}}`, 'g'))!.join(sep);
    const layouts = [b64, lines('\n', 64), lines('\r\n', 76), lines(' \t ', 10), `\n\n${lines('\n', 1)}\n\n`];
    for (const body of layouts) {
      const pem = `junk\n-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\ntrailer`;
      expect(pemToDer(pem + '\n' + pem)).toEqual([der, der]);
    }
  });
});
