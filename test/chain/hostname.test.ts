// RFC 6125 server identity. Part one: certificates crafted byte by byte (IA5 bytes >= 0x80, soft
// hyphen, fullwidth CN, wildcards, trailing dots, IP SANs), every verdict cross-checked against
// Node's X509Certificate.checkHost/checkIP and `openssl verify -verify_hostname/-verify_ip`.
// Part two: reference identities against CertificateInfo tables (reasons, IP canonical forms).

import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import type { CertificateInfo } from '../../src/analyse/certificates/types.js';
import { canonicalIp, ipBytes, matchHostname } from '../../src/analyse/chain/hostname.js';
import { requireTool } from '../helpers/servers.js';
import { type CraftOptions, StringTag, craftCertificate, ia5 } from './helpers/craft-cert.js';

const ip = (text: string): Buffer => ipBytes(text) as Buffer;
const utf8Cn = (s: string): CraftOptions['cn'] => ({ tag: StringTag.utf8, bytes: Buffer.from(s, 'utf8') });

interface Row {
  what: string;
  cert: CraftOptions;
  host: string;
  ok: boolean;
  /** The reference identity after converting the user's input (the only conversion made). */
  reference?: string;
  /** Why Node and OpenSSL say the opposite, when we deliberately differ from them. */
  differs?: string;
}

const PARTIAL =
  'OpenSSL (and so Node) accept partial-label wildcards by default; Chromium, mozilla::pkix and Go do not, and the CA/B Baseline Requirements forbid issuing them';

const rows: Row[] = [
  // The three names from issue 9 that used to pass for localhost through UTS #46 mapping.
  { what: 'SAN loc\\xAAlhost', cert: { dns: [ia5('loc\xAAlhost')] }, host: 'localhost', ok: false },
  { what: 'SAN local\\xADhost (soft hyphen)', cert: { dns: [ia5('local\xADhost')] }, host: 'localhost', ok: false },
  { what: 'fullwidth CN, no SAN', cert: { cn: utf8Cn('ｌｏｃａｌｈｏｓｔ') }, host: 'localhost', ok: false },
  { what: 'IA5 CN loc\\xAAlhost, no SAN', cert: { cn: { tag: StringTag.ia5, bytes: ia5('loc\xAAlhost') } }, host: 'localhost', ok: false },
  { what: 'SAN with a NUL byte', cert: { dns: [ia5('localhost\x00.evil.example')] }, host: 'localhost', ok: false },
  { what: 'a bad SAN beside a good one', cert: { dns: [ia5('loc\xAAlhost'), ia5('localhost')] }, host: 'localhost', ok: true },
  { what: 'plain SAN', cert: { dns: [ia5('localhost')] }, host: 'localhost', ok: true },
  { what: 'upper-case SAN and host', cert: { dns: [ia5('LOCALHOST')] }, host: 'LocalHost', ok: true, reference: 'localhost' },
  { what: 'fullwidth input host (the input is converted)', cert: { dns: [ia5('localhost')] }, host: 'ｌｏｃａｌｈｏｓｔ', ok: true, reference: 'localhost' },
  // Wildcards: `*` as the whole left-most label, over exactly one LDH label, two labels below it.
  { what: 'wildcard, one label', cert: { dns: [ia5('*.example.com')] }, host: 'www.example.com', ok: true },
  { what: 'wildcard, two labels', cert: { dns: [ia5('*.example.com')] }, host: 'a.b.example.com', ok: false },
  { what: 'wildcard, no label', cert: { dns: [ia5('*.example.com')] }, host: 'example.com', ok: false },
  { what: 'wildcard over an A-label host label', cert: { dns: [ia5('*.example.com')] }, host: 'xn--bcher-kva.example.com', ok: true },
  { what: 'wildcard over a non-LDH label', cert: { dns: [ia5('*.example.com')] }, host: '_x.example.com', ok: false },
  { what: 'wildcard over a public suffix', cert: { dns: [ia5('*.com')] }, host: 'example.com', ok: false },
  { what: 'bare *', cert: { dns: [ia5('*')] }, host: 'localhost', ok: false },
  { what: 'wildcard not left-most', cert: { dns: [ia5('a.*.example.com')] }, host: 'a.b.example.com', ok: false },
  { what: 'two wildcards', cert: { dns: [ia5('*.*.example.com')] }, host: 'a.b.example.com', ok: false },
  { what: 'partial wildcard f*', cert: { dns: [ia5('f*.example.com')] }, host: 'foo.example.com', ok: false, differs: PARTIAL },
  { what: 'partial wildcard in an A-label', cert: { dns: [ia5('xn--*.example')] }, host: 'xn--bcher-kva.example', ok: false },
  { what: 'wildcard above an A-label, U-label input', cert: { dns: [ia5('*.xn--bcher-kva.example')] }, host: 'www.bücher.example', ok: true, reference: 'www.xn--bcher-kva.example' },
  { what: 'A-label SAN, upper-case U-label input', cert: { dns: [ia5('xn--bcher-kva.example')] }, host: 'BÜCHER.example', ok: true, reference: 'xn--bcher-kva.example' },
  { what: 'U-label bytes in a SAN (UTF-8 in IA5)', cert: { dns: [Buffer.from('bücher.example', 'utf8')] }, host: 'bücher.example', ok: false, reference: 'xn--bcher-kva.example' },
  // Trailing dots: the input's is dropped (an absolute name is the same host); a presented name
  // ending in a dot is outside RFC 5280's preferred name syntax and matches nothing. Node and
  // OpenSSL compare `localhost.` with `localhost.` byte for byte; they get our reference here.
  { what: 'input with a trailing dot', cert: { dns: [ia5('localhost')] }, host: 'localhost.', ok: true, reference: 'localhost' },
  { what: 'SAN with a trailing dot', cert: { dns: [ia5('localhost.')] }, host: 'localhost', ok: false },
  { what: 'both with a trailing dot', cert: { dns: [ia5('localhost.')] }, host: 'localhost.', ok: false, reference: 'localhost' },
  // CN only when there are no SANs at all.
  { what: 'CN, no SAN', cert: { cn: utf8Cn('localhost') }, host: 'localhost', ok: true },
  { what: 'CN ignored beside a DNS SAN', cert: { cn: utf8Cn('localhost'), dns: [ia5('other.example')] }, host: 'localhost', ok: false },
  {
    what: 'CN ignored beside an IP SAN',
    cert: { cn: utf8Cn('localhost'), ip: [ip('127.0.0.1')] },
    host: 'localhost',
    ok: false,
    differs: 'OpenSSL looks at the CN when no dNSName is present; RFC 6125 §6.4.4 and mozilla::pkix drop the CN once the certificate has any DNS or IP SAN (Chromium and Go never use it)',
  },
  // IP targets: iPAddress SANs by their bytes; never a dNSName or the CN.
  { what: 'IPv4 SAN', cert: { ip: [ip('127.0.0.1')] }, host: '127.0.0.1', ok: true },
  { what: 'IPv4 written in a dNSName', cert: { dns: [ia5('127.0.0.1')] }, host: '127.0.0.1', ok: false },
  { what: 'IPv4 in the CN', cert: { cn: utf8Cn('127.0.0.1') }, host: '127.0.0.1', ok: false },
  { what: 'IPv6 SAN, long input', cert: { ip: [ip('::1')] }, host: '0:0:0:0:0:0:0:1', ok: true, reference: '::1' },
  { what: 'IPv6 SAN, bracketed upper-case input', cert: { ip: [ip('2001:db8::1')] }, host: '[2001:DB8::1]', ok: true, reference: '2001:db8::1' },
  { what: 'IPv4-mapped SAN vs IPv4 input', cert: { ip: [ip('::ffff:127.0.0.1')] }, host: '127.0.0.1', ok: false },
  { what: 'IPv4 SAN vs IPv4-mapped input', cert: { ip: [ip('127.0.0.1')] }, host: '::ffff:127.0.0.1', ok: false, reference: '::ffff:7f00:1' },
  { what: 'IPv6 written in a dNSName', cert: { dns: [ia5('::1')], ip: [ip('127.0.0.1')] }, host: '::1', ok: false },
  { what: '5-byte iPAddress SAN', cert: { ip: [Buffer.from([127, 0, 0, 1, 0])] }, host: '127.0.0.1', ok: false },
  // Resolvers and the WHATWG host parser read 010.0.0.1 as 8.0.0.1: an IP, not a name.
  { what: 'octal-looking IPv4 input vs dNSName', cert: { dns: [ia5('8.0.0.1')] }, host: '010.0.0.1', ok: false, reference: '8.0.0.1' },
];

const ca = craftCertificate({ cn: utf8Cn('tls-trace crafted CA'), ca: true });
const opensslPresent = requireTool('openssl');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-hostname-'));
  writeFileSync(path.join(dir, 'ca.pem'), ca.pem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** openssl verify's verdict: true, or the X509_V_ERR number it failed with. */
function opensslVerify(pem: string, kind: 'dns' | 'ip', reference: string): true | number {
  const file = path.join(dir, 'leaf.pem');
  writeFileSync(file, pem);
  const r = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), kind === 'ip' ? '-verify_ip' : '-verify_hostname', reference, file], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return true;
  return Number(/error (\d+) at/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? -1);
}

describe.each(rows)('$what: $host', (row) => {
  const leaf = craftCertificate({ ...row.cert, issuer: ca });
  const ours = matchHostname(row.host, parseCertificate(leaf.der).info);
  // Node and OpenSSL get the reference as we converted the input (they convert nothing), so what
  // is compared is how each reads the certificate's names.
  const expectedElsewhere = row.differs ? !row.ok : row.ok;

  test(`tls-trace says ${row.ok ? 'match' : 'mismatch'}`, () => {
    expect(ours.ok).toBe(row.ok);
    expect(ours.reference).toBe(row.reference ?? row.host);
  });

  test(`Node X509Certificate agrees${row.differs ? ' (deliberately not)' : ''}`, () => {
    const x509 = new X509Certificate(leaf.pem);
    const hit = ours.kind === 'ip' ? x509.checkIP(ours.reference) : x509.checkHost(ours.reference);
    expect(hit !== undefined).toBe(expectedElsewhere);
  });

  (opensslPresent ? test : test.skip)(`openssl verify agrees${row.differs ? ' (deliberately not)' : ''}`, () => {
    const verdict = opensslVerify(leaf.pem, ours.kind, ours.reference);
    // 62 hostname mismatch, 64 IP address mismatch: a name failure, not some other one.
    expect(verdict).toBe(expectedElsewhere ? true : ours.kind === 'ip' ? 64 : 62);
  });
});

describe('malformed certificate names are findings', () => {
  test('non-ASCII IA5 bytes: U+FFFD in the text, the bytes in the finding, never a latin1 letter', () => {
    const info = parseCertificate(craftCertificate({ dns: [ia5('loc\xAAlhost'), ia5('local\xADhost')], issuer: ca }).der).info;
    expect(info.san.dns).toEqual(['loc\ufffdlhost', 'local\ufffdhost']);
    expect(info.parseIssues).toEqual([
      'subjectAltName dNSName "loc\ufffdlhost" is not ASCII (bytes 6c6f63aa6c686f7374); it never matches a host name',
      'subjectAltName dNSName "local\ufffdhost" is not ASCII (bytes 6c6f63616cad686f7374); it never matches a host name',
    ]);
    const r = matchHostname('localhost', info);
    expect(r.unusable).toEqual(['loc\ufffdlhost (not ASCII)', 'local\ufffdhost (not ASCII)']);
    expect(r.reason).toBe('localhost does not match the SANs (loc\ufffdlhost, local\ufffdhost); never matching: loc\ufffdlhost (not ASCII); local\ufffdhost (not ASCII)');
  });

  test('an IA5 CN keeps no latin1 letters either', () => {
    const info = parseCertificate(craftCertificate({ cn: { tag: StringTag.ia5, bytes: ia5('loc\xAAlhost') }, issuer: ca }).der).info;
    expect(info.subjectCN).toEqual(['loc\ufffdlhost']);
    expect(matchHostname('localhost', info).reason).toBe('localhost does not match: no DNS SANs and CN loc\ufffdlhost; never matching: CN loc\ufffdlhost (not ASCII)');
  });

  test('fullwidth CN: shown as written, never matching', () => {
    const info = parseCertificate(craftCertificate({ cn: utf8Cn('ｌｏｃａｌｈｏｓｔ'), issuer: ca }).der).info;
    expect(matchHostname('localhost', info).unusable).toEqual(['ｌｏｃａｌｈｏｓｔ (not ASCII)']);
  });

  test('an iPAddress SAN of the wrong length', () => {
    const info = parseCertificate(craftCertificate({ ip: [Buffer.from([127, 0, 0, 1, 0])], issuer: ca }).der).info;
    expect(info.parseIssues).toEqual(['subjectAltName iPAddress of 5 bytes (4 or 16 expected); it never matches an address']);
  });
});

// ---------------------------------------------------------------------------------------------
// Reference identities against hand-written CertificateInfo.

function cert(dns: string[], ips: string[] = [], cn: string[] = []): CertificateInfo {
  return {
    version: 3, subject: '', issuer: '', subjectCN: cn, serial: '01', notBefore: '', notAfter: '',
    san: { dns, ip: ips, email: [], uri: [] }, publicKey: { type: 'ec', label: 'EC P-256' },
    signatureAlgorithm: { oid: '', name: '' }, aia: { ocsp: [], caIssuers: [] }, fingerprint256: '',
    selfIssued: false, selfSigned: false, parseIssues: [],
  };
}

test('reasons name what was compared, raw (the report escapes them once)', () => {
  expect(matchHostname('a.test', cert(['b.test', 'c.test'])).reason).toBe('a.test does not match the SANs (b.test, c.test)');
  expect(matchHostname('10.1.1.1', cert(['x.test'])).reason).toBe('IP 10.1.1.1 does not match (the certificate has no IP SANs; DNS names and CN never match an IP)');
  expect(matchHostname('a.test', cert(['a\x1b[2J.test'])).reason).toBe('a.test does not match the SANs (a\x1b[2J.test)');
  expect(matchHostname('a*b', cert(['a.test'])).reason).toBe('"a*b" is not a valid host name');
  // The URL host parser would stop at the slash and check "localhost".
  expect(matchHostname('localhost/x', cert(['localhost'])).ok).toBe(false);
  expect(matchHostname('cn.example', cert([], ['10.0.0.1'], ['cn.example'])).reason).toBe(
    'cn.example does not match: no DNS SANs, and the CN is not used when there are IP SANs (10.0.0.1)',
  );
});

test('ipBytes and canonicalIp', () => {
  expect(ipBytes('::ffff:1.2.3.4')?.toString('hex')).toBe('00000000000000000000ffff01020304');
  expect(ipBytes('1::')?.toString('hex')).toBe('00010000000000000000000000000000');
  expect(ipBytes('fe80::1%eth0')?.toString('hex')).toBe('fe800000000000000000000000000001');
  expect(ipBytes('10.0.0.1')?.toString('hex')).toBe('0a000001');
  expect(ipBytes('010.0.0.1')).toBeUndefined();
  expect(canonicalIp('0:0::1')).toBe('::1');
  expect(canonicalIp('[::ffff:1.2.3.4]')).toBe('::ffff:102:304');
  expect(canonicalIp('host')).toBeUndefined();
});
