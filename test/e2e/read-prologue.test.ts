// `tls-trace read` on real captures where TLS starts after plaintext: an SMTP STARTTLS dialogue
// (openssl s_client -starttls smtp against a scripted responder) and PROXY protocol v1/v2 headers
// before a Node client's ClientHello. The Capture's prologue holds exactly the plaintext each
// side sent (golden: what the scripts wrote and read), and TLS after it decodes and decrypts, its
// handshake agreeing with tshark's (which follows SMTP STARTTLS itself).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { runCli } from '../helpers/cli.js';
import { recordConnect, recordProxied, recordSmtpStarttls, type PrologueRecorded } from '../helpers/prologue-tools.js';
import { run } from '../helpers/pcap-tools.js';
import { describeWithTools } from '../helpers/servers.js';

async function only(file: string, keylog: string[]): Promise<Capture> {
  const found = (await readPacketCapture(file, keylog)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
  expect(found).toHaveLength(1);
  return found[0];
}

const keysOf = (r: PrologueRecorded): string[] => readFileSync(r.keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));

function prologueBytes(c: Capture, d: 'client' | 'server'): string {
  return Buffer.concat((c.prologue ?? []).filter((p) => p.direction === d).map((p) => p.bytes)).toString('latin1');
}

/** Decoded and decrypted handshake: every message type, a complete handshake, a decrypted Finished. */
function handshake(c: Capture): HandshakeMessage[] {
  const { trace, decryption } = decryptAndMerge(c, decodeCapture(c));
  expect(decryption.status).toBe('decrypted');
  expect(trace.issues).toEqual([]);
  return trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake');
}

describeWithTools('tcpdump', 'tshark', 'openssl')('tls-trace read: plaintext before TLS', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-prologue-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SMTP STARTTLS (openssl s_client -starttls smtp): the dialogue is the prologue, TLS decodes after it and agrees with tshark', async () => {
    const rec = await recordSmtpStarttls(dir, 'smtp');
    const c = await only(rec.pcap, keysOf(rec));
    // The dialogue up to the server's "220 Ready": the server's line after TLS is encrypted, not prologue.
    expect(prologueBytes(c, 'server')).toBe('220 localhost ESMTP tls-trace test\r\n250-localhost\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n');
    const clientSaid = rec.sent.client.toString('latin1');
    expect(clientSaid).toMatch(/^EHLO .*\r\nSTARTTLS\r\n/);
    expect(prologueBytes(c, 'client')).toBe(clientSaid.slice(0, clientSaid.indexOf('STARTTLS\r\n') + 10));
    // One entry per packet, in wire order: banner, EHLO, reply, STARTTLS, 220.
    expect((c.prologue ?? []).map((p) => p.direction)).toEqual(['server', 'client', 'server', 'client', 'server']);
    const times = (c.prologue ?? []).map((p) => p.timeMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const ours = handshake(c);
    expect(ours[0]?.msgType).toBe(1);
    expect(ours.some((m) => m.msgType === 20 && m.space.decrypted)).toBe(true);
    // tshark follows the SMTP STARTTLS itself: the same ClientHello random and ServerHello suite.
    const fields = await run('tshark', ['-r', rec.pcap, '-d', `tcp.port==${rec.port},smtp`, '-Y', 'tls.handshake.type==1 || tls.handshake.type==2', '-T', 'fields', '-e', 'tls.handshake.random', '-e', 'tls.handshake.ciphersuite']);
    const [hello, serverHello] = fields.trim().split('\n').map((l) => l.split('\t'));
    const body = (m: HandshakeMessage | undefined): { random?: string; cipherSuite?: number } => (m?.body ?? {}) as { random?: string; cipherSuite?: number };
    expect(body(ours.find((m) => m.msgType === 1)).random).toBe(hello[0].replaceAll(':', ''));
    expect(body(ours.find((m) => m.msgType === 2)).random).toBe(serverHello[0].replaceAll(':', ''));
    expect(body(ours.find((m) => m.msgType === 2)).cipherSuite).toBe(Number(serverHello[1]));
    const r = await runCli(['read', rec.pcap, '--keylog', rec.keylog]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('outcome   Handshake complete');
  }, 60_000);

  it.each([1, 2] as const)('PROXY protocol v%i header before the ClientHello: the header is the prologue, TLS decodes after it', async (version) => {
    const rec = await recordProxied(dir, `proxy-v${version}`, version);
    const c = await only(rec.pcap, keysOf(rec));
    expect(Buffer.from(prologueBytes(c, 'client'), 'latin1').equals(rec.sent.client)).toBe(true);
    expect(prologueBytes(c, 'server')).toBe('');
    const ours = handshake(c);
    expect(ours.map((m) => m.msgType).slice(0, 2)).toEqual([1, 2]);
    expect(ours.some((m) => m.msgType === 20 && m.space.decrypted)).toBe(true);
    // The ClientHello's random is the one tshark reads at the header's end (TLS dissected from byte header.length on).
    const hex = (await run('tshark', ['-r', rec.pcap, '-T', 'fields', '-e', 'tcp.payload', '-Y', `tcp.dstport==${rec.port} && tcp.len>0`])).trim().split('\n').join('');
    const wire = Buffer.from(hex.replaceAll(':', ''), 'hex');
    expect(wire.subarray(0, rec.sent.client.length).equals(rec.sent.client)).toBe(true);
    const random = (ours[0].body as { random?: string }).random;
    expect(random).toBe(wire.subarray(rec.sent.client.length + 11, rec.sent.client.length + 43).toString('hex'));
  }, 60_000);

  it('an HTTP CONNECT exchange before TLS: request and 200 are the prologue, TLS decodes after them', async () => {
    const rec = await recordConnect(dir, 'connect');
    const c = await only(rec.pcap, keysOf(rec));
    expect(prologueBytes(c, 'client')).toBe(rec.sent.client.toString('latin1'));
    expect(prologueBytes(c, 'server')).toBe('HTTP/1.1 200 Connection established\r\n\r\n');
    const ours = handshake(c);
    expect(ours.map((m) => m.msgType).slice(0, 2)).toEqual([1, 2]);
  }, 60_000);
});
