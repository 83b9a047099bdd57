// A known answer from outside this project: the Certificate Transparency project's own test data
// (test/ct/fixtures/README.md), a certificate whose embedded SCT the reference implementation's
// test log signed over the precertificate. tls-trace must rebuild that precertificate from the
// final certificate and verify the signature with the log's published key; any change to the
// certificate's TBS must make it fail.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCertificate, pemToDer } from '../../src/analyse/certificates/parse.js';
import { analyseCt } from '../../src/analyse/ct/index.js';
import { parseLogList } from '../../src/analyse/ct/log-list.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const pem = (name: string): Buffer => pemToDer(readFileSync(path.join(here, 'fixtures', name), 'utf8'))[0];
const LOG_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmXg8sUUzwBYaWrRb+V0IopzQ6o3UyEJ04r5ZrRXGdpYM8K+hB0pXrGRLI0eeWz+3skXrS0IO83AhA3GpRL6s6w==';
const list = parseLogList({ log_list_timestamp: '2014-01-01T00:00:00Z', operators: [{ name: 'CT test', logs: [{ description: 'CT test log', key: LOG_KEY, state: { usable: { timestamp: '2013-01-01T00:00:00Z' } } }] }] }, 'ct test data');

describe('known answer: the CT project test data', () => {
  const ca = parseCertificate(pem('ct-testdata-ca.pem'));
  const leafDer = pem('ct-testdata-embedded.pem');

  test('the embedded SCT verifies over the rebuilt precertificate', () => {
    const report = analyseCt({ leaf: parseCertificate(leafDer), issuer: ca, list, at: new Date('2015-01-01T00:00:00Z') });
    expect(report.scts).toHaveLength(1);
    const [sct] = report.scts;
    expect(Buffer.from(sct.logId ?? '', 'base64').toString('hex')).toBe('df1c2ec11500945247a96168325ddc5c7959e8f7c6d388fc002e0bbd3f74d764');
    // openssl x509 -text: "Timestamp : Apr  5 17:04:16.275 2013 GMT", "Signature : ecdsa-with-SHA256".
    expect([sct.timestamp, sct.signatureAlgorithm, sct.status]).toEqual(['2013-04-05T17:04:16.275Z', 'ecdsa-sha256', 'valid']);
  });

  test('a changed byte in the TBS (the subject) or another issuer key fails it', () => {
    const tampered = Buffer.from(leafDer);
    const at = tampered.indexOf(Buffer.from('Erw Wen'), tampered.indexOf(Buffer.from('Certificate Transparency1')));
    tampered[at] ^= 0x20;
    expect(analyseCt({ leaf: parseCertificate(tampered), issuer: ca, list, at: new Date('2015-01-01T00:00:00Z') }).scts[0].status).toBe('invalid-signature');
    const otherIssuer = parseCertificate(leafDer);
    expect(analyseCt({ leaf: parseCertificate(leafDer), issuer: otherIssuer, list, at: new Date('2015-01-01T00:00:00Z') }).scts[0].status).toBe('invalid-signature');
  });
});
