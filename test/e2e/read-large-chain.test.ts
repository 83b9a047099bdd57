// A Certificate message larger than the live reassembly cap (MAX_HANDSHAKE_MESSAGE, 256 KiB) in a
// capture taken elsewhere: offline inputs are bounded by the file caps, so `tls-trace read` decodes
// the whole ~600 KiB chain, decrypts it, verifies the CertificateVerify and validates the chain. The
// same bytes as a live capture still stop at the live cap. A Node TLS server sends the demo chain
// plus ten ~60 KB filler certificates (made by openssl with a large private extension); tcpdump
// records it, with the server's key log.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeAndDecrypt } from '../../src/analyse/pipeline.js';
import { chainFromTrace } from '../../src/analyse/chain/index.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { MAX_HANDSHAKE_MESSAGE } from '../../src/limits.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';
import { tcpdumpAround } from '../helpers/pcap-tools.js';
import { demoCerts, demoPaths, describeWithTools, freePort } from '../helpers/servers.js';

const FILLERS = 10;
const FILLER_EXTENSION_BYTES = 60_000;

/** A self-signed certificate of about 60 KB: an EC key and one large private extension. */
function fillerPem(dir: string, i: number): string {
  const cnf = path.join(dir, `filler${i}.cnf`);
  const der = `04 82 ${(FILLER_EXTENSION_BYTES >> 8).toString(16)} ${(FILLER_EXTENSION_BYTES & 0xff).toString(16)}`.replace(/ /g, '');
  writeFileSync(cnf, `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = filler ${i}\n[ext]\n1.3.6.1.4.1.55555.1 = DER:${der}${'ab'.repeat(FILLER_EXTENSION_BYTES)}\n`);
  const out = path.join(dir, `filler${i}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, `filler${i}.key`), '-config', cnf, '-extensions', 'ext', '-days', '3650', '-out', out], { stdio: 'ignore' });
  return readFileSync(out, 'utf8');
}

/** One TLS 1.3 handshake against a Node server sending `cert`; the client may refuse the size. */
async function recordHugeChain(dir: string, cert: string): Promise<{ pcap: string; keylog: string }> {
  const pcap = path.join(dir, 'huge.pcap');
  const keylog = path.join(dir, 'huge.keys');
  const lines: string[] = [];
  const port = await freePort();
  const server = tls.createServer({ cert, key: demoCerts().ecdsa.key, minVersion: 'TLSv1.3' }, (s) => s.end('hello'));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  server.on('tlsClientError', () => undefined);
  server.on('keylog', (line: Buffer) => lines.push(line.toString().trim()));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    await tcpdumpAround(pcap, port, () => connectOnce(port, chainBytes(cert)));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
  writeFileSync(keylog, lines.join('\n') + '\n');
  return { pcap, keylog };
}

/** The DER bytes of every certificate in a PEM bundle: what the server's flight holds at least. */
function chainBytes(pem: string): number {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].reduce((n, m) => n + Buffer.from(m[1].replace(/\s+/g, ''), 'base64').length, 0);
}

/**
 * OpenSSL clients (Node's included) refuse certificate lists over 100 KiB and abort mid-flight, so
 * the client here is a real Node ClientHello (taken from a Node client talking to a listener that
 * only records) sent on a plain socket, which then reads the server's whole flight and closes.
 */
async function connectOnce(port: number, expectBytes: number): Promise<void> {
  const hello = await nodeClientHello();
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(hello));
    let idle: NodeJS.Timeout | undefined;
    let received = 0;
    const timer = setTimeout(() => socket.destroy(), 30_000);
    // The flight ends when the server has nothing more to say: 500 ms of quiet once at least the
    // chain's bytes came (a loaded machine can pause the server's writes for longer than that).
    socket.on('data', (d: Buffer) => {
      received += d.length;
      clearTimeout(idle);
      if (received >= expectBytes) idle = setTimeout(() => socket.end(), 500);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (clearTimeout(timer), clearTimeout(idle), resolve()));
  });
}

/** The first record a Node TLS 1.3 client sends (its ClientHello), via a listener that only records. */
async function nodeClientHello(): Promise<Buffer> {
  const port = await freePort();
  let got: (b: Buffer) => void = () => undefined;
  const first = new Promise<Buffer>((r) => (got = r));
  const sink = net.createServer((s) => s.once('data', (d: Buffer) => (got(d), s.destroy())));
  await new Promise<void>((r) => sink.listen(port, '127.0.0.1', r));
  const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', minVersion: 'TLSv1.3' });
  client.on('error', () => undefined);
  const hello = await first;
  client.destroy();
  await new Promise((r) => sink.close(r));
  return hello;
}

describeWithTools('openssl', 'tcpdump')('a ~600 KiB certificate chain read from a pcap', () => {
  let dir: string;
  let recorded: { pcap: string; keylog: string };
  let capture: Capture;
  let fillerDers: string[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-hugechain-'));
    const fillers = Array.from({ length: FILLERS }, (_, i) => fillerPem(dir, i + 1));
    fillerDers = fillers.map((p) => Buffer.from(new X509Certificate(p).raw).toString('hex'));
    const chain = readFileSync(demoPaths.ecdsaChain, 'utf8') + fillers.join('');
    // A loaded machine can cost the recording frames (tcpdump's buffer) or end the flight early: a
    // recording whose server side holds fewer bytes than the chain is made again, at most 3 times.
    for (let attempt = 1; ; attempt++) {
      recorded = await recordHugeChain(dir, chain);
      const keys = readFileSync(recorded.keylog, 'utf8').split('\n').filter(Boolean);
      const found = (await readPacketCapture(recorded.pcap, keys)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
      const serverBytes = found[0]?.chunks.filter((c) => c.direction === 'server').reduce((n, c) => n + c.bytes.length, 0) ?? 0;
      const complete = found.length === 1 && (found[0].gaps ?? []).length === 0 && serverBytes > chainBytes(chain);
      if (complete || attempt === 3) {
        expect(found).toHaveLength(1);
        capture = found[0];
        break;
      }
    }
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('decoded whole from the pcap, decrypted, its CertificateVerify verified', () => {
    expect(capture.source).toBe('pcap');
    const { trace, decryption } = decodeAndDecrypt(capture);
    const cert = trace.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === 'server' && m.msgType === 11);
    // ten 60 KB fillers and the demo chain: 590 KiB, over twice the live cap.
    expect(cert?.declaredLength).toBeGreaterThan(2 * MAX_HANDSHAKE_MESSAGE);
    expect(cert?.declaredLength).toBeGreaterThan(MAX_HANDSHAKE_MESSAGE);
    expect(cert?.issue).toBeUndefined();
    const ders = chainFromTrace(trace)?.certificates ?? [];
    expect(ders).toHaveLength(2 + FILLERS);
    expect(ders.slice(2)).toEqual(fillerDers);
    expect(decryption.verifications.find((f) => f.check === 'server-certificate-verify')).toMatchObject({ ok: true });
    expect(decryption.verifications.find((f) => f.check === 'server-finished')).toMatchObject({ ok: true });
  });

  test('a saved capture file (source "file") is offline too: the whole chain', () => {
    const { trace } = decodeAndDecrypt({ ...capture, source: 'file' });
    expect(chainFromTrace(trace)?.certificates).toHaveLength(2 + FILLERS);
  });

  test('the same bytes as a live capture stop at the live cap, said as tls-trace\'s limit', () => {
    const { trace } = decodeAndDecrypt({ ...capture, source: 'live' });
    const cert = trace.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === 'server' && m.msgType === 11);
    expect(cert?.issue?.reason).toMatch(new RegExp(`more than the ${MAX_HANDSHAKE_MESSAGE}-byte reassembly limit`));
  });

  test('`tls-trace read --keylog --ca` validates the chain', async () => {
    const res = await runCli(['read', recorded.pcap, '--keylog', recorded.keylog, '--ca', demoPaths.root, '--no-system-ca', '--json']);
    const doc = parseValid<{ chain?: { valid: boolean; certificates: unknown[] }; decryption?: { verifications: Array<{ check: string; ok: boolean }> } }>('trace', res.stdout);
    expect(doc.chain?.valid).toBe(true);
    // The path (leaf, intermediate, the --ca root) and the ten fillers sent but unused.
    expect(doc.chain?.certificates).toHaveLength(2 + FILLERS + 1);
    expect(doc.decryption?.verifications.find((v) => v.check === 'server-certificate-verify')?.ok).toBe(true);
  }, 60_000);
});
