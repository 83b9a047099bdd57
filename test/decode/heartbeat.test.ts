// Heartbeat records (RFC 6520): plaintext HeartbeatMessages decoded field by field and checked
// against tshark, the Heartbleed over-read pattern as a finding, and real heartbeats between
// gnutls-cli and gnutls-serv (GnuTLS still implements RFC 6520; OpenSSL 3 dropped it) captured
// with tcpdump: encrypted without keys, decrypted and decoded with the key log.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeCapture } from '../../src/decode/index.js';
import type { HeartbeatMessage, HandshakeMessage } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { captureToPcap } from '../helpers/pcap.js';
import { run, tcpdumpAround } from '../helpers/pcap-tools.js';
import { demoPaths, describeWithTools, startGnutlsServer } from '../helpers/servers.js';
import { captureOf, findField, invariantProblems, recordBytes, steps } from './helpers/util.js';
import { runCli } from '../helpers/cli.js';
import { parseValid } from '../helpers/schema.js';

const heartbeats = (messages: readonly { kind: string }[]): HeartbeatMessage[] => messages.filter((m): m is HeartbeatMessage => m.kind === 'heartbeat');

/** type, payload_length, payload, padding. */
function heartbeat(type: number, declared: number, payload: Buffer, padding = 16): Uint8Array {
  return recordBytes(24, Uint8Array.from(Buffer.concat([Buffer.from([type, declared >> 8, declared & 0xff]), payload, Buffer.alloc(padding, 0xaa)])));
}

async function tsharkHeartbeats(pcap: string, keylog?: string): Promise<string[][]> {
  const args = ['-r', pcap, '-d', 'tcp.port==443,tls', '-T', 'fields', '-E', 'occurrence=a', '-e', 'tls.heartbeat_message.type', '-e', 'tls.heartbeat_message.payload_length', '-e', 'tls.heartbeat_message.padding'];
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`, '-d', `tcp.port==${path.basename(pcap).split('.')[0]},tls`);
  const out = await run('tshark', args);
  return out.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split('\t'));
}

describe('plaintext heartbeat records, hand-built', () => {
  const request = heartbeat(1, 5, Buffer.from('hello'));
  const response = heartbeat(2, 5, Buffer.from('hello'), 20);
  const capture = captureOf([
    { direction: 'client', bytes: request },
    { direction: 'server', bytes: response },
  ]);
  const t = decodeCapture(capture);

  test('type, payload_length, payload and padding, with offsets', () => {
    const [req, res] = heartbeats(t.messages);
    expect(req).toMatchObject({ direction: 'client', heartbeatType: 1, payloadLength: 5, payload: Buffer.from('hello').toString('hex'), paddingLength: 16, offset: 5, length: 24 });
    expect(res).toMatchObject({ direction: 'server', heartbeatType: 2, payloadLength: 5, paddingLength: 20 });
    expect(req.heartbleed).toBeUndefined();
    expect(req.issue).toBeUndefined();
    expect(findField(req.fields, 'type')?.display).toBe('heartbeat_request (0x01)');
    expect(findField(req.fields, 'payload')).toMatchObject({ offset: 8, length: 5 });
    expect(findField(req.fields, 'padding')).toMatchObject({ offset: 13, length: 16 });
    expect(invariantProblems(t, { coverage: true })).toEqual([]);
  });

  describeWithTools('tshark')('against tshark', () => {
    test('tshark reads the same type, payload length and padding', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-hb-'));
      try {
        const pcap = path.join(dir, 'hb.pcap');
        writeFileSync(pcap, captureToPcap(capture));
        const theirs = await tsharkHeartbeats(pcap);
        const ours = heartbeats(t.messages).map((m) => [String(m.heartbeatType), String(m.payloadLength), Buffer.from(m.space.bytes.subarray(m.offset + 3 + m.payloadLength, m.offset + m.length)).toString('hex')]);
        expect(theirs).toEqual(ours);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test('Heartbleed: a payload_length the record cannot hold is a finding on the length field', () => {
    const bleed = decodeCapture(captureOf([{ direction: 'client', bytes: heartbeat(1, 0x4000, Buffer.from('x'), 0) }]));
    const [m] = heartbeats(bleed.messages);
    expect(m).toMatchObject({ heartbeatType: 1, payloadLength: 0x4000, paddingLength: 0, heartbleed: true });
    expect(m.issue).toMatchObject({ kind: 'malformed', offset: 6, length: 2, reason: 'heartbeat declares 16384 payload bytes but the record holds 4 — the Heartbleed pattern (CVE-2014-0160)' });
    expect(findField(m.fields, 'payload_length')?.issue).toBe(m.issue);
    expect(findField(m.fields, 'payload')).toMatchObject({ offset: 8, length: 1 });
    // Exactly at the bound (payload + 3 + 16 = record) is fine; one more byte is the pattern.
    const edge = (declared: number): boolean | undefined => heartbeats(decodeCapture(captureOf([{ direction: 'client', bytes: heartbeat(1, declared, Buffer.alloc(5), 16) }])).messages)[0].heartbleed;
    expect(edge(5)).toBeUndefined();
    expect(edge(6)).toBe(true);
  });

  test('a record too short for the header is incomplete, not a throw', () => {
    const short = decodeCapture(captureOf([{ direction: 'client', bytes: recordBytes(24, Uint8Array.from([1, 0])) }]));
    expect(heartbeats(short.messages)[0].issue?.kind).toBe('incomplete');
  });
});

describeWithTools('gnutls-serv', 'gnutls-cli', 'tcpdump', 'tshark')('heartbeats between gnutls-cli and gnutls-serv (TLS 1.2)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-hb-live-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('encrypted without keys, decrypted and decoded with the key log, as tshark reads them', async () => {
    const tls12 = '--priority=NORMAL:-VERS-TLS1.3';
    const server = await startGnutlsServer(['--heartbeat', '--echo', tls12]);
    const pcap = path.join(dir, `${server.port}.pcap`);
    const keylog = path.join(dir, 'keys');
    try {
      await tcpdumpAround(pcap, server.port, () => gnutlsHeartbeat(server.port, keylog, tls12));
    } finally {
      await server.close();
    }
    const keys = readFileSync(keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const found = (await readPacketCapture(pcap, [])).connections.flatMap((c) => (c.tls ? [c.capture] : []));
    expect(found).toHaveLength(1);
    const capture = found[0];
    const hello = decodeCapture(capture).messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === 1);
    expect(hello?.body?.type === 'client_hello' && hello.body.extensions.find((e) => e.type === 15)?.info).toEqual({ kind: 'heartbeat', mode: 1 });
    // Without keys: protected records of content type 24, said to be heartbeats.
    expect(steps(decodeCapture(capture))).toEqual(expect.arrayContaining(['C encrypted(Heartbeat)', 'S encrypted(Heartbeat)']));
    const { trace, decryption } = decryptAndMerge({ ...capture, keylog: keys }, decodeCapture(capture));
    expect(decryption.status).toBe('decrypted');
    const ours = heartbeats(trace.messages);
    // gnutls-serv in --echo mode takes the client's `**HEARTBEAT**` line as a command and pings the client.
    expect(ours.map((m) => [m.direction, m.heartbeatType])).toEqual([['server', 1], ['client', 2]]);
    expect(ours.every((m) => m.space.decrypted && !m.heartbleed && m.paddingLength >= 16)).toBe(true);
    const theirs = await tsharkHeartbeats(pcap, keylog);
    expect(theirs.map((r) => [r[0], r[1]])).toEqual(ours.map((m) => [String(m.heartbeatType), String(m.payloadLength)]));
    // `tls-trace read --json`: schema-valid, the heartbeats as their own kind.
    const res = await runCli(['read', pcap, '--keylog', keylog, '--json']);
    const doc = parseValid<{ messages: Array<{ kind: string; name: string; heartbeat?: { type: { name: string }; payloadLength: number; heartbleed: boolean } }> }>('trace', res.stdout);
    const json = doc.messages.filter((m) => m.kind === 'heartbeat');
    expect(json.map((m) => [m.name, m.heartbeat?.type.name, m.heartbeat?.payloadLength, m.heartbeat?.heartbleed])).toEqual([
      ['HeartbeatRequest', 'heartbeat_request', ours[0].payloadLength, false],
      ['HeartbeatResponse', 'heartbeat_response', ours[1].payloadLength, false],
    ]);
  }, 60_000);
});

/** gnutls-cli with heartbeats on sends `**HEARTBEAT**` (the echo server then pings it), then quits. */
function gnutlsHeartbeat(port: number, keylog: string, priority: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [`--port=${port}`, `--x509cafile=${demoPaths.root}`, '--heartbeat', priority, 'localhost'];
    const child = spawn('gnutls-cli', args, { env: { ...process.env, SSLKEYLOGFILE: keylog }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill(), 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Simple Client Mode') && !out.includes('\u0000sent')) {
        out += '\u0000sent';
        child.stdin.write('**HEARTBEAT**\n');
        setTimeout(() => child.stdin.end(), 1500);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', () => (clearTimeout(timer), resolve()));
  });
}
