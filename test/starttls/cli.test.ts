// STARTTLS on the command line: the protocol from the well-known port, `--starttls none`,
// --xmpp-host's checks, a --save capture replayed with its dialogue, check and scan through
// STARTTLS (exit 11 when it fails; scan's STARTTLS findings).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { starttlsSettings } from '../../src/cli/options.js';
import { starttlsForPort } from '../../src/capture/starttls/index.js';
import { UsageError } from '../../src/errors.js';
import { HAPPY_SCRIPTS, startScriptedServer } from '../helpers/starttls-fake.js';
import { runCli } from '../helpers/cli.js';
import { demoPaths } from '../helpers/servers.js';
import { expectSchemaValid } from '../helpers/schema.js';

describe('choosing the protocol', () => {
  it('follows the well-known ports the issue lists, and nothing else', () => {
    const ports: Array<[number, string | undefined]> = [
      [25, 'smtp'],
      [587, 'smtp'],
      [143, 'imap'],
      [110, 'pop3'],
      [21, 'ftp'],
      [389, 'ldap'],
      [5222, 'xmpp'],
      [5269, 'xmpp-server'],
      [5432, 'postgres'],
      [3306, 'mysql'],
      [119, 'nntp'],
      [4190, 'sieve'],
      [443, undefined],
      [465, undefined],
      [993, undefined],
      [636, undefined],
    ];
    expect(ports.map(([p]) => [p, starttlsForPort(p)])).toEqual(ports);
  });

  it('--starttls overrides the port, none turns it off, --xmpp-host needs XMPP', () => {
    expect(starttlsSettings({}, 25)).toEqual({ starttls: 'smtp' });
    expect(starttlsSettings({ starttls: 'none' }, 25)).toEqual({});
    expect(starttlsSettings({ starttls: 'imap' }, 8143)).toEqual({ starttls: 'imap' });
    expect(starttlsSettings({ xmppHost: 'Bücher.example' }, 5222)).toEqual({ starttls: 'xmpp', xmppHost: 'xn--bcher-kva.example' });
    expect(() => starttlsSettings({ xmppHost: 'example.org' }, 443)).toThrow(UsageError);
    expect(() => starttlsSettings({ starttls: 'xmpp', xmppHost: '10.0.0.1' }, 443)).toThrow(/is not a valid domain name/);
  });

  it('refuses an unknown protocol before connecting (exit 2)', async () => {
    const r = await runCli(['--starttls', 'gopher', '127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--starttls <protocol>' argument 'gopher' is invalid\. Allowed choices are smtp, lmtp, imap, pop3, ftp, ldap, xmpp, xmpp-server, postgres, mysql, nntp, sieve, none/);
  });
});

describe('a STARTTLS capture saved and replayed', () => {
  it('replays the dialogue exactly as the live trace showed it', async () => {
    const server = await startScriptedServer(HAPPY_SCRIPTS.pop3);
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-starttls-'));
    try {
      const file = path.join(dir, 'pop3.json');
      const live = await runCli(['--starttls', 'pop3', '--json', '--save', file, '--timeout', '10000', `127.0.0.1:${server.port}`]);
      expect(live.code).toBe(0);
      const replay = await runCli(['replay', '--json', file]);
      expect(replay.code).toBe(0);
      const a = JSON.parse(live.stdout) as { prologue: unknown; timings: unknown };
      const b = JSON.parse(replay.stdout) as { prologue: unknown; timings: unknown };
      expect(b.prologue).toEqual(a.prologue);
      expect(b.timings).toEqual(a.timings);
      const text = await runCli(['replay', file]);
      expect(text.stdout).toMatch(/^Before TLS · POP3 · 5 plaintext steps$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });
});

describe('check and scan through STARTTLS', () => {
  it('check: valid through SMTP, and STARTTLS refused is exit 11 with the server words', async () => {
    const good = await startScriptedServer(HAPPY_SCRIPTS.smtp);
    const refuse = await startScriptedServer(async (io) => {
      io.write('220 hi\r\n');
      await io.readLine();
      io.write('250-hi\r\n250 STARTTLS\r\n');
      await io.readLine();
      io.write('454 no TLS today\r\n');
    });
    try {
      const ok = await runCli(['check', '--starttls', 'smtp', '--ca', demoPaths.root, '--servername', 'localhost', '--json', `127.0.0.1:${good.port}`]);
      const okJson = JSON.parse(ok.stdout) as { results: Array<{ status: string; starttls: string }> };
      expectSchemaValid('check', okJson);
      expect([ok.code, okJson.results[0].status, okJson.results[0].starttls]).toEqual([0, 'valid', 'smtp']);
      const bad = await runCli(['check', '--starttls', 'smtp', '--ca', demoPaths.root, '--json', `127.0.0.1:${refuse.port}`, `127.0.0.1:${good.port}`]);
      const badJson = JSON.parse(bad.stdout) as { results: Array<{ exitCode: number; error?: { code: string; message: string } }> };
      expect(bad.code).toBe(11);
      expect(badJson.results[0].exitCode).toBe(11);
      expect(badJson.results[0].error?.code).toBe('starttls-refused');
      expect(badJson.results[0].error?.message).toMatch(/refused STARTTLS: 454 no TLS today$/);
    } finally {
      await good.close();
      await refuse.close();
    }
  });

  it('scan: every probe repeats the dialogue; the STARTTLS findings are in the table and the JSON', async () => {
    const server = await startScriptedServer(HAPPY_SCRIPTS.smtp);
    try {
      const r = await runCli(['scan', '--starttls', 'smtp', '--json', '--timeout', '10000', `127.0.0.1:${server.port}`]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as { starttls: { protocol: string; starttlsRequired: boolean; plaintextAuth: string[] }; findings: Array<{ id: string; reason: string }>; stats: { connections: number; probes: number; nodeHandshakes: number } };
      expectSchemaValid('scan', json);
      expect(json.starttls).toMatchObject({ protocol: 'smtp', starttlsRequired: false, plaintextAuth: ['AUTH PLAIN', 'AUTH LOGIN'] });
      const ids = json.findings.map((f) => f.id);
      expect(ids).toEqual(expect.arrayContaining(['starttls-not-required', 'plaintext-auth-before-tls']));
      expect(json.findings.find((f) => f.id === 'plaintext-auth-before-tls')?.reason).toBe('AUTH PLAIN, AUTH LOGIN advertised before TLS: a client may send its password in the clear');
      // One plaintext-only dialogue first, then each probe and Node handshake on its own connection.
      expect(server.connections()).toBe(1 + json.stats.probes + json.stats.nodeHandshakes);
      expect(json.stats.connections).toBe(server.connections());
      const text = await runCli(['scan', '--starttls', 'smtp', '--timeout', '10000', `127.0.0.1:${server.port}`]);
      expect(text.stdout).toMatch(/^ {2}through STARTTLS smtp \(every probe repeats the plaintext dialogue\) · TLS not required$/m);
      expect(text.stdout).toMatch(/MEDIUM +STARTTLS offered but not required \[starttls-not-required\]: the server offers AUTH PLAIN, AUTH LOGIN before TLS: an attacker/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('scan: XMPP with <required/> has no not-required finding; a refused STARTTLS is exit 11', async () => {
    const xmpp = await startScriptedServer(HAPPY_SCRIPTS.xmpp);
    const pg = await startScriptedServer(async (io) => {
      await io.readBytes(8);
      io.write('N');
    });
    try {
      const r = await runCli(['scan', '--starttls', 'xmpp', '--json', '--timeout', '10000', `127.0.0.1:${xmpp.port}`]);
      const json = JSON.parse(r.stdout) as { starttls: { starttlsRequired: boolean }; findings: Array<{ id: string }> };
      expect(json.starttls.starttlsRequired).toBe(true);
      expect(json.findings.map((f) => f.id)).not.toContain('starttls-not-required');
      const refused = await runCli(['scan', '--starttls', 'postgres', '--timeout', '10000', `127.0.0.1:${pg.port}`]);
      expect(refused.code).toBe(11);
      expect(refused.stderr).toMatch(/^tls-trace: 127\.0\.0\.1:\d+ refused TLS: it answered the PostgreSQL SSLRequest with 'N'/);
      expect(pg.connections()).toBe(1);
    } finally {
      await xmpp.close();
      await pg.close();
    }
  }, 60_000);
});
