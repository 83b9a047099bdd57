import { rootCertificates } from 'node:tls';
import { subjectNameDer } from '../../src/analyse/certificates/der.js';
import { parseCertificate, pemToDer } from '../../src/analyse/certificates/parse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';

describe('lazy trust store', () => {
  const ders = rootCertificates.flatMap((pem) => pemToDer(pem));

  it("indexes every Node root by the same subject DER that the full parse finds", () => {
    expect(ders.length).toBeGreaterThan(100);
    for (const der of ders) expect(subjectNameDer(der).equals(parseCertificate(der).subjectDer)).toBe(true);
  });

  it('finds anchors by subject and fingerprint, parsing them only on access', () => {
    const store = buildTrustStore([{ origin: 'system', pem: rootCertificates.join('\n') }]);
    const der = ders[0];
    const parsed = parseCertificate(der);
    const bySubject = store.bySubject.get(parsed.subjectDer.toString('hex')) ?? [];
    expect(bySubject.map((a) => a.cert.info.fingerprint256)).toContain(parsed.info.fingerprint256);
    expect(store.byFingerprint.get(parsed.info.fingerprint256)?.cert.info.subject).toBe(parsed.info.subject);
  });

  it('skips, with a reason, input that is not a certificate', () => {
    const junk = `-----BEGIN CERTIFICATE-----\n${Buffer.from([0x30, 0x82, 0xff, 0xff, 1]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const store = buildTrustStore([{ origin: 'ca-file', pem: junk, file: 'junk.pem' }]);
    expect(store.anchors).toHaveLength(0);
    expect(store.skipped[0]).toMatch(/^junk\.pem #0: .*length/);
  });

  // Issue 9 item 19: NODE_EXTRA_CA_CERTS is often the system bundle, most of it Node's roots
  // again. Copies are dropped by fingerprint before any other work, keeping the first origin;
  // DER the CLI already decoded (`ders`) is used as given rather than decoded from `pem` again.
  it('keeps the first of duplicate anchors and uses pre-decoded DER', () => {
    const pem = rootCertificates.join('\n');
    const store = buildTrustStore([
      { origin: 'system', pem },
      { origin: 'env', pem: '', ders: ders.slice(0, 5), file: 'bundle.pem' },
      { origin: 'ca-file', pem: '', ders: [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), ders[0]], file: 'mixed.pem' },
    ]);
    expect(store.anchors).toHaveLength(new Set(ders.map((d) => d.toString('hex'))).size);
    expect(store.anchors.every((a) => a.origin === 'system')).toBe(true);
    expect(store.skipped).toEqual([expect.stringMatching(/^mixed\.pem #0: /)]);
    const fromDers = buildTrustStore([{ origin: 'env', pem: '', ders: ders.slice(0, 3), file: 'x.pem' }]);
    expect(fromDers.anchors.map((a) => a.cert.info.fingerprint256)).toEqual(ders.slice(0, 3).map((d) => parseCertificate(d).info.fingerprint256));
  });
});
