// The plaintext before TLS decoded from bytes alone, as `tls-trace read` hands it over from a
// pcap (no --starttls to go by, chunks cut anywhere): the protocol recognised, a PROXY v1/v2
// header and an HTTP CONNECT exchange split off, the turns' roles, and the security facts.

import { decodePrologue } from '../../src/decode/prologue/index.js';
import { describePrologue } from '../../src/view/prologue.js';
import type { CapturePrologue, Direction } from '../../src/capture/types.js';
import { mysqlGreeting } from '../helpers/starttls-fake.js';

type Turn = [Direction, string | Buffer];

function entries(turns: Turn[], chunk = 0): CapturePrologue[] {
  const out: CapturePrologue[] = [];
  let t = 0;
  for (const [direction, data] of turns) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const size = chunk || bytes.length;
    for (let i = 0; i < bytes.length; i += size) out.push({ direction, timeMs: t++, bytes: new Uint8Array(bytes.subarray(i, i + size)) });
  }
  return out;
}

const SMTP: Turn[] = [
  ['server', '220 mx.example ESMTP\r\n'],
  ['client', 'EHLO client.example\r\n'],
  ['server', '250-mx.example\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n'],
  ['client', 'STARTTLS\r\n'],
  ['server', '220 2.0.0 go ahead\r\n'],
];

describe('decodePrologue', () => {
  it.each([[0], [1], [7]])('recognises SMTP from its bytes alone, chunks of %i bytes joined into turns', (chunk) => {
    const d = decodePrologue(entries(SMTP, chunk));
    expect(d?.protocol).toBe('smtp');
    expect(d?.recognisedFrom).toBe('bytes');
    expect(d?.turns.map((t) => t.role)).toEqual(['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead']);
    expect(d?.turns[2].lines).toEqual(['250-mx.example', '250-SIZE 1000', '250-STARTTLS', '250 AUTH PLAIN LOGIN CRAM-MD5']);
    expect(d?.capabilities).toEqual(['SIZE 1000', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5']);
    expect(d?.plaintextAuth).toEqual(['AUTH PLAIN', 'AUTH LOGIN']);
    expect(d?.starttlsOffered).toBe(true);
    expect(d?.starttlsRequired).toBe(false);
    expect(d?.wentAhead).toBe(true);
    const total = (dir: Direction): number => SMTP.filter(([d]) => d === dir).reduce((n, [, t]) => n + t.length, 0);
    expect(d?.bytes).toEqual({ client: total('client'), server: total('server') });
  });

  it('splits off a PROXY v1 header and shows it as its own step', () => {
    const d = decodePrologue(entries([['client', 'PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\n'], ...SMTP]));
    expect(d?.proxy).toEqual({ version: 1, summary: 'TCP4 203.0.113.7:51234 → 192.0.2.1:25' });
    expect(d?.protocol).toBe('smtp');
    expect(d?.turns.map((t) => t.role)).toEqual(['proxy-header', 'greeting', 'hello', 'capabilities', 'starttls', 'go-ahead']);
  });

  it('names a PROXY header with TLS right behind it after the header', () => {
    const d = decodePrologue(entries([['client', 'PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\n']]));
    expect(d).toMatchObject({ protocol: 'unknown', recognisedFrom: 'bytes', proxy: { version: 1, summary: 'TCP6 [2001:db8::1]:40000 → [2001:db8::2]:443' } });
    expect(describePrologue(d!).label).toBe('PROXY protocol v1');
  });

  it('reads a PROXY v2 header (TCP6) in the same segment as a PostgreSQL SSLRequest', () => {
    const addr = Buffer.concat([Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from('20010db8000000000000000000000002', 'hex'), Buffer.from([0xc8, 0x1f, 0x15, 0x38])]);
    const header = Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x21, 0x21, 0, addr.length]), addr]);
    const d = decodePrologue(entries([['client', Buffer.concat([header, Buffer.from('0000000804d2162f', 'hex')])], ['server', 'S']]));
    expect(d?.proxy).toEqual({ version: 2, summary: 'TCP6 [2001:db8::1]:51231 → [2001:db8::2]:5432' });
    expect(d?.protocol).toBe('postgres');
    expect(d?.turns.map((t) => [t.role, t.lines[0]])).toEqual([
      ['proxy-header', 'PROXY protocol v2: TCP6 [2001:db8::1]:51231 → [2001:db8::2]:5432'],
      ['starttls', 'SSLRequest (length 8, request code 80877103)'],
      ['go-ahead', "'S': the server is willing to start TLS"],
    ]);
  });

  it('shows an HTTP CONNECT exchange, alone or in front of a STARTTLS dialogue', () => {
    const connect: Turn[] = [
      ['client', 'CONNECT mx.example:25 HTTP/1.1\r\nHost: mx.example:25\r\n\r\n'],
      ['server', 'HTTP/1.1 200 Connection established\r\n\r\n'],
    ];
    const alone = decodePrologue(entries(connect.map(([d, t]) => [d, String(t).replace(':25', ':443')])));
    expect(alone?.protocol).toBe('http-connect');
    expect(alone?.turns.map((t) => [t.role, t.verb])).toEqual([
      ['connect-request', 'CONNECT'],
      ['connect-response', '200'],
    ]);
    const tunnelled = decodePrologue(entries([...connect, ...SMTP]));
    expect(tunnelled?.protocol).toBe('smtp');
    expect(tunnelled?.connect).toEqual({ request: 'mx.example:25', status: 'HTTP/1.1 200 Connection established' });
    expect(tunnelled?.turns.map((t) => t.role)).toEqual(['connect-request', 'connect-response', 'greeting', 'hello', 'capabilities', 'starttls', 'go-ahead']);
  });

  it('takes the --starttls protocol only when the bytes do not say, and shows unknown bytes as they are', () => {
    const odd: Turn[] = [['server', 'HELLO THERE\r\n']];
    expect(decodePrologue(entries(odd), 'nntp')).toMatchObject({ protocol: 'nntp', recognisedFrom: 'option' });
    expect(decodePrologue(entries(odd))).toMatchObject({ protocol: 'unknown', recognisedFrom: 'none', turns: [{ role: 'other', lines: ['HELLO THERE'] }] });
    expect(decodePrologue(entries(SMTP), 'imap')?.protocol).toBe('smtp');
    expect(decodePrologue([])).toBeUndefined();
  });

  it('IMAP: LOGINDISABLED means TLS is required; without it LOGIN is a cleartext login', () => {
    const imap = (caps: string): Turn[] => [
      ['server', '* OK ready\r\n'],
      ['client', 'a001 CAPABILITY\r\n'],
      ['server', `* CAPABILITY IMAP4rev1 ${caps}\r\na001 OK done\r\n`],
    ];
    expect(decodePrologue(entries(imap('STARTTLS LOGINDISABLED')))).toMatchObject({ protocol: 'imap', starttlsOffered: true, starttlsRequired: true, plaintextAuth: [] });
    expect(decodePrologue(entries(imap('STARTTLS AUTH=PLAIN')))).toMatchObject({ starttlsRequired: false, plaintextAuth: ['LOGIN command', 'AUTH=PLAIN'] });
  });

  it('POP3, ManageSieve, XMPP and MySQL facts', () => {
    const pop3 = decodePrologue(entries([['server', '+OK\r\n'], ['client', 'CAPA\r\n'], ['server', '+OK\r\nUSER\r\nSASL PLAIN GSSAPI\r\nSTLS\r\n.\r\n']]));
    expect(pop3).toMatchObject({ protocol: 'pop3', starttlsOffered: true, starttlsRequired: false, plaintextAuth: ['USER', 'SASL PLAIN'] });
    const sieve = decodePrologue(entries([['server', '"IMPLEMENTATION" "x"\r\n"SASL" "PLAIN LOGIN"\r\n"STARTTLS"\r\nOK\r\n']]));
    expect(sieve).toMatchObject({ protocol: 'sieve', starttlsOffered: true, plaintextAuth: ['SASL PLAIN', 'SASL LOGIN'] });
    const features = (inner: string): Turn[] => [
      ['client', "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='x' version='1.0'>"],
      ['server', `<?xml version='1.0'?><stream:stream xmlns='jabber:server' id='1' version='1.0'><stream:features>${inner}</stream:features>`],
    ];
    expect(decodePrologue(entries(features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>")))).toMatchObject({ protocol: 'xmpp-server', starttlsOffered: true, starttlsRequired: true });
    const optional = decodePrologue(entries(features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>")));
    expect(optional).toMatchObject({ starttlsRequired: false, plaintextAuth: ['SASL PLAIN'] });
    expect(describePrologue(optional!).findings.map((f) => f.id)).toEqual(['starttls-not-required', 'plaintext-auth-before-tls']);
    const mysql = decodePrologue(entries([['server', mysqlGreeting(0xf7fe | 0x800)]]));
    expect(mysql).toMatchObject({ protocol: 'mysql', starttlsOffered: true, capabilities: ['CLIENT_SSL'] });
    expect(mysql?.turns[0].lines[0]).toBe('handshake packet, protocol 10, server version 10.11.6-MariaDB');
  });
});
