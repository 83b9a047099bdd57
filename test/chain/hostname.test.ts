// RFC 6125 server identity: a table of reference identities against certificate identities.

import { canonicalIp, matchHostname } from '../../src/analyse/chain/hostname.js';
import type { CertificateInfo } from '../../src/analyse/certificates/types.js';

function cert(dns: string[], ip: string[] = [], cn: string[] = []): CertificateInfo {
  return {
    version: 3, subject: '', issuer: '', subjectCN: cn, serial: '01', notBefore: '', notAfter: '',
    san: { dns, ip, email: [], uri: [] }, publicKey: { type: 'ec', label: 'EC P-256' },
    signatureAlgorithm: { oid: '', name: '' }, aia: { ocsp: [], caIssuers: [] }, fingerprint256: '',
    selfIssued: false, selfSigned: false, parseIssues: [],
  };
}

const table: Array<[string, CertificateInfo, boolean, string?]> = [
  ['example.com', cert(['example.com']), true, 'san-dns'],
  ['EXAMPLE.com', cert(['example.COM']), true],
  ['example.com.', cert(['example.com']), true],
  ['www.example.com', cert(['*.example.com']), true],
  ['example.com', cert(['*.example.com']), false],
  ['a.b.example.com', cert(['*.example.com']), false],
  ['foo.com', cert(['*.com']), false],
  ['fwww.example.com', cert(['f*.example.com']), false],
  ['www.example.com', cert(['www.*.com']), false],
  // SAN present: CN is ignored even when it would match.
  ['cn.example', cert(['other.example'], [], ['cn.example']), false],
  // No DNS SAN: CN is used.
  ['cn.example', cert([], [], ['cn.example']), true, 'cn'],
  ['cn.example', cert([], ['10.0.0.1'], ['cn.example']), true, 'cn'],
  // IPs: only IP SANs; never DNS SANs, CN or wildcards.
  ['10.0.0.1', cert(['10.0.0.1'], [], ['10.0.0.1']), false],
  ['10.0.0.1', cert([], ['10.0.0.1']), true, 'san-ip'],
  ['::1', cert([], ['0:0:0:0:0:0:0:1']), true],
  ['[2001:db8::1]', cert([], ['2001:db8:0:0:0:0:0:1']), true],
  ['10.0.0.2', cert(['*.0.0.2'], ['10.0.0.1']), false],
  // IDN: U-label reference against an A-label SAN, and a wildcard over an IDN.
  ['bücher.example', cert(['xn--bcher-kva.example']), true],
  ['www.bücher.example', cert(['*.xn--bcher-kva.example']), true],
  ['xn--bcher-kva.example', cert(['xn--bcher-kva.example']), true],
];

test.each(table.map(([host, c, ok, via]) => ({ host, c, ok, via, sans: [...c.san.dns, ...c.san.ip].join(' ') || `CN ${c.subjectCN.join(' ')}` })))('$host against $sans → $ok', ({ host, c, ok, via }) => {
  const r = matchHostname(host, c);
  expect(r.ok).toBe(ok);
  if (via) expect(r.via).toBe(via);
  expect(r.reason.length).toBeGreaterThan(0);
});

test('reasons name what was compared', () => {
  expect(matchHostname('a.test', cert(['b.test', 'c.test'])).reason).toBe('a.test does not match the SANs (b.test, c.test)');
  expect(matchHostname('10.1.1.1', cert(['x.test'])).reason).toBe("IP 10.1.1.1 does not match (the certificate has no IP SANs; DNS names and CN never match an IP)");
});

test('canonicalIp', () => {
  expect(canonicalIp('0:0::1')).toBe('::1');
  expect(canonicalIp('[::ffff:1.2.3.4]')).toBe('::ffff:102:304');
  expect(canonicalIp('host')).toBeUndefined();
});
