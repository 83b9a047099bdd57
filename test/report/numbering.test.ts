// Item 14 of issue 9: one numbering and one rounding rule across the report.
// - "Decrypted records" numbered records from 0 while the steps and --hex number them from 1.
// - A record carrying EncryptedExtensions … Finished repeated every verification mark under each
//   of its messages ("Server CertificateVerify ✔" under EncryptedExtensions).
// - The chain's Days column said -2161 where the reason said "2160 days ago".

import { RFC8448, RFC8448_CLIENT_RANDOM, RFC8448_FLOW, rfc8448Capture, unwrapHex } from '../../fixtures/rfc8448/capture.js';
import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { renderText } from '../../src/report/index.js';
import { renderChain } from '../../src/report/chain-table.js';
import { testPki } from '../chain/helpers/pki.js';

const KEYLOG = [
  `SERVER_HANDSHAKE_TRAFFIC_SECRET ${RFC8448_CLIENT_RANDOM} ${unwrapHex(RFC8448.secrets.serverHandshakeTraffic)}`,
  `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${RFC8448_CLIENT_RANDOM} ${unwrapHex(RFC8448.secrets.clientHandshakeTraffic)}`,
];

describe('RFC 8448 §3 trace with its handshake keys', () => {
  const text = renderText(analyseCapture(rfc8448Capture({ keylog: KEYLOG, flow: RFC8448_FLOW.slice(0, 4) })), { color: false, hex: false, width: 120 });
  const steps = text.slice(0, text.indexOf('Key schedule'));

  it('numbers decrypted records from 1, like the steps', () => {
    // Record #3 carries the server's encrypted flight (ClientHello #1, ServerHello #2).
    expect(steps).toMatch(/← EncryptedExtensions \[decrypted\] .* record #3 /);
    expect(text).toMatch(/✔ record #3 server · handshake keys, seq 0/);
    expect(text).toMatch(/✔ record #4 client · handshake keys, seq 0/);
    expect(text).not.toMatch(/record #0\b/);
  });

  it('shows each verification once in the steps, under the message it verifies', () => {
    const blocks = steps.split(/\n(?= +\d+ [←→] )/);
    const marksOf = (name: string): string[] => (blocks.find((b) => b.includes(`← ${name} `) || b.includes(`→ ${name} `)) ?? '').split('\n').filter((l) => /[✔✖] /.test(l)).map((l) => l.trim().replace(/:.*/, ''));
    expect(marksOf('EncryptedExtensions')).toEqual([]);
    expect(marksOf('Certificate')).toEqual([]);
    expect(marksOf('CertificateVerify')).toEqual(['✔ Server CertificateVerify']);
    expect(steps.match(/✔ Server CertificateVerify/g)).toHaveLength(1);
    expect(steps.match(/✔ Server Finished/g)).toHaveLength(1);
    expect(steps.match(/✔ Client Finished/g)).toHaveLength(1);
  });
});

describe('days left and days ago', () => {
  const DAY = 86_400_000;
  const pki = testPki();
  const store = buildTrustStore([{ origin: 'ca-file', pem: pki.pem('root.pem') }]);

  it('an expired certificate shows the same number in the Days column and the reason', () => {
    const chain = pki.chain('expired');
    const notAfter = Date.parse(analyseChain({ certificates: chain, source: 'decoded', at: new Date(), host: 'localhost', trustStore: store }).certificates[0].info.notAfter);
    // 2160.6 days after notAfter: floor of the elapsed days is 2160, in both places.
    const report = analyseChain({ certificates: chain, source: 'decoded', at: new Date(notAfter + 2160.6 * DAY), host: 'localhost', trustStore: store });
    expect(report.certificates[0].daysLeft).toBe(-2160);
    expect(report.daysLeft).toBe(-2160);
    const out = renderChain(report, { color: false, width: 200 });
    expect(out).toMatch(/│ #0 leaf .*│ -2160 │ FAIL: leaf expired /);
    expect(report.problems).toContainEqual(expect.stringMatching(/^leaf expired .* \(2160 days ago\)$/));
  });

  it('a certificate expiring in 9.6 days shows 9 days left', () => {
    const chain = pki.chain('expired');
    const notAfter = Date.parse(analyseChain({ certificates: chain, source: 'decoded', at: new Date(), host: 'localhost', trustStore: store }).certificates[0].info.notAfter);
    const report = analyseChain({ certificates: chain, source: 'decoded', at: new Date(notAfter - 9.6 * DAY), host: 'localhost', trustStore: store, warnDays: 30 });
    expect(report.certificates[0].daysLeft).toBe(9);
    expect(report.problems.join('\n')).toContain('expires in 9 days');
  });
});
