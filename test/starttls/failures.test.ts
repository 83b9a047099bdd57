// STARTTLS failures, each from a scripted server: not offered, refused (SMTP 454, LDAP
// resultCode 2, PostgreSQL 'N', XMPP <failure/>, MySQL without CLIENT_SSL), garbage after the
// go-ahead, a server that drips or hangs, oversized lines and dialogues, a close mid-dialogue and
// another protocol. Each gets one line on stderr, its documented exit code and the dialogue shown.

import { mysqlGreeting, startScriptedServer, type Script } from '../helpers/starttls-fake.js';
import { runCli } from '../helpers/cli.js';
import { ExitCode } from '../../src/errors.js';
import { MAX_STARTTLS_LINE_BYTES, MAX_STARTTLS_PROLOGUE_BYTES } from '../../src/limits.js';

const EHLO_NO_STARTTLS = '250-mail.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n';

async function ehloThen(io: Parameters<Script>[0], ehloAnswer: string): Promise<void> {
  io.write('220 mail.test ESMTP\r\n');
  await io.readLine();
  io.write(ehloAnswer);
}

interface Case {
  name: string;
  proto: string;
  script: Script;
  code: number;
  /** The one stderr line (after `tls-trace: `), with PORT for the server's port. */
  line: RegExp;
  /** Something of the dialogue the trace shows. */
  shows?: RegExp;
  timeout?: number;
}

const CASES: Case[] = [
  {
    name: 'SMTP: STARTTLS not offered',
    proto: 'smtp',
    script: async (io) => {
      await ehloThen(io, EHLO_NO_STARTTLS);
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT does not offer STARTTLS: its SMTP capabilities are PIPELINING, AUTH PLAIN$/,
    shows: /│ 250 AUTH PLAIN/,
  },
  {
    name: 'SMTP: 454 to STARTTLS',
    proto: 'smtp',
    script: async (io) => {
      await ehloThen(io, '250-mail.test\r\n250 STARTTLS\r\n');
      await io.readLine();
      io.write('454 4.7.0 TLS not available due to temporary reason\r\n');
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT refused STARTTLS: 454 4\.7\.0 TLS not available due to temporary reason$/,
    shows: /← STARTTLS refused \(454\)/,
  },
  {
    name: 'SMTP: garbage after the go-ahead',
    proto: 'smtp',
    script: async (io) => {
      await ehloThen(io, '250-mail.test\r\n250 STARTTLS\r\n');
      await io.readLine();
      io.write('220 go ahead\r\n');
      await new Promise((r) => setTimeout(r, 50));
      io.write('this is not TLS at all\r\n');
    },
    code: ExitCode.notTls,
    line: /^127\.0\.0\.1:PORT gave its SMTP STARTTLS go-ahead but then sent bytes that are not TLS \(first bytes: 74 68 69 73 20 69 73 20\)$/,
    shows: /Go-ahead for TLS \(220\)/,
  },
  {
    name: 'SMTP: the server closes right after its go-ahead',
    proto: 'smtp',
    script: async (io) => {
      await ehloThen(io, '250-mail.test\r\n250 STARTTLS\r\n');
      await io.readLine();
      io.socket.end('220 go ahead\r\n');
    },
    code: ExitCode.handshake,
    line: /^127\.0\.0\.1:PORT closed the connection right after its SMTP STARTTLS go-ahead, before any TLS$/,
    shows: /Go-ahead for TLS \(220\)/,
  },
  {
    name: 'SMTP: a greeting that drips a byte every 100 ms',
    proto: 'smtp',
    script: async (io) => {
      for (const ch of '220 slow server ready and it goes on and on\r\n') {
        // The greeting takes 4.5 s, the test's deadline 1 s: stop once the client is gone, or the
        // drip's timers outlive the test file and keep the jest worker from exiting.
        if (io.socket.destroyed) return;
        io.write(ch);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    code: ExitCode.timeout,
    line: /^the SMTP STARTTLS dialogue with 127\.0\.0\.1:PORT did not complete within 1000 ms \(\d+ bytes received\)$/,
    timeout: 1000,
  },
  {
    name: 'SMTP: a server that never greets',
    proto: 'smtp',
    script: () => new Promise(() => undefined),
    code: ExitCode.timeout,
    line: /^no SMTP greeting from 127\.0\.0\.1:PORT within 800 ms \(if the port speaks TLS at once, add --starttls none\)$/,
    timeout: 800,
  },
  {
    name: 'SMTP: a line longer than the line cap',
    proto: 'smtp',
    script: async (io) => {
      io.write(`220 ${'x'.repeat(MAX_STARTTLS_LINE_BYTES + 100)}`);
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: new RegExp(`^the server's SMTP line is longer than ${MAX_STARTTLS_LINE_BYTES} bytes, tls-trace's limit for one line of a STARTTLS dialogue$`),
  },
  {
    name: 'SMTP: a complete line (ending in CRLF) longer than the line cap',
    proto: 'smtp',
    script: async (io) => {
      io.write(`220 ${'x'.repeat(MAX_STARTTLS_LINE_BYTES + 100)}\r\n`);
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: new RegExp(`^the server's SMTP line is longer than ${MAX_STARTTLS_LINE_BYTES} bytes, tls-trace's limit for one line of a STARTTLS dialogue$`),
  },
  {
    name: 'SMTP: capabilities past the dialogue cap',
    proto: 'smtp',
    script: async (io) => {
      io.write('220 ready\r\n');
      await io.readLine();
      for (let i = 0; i < 2000; i++) io.write(`250-CAPABILITY-NUMBER-${i} ${'y'.repeat(40)}\r\n`);
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: new RegExp(`^the SMTP dialogue passed ${MAX_STARTTLS_PROLOGUE_BYTES} bytes before TLS started, tls-trace's limit for it$`),
  },
  {
    name: 'SMTP: the server closes after its greeting',
    proto: 'smtp',
    script: async (io) => {
      io.write('220 bye\r\n');
      await io.readLine();
      io.socket.end();
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT closed the connection during the SMTP dialogue, before TLS started$/,
    shows: /→ EHLO/,
  },
  {
    name: 'SMTP asked, SSH answers',
    proto: 'smtp',
    script: async (io) => {
      io.write('SSH-2.0-OpenSSH_9.6\r\n');
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT did not answer as SMTP \(expected a 220 greeting; it sent "SSH-2\.0-OpenSSH_9\.6"\)$/,
  },
  {
    name: 'SMTP asked, the port speaks TLS at once',
    proto: 'smtp',
    script: async (io) => {
      io.write(Buffer.from('15030300020228', 'hex'));
      await io.readLine();
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT did not answer as SMTP \(it sent TLS \(the port speaks TLS at once: try --starttls none\)\)$/,
  },
  {
    name: 'PostgreSQL: N',
    proto: 'postgres',
    script: async (io) => {
      await io.readBytes(8);
      io.write('N');
      await io.readBytes(1);
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT refused TLS: it answered the PostgreSQL SSLRequest with 'N' \(the server has ssl = off\)$/,
    shows: /'N': the server will not start TLS/,
  },
  {
    name: 'LDAP: resultCode 2 (protocolError)',
    proto: 'ldap',
    script: async (io) => {
      const head = await io.readBytes(2);
      await io.readBytes(head[1]);
      // LDAPMessage { 1, extendedResp { protocolError, "", "unsupported extended operation" } }
      const diag = Buffer.from('unsupported extended operation', 'latin1');
      const op = Buffer.concat([Buffer.from([0x0a, 1, 2, 0x04, 0, 0x04, diag.length]), diag]);
      const body = Buffer.concat([Buffer.from([0x02, 1, 1, 0x78, op.length]), op]);
      io.write(Buffer.concat([Buffer.from([0x30, body.length]), body]));
      await io.readBytes(1);
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT refused StartTLS: LDAP resultCode 2 \(protocolError\): unsupported extended operation$/,
    shows: /ExtendedResponse: resultCode 2/,
  },
  {
    name: 'MySQL: no CLIENT_SSL',
    proto: 'mysql',
    script: async (io) => {
      io.write(mysqlGreeting(0xf7fe & ~0x800));
      await io.readBytes(1);
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT does not offer TLS: its MySQL handshake lacks the CLIENT_SSL capability$/,
    shows: /no CLIENT_SSL: no TLS/,
  },
  {
    name: 'XMPP: <failure/>',
    proto: 'xmpp',
    script: async (io) => {
      let t = '';
      while (!t.includes("version='1.0'>")) t += (await io.readBytes(1)).toString('latin1');
      io.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
      await io.readBytes(10);
      io.write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT refused STARTTLS: it answered <starttls\/> with <failure\/>$/,
  },
  {
    name: 'IMAP: STARTTLS answered NO',
    proto: 'imap',
    script: async (io) => {
      io.write('* OK ready\r\n');
      await io.readLine();
      io.write('* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK\r\n');
      await io.readLine();
      io.write('a002 NO [UNAVAILABLE] TLS is off today\r\n');
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT refused STARTTLS: a002 NO \[UNAVAILABLE\] TLS is off today$/,
  },
  {
    name: 'LDAP: the server answers with something else',
    proto: 'ldap',
    script: async (io) => {
      await io.readBytes(2);
      io.write('HTTP/1.1 400 Bad Request\r\n\r\n');
    },
    code: ExitCode.starttls,
    line: /^127\.0\.0\.1:PORT did not answer as LDAP \(expected an LDAP ExtendedResponse; it sent "HTTP\/1\.1 400 Bad Request\\x0d\\x0a\\x0d\\x0a"\)$/,
  },
];

describe.each(CASES.map((c) => [c.name, c]))('%s', (_name, c) => {
  it('one line, its exit code and the dialogue so far', async () => {
    const server = await startScriptedServer(c.script);
    try {
      const r = await runCli(['--starttls', c.proto, '--timeout', String(c.timeout ?? 5000), `127.0.0.1:${server.port}`]);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0].replace(/^tls-trace: /, '').replace(String(server.port), 'PORT')).toMatch(c.line);
      expect(r.code).toBe(c.code);
      if (c.shows) expect(r.stdout).toMatch(c.shows);
      expect(r.stdout).toMatch(/^ {2}outcome +\S/m);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe('peer text in the dialogue', () => {
  it('is escaped in the text, JSON and error line', async () => {
    const server = await startScriptedServer(async (io) => {
      io.write('220 \x1b]0;pwned\x07 hi\r\n');
      await io.readLine();
      io.write('250-\u202etxet\r\n250 \x1b[2J\r\n');
      await io.readLine();
    });
    try {
      const text = await runCli(['--starttls', 'smtp', '--timeout', '5000', `127.0.0.1:${server.port}`]);
      expect(text.code).toBe(ExitCode.starttls);
      expect(text.stdout + text.stderr).not.toContain('\x1b');
      expect(text.stdout + text.stderr).not.toContain('\x07');
      expect(text.stdout).toContain('│ 220 \\x1b]0;pwned\\x07 hi');
      expect(text.stdout).toContain('│ 250 \\x1b[2J');
      expect(text.stderr).toContain('\\x1b[2J');
      const json = await runCli(['--starttls', 'smtp', '--json', '--timeout', '5000', `127.0.0.1:${server.port}`]);
      const p = (JSON.parse(json.stdout) as { prologue: { steps: Array<{ lines: string[] }> } }).prologue;
      expect(p.steps[0].lines[0]).toBe('220 \\x1b]0;pwned\\x07 hi');
      // One character per byte, as for every banner: U+202E's UTF-8 bytes, the C1 one escaped.
      expect(p.steps[2].lines[0]).toBe('250-\u00e2\\x80\u00aetxet');
      expect(json.stdout).not.toContain('\u202e');
    } finally {
      await server.close();
    }
  });
});
