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
});
