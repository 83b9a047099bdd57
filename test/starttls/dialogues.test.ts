// Every STARTTLS protocol against a scripted server that answers as the RFC says and then hands
// the socket to Node's tls: the trace completes, the client's plaintext is exactly the protocol's
// commands (LDAP's request checked against node-forge's ASN.1 reader, PostgreSQL's against the
// documented SSLRequest bytes), and the dialogue is shown as steps with their roles.

import forge from 'node-forge';
import { HAPPY_SCRIPTS, startScriptedServer, type ScriptedServer } from '../helpers/starttls-fake.js';
import { runCli } from '../helpers/cli.js';
import { STARTTLS_PROTOCOL_NAMES, type StarttlsProtocol } from '../../src/capture/starttls/index.js';
import { expectSchemaValid } from '../helpers/schema.js';

interface PrologueJson {
  protocol: string;
  recognisedFrom: string;
  wentAhead: boolean;
  steps: Array<{ role: string; direction: string; lines: string[]; hex: string }>;
  findings: Array<{ id: string }>;
  starttlsRequired?: boolean;
}

/** What the client must send, per protocol (text protocols; binary ones are checked below). */
const CLIENT_TEXT: Partial<Record<StarttlsProtocol, string[]>> = {
  smtp: ['EHLO [127.0.0.1]\r\n', 'STARTTLS\r\n'],
  lmtp: ['LHLO [127.0.0.1]\r\n', 'STARTTLS\r\n'],
  imap: ['a001 CAPABILITY\r\n', 'a002 STARTTLS\r\n'],
  pop3: ['CAPA\r\n', 'STLS\r\n'],
  ftp: ['FEAT\r\n', 'AUTH TLS\r\n'],
  nntp: ['CAPABILITIES\r\n', 'STARTTLS\r\n'],
  sieve: ['STARTTLS\r\n'],
};

const ROLES: Record<StarttlsProtocol, string[]> = {
  smtp: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  lmtp: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  imap: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  pop3: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  ftp: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  nntp: ['greeting', 'hello', 'capabilities', 'starttls', 'go-ahead'],
  sieve: ['greeting', 'starttls', 'go-ahead'],
  xmpp: ['hello', 'capabilities', 'starttls', 'go-ahead'],
  'xmpp-server': ['hello', 'capabilities', 'starttls', 'go-ahead'],
  postgres: ['starttls', 'go-ahead'],
  mysql: ['greeting', 'starttls'],
  ldap: ['starttls', 'go-ahead'],
};

describe.each(STARTTLS_PROTOCOL_NAMES.map((p) => [p]))('--starttls %s against a scripted server', (proto) => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(HAPPY_SCRIPTS[proto]);
  });
  afterAll(() => server.close());

  it('completes the dialogue and the TLS handshake, and shows the dialogue as its steps', async () => {
    const r = await runCli(['--starttls', proto, '--timeout', '10000', '--json', `127.0.0.1:${server.port}`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const json = JSON.parse(r.stdout) as { prologue: PrologueJson; negotiated: { version: { value: { name: string } } }; timings: { starttlsMs?: number } };
    expectSchemaValid('trace', json);
    expect(json.prologue.protocol).toBe(proto);
    expect(json.prologue.recognisedFrom).toBe('bytes');
    expect(json.prologue.wentAhead).toBe(true);
    expect(json.prologue.steps.map((s) => s.role)).toEqual(ROLES[proto]);
    expect(json.negotiated.version.value.name).toBe('TLS 1.3');
    expect(json.timings.starttlsMs).toBeGreaterThan(0);
    expect(server.handshakes()).toBeGreaterThanOrEqual(1);
    const client = json.prologue.steps.filter((s) => s.direction === 'client').map((s) => Buffer.from(s.hex, 'hex'));
    const expected = CLIENT_TEXT[proto];
    if (expected) expect(client.map((b) => b.toString('latin1'))).toEqual(expected);
    if (proto === 'postgres') expect(client[0].toString('hex')).toBe('0000000804d2162f');
    if (proto === 'ldap') {
      // node-forge's DER reader: LDAPMessage { messageID 1, [APPLICATION 23] { [0] requestName } }.
      const msg = forge.asn1.fromDer(forge.util.createBuffer(client[0].toString('binary')));
      const [id, op] = msg.value as forge.asn1.Asn1[];
      expect(forge.util.bytesToHex(id.value as string)).toBe('01');
      expect(op.tagClass).toBe(forge.asn1.Class.APPLICATION);
      expect(op.type).toBe(23);
      expect(((op.value as forge.asn1.Asn1[])[0].value as string)).toBe('1.3.6.1.4.1.1466.20037');
    }
    if (proto === 'mysql') {
      const b = client[0];
      // 32-byte payload, sequence 1, CLIENT_SSL (0x800) and CLIENT_PROTOCOL_41 (0x200) set.
      expect([b.readUIntLE(0, 3), b[3], b.readUInt32LE(4) & 0xa00]).toEqual([32, 1, 0xa00]);
    }
    if (proto === 'xmpp' || proto === 'xmpp-server') {
      expect(client[0].toString('latin1')).toContain(`xmlns='${proto === 'xmpp' ? 'jabber:client' : 'jabber:server'}'`);
      expect(client[0].toString('latin1')).toContain("to='127.0.0.1'");
    }
  });
});

describe('the text view of a dialogue', () => {
  it('shows the SMTP steps, what the capabilities mean and the findings, escaped', async () => {
    const server = await startScriptedServer(HAPPY_SCRIPTS.smtp);
    try {
      const r = await runCli(['--starttls', 'smtp', '--hex', '--timeout', '10000', `127.0.0.1:${server.port}`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Before TLS · SMTP · 5 plaintext steps$/m);
      expect(r.stdout).toMatch(/^ {2}2 → EHLO .*plaintext 18 B$/m);
      expect(r.stdout).toMatch(/│ 250-AUTH PLAIN LOGIN$/m);
      expect(r.stdout).toMatch(/STARTTLS +can switch this connection to TLS \(RFC 3207\)/);
      expect(r.stdout).toMatch(/⚠ STARTTLS offered but not required: SMTP: the server offers AUTH PLAIN, AUTH LOGIN before TLS/);
      expect(r.stdout).toMatch(/⚠ Cleartext login offered before TLS: SMTP: AUTH PLAIN, AUTH LOGIN advertised before TLS/);
      // --hex: the greeting's bytes.
      expect(r.stdout).toMatch(/0000 {2}32 32 30 20 6d 61 69 6c 2e 74 65 73 74 20 45 53 {2}220 mail\.test ES/);
      expect(r.stdout.indexOf('Before TLS')).toBeLessThan(r.stdout.indexOf('Flight 1'));
    } finally {
      await server.close();
    }
  });
});

describe('over IPv6', () => {
  it('names our address as an IPv6 address literal in EHLO (RFC 5321 §4.1.3)', async () => {
    const server = await startScriptedServer(HAPPY_SCRIPTS.smtp, '::1');
    try {
      const r = await runCli(['--starttls', 'smtp', '--json', '--timeout', '10000', `[::1]:${server.port}`]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as { prologue: PrologueJson };
      expect(json.prologue.steps[1].lines).toEqual(['EHLO [IPv6:::1]']);
    } finally {
      await server.close();
    }
  });
});
