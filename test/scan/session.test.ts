// The session probes against real servers whose configuration sets the answer: openssl s_server
// (-client_renegotiation, -no_ticket, -num_tickets 0, -early_data with -max_early_data), nginx
// (ssl_session_cache, ssl_session_tickets, ssl_session_timeout, ssl_early_data), gnutls-serv and
// Node's tls server (which honours a client's renegotiation request: the "vulnerable" answer).
// Values asserted are the configured ones (lifetimes, max_early_data_size), and the connection
// counts. One full scan checks the findings, JSON (schema) and text.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { ScanContext } from '../../src/scan/context.js';
import { scanServer } from '../../src/scan/scanner.js';
import { emptyScanResult } from './helpers.js';
import { probeSessionId, probeTicket12, scanSession } from '../../src/scan/session/probes.js';
import { offerTls12Session, resumptionHello, type Tls12Offer } from '../../src/scan/session/resume12.js';
import { readSessionWire } from '../../src/scan/session/wire.js';
import { sessionHandshake, type SessionHandshakeOptions } from '../../src/capture/session-connection.js';
import { startVulnerableServer } from './vulnerable-server.js';
import { offerTicket } from '../../src/scan/session/early-data.js';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resumableSession } from '../../src/scan/session/openssl-session.js';
import { deriveFindings } from '../../src/scan/findings.js';
import { buildClientHello } from '../../src/scan/client-hello-builder.js';
import { decodeStream } from '../../src/decode/index.js';
import type { ScanResult, SessionScan } from '../../src/scan/types.js';
import type { VersionsFound } from '../../src/scan/versions.js';
import { renderScanText } from '../../src/report/scan-table.js';
import { demoCerts, demoPaths, describeWithTools, startGnutlsServer, startNginx, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { withValidJson } from './helpers.js';

const TLS12 = 0x0303;
const TLS13 = 0x0304;

/** The session probes alone, as the scan runs them once it knows the versions. */
async function probe(server: TestServer, versions: number[] = [TLS12, TLS13]): Promise<{ s: SessionScan; nodeHandshakes: number; probes: number }> {
  const ctx = new ScanContext(
    { host: '127.0.0.1', port: server.port, address: '127.0.0.1', family: 4, dialPort: server.port, sni: 'localhost' },
    { host: '127.0.0.1', port: server.port, timeoutMs: 8000, concurrency: 4 },
  );
  const found: VersionsFound = { ssl2: Promise.resolve(null), firstRounds: new Map(), supported: versions, candidates12: [], has13: versions.includes(TLS13) };
  const s = await scanSession(ctx, found);
  return { s, nodeHandshakes: ctx.nodeHandshakes, probes: ctx.prober.stats.probes };
}

async function probeWith(start: () => Promise<TestServer>, versions?: number[]): Promise<{ s: SessionScan; nodeHandshakes: number; probes: number }> {
  const server = await start();
  try {
    return await probe(server, versions);
  } finally {
    await server.close();
  }
}

/**
 * The independent verdict on client-initiated renegotiation: `openssl s_client` sent `R` (renegotiate)
 * on its stdin. After `RENEGOTIATING`, a second certificate verification (`depth=0`) means the
 * server went through the new handshake; anything else (`no renegotiation`, a hang-up) that it did not.
 */
function sClientRenegotiates(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'], { env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.on('error', () => undefined); // s_client may be gone before we write
    setTimeout(() => child.stdin.write('R\n'), 700);
    const kill = setTimeout(() => child.kill('SIGKILL'), 4000);
    setTimeout(() => child.stdin.end(), 2500);
    child.on('close', () => {
      clearTimeout(kill);
      const after = out.split('RENEGOTIATING')[1] ?? '';
      resolve(after.includes('depth=0'));
    });
  });
}

/** `openssl s_client -tls1_3 …extra` with stdin held open `holdMs` (TLS 1.3 tickets come after the handshake). */
function sClientRun(port: number, extra: string[], holdMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', ...extra], { env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.on('error', () => undefined);
    const kill = setTimeout(() => child.kill('SIGKILL'), holdMs + 5000);
    setTimeout(() => child.stdin.end(), holdMs);
    child.on('close', () => {
      clearTimeout(kill);
      resolve(out);
    });
  });
}

/** The independent 0-RTT verdict: s_client gets a session, then resumes it sending early data. */
async function sClientEarlyData(port: number): Promise<'accepted' | 'rejected' | 'unknown'> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-0rtt-'));
  try {
    const sess = path.join(dir, 'sess.pem');
    const data = path.join(dir, 'early.txt');
    writeFileSync(data, 'x');
    await sClientRun(port, ['-sess_out', sess], 1200);
    const out = await sClientRun(port, ['-sess_in', sess, '-early_data', data], 1200);
    return out.includes('Early data was accepted') ? 'accepted' : out.includes('Early data was rejected') ? 'rejected' : 'unknown';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A result with nothing in it, for the rules on the session part alone. */
const emptyResult: ScanResult = emptyScanResult();

describeWithTools('openssl')('session probes against openssl s_server', () => {
  it('defaults: renegotiation refused; resumption by session ID, by ticket and by PSK; no early data; 6 connections, none of them a Node handshake', async () => {
    const { s, nodeHandshakes, probes } = await probeWith(() => startOpensslServer([]));
    expect(s.renegotiation).toMatchObject({ clientInitiated: 'refused', connections: 1 });
    expect(s.renegotiation.evidence.join(' ')).toContain('no renegotiation');
    expect(s.sessionId).toMatchObject({ issued: true, resumed: true, length: 32, connections: 2 });
    // OpenSSL's default session timeout (7200 s) is its ticket lifetime hint.
    // The ticket comes from the renegotiation probe's handshake: the ticket probe's own connection is its second.
    expect(s.sessionTicket).toMatchObject({ issued: true, resumed: true, ticketLifetime: 7200, connections: 1 });
    expect(s.psk).toMatchObject({ issued: true, resumed: true, ticketLifetime: 7200, connections: 2 });
    expect(s.psk.evidence.join(' ')).toContain('pre_shared_key selected identity 0');
    expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 0, accepted: null, connections: 0 });
    expect(s.connections).toBe(6);
    // No Node handshake: the first connections (the renegotiation, also the ticket's first, the session
    // ID's first and the PSK's first) are full handshakes tls-trace writes, the three second connections hellos.
    expect(nodeHandshakes).toBe(0);
    expect(probes).toBe(6);
  });

  it('-client_renegotiation: the server completes a renegotiation the client asks for (s_client R agrees)', async () => {
    const server = await startOpensslServer(['-client_renegotiation']);
    try {
      const { s } = await probe(server, [TLS12]);
      expect(s.renegotiation.clientInitiated).toBe('accepted');
      expect(s.renegotiation.evidence).toContain('the server answered the new ClientHello with a ServerHello: it went into the second handshake');
      expect(await sClientRenegotiates(server.port)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('default s_server: s_client R agrees that renegotiation is refused', async () => {
    const server = await startOpensslServer([]);
    try {
      expect(await sClientRenegotiates(server.port)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('-no_ticket: no TLS 1.2 ticket (ID resumption only); TLS 1.3 resumes with stateful 32-byte tickets', async () => {
    const { s } = await probeWith(() => startOpensslServer(['-no_ticket']));
    expect(s.sessionTicket).toMatchObject({ issued: false, resumed: false, connections: 0 });
    expect(s.sessionId).toMatchObject({ issued: true, resumed: true });
    expect(s.psk).toMatchObject({ issued: true, resumed: true, length: 32 });
  });

  it('-num_tickets 0: TLS 1.3 gives nothing to resume with; early data cannot be read', async () => {
    const { s } = await probeWith(() => startOpensslServer(['-tls1_3', '-num_tickets', '0']), [TLS13]);
    expect(s.psk).toMatchObject({ issued: false, resumed: false, connections: 1 });
    expect(s.earlyData.maxEarlyDataSize).toBeNull();
    expect(s.renegotiation.clientInitiated).toBeNull();
    expect(s.sessionId.resumed).toBeNull();
    expect(s.connections).toBe(1);
  });

  it('-early_data -max_early_data 5000: the tickets advertise exactly 5000 bytes and the server accepts 0-RTT (s_client -early_data agrees)', async () => {
    const server = await startOpensslServer(['-tls1_3', '-early_data', '-max_early_data', '5000']);
    try {
      const { s } = await probe(server, [TLS13]);
      // The PSK probe's second connection asks with early_data too: no connection of its own.
      expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 5000, accepted: true, connections: 0 });
      expect(s.earlyData.evidence[1]).toContain('EncryptedExtensions carry early_data');
      expect(s.psk).toMatchObject({ resumed: true, connections: 2 });
      expect(s.psk.evidence[1]).toBe("offered the last ticket: the ServerHello's pre_shared_key selected identity 0");
      expect(s.connections).toBe(2);
      expect(await sClientEarlyData(server.port)).toBe('accepted');
    } finally {
      await server.close();
    }
  });

  it('-max_early_data 5000 without -early_data: tickets advertise early data but the server rejects it (s_client agrees); no zero-rtt finding', async () => {
    const server = await startOpensslServer(['-tls1_3', '-max_early_data', '5000']);
    try {
      const { s } = await probe(server, [TLS13]);
      expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 5000, accepted: false, connections: 0 });
      expect(s.psk.resumed).toBe(true);
      expect(s.earlyData.evidence[1]).toContain('carry no early_data');
      expect(await sClientEarlyData(server.port)).toBe('rejected');
      const findings = deriveFindings({ ...emptyResult, session: s });
      expect(findings.map((f) => f.id)).not.toContain('zero-rtt');
    } finally {
      await server.close();
    }
  });

  it('-num_tickets 1 -early_data: the one ticket answers both the PSK and the 0-RTT question on one connection (s_client agrees)', async () => {
    const server = await startOpensslServer(['-tls1_3', '-early_data', '-num_tickets', '1']);
    try {
      const { s } = await probe(server, [TLS13]);
      expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 16384, accepted: true, connections: 0 });
      expect(s.psk).toMatchObject({ resumed: true, connections: 2 });
      expect(s.psk.evidence[0]).toContain('1 NewSessionTicket(s)');
      expect(await sClientEarlyData(server.port)).toBe('accepted');
    } finally {
      await server.close();
    }
  });

  it('-groups P-256 (no x25519): the hand-built hello gets a HelloRetryRequest, so a Node handshake with the other ticket asks the PSK question, and its ServerHello after the HRR is the one read', async () => {
    const { s, nodeHandshakes, probes } = await probeWith(() => startOpensslServer(['-tls1_3', '-groups', 'P-256']), [TLS13]);
    // The hand-built first connection (an x25519 share only, as the resumption hello) gets the HelloRetryRequest first: one connection more.
    expect(s.psk).toMatchObject({ issued: true, resumed: true, connections: 4 });
    expect(s.psk.evidence.slice(1)).toEqual(['offered the last ticket: the server answered with a HelloRetryRequest', "offered the first ticket in a Node handshake: the ServerHello's pre_shared_key selected identity 0"]);
    expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 0, accepted: null, connections: 0 });
    expect([nodeHandshakes, probes, s.connections]).toEqual([2, 2, 4]);
  });

  it("OpenSSL's session DER as read for the 0-RTT probe matches `openssl sess_id -text` (PSK, ticket, max early data, time)", async () => {
    const server = await startOpensslServer(['-tls1_3', '-early_data', '-max_early_data', '7000']);
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-sess-'));
    try {
      const pem = path.join(dir, 'sess.pem');
      await sClientRun(server.port, ['-sess_out', pem], 1200);
      const der = execFileSync('openssl', ['sess_id', '-in', pem, '-outform', 'DER']);
      const text = execFileSync('openssl', ['sess_id', '-in', pem, '-text', '-noout'], { encoding: 'utf8' });
      const s = resumableSession(der);
      expect(s).toBeDefined();
      expect(s!.psk.toString('hex').toUpperCase()).toBe(/Resumption PSK: ([0-9A-F]+)/.exec(text)?.[1]);
      expect(s!.maxEarlyData).toBe(7000);
      expect(String(s!.issuedAt)).toBe(/Start Time: (\d+)/.exec(text)?.[1]);
      expect(s!.ticket.subarray(0, 8).toString('hex')).toBe(/0000 - ([0-9a-f -]+?) {2}/.exec(text)?.[1].replace(/[ -]/g, '').slice(0, 16));
      expect(s!.suite).toBe(0x1302);
      expect(resumableSession(Buffer.from('300100', 'hex'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });

  it('a full scan: findings with CVE and evidence, the session object in JSON (schema), the text section', async () => {
    const server = await startOpensslServer(['-client_renegotiation', '-early_data']);
    let r: ScanResult;
    try {
      r = withValidJson(await scanServer({ host: '127.0.0.1', port: server.port, servername: 'localhost', timeoutMs: 5000, concurrency: 6 }));
    } finally {
      await server.close();
    }
    const reneg = r.findings.find((f) => f.id === 'client-renegotiation');
    expect(reneg).toMatchObject({ severity: 'medium', cve: ['CVE-2011-1473'], evidence: { probe: 'renegotiation' } });
    // s_server -early_data advertises SSL3_RT_MAX_PLAIN_LENGTH, and accepts.
    expect(r.findings.find((f) => f.id === 'zero-rtt')).toMatchObject({ severity: 'low', evidence: { probe: 'early-data', detail: expect.stringContaining('got early_data in EncryptedExtensions; max_early_data_size 16384') } });
    expect(r.findings.map((f) => f.id)).not.toContain('no-session-resumption');
    expect(r.session?.connections).toBe(6);
    // Every connection of the scan is one tls-trace writes: the server takes an x25519 share and an ECDHE-AEAD suite.
    expect(r.stats.nodeHandshakes).toBe(0);
    const text = renderScanText(r, { color: false });
    expect(text).toContain('Session (6 connections)');
    expect(text).toContain('Client-initiated renegotiation (TLS 1.2): accepted');
    expect(text).toContain('0-RTT early data (TLS 1.3): offered, max_early_data_size 16384, accepted');
  });
});

describeWithTools('nginx')('session probes against nginx', () => {
  it('tickets on, no session cache, ssl_session_timeout 10m, ssl_early_data on: ticket and PSK resume with lifetime 600 s, ID does not', async () => {
    const { s } = await probeWith(() => startNginx('ssl_protocols TLSv1.2 TLSv1.3;\nssl_session_cache off;\nssl_session_timeout 10m;\nssl_early_data on;'));
    expect(s.sessionTicket).toMatchObject({ issued: true, resumed: true, ticketLifetime: 600 });
    expect(s.psk).toMatchObject({ issued: true, resumed: true, ticketLifetime: 600 });
    expect(s.sessionId.resumed).toBe(false);
    // nginx advertises its SSL buffer size (16 KiB) as max_early_data_size, and accepts.
    expect(s.earlyData).toMatchObject({ maxEarlyDataSize: 16384, accepted: true });
    expect(s.renegotiation.clientInitiated).toBe('refused');
  });

  it('ssl_session_tickets off with a shared cache: ID resumption only in TLS 1.2, no early data', async () => {
    const { s } = await probeWith(() => startNginx('ssl_protocols TLSv1.2 TLSv1.3;\nssl_session_cache shared:SSL:1m;\nssl_session_tickets off;'));
    expect(s.sessionTicket).toMatchObject({ issued: false, resumed: false });
    expect(s.sessionId).toMatchObject({ issued: true, resumed: true });
    expect(s.earlyData.maxEarlyDataSize).toBe(0);
  });
});

describeWithTools('gnutls-serv', 'openssl')('session probes against gnutls-serv', () => {
  it('honours client-initiated renegotiation (as s_client R shows) and resumes by ticket and PSK', async () => {
    const server = await startGnutlsServer([]);
    try {
      const { s } = await probe(server);
      expect(s.renegotiation.clientInitiated).toBe('accepted');
      expect(await sClientRenegotiates(server.port)).toBe(true);
      expect(s.sessionTicket.resumed).toBe(true);
      expect(s.psk.resumed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('--noticket: no ticket in TLS 1.2', async () => {
    const { s } = await probeWith(() => startGnutlsServer(['--noticket']), [TLS12]);
    expect(s.sessionTicket).toMatchObject({ issued: false, resumed: false });
  });
});

describe('session probes against a Node tls server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({ maxVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('honours a client renegotiation request (the vulnerable answer), resumes by ID and ticket', async () => {
    const { s } = await probe(server, [TLS12]);
    expect(s.renegotiation).toMatchObject({ clientInitiated: 'accepted', connections: 1 });
    expect(s.sessionTicket.resumed).toBe(true);
    expect(s.psk.resumed).toBeNull();
    expect(s.sessionId).toMatchObject({ issued: true, resumed: false });
    expect(s.connections).toBe(4);
  });
});

describe('session probes against a server that never answers', () => {
  it('every probe ends within its deadline as not tested, with the reason, and the connections are counted', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const ctx = new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port }, { host: '127.0.0.1', port, timeoutMs: 800, concurrency: 4 });
      const found: VersionsFound = { ssl2: Promise.resolve(null), firstRounds: new Map(), supported: [TLS12, TLS13], candidates12: [], has13: true };
      const s = await scanSession(ctx, found);
      expect(s.renegotiation).toMatchObject({ clientInitiated: null, evidence: ['the handshake failed: timeout'] });
      for (const p of [s.sessionId, s.psk]) expect(p).toMatchObject({ issued: null, resumed: null, connections: 1 });
      // The ticket probe's first connection is the renegotiation probe's, counted there.
      expect(s.sessionTicket).toMatchObject({ issued: null, resumed: null, evidence: ['the handshake failed: timeout'], connections: 0 });
      expect(s.earlyData.maxEarlyDataSize).toBeNull();
      expect(s.connections).toBe(3);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('session probes past the recording cap', () => {
  it('a TLS 1.2 flight longer than 64 KiB (a padded chain): the ticket probe says it is not tested, not that there is no ticket', async () => {
    const certs = demoCerts();
    const intermediate = readFileSync(demoPaths.intermediate, 'utf8');
    // 554 bytes of DER per copy: 140 copies (~76 KiB) pass the 64 KiB recording cap, under OpenSSL's 100 KiB chain limit.
    const padded = certs.rsa.cert + `\n${intermediate}`.repeat(140);
    const { s } = await probeWith(() => startNodeTlsServer({ cert: padded, key: certs.rsa.key, maxVersion: 'TLSv1.2' }), [TLS12]);
    expect(s.sessionTicket).toMatchObject({ issued: null, resumed: null });
    expect(s.sessionTicket.evidence[0]).toContain('more than tls-trace records for one session probe (64 KiB)');
  });
});

describe('the 0-RTT ClientHello extensions', () => {
  it('early_data and pre_shared_key (identity, obfuscated age, a binder of the hash length) decode as written, pre_shared_key last', () => {
    const bytes = buildClientHello({
      version: TLS12,
      cipherSuites: [0x1301],
      extensions: [
        { type: 'supported_versions', versions: [TLS13] },
        { type: 'early_data' },
        { type: 'pre_shared_key', identities: [{ identity: Buffer.from('ticket-bytes'), obfuscatedAge: 0xfedcba98 }], binderLength: 32 },
      ],
    });
    const hello = decodeStream('client', bytes).messages.find((m) => m.kind === 'handshake');
    const body = hello?.kind === 'handshake' ? hello.body : undefined;
    expect(body?.type).toBe('client_hello');
    const exts = body?.type === 'client_hello' ? body.extensions : [];
    expect(exts.map((e) => e.type)).toEqual([43, 42, 41]);
    expect(exts[1].data).toBe('');
    expect(exts[2].info).toEqual({ kind: 'pre_shared_key', identities: 1 });
    // identities<2>: identity<2> "ticket-bytes", age fedcba98; binders<2>: binder<1> of 32 zero bytes.
    expect(exts[2].data).toBe(`0012000c${Buffer.from('ticket-bytes').toString('hex')}fedcba98002120${'00'.repeat(32)}`);
  });
});

describe('a ticket as long as the protocol allows (2^16-1 bytes)', () => {
  // OpenSSL keeps such a ticket (its TLS 1.3 limit for a NewSessionTicket is larger), but with the
  // other extensions it does not fit a ClientHello's 2-byte extensions length: the offer is
  // reported as not tested, no connection is made, and nothing throws out of the scan.
  it('the PSK / 0-RTT offer and the TLS 1.2 ticket offer say not tested, without a connection', async () => {
    let connections = 0;
    const server = net.createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const ctx = new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port }, { host: '127.0.0.1', port, timeoutMs: 2000, concurrency: 2 });
      const ticket = randomBytes(65535);
      const why = /^not tested: a ClientHello offering the server's 65535-byte ticket cannot be written/;
      const psk = await offerTicket(ctx, { suite: 0x1301, psk: randomBytes(32), ticket, ageAdd: 0, issuedAt: Math.floor(Date.now() / 1000), maxEarlyData: 16384 }, true);
      expect(psk.psk).toEqual({ resumed: null, evidence: expect.stringMatching(why) });
      expect(psk.earlyData).toEqual({ accepted: null, evidence: expect.stringMatching(why) });
      expect(psk.retry).toBeUndefined();
      const t12 = await offerTls12Session(ctx, { suite: 0xc02f, sessionId: randomBytes(32), ticket, extendedMasterSecret: true, encryptThenMac: false });
      expect(t12.unsendable).toMatch(why);
      expect(connections).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('TLS 1.2 resumption: the hand-built second connection', () => {
  it('offers the first ServerHello\'s suite and session ID, or the ticket with a fresh ID, and extended_master_secret / encrypt_then_mac only as negotiated', () => {
    const ticket = Buffer.from('a ticket from NewSessionTicket');
    const byId = resumptionHello({ suite: 0xc02f, sessionId: Buffer.alloc(32, 7), extendedMasterSecret: true, encryptThenMac: false }, 'localhost');
    const byTicket = resumptionHello({ suite: 0x002f, sessionId: Buffer.alloc(32, 9), ticket, extendedMasterSecret: false, encryptThenMac: true }, undefined);
    const bodyOf = (b: Uint8Array) => {
      const m = decodeStream('client', b).messages.find((x) => x.kind === 'handshake');
      return m?.kind === 'handshake' && m.body?.type === 'client_hello' ? m.body : undefined;
    };
    const id = bodyOf(byId)!;
    expect(id.legacyVersion).toBe(TLS12);
    expect(id.sessionId).toBe('07'.repeat(32));
    expect(id.cipherSuites).toEqual([0xc02f]);
    expect(id.extensions.map((e) => e.type)).toEqual(expect.arrayContaining([0, 23]));
    expect(id.extensions.map((e) => e.type)).not.toEqual(expect.arrayContaining([22]));
    expect(id.extensions.map((e) => e.type)).not.toEqual(expect.arrayContaining([35]));
    const t = bodyOf(byTicket)!;
    expect(t.sessionId).toBe('09'.repeat(32));
    expect(t.cipherSuites).toEqual([0x002f]);
    expect(t.extensions.find((e) => e.type === 35)?.data).toBe(ticket.toString('hex'));
    expect(t.extensions.map((e) => e.type)).toEqual(expect.arrayContaining([22]));
    expect(t.extensions.map((e) => e.type)).not.toEqual(expect.arrayContaining([0, 23]));
  });
});

describe('TLS 1.2 resumption against a scripted server that echoes every session ID it is offered', () => {
  // The first connections are real (Node's tls server issues a session ID and a ticket); the second
  // goes to the scripted server, which echoes the ID offered and then does what the case says. An
  // echo counts only when the abbreviated handshake (ChangeCipherSpec) follows it with a server
  // Finished that verifies with the first connection's master secret (the real servers above do).
  let real: TestServer;
  beforeAll(async () => {
    real = await startNodeTlsServer({ maxVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await real.close();
  });
  const first = (o: Omit<SessionHandshakeOptions, 'version' | 'timeoutMs'>) =>
    sessionHandshake({ address: '127.0.0.1', port: real.port }, { version: 'TLSv1.2', timeoutMs: 8000, ...o }).then((r) => ({ ...r, wire: readSessionWire(r, { decrypt: false }), resumable: r.sessions.length > 0, extraConnections: 0 }));

  it.each([
    ['full' as const, false, 'but the server went on with a full handshake (Certificate or ServerHelloDone, not ChangeCipherSpec): not resumed'],
    // It never had the session: its "Finished" (random bytes) cannot verify with the session's master secret.
    ['abbreviated' as const, null, "a ChangeCipherSpec followed, but the server's Finished did not verify with the session's master secret"],
    ['hello-only' as const, null, 'neither ChangeCipherSpec nor a full handshake followed (connection closed)'],
  ])('then %s: resumed %s', async (mode, resumed, line) => {
    const liar = await startVulnerableServer({ echoSessionId: mode, suites: [0xc02f, 0xc030, 0xcca8, 0x009c, 0x002f] });
    try {
      const ctx = new ScanContext({ host: '127.0.0.1', port: liar.port, address: '127.0.0.1', family: 4, dialPort: liar.port }, { host: '127.0.0.1', port: liar.port, timeoutMs: 4000, concurrency: 2 });
      const resume = (offer: Tls12Offer) => offerTls12Session(ctx, offer);
      const byId = await probeSessionId(first, resume);
      const byTicket = await probeTicket12(await first({}), resume);
      expect(byId.connections).toBe(2);
      expect(byTicket.connections).toBe(1);
      for (const p of [byId, byTicket]) {
        expect(p).toMatchObject({ issued: true, resumed });
        expect(p.evidence[1]).toContain(line);
      }
      expect(byId.evidence[1]).toMatch(resumed ? /^offered it again: the ServerHello echoed it/ : /^offered it again: /);
      expect(liar.connections()).toBe(2);
      expect(ctx.prober.stats.probes).toBe(2);
    } finally {
      await liar.close();
    }
  });
});

describe('TLS 1.3 PSK against a scripted server that claims every ticket', () => {
  it('a ServerHello selecting the PSK whose EncryptedExtensions do not open with the ticket\'s keys is not counted as resumed', async () => {
    // Answers any ClientHello with a ServerHello (TLS 1.3, x25519 share, pre_shared_key identity 0)
    // and a record of random bytes where EncryptedExtensions would be: it never derived the keys.
    const share = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const ext = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type >> 8, type & 0xff, body.length >> 8, body.length & 0xff]), body]);
    const exts = Buffer.concat([ext(43, Buffer.from([3, 4])), ext(51, Buffer.concat([Buffer.from([0, 0x1d, 0, 32]), share])), ext(41, Buffer.from([0, 0]))]);
    const body = Buffer.concat([Buffer.from([3, 3]), randomBytes(32), Buffer.from([32]), Buffer.alloc(32, 0x5a), Buffer.from([0x13, 0x01, 0, exts.length >> 8, exts.length & 0xff]), exts]);
    const sh = Buffer.concat([Buffer.from([2, 0, body.length >> 8, body.length & 0xff]), body]);
    const record = (type: number, b: Buffer) => Buffer.concat([Buffer.from([type, 3, 3, b.length >> 8, b.length & 0xff]), b]);
    const sockets = new Set<net.Socket>();
    const liar = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
      c.once('data', () => c.write(Buffer.concat([record(22, sh), record(23, randomBytes(48))])));
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const port = (liar.address() as net.AddressInfo).port;
    try {
      const ctx = new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port }, { host: '127.0.0.1', port, timeoutMs: 4000, concurrency: 2 });
      const session = { suite: 0x1301, psk: randomBytes(32), ticket: randomBytes(64), ageAdd: 0, issuedAt: Math.floor(Date.now() / 1000), maxEarlyData: 16384 };
      const a = await offerTicket(ctx, session, true);
      expect(a.psk).toEqual({ resumed: null, evidence: "offered the last ticket: the ServerHello's pre_shared_key selected identity 0, but its EncryptedExtensions did not open with keys from the ticket's PSK" });
      expect(a.earlyData).toEqual({ accepted: null, evidence: 'not tested: the EncryptedExtensions could not be opened' });
      expect(a.retry).toBeUndefined();
      // Without early_data offered, only the PSK answer comes back.
      expect(Object.keys(await offerTicket(ctx, session, false))).toEqual(['psk']);
      expect(ctx.prober.stats.probes).toBe(2);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise((r) => liar.close(r));
    }
  });
});
