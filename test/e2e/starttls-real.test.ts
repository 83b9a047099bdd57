// STARTTLS against the real Debian servers (r13-servers' helpers): for every protocol, trace,
// check and scan succeed through the plaintext dialogue, and the version, cipher suite and chain
// agree with `openssl s_client -starttls PROTO` against the same server. The same daemons with TLS
// switched off give tls-trace's one line and exit 11.

import { describeWithServers, type RealServer } from '../helpers/real-servers/common.js';
import { hasLmtp, hasManageSieve, startDovecot } from '../helpers/real-servers/dovecot.js';
import { startExim } from '../helpers/real-servers/exim.js';
import { startMariadb } from '../helpers/real-servers/mariadb.js';
import { canRunNnrpd, startNnrpd } from '../helpers/real-servers/nnrpd.js';
import { startPostgres } from '../helpers/real-servers/postgres.js';
import { startProsody } from '../helpers/real-servers/prosody.js';
import { startSlapd } from '../helpers/real-servers/slapd.js';
import { startVsftpd } from '../helpers/real-servers/vsftpd.js';
import { requireTool } from '../helpers/servers.js';
import { runCli } from '../helpers/cli.js';
import { sClientFacts, versionName, type SClientFacts } from '../helpers/s-client.js';

const hasOpenssl = requireTool('openssl');

interface Proto {
  proto: string;
  port: (s: RealServer) => number;
  /** --xmpp-host for tls-trace and -xmpphost for s_client. */
  xmppHost?: string;
  runnable?: boolean;
}

interface ServerCase {
  title: string;
  binaries: string[];
  start: () => Promise<RealServer>;
  protos: Proto[];
  runnable?: boolean;
}

const main = (s: RealServer): number => s.port;
const CASES: ServerCase[] = [
  { title: 'exim4', binaries: ['exim4'], start: () => startExim(), protos: [{ proto: 'smtp', port: main }] },
  {
    title: 'dovecot',
    binaries: ['dovecot'],
    start: () => startDovecot(),
    protos: [
      { proto: 'imap', port: (s) => s.ports.imap },
      { proto: 'pop3', port: (s) => s.ports.pop3 },
      { proto: 'sieve', port: (s) => s.ports.sieve, runnable: hasManageSieve() || Boolean(process.env.CI) },
      { proto: 'lmtp', port: (s) => s.ports.lmtp, runnable: hasLmtp() || Boolean(process.env.CI) },
    ],
  },
  { title: 'postgresql', binaries: ['initdb', 'postgres'], start: () => startPostgres(), protos: [{ proto: 'postgres', port: main }] },
  { title: 'mariadb', binaries: ['mariadb-install-db', 'mariadbd'], start: () => startMariadb(), protos: [{ proto: 'mysql', port: main }] },
  { title: 'slapd', binaries: ['slapd'], start: () => startSlapd(), protos: [{ proto: 'ldap', port: main }] },
  { title: 'vsftpd', binaries: ['vsftpd'], start: () => startVsftpd(), protos: [{ proto: 'ftp', port: main }] },
  {
    title: 'prosody',
    binaries: ['prosody'],
    start: () => startProsody(),
    protos: [
      { proto: 'xmpp', port: (s) => s.ports.c2s, xmppHost: 'localhost' },
      { proto: 'xmpp-server', port: (s) => s.ports.s2s, xmppHost: 'localhost' },
    ],
  },
  { title: 'INN nnrpd', binaries: ['nnrpd', 'makehistory'], start: () => startNnrpd(), protos: [{ proto: 'nntp', port: main }], runnable: canRunNnrpd() },
];

interface TraceJson {
  prologue?: { protocol: string; wentAhead: boolean; steps: Array<{ role: string }> };
  negotiated: { version: { value: { name: string } }; cipherSuite: { value: { name: string; openssl?: string } } };
  chain?: { certificates: Array<{ sentIndex?: number; certificate: { fingerprint256: string } }> };
}

function sentChain(json: TraceJson): string[] {
  return (json.chain?.certificates ?? [])
    .filter((c) => typeof c.sentIndex === 'number')
    .sort((a, b) => (a.sentIndex ?? 0) - (b.sentIndex ?? 0))
    .map((c) => c.certificate.fingerprint256);
}

function protoArgs(p: Proto): string[] {
  return ['--starttls', p.proto, ...(p.xmppHost ? ['--xmpp-host', p.xmppHost] : [])];
}

for (const c of CASES) {
  (hasOpenssl && (c.runnable ?? true) ? describeWithServers(...c.binaries) : describe.skip)(`${c.title} through STARTTLS`, () => {
    let server: RealServer | undefined;
    const ref = new Map<string, SClientFacts>();
    beforeAll(async () => {
      server = await c.start();
      for (const p of c.protos) {
        ref.set(p.proto, await sClientFacts(p.proto, server.host, p.port(server), ['-CAfile', server.caFile, ...(p.xmppHost ? ['-xmpphost', p.xmppHost] : [])]));
      }
    }, 180_000);
    afterAll(async () => {
      await server?.stop();
    }, 30_000);
    const get = (): RealServer => {
      if (!server) throw new Error(`${c.title} did not start`);
      return server;
    };

    for (const p of c.protos) {
      const maybe = (p.runnable ?? true) ? it : it.skip;
      maybe(`trace --starttls ${p.proto}: the dialogue, then the version, suite and chain s_client saw`, async () => {
        const s = get();
        const facts = ref.get(p.proto);
        expect(facts?.protocol).toBeDefined();
        const r = await runCli([...protoArgs(p), '--timeout', '20000', '--ca', s.caFile, '--json', `${s.host}:${p.port(s)}`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        const json = JSON.parse(r.stdout) as TraceJson;
        expect(json.prologue?.protocol).toBe(p.proto);
        expect(json.prologue?.wentAhead).toBe(true);
        expect(json.negotiated.version.value.name).toBe(versionName(facts?.protocol));
        expect(json.negotiated.cipherSuite.value.openssl ?? json.negotiated.cipherSuite.value.name).toBe(facts?.cipher);
        expect(sentChain(json)).toEqual(facts?.chain);
        expect(facts?.chain).toHaveLength(2);
      }, 60_000);

      maybe(`check --starttls ${p.proto}: valid, at the version s_client negotiated`, async () => {
        const s = get();
        const r = await runCli(['check', ...protoArgs(p), '--timeout', '20000', '--ca', s.caFile, '--servername', 'localhost', '--json', `${s.host}:${p.port(s)}`]);
        const json = JSON.parse(r.stdout) as { results: Array<{ status: string; starttls?: string; protocol?: { name: string }; error?: unknown }> };
        expect({ code: r.code, result: json.results[0].status, error: json.results[0].error }).toEqual({ code: 0, result: 'valid', error: undefined });
        expect(json.results[0].starttls).toBe(p.proto);
        expect(json.results[0].protocol?.name).toBe(versionName(ref.get(p.proto)?.protocol));
      }, 60_000);

      maybe(`scan --starttls ${p.proto}: every probe through the dialogue; s_client's version and suite among the accepted`, async () => {
        const s = get();
        const facts = ref.get(p.proto);
        const r = await runCli(['scan', ...protoArgs(p), '--timeout', '15000', '--concurrency', '4', '--json', `${s.host}:${p.port(s)}`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        const json = JSON.parse(r.stdout) as {
          starttls?: { protocol: string };
          protocols: Array<{ version: { name: string }; supported: boolean; suites: Array<{ name: string; openssl?: string }> }>;
          certificates: Array<{ fingerprint256: string }>;
        };
        expect(json.starttls?.protocol).toBe(p.proto);
        const version = json.protocols.find((v) => v.version.name === versionName(facts?.protocol));
        expect(version?.supported).toBe(true);
        expect(version?.suites.map((x) => x.openssl ?? x.name)).toContain(facts?.cipher);
        expect(json.certificates.map((x) => x.fingerprint256)).toContain(facts?.chain[0]);
      }, 240_000);
    }
  });
}

/** The same daemons with TLS switched off: tls-trace's one line and exit 11, the dialogue shown. */
interface OffCase {
  title: string;
  binaries: string[];
  proto: string;
  start: () => Promise<RealServer>;
  line: RegExp;
  xmppHost?: string;
  runnable?: boolean;
}

const OFF_CASES: OffCase[] = [
  { title: 'exim4 without STARTTLS', binaries: ['exim4'], proto: 'smtp', start: () => startExim({ starttls: false }), line: /^127\.0\.0\.1:\d+ does not offer STARTTLS: its SMTP capabilities are / },
  { title: 'dovecot without STARTTLS', binaries: ['dovecot'], proto: 'imap', start: () => startDovecot({ starttls: false }), line: /^127\.0\.0\.1:\d+ does not offer STARTTLS: its IMAP capabilities are / },
  { title: 'postgresql ssl = off', binaries: ['initdb', 'postgres'], proto: 'postgres', start: () => startPostgres({ ssl: false }), line: /^127\.0\.0\.1:\d+ refused TLS: it answered the PostgreSQL SSLRequest with 'N'/ },
  { title: 'mariadb without TLS', binaries: ['mariadb-install-db', 'mariadbd'], proto: 'mysql', start: () => startMariadb({ ssl: false }), line: /^127\.0\.0\.1:\d+ does not offer TLS: its MySQL handshake lacks the CLIENT_SSL capability$/ },
  { title: 'slapd without TLS', binaries: ['slapd'], proto: 'ldap', start: () => startSlapd({ tls: false }), line: /^127\.0\.0\.1:\d+ refused StartTLS: LDAP resultCode 2 \(protocolError\)/ },
  { title: 'vsftpd without TLS', binaries: ['vsftpd'], proto: 'ftp', start: () => startVsftpd({ tls: false }), line: /^127\.0\.0\.1:\d+ (does not offer AUTH TLS|refused AUTH TLS: 5\d\d )/ },
  { title: 'prosody without TLS', binaries: ['prosody'], proto: 'xmpp', xmppHost: 'localhost', start: () => startProsody({ tls: false }), line: /^127\.0\.0\.1:\d+ does not offer STARTTLS: its XMPP stream features for localhost hold no <starttls\/>$/ },
  { title: 'nnrpd without TLS', binaries: ['nnrpd', 'makehistory'], proto: 'nntp', start: () => startNnrpd({ tls: false }), line: /^127\.0\.0\.1:\d+ (does not offer STARTTLS|refused STARTTLS: 580 )/, runnable: canRunNnrpd() },
];

describe('real servers with TLS switched off', () => {
  for (const c of OFF_CASES) {
    const runs = (c.runnable ?? true) && describeWithServers(...c.binaries) === describe;
    (runs ? it : it.skip)(`${c.title}: exit 11 with one line, the dialogue shown`, async () => {
      const server = await c.start();
      try {
        const r = await runCli(['--starttls', c.proto, ...(c.xmppHost ? ['--xmpp-host', c.xmppHost] : []), '--timeout', '20000', `${server.host}:${server.port}`]);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr.replace(/^tls-trace: /, '').trimEnd()).toMatch(c.line);
        expect(r.code).toBe(11);
        expect(r.stdout).toMatch(/^Before TLS · /m);
        const scan = await runCli(['scan', '--starttls', c.proto, ...(c.xmppHost ? ['--xmpp-host', c.xmppHost] : []), '--timeout', '20000', `${server.host}:${server.port}`]);
        expect({ code: scan.code, line: scan.stderr.replace(/^tls-trace: /, '').trimEnd() }).toEqual({ code: 11, line: expect.stringMatching(c.line) });
      } finally {
        await server.stop();
      }
    }, 180_000);
  }
});

// exim4 advertising AUTH PLAIN before TLS, or only once TLS is on: the STARTTLS findings follow
// what the real server says in plaintext, in the trace's prologue and in scan's findings.
describeWithServers('exim4')('exim4 AUTH before or only after TLS', () => {
  it.each([
    ['plaintext', ['starttls-not-required', 'plaintext-auth-before-tls']],
    ['tls-only', []],
  ] as const)('auth %s: findings %j', async (auth, expected) => {
    const server = await startExim({ auth });
    try {
      const target = `${server.host}:${server.port}`;
      const trace = await runCli(['--starttls', 'smtp', '--json', '--timeout', '20000', target]);
      const prologue = (JSON.parse(trace.stdout) as { prologue: { plaintextAuth: string[]; findings: Array<{ id: string }> } }).prologue;
      expect(prologue.findings.map((f) => f.id)).toEqual(expected);
      expect(prologue.plaintextAuth).toEqual(auth === 'plaintext' ? ['AUTH PLAIN'] : []);
      const scan = await runCli(['scan', '--starttls', 'smtp', '--json', '--timeout', '15000', '--concurrency', '4', target]);
      const ids = (JSON.parse(scan.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id);
      expect(ids.filter((id) => id === 'starttls-not-required' || id === 'plaintext-auth-before-tls')).toEqual(expected);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
