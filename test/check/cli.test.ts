// End to end: each PKI variant served from a loopback TLS server, `main(['check', …])` in-process,
// asserting the exact status, failing checks and exit code; verdicts cross-checked with
// `openssl s_client -verify_return_error` against the same live server.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { main } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { testPki } from '../chain/helpers/pki.js';
import { hasTool, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { hostFor, startVariant, testContext } from './helpers.js';
import { parseValid, parseValidLines } from '../helpers/schema.js';

const pki = testPki();
const root = pki.file('root.pem');

interface Expect {
  status: 'valid' | 'expiring' | 'invalid';
  exit: number;
  failed: string[];
}

const expectations: Record<string, Expect> = {
  'good-rsa': { status: 'valid', exit: 0, failed: [] },
  'good-ecdsa': { status: 'valid', exit: 0, failed: [] },
  ed25519: { status: 'valid', exit: 0, failed: [] },
  expired: { status: 'invalid', exit: 8, failed: ['validity'] },
  notyet: { status: 'invalid', exit: 8, failed: ['validity'] },
  expiring: { status: 'expiring', exit: 9, failed: ['expiry.soon'] },
  selfsigned: { status: 'invalid', exit: 8, failed: ['trust'] },
  wronghost: { status: 'invalid', exit: 8, failed: ['hostname'] },
  untrusted: { status: 'invalid', exit: 8, failed: ['trust'] },
  incomplete: { status: 'invalid', exit: 8, failed: ['trust'] },
  outoforder: { status: 'valid', exit: 0, failed: ['sent.order'] },
  rsa1024: { status: 'invalid', exit: 8, failed: ['weak.key'] },
  sha1: { status: 'invalid', exit: 8, failed: ['weak.signature'] },
  wildcard: { status: 'valid', exit: 0, failed: [] },
  ipsan: { status: 'valid', exit: 0, failed: [] },
  clientauth: { status: 'invalid', exit: 8, failed: ['leaf.eku'] },
  longvalid: { status: 'valid', exit: 0, failed: [] },
  pathlen: { status: 'invalid', exit: 8, failed: ['link.pathLen'] },
  duplicate: { status: 'valid', exit: 0, failed: ['sent.duplicates'] },
  extra: { status: 'valid', exit: 0, failed: ['sent.extra'] },
};

const servers = new Map<string, TestServer>();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-check-'));
  // TLS 1.2 so the Certificate message is readable on the wire and the chain "as sent" is checked.
  for (const v of Object.keys(expectations)) servers.set(v, await startVariant(pki, v, { maxVersion: 'TLSv1.2' }));
  servers.set('tls13', await startVariant(pki, 'outoforder', { minVersion: 'TLSv1.3' }));
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function argsFor(variant: string, server = variant): string[] {
  const s = servers.get(server) as TestServer;
  const host = hostFor(variant);
  return [`127.0.0.1:${s.port}`, ...(host ? ['--servername', host] : [])];
}

async function check(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const ctx = testContext(env);
  // The test PKI's leaf names an OCSP responder on a .test domain that does not exist: these cases
  // judge the chain itself; revocation has its own suite (test/check/revocation.test.ts).
  const code = await main(['check', '--no-color', '--timeout', '5000', '--revocation', 'off', ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

async function checkJson(args: string[], env: Record<string, string> = {}): Promise<{ code: number; doc: CheckJson }> {
  const r = await check([...args, '--json'], env);
  return { code: r.code, doc: parseValid<CheckJson>('check', r.out) };
}

const failedChecks = (doc: CheckJson, i = 0): string[] =>
  [...new Set((doc.results[i].chain?.facts ?? []).filter((f) => !f.ok && f.severity !== 'info').map((f) => f.check))].sort();

function sClientVerifies(port: number, host: string | undefined): Promise<boolean> {
  const hostArgs = host ? ['-verify_hostname', host, '-servername', host] : ['-verify_ip', '127.0.0.1'];
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-verify_return_error', '-CAfile', root, '-auth_level', '2', '-purpose', 'sslserver', ...hostArgs];
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 10_000 }, (err) => resolve(!err));
    child.stdin?.end();
  });
}

describe.each(Object.entries(expectations))('check %s', (variant, e) => {
  test(`→ ${e.status}, exit ${e.exit}`, async () => {
    const { code, doc } = await checkJson([...argsFor(variant), '--ca', root]);
    expect(doc.results[0].status).toBe(e.status);
    expect(failedChecks(doc)).toEqual(e.failed);
    expect(doc.results[0].chain?.source).toBe('decoded');
    expect(code).toBe(e.exit);
    expect(doc.exitCode).toBe(e.exit);
  });
});

const describeOpenssl = hasTool('openssl') || process.env.CI ? describe : describe.skip;
describeOpenssl('verdicts agree with openssl s_client -verify_return_error', () => {
  // s_client fails expiring-but-valid as valid, and so do we (exit 9 is not "invalid").
  test.each(Object.keys(expectations))('%s', async (variant) => {
    const ok = await sClientVerifies((servers.get(variant) as TestServer).port, hostFor(variant));
    expect(ok).toBe(expectations[variant].status !== 'invalid');
  });
});

describe('human output', () => {
  test('one target: chain table, verdict line naming the problem, no colour', async () => {
    const r = await check([...argsFor('incomplete'), '--ca', root]);
    expect(r.code).toBe(8);
    expect(r.out).not.toContain('\x1b[');
    // The table keeps to 100 columns (no terminal): the issuer wraps within its column.
    expect(r.out).toMatch(/^│ #0\s+│ localhost\s+│ tls-trace\s+│/m);
    const issuerColumn = r.out.split('\n').filter((l) => l.startsWith('│')).map((l) => (l.split('│')[3] ?? '').replace(/\s+/g, '')).join('');
    expect(issuerColumn).toContain('tls-traceTestIntermediateCA');
    expect(r.out).toContain(
      'Verdict: INVALID — missing intermediate: issuer "O=tls-trace test, CN=tls-trace Test Intermediate CA" of "O=tls-trace test, CN=localhost" was neither sent nor in the trust store; AIA CA Issuers: http://ca.tls-trace.test/intermediate.der',
    );
    expect(r.out).toMatch(/1 target: 0 valid, 0 expiring, 1 invalid, 0 failed .* → exit 8\n$/);
  });

  test('several targets: summary sorted by days left, failures first; precedence invalid > expiring', async () => {
    const targets = ['good-rsa', 'expiring', 'expired'].map((v) => `127.0.0.1:${(servers.get(v) as TestServer).port}`);
    const r = await check([...targets, '--servername', 'localhost', '--ca', root]);
    expect(r.code).toBe(8);
    const rows = r.out.split('\n').filter((l) => l.startsWith('│ 127.0.0.1'));
    expect(rows.map((l) => l.split('│')[2].trim())).toEqual(['INVALID', 'EXPIRING', 'VALID']);
    // The expired leaf ended 10 days (and a few seconds) ago: -10, as its reason says "10 days ago".
    expect(rows.map((l) => Number(l.split('│')[3].trim()))).toEqual([-10, 9, 89]);
  });

  test('progress on stderr only when stderr is a terminal', async () => {
    const targets = ['good-rsa', 'expired'].map((v) => `127.0.0.1:${(servers.get(v) as TestServer).port}`);
    const ctx = testContext();
    ctx.stderrIsTTY = true;
    await main(['check', ...targets, '--servername', 'localhost', '--ca', root, '--no-color'], ctx);
    expect(ctx.err()).toContain('checking 2/2');
    expect(ctx.err().endsWith('\r\x1b[2K')).toBe(true);
    expect(ctx.out()).not.toContain('checking');
    const quiet = await check([...targets, '--servername', 'localhost', '--ca', root]);
    expect(quiet.err).toBe('');
  });

  test('TLS 1.3: the Certificate message is decrypted, said so, and out-of-order is seen', async () => {
    const r = await check([...argsFor('outoforder', 'tls13'), '--ca', root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Certificates read from the decrypted TLS 1.3 Certificate message.');
    expect(r.out).toContain('Verdict: VALID — warnings: sent out of order');
  });
});

describe('options', () => {
  test('--at in 100 days: the good leaf has expired (exit 8); --warn-days 5 accepts the expiring leaf', async () => {
    const later = new Date(Date.now() + 100 * 86_400_000).toISOString();
    const a = await checkJson([...argsFor('good-ecdsa'), '--ca', root, '--at', later]);
    expect(a.code).toBe(8);
    expect(a.doc.at).toBe(later);
    expect(failedChecks(a.doc)).toEqual(['validity']);
    const b = await check([...argsFor('expiring'), '--ca', root, '--warn-days', '5']);
    expect(b.code).toBe(0);
  });

  test('trust: private root untrusted without --ca; NODE_EXTRA_CA_CERTS is honoured and named', async () => {
    const a = await checkJson(argsFor('good-ecdsa'));
    expect(a.code).toBe(8);
    expect(a.doc.results[0].problems[0]).toMatch(/^missing issuer: issuer "O=tls-trace test, CN=tls-trace Test Root CA"/);
    const b = await checkJson(argsFor('good-ecdsa'), { NODE_EXTRA_CA_CERTS: root });
    expect(b.code).toBe(0);
    expect(b.doc.results[0].chain?.anchor).toMatchObject({ origin: 'env', file: root });
  });

  test('IPv6 target [::1]:PORT matches the IP SAN ::1', async () => {
    let server: TestServer;
    try {
      server = await startVariant(pki, 'good-ecdsa', { host: '::1' });
    } catch {
      return; // no IPv6 loopback on this machine
    }
    try {
      const r = await checkJson([`[::1]:${server.port}`, '--ca', root]);
      expect(r.doc.results[0].target).toBe(`[::1]:${server.port}`);
      expect(r.doc.results[0].chain?.facts.find((f) => f.check === 'hostname')?.reason).toBe("IP ::1 is in the certificate's IP SANs");
      expect(r.code).toBe(0);
    } finally {
      await server.close();
    }
  });

  test('--servername mismatch on the IP-SAN certificate', async () => {
    const r = await checkJson([...argsFor('ipsan'), '--servername', 'localhost', '--ca', root]);
    expect(r.code).toBe(8);
    expect(r.doc.results[0].problems).toEqual(['localhost does not match: no DNS SANs, and the CN is not used when there are IP SANs (127.0.0.1)']);
  });

  test('--ndjson: one line per target as it finishes, then a summary', async () => {
    const targets = ['good-rsa', 'wronghost'].map((v) => `127.0.0.1:${(servers.get(v) as TestServer).port}`);
    const r = await check([...targets, '--servername', 'localhost', '--ca', root, '--ndjson']);
    const lines = parseValidLines<{ type: string; status?: string; exitCode: number }>(r.out);
    expect(lines.map((l) => l.type)).toEqual(['target', 'target', 'summary']);
    expect(lines.slice(0, 2).map((l) => l.status).sort()).toEqual(['invalid', 'valid']);
    expect(lines[2].exitCode).toBe(8);
    expect(r.code).toBe(8);
  });

  test('--junit: one testcase per target, failures with messages, XML-escaped', async () => {
    const file = path.join(dir, 'junit.xml');
    const targets = ['good-rsa', 'expired', 'expiring'].map((v) => `127.0.0.1:${(servers.get(v) as TestServer).port}`);
    const r = await check([...targets, '--servername', 'localhost', '--ca', root, '--junit', file]);
    expect(r.code).toBe(8);
    const xml = readFileSync(file, 'utf8');
    expect(xml.match(/<testcase /g)?.length).toBe(3);
    expect(xml).toContain('tests="3" failures="2" errors="0"');
    expect(xml).toContain('<failure type="invalid" message="leaf expired ');
    expect(xml).toContain('<failure type="expiring" message="leaf expires in 9 days');
    if (hasTool('python3')) {
      const parsed = await new Promise<string>((resolve, reject) =>
        execFile('python3', ['-c', 'import sys,xml.dom.minidom as m; d=m.parse(sys.argv[1]); print(len(d.getElementsByTagName("testcase")))', file], (err, out) => (err ? reject(err) : resolve(out.trim()))),
      );
      expect(parsed).toBe('3');
    }
  });
});

describe('OCSP stapling end to end', () => {
  function ocspResponse(): Buffer {
    const req = path.join(dir, 'req.der');
    const resp = path.join(dir, 'resp.der');
    writeFileSync(`${pki.file('ca-db/index.txt')}.attr`, 'unique_subject = no\n');
    execFileSync('openssl', ['ocsp', '-issuer', pki.file('intermediate.pem'), '-cert', pki.file('good-ecdsa.pem'), '-no_nonce', '-reqout', req], { stdio: 'pipe' });
    execFileSync('openssl', ['ocsp', '-index', pki.file('ca-db/index.txt'), '-rsigner', pki.file('ocsp.pem'), '-rkey', pki.file('ocsp.key'), '-CA', pki.file('intermediate.pem'), '-reqin', req, '-respout', resp, '-ndays', '7'], { stdio: 'pipe' });
    return readFileSync(resp);
  }

  test.each(['TLSv1.2', 'TLSv1.3'] as const)('Node server stapling over %s: status good, responder named', async (version) => {
    const resp = ocspResponse();
    // startNodeTlsServer does not expose the tls.Server, and stapling needs its OCSPRequest event.
    const srv = tls.createServer({ ...pki.serverOptions('good-ecdsa'), maxVersion: version, minVersion: version }, (s) => s.end());
    srv.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r: Buffer) => void) => cb(null, resp));
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const r = await checkJson([`127.0.0.1:${port}`, '--servername', 'localhost', '--ca', root]);
      expect(r.code).toBe(0);
      expect(r.doc.results[0].chain?.ocsp?.responses[0].status).toBe('good');
      expect(r.doc.results[0].chain?.ocsp?.responder).toBe('O=tls-trace test, CN=tls-trace Test OCSP Responder');
      const facts = (r.doc.results[0].chain?.facts ?? []).filter((f) => f.check.startsWith('ocsp.'));
      expect(facts.map((f) => [f.check, f.ok])).toEqual([
        ['ocsp.match', true],
        ['ocsp.status', true],
        ['ocsp.fresh', true],
        ['ocsp.signature', true],
      ]);
      const human = await check([`127.0.0.1:${port}`, '--servername', 'localhost', '--ca', root]);
      expect(human.out).toMatch(/OCSP staple: good \(produced .*responder O=tls-trace test, CN=tls-trace Test OCSP Responder\)/);
    } finally {
      await new Promise<void>((res) => srv.close(() => res()));
    }
  });
});

describeOpenssl('OCSP stapling from openssl s_server -status_file', () => {
  test('TLS 1.2 CertificateStatus: good, decoded from the wire', async () => {
    const req = path.join(dir, 's-req.der');
    const resp = path.join(dir, 's-resp.der');
    writeFileSync(`${pki.file('ca-db/index.txt')}.attr`, 'unique_subject = no\n');
    execFileSync('openssl', ['ocsp', '-issuer', pki.file('intermediate.pem'), '-cert', pki.file('good-rsa.pem'), '-no_nonce', '-reqout', req], { stdio: 'pipe' });
    execFileSync('openssl', ['ocsp', '-index', pki.file('ca-db/index.txt'), '-rsigner', pki.file('intermediate.pem'), '-rkey', pki.file('intermediate.key'), '-CA', pki.file('intermediate.pem'), '-reqin', req, '-respout', resp, '-ndays', '3'], { stdio: 'pipe' });
    const server = await startOpensslServer(['-cert', pki.file('good-rsa.pem'), '-key', pki.file('good-rsa.key'), '-cert_chain', pki.file('intermediate.pem'), '-status_file', resp, '-tls1_2']);
    try {
      const r = await checkJson([`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', root]);
      expect(r.code).toBe(0);
      const chain = r.doc.results[0].chain;
      expect(chain?.source).toBe('decoded');
      expect(chain?.ocsp?.responses[0]).toMatchObject({ status: 'good', serial: chain?.certificates[0].certificate.serial });
      expect(chain?.ocsp?.responder).toBe('O=tls-trace test, CN=tls-trace Test Intermediate CA');
      expect(chain?.facts.find((f) => f.check === 'ocsp.signature')?.reason).toBe('OCSP response signed by the issuing CA');
    } finally {
      await server.close();
    }
  });
});

describe('connection failures and usage errors', () => {
  test('refused → 4, DNS failure → 3, not TLS → 6, silence → 5, fatal alert → 7; lowest wins', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const plain = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const silent = net.createServer(() => undefined);
    const alerting = net.createServer((s) => s.once('data', () => s.end(Buffer.from('15030300020228', 'hex'))));
    // Raw servers that do not read never see the client's FIN: destroy their sockets at the end.
    const accepted: net.Socket[] = [];
    for (const srv of [plain, silent, alerting]) srv.on('connection', (s: net.Socket) => accepted.push(s.on('error', () => undefined)));
    const listen = (s: net.Server): Promise<number> => new Promise((res) => s.listen(0, '127.0.0.1', () => res((s.address() as net.AddressInfo).port)));
    const [pPlain, pSilent, pAlert] = [await listen(plain), await listen(silent), await listen(alerting)];
    try {
      const one = async (target: string, extra: string[] = []): Promise<number> => (await check([target, ...extra])).code;
      expect(await one(`127.0.0.1:${closed}`)).toBe(4);
      const ctx = testContext();
      ctx.lookup = ((_h: string, _o: unknown, cb: (e: NodeJS.ErrnoException | null, a: string, f: number) => void) => {
        const e: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND nowhere.invalid');
        e.code = 'ENOTFOUND';
        cb(e, '', 0);
      }) as unknown as typeof ctx.lookup;
      expect(await main(['check', 'nowhere.invalid:443', '--no-color'], ctx)).toBe(3);
      expect(ctx.out()).toContain('FAILED');
      expect(await one(`127.0.0.1:${pPlain}`)).toBe(6);
      expect(await one(`127.0.0.1:${pSilent}`, ['--timeout', '300'])).toBe(5);
      expect(await one(`127.0.0.1:${pAlert}`)).toBe(7);
      // Mixed: a failure to connect outranks an invalid chain, and a failing target stops nothing.
      const mixed = await checkJson([`127.0.0.1:${pAlert}`, `127.0.0.1:${closed}`, `127.0.0.1:${(servers.get('expired') as TestServer).port}`, '--servername', 'localhost', '--ca', root]);
      expect(mixed.code).toBe(4);
      expect(mixed.doc.counts).toEqual({ valid: 0, expiring: 0, critical: 0, invalid: 1, error: 2 });
    } finally {
      for (const s of accepted) s.destroy();
      await Promise.all([plain, silent, alerting].map((s) => new Promise<void>((res) => s.close(() => res()))));
    }
  });

  test.each([
    [[], 'no targets'],
    [['--targets', '/nonexistent/targets.txt'], 'cannot read --targets'],
    [['x.test', '--at', 'tomorrow'], 'bad --at'],
    [['x.test', '--json', '--ndjson'], 'exclude each other'],
    [['x.test', '--warn-days', '-3'], 'bad --warn-days'],
    [['x.test', '--concurrency', '0'], 'bad --concurrency'],
    [['x.test', '--ca', '/nonexistent/ca.pem'], 'cannot read --ca'],
    [['http://x.test/'], 'is a URL'],
  ])('usage error %j → 2', async (args, message) => {
    const r = await check(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  test('an uncreatable --junit file → 10 (a write failure) before any connection', async () => {
    const r = await check(['x.test', '--junit', '/nonexistent/dir/j.xml']);
    expect(r.code).toBe(ExitCode.write);
    expect(r.err).toBe('tls-trace: cannot write --junit /nonexistent/dir/j.xml: no such file (ENOENT)\n');
  });

  test('--targets file: comments, blank lines; empty file is a usage error', async () => {
    const list = path.join(dir, 'targets.txt');
    writeFileSync(list, `# fleet\n\n127.0.0.1:${(servers.get('good-rsa') as TestServer).port}  # the good one\n   \n`);
    const r = await check(['--targets', list, '--servername', 'localhost', '--ca', root]);
    expect(r.code).toBe(0);
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '# nothing\n\n');
    const e = await check(['--targets', empty]);
    expect(e.code).toBe(2);
    expect(e.err).toContain('lists no targets');
  });
});
