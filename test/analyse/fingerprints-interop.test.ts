// JA3 and JA3S of real clients, compared with tshark 4.x on the same bytes: tcpdump records
// openssl s_client, Node's TLS client and curl (TLS 1.3 and 1.2) against openssl s_server on
// loopback; `read`'s pipeline fingerprints each connection and tshark computes
// tls.handshake.ja3 / ja3_full / ja3s / ja3s_full from the same file.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quickConnectionFacts } from '../../src/analyse/connection-facts.js';
import type { Fingerprints } from '../../src/analyse/fingerprints.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import { nodeClient, run, tcpdumpAround } from '../helpers/pcap-tools.js';
import { describeWithTools, requireTool, startOpensslServer, type TestServer } from '../helpers/servers.js';

/** Runs a client to completion (stdin closed at once), bounded; its exit status does not matter. */
function client(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdin.end();
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

interface Both {
  ja3: string;
  ja3Full: string;
  ja3s: string;
  ja3sFull: string;
}

async function tsharkFingerprints(pcap: string): Promise<Both> {
  const out = await run('tshark', ['-r', pcap, '-Y', 'tls.handshake.type == 1 || tls.handshake.type == 2', '-T', 'fields', '-E', 'separator=|', '-e', 'tls.handshake.ja3', '-e', 'tls.handshake.ja3_full', '-e', 'tls.handshake.ja3s', '-e', 'tls.handshake.ja3s_full']);
  const lines = out.split('\n').map((l) => l.split('|'));
  const ch = lines.find((l) => l[0] !== '' && l[0] !== undefined);
  const sh = lines.find((l) => l[2] !== '' && l[2] !== undefined);
  // A frame may hold both hellos' fields comma-joined; the first value is the first hello's.
  const first = (v: string | undefined): string => (v ?? '').split(',')[0];
  return { ja3: first(ch?.[0]), ja3Full: ch?.[1] ?? '', ja3s: first(sh?.[2]), ja3sFull: sh?.[3] ?? '' };
}

/** The full pipeline's fingerprints, and the quick scan's (read's table) when it answers for this connection. */
async function ours(pcap: string): Promise<{ full: Both; quick?: Both }> {
  const contents = await readPacketCapture(pcap);
  const conn = contents.connections.find((c) => c.tls);
  if (!conn?.tls) throw new Error(`no TLS connection in ${pcap}`);
  const both = (f: Fingerprints): Both => ({ ja3: f.ja3?.hash ?? '', ja3Full: f.ja3?.full ?? '', ja3s: f.ja3s?.hash ?? '', ja3sFull: f.ja3s?.full ?? '' });
  const quick = quickConnectionFacts(conn.capture);
  return { full: both(analyseCapture(conn.capture).analysis.fingerprints), ...(quick ? { quick: both(quick.fingerprints) } : {}) };
}

describeWithTools('tcpdump', 'tshark', 'openssl')('JA3/JA3S of real clients agree with tshark', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ja3-'));
    server = await startOpensslServer(['-www']);
  }, 30_000);
  // Connections the quick scan answered for: complete handshakes with data, so most of them.
  let quickAnswers = 0;
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clients: Array<[string, () => Promise<void>, boolean]> = [
    ['openssl s_client (TLS 1.3)', () => client('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost']), true],
    ['openssl s_client -tls1_2', () => client('openssl', ['s_client', '-tls1_2', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost']), true],
    ['Node tls.connect', () => nodeClient(server.port).catch(() => undefined), true],
    ['curl', () => client('curl', ['-sk', '--max-time', '10', `https://127.0.0.1:${server.port}/`]), requireTool('curl')],
    ['curl --tlsv1.2 --tls-max 1.2', () => client('curl', ['-sk', '--tlsv1.2', '--tls-max', '1.2', '--max-time', '10', `https://localhost:${server.port}/`]), requireTool('curl')],
  ];

  it.each(clients)('%s', async (name, exchange, available) => {
    if (!available) return;
    // On a loaded machine tcpdump may start capturing a moment late: record again (at most three
    // times) until the file holds both hellos.
    let pcap = '';
    let expected: Both = { ja3: '', ja3Full: '', ja3s: '', ja3sFull: '' };
    for (let attempt = 1; attempt <= 3 && (expected.ja3 === '' || expected.ja3s === ''); attempt++) {
      pcap = path.join(dir, `${name.replace(/\W+/g, '-')}-${attempt}.pcap`);
      await tcpdumpAround(pcap, server.port, exchange);
      expected = await tsharkFingerprints(pcap);
    }
    expect(expected.ja3).toMatch(/^[0-9a-f]{32}$/);
    expect(expected.ja3s).toMatch(/^[0-9a-f]{32}$/);
    const got = await ours(pcap);
    expect(got.full).toEqual(expected);
    // read's table takes the fingerprints from the quick scan of the hello bytes: the same values.
    if (got.quick) {
      expect(got.quick).toEqual(expected);
      quickAnswers++;
    }
  }, 60_000);

  it('the quick scan answered for some of those connections (so the comparison above ran)', () => {
    expect(quickAnswers).toBeGreaterThan(0);
  });
});
