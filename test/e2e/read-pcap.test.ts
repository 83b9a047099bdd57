// `tls-trace read FILE` end to end on tcpdump captures of real handshakes on loopback: the
// decoded and decrypted handshake agrees with tshark reading the same file field by field, one
// connection prints the live trace's output, several print the table, `--stream`/`--all` pick,
// DSB secrets and --keylog decrypt, a failed handshake exits 7 and a non-capture exits 2.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { runCli } from '../helpers/cli.js';
import { editcap, recordNodeServer, recordOpenssl, recordPlain, run, type Recorded } from '../helpers/pcap-tools.js';
import { describeWithTools, repoRoot } from '../helpers/servers.js';
import { agreeWithTshark } from '../helpers/tshark-agree.js';

async function onlyCapture(file: string, keylog: string[] = []): Promise<Capture> {
  const found = (await readPacketCapture(file, keylog)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
  expect(found).toHaveLength(1);
  return found[0];
}

const keylogOf = (r: Recorded): string[] => readFileSync(r.keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));

describe('tls-trace read on a --save capture file', () => {
  it('prints exactly what replay prints, exit code included', async () => {
    const file = path.join(repoRoot, 'fixtures', 'captures', 'openssl-tls13-client-cert.json');
    const [read, replay] = [await runCli(['read', file]), await runCli(['replay', file])];
    expect(read.stdout.length).toBeGreaterThan(1000);
    expect([read.code, read.stdout, read.stderr]).toEqual([replay.code, replay.stdout, replay.stderr]);
  });
});

describeWithTools('tcpdump', 'tshark', 'editcap', 'openssl')('tls-trace read on tcpdump captures', () => {
  let dir: string;
  let tls13: Recorded;
  let tls12: Recorded;
  let node: Recorded;
  let failed: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-read-'));
    tls13 = await recordOpenssl(dir, 'tls13');
    tls12 = await recordOpenssl(dir, 'tls12', ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384', '-alpn', 'h2'], 3, { ALPNProtocols: ['h2', 'http/1.1'] });
    node = await recordNodeServer(dir, 'node', { maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
    // The client offers only ECDSA suites; the RSA-only server refuses with handshake_failure.
    failed = await recordOpenssl(dir, 'failed', ['-tls1_2'], 1, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('TLS 1.3 (openssl s_server -keylogfile): decoded and decrypted messages agree with tshark', async () => {
    const ours = await agreeWithTshark(tls13, await onlyCapture(tls13.pcap, keylogOf(tls13)));
    expect(ours.map((m) => m.msgType)).toEqual(expect.arrayContaining([1, 2, 8, 11, 15, 20]));
  });

  it('TLS 1.2 with ALPN, three connections: each agrees with tshark', async () => {
    const contents = await readPacketCapture(tls12.pcap, keylogOf(tls12));
    expect(contents.connections.map((c) => c.tls)).toEqual([true, true, true]);
    const first = contents.connections[0];
    if (!first.tls) throw new Error('unreachable');
    // tshark dissects every connection of the file: give it the first one's packets only.
    const one = path.join(dir, 'tls12-first.pcap');
    await run('tshark', ['-r', tls12.pcap, '-Y', `tcp.port==${first.client.port}`, '-F', 'pcap', '-w', one]);
    await agreeWithTshark({ ...tls12, pcap: one }, first.capture);
  });

  it('Node TLS server (key log from its keylog event): agrees with tshark', async () => {
    await agreeWithTshark(node, await onlyCapture(node.pcap, keylogOf(node)));
  });

  it('one connection: the live trace\'s output, decrypted with --keylog, chain judged at capture time', async () => {
    const r = await runCli(['read', tls13.pcap, '--keylog', tls13.keylog]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^tls-trace 127\\.0\\.0\\.1:${tls13.port}\\n  target    127\\.0\\.0\\.1:${tls13.port} · SNI localhost\\n`));
    expect(r.stdout).toContain('outcome   Handshake complete');
    expect(r.stdout).toMatch(/→ ClientHello {2}[\d.]+ ms · record #1/);
    expect(r.stdout).toContain('← Certificate [decrypted]');
    expect(r.stdout).toContain('✔ Client Finished: verify_data equals HMAC(finished_key, transcript hash)');
    expect(r.stdout).toContain('Hostname: match — localhost matches SAN localhost');
    const json = JSON.parse((await runCli(['read', tls13.pcap, '--keylog', tls13.keylog, '--json'])).stdout) as { format: string; target: { servername: string }; outcome: { complete: boolean } };
    expect(json).toMatchObject({ format: 'tls-trace', target: { servername: 'localhost' }, outcome: { complete: true } });
  });

  it('secrets from a Decryption Secrets Block decrypt without --keylog', async () => {
    const dsb = await editcap(['-F', 'pcapng', '--inject-secrets', `tls,${tls13.keylog}`], tls13.pcap, path.join(dir, 'dsb.pcapng'));
    const r = await runCli(['read', dsb]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('← Certificate [decrypted]');
    const without = await runCli(['read', tls13.pcap]);
    expect(without.stdout).not.toContain('[decrypted]');
  });

  it('several connections: a table; --stream N traces one, --all every one, --json the table as data', async () => {
    const r = await runCli(['read', tls12.pcap]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^3 TLS connection\(s\) in /);
    const rows = r.stdout.split('\n').filter((l) => /^│ [123] /.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/127\.0\.0\.1:\d+.*localhost.*TLS 1\.2.*TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.*h2 .*Handshake/);
    const json = JSON.parse((await runCli(['read', tls12.pcap, '--json'])).stdout) as { format: string; connections: { number: number; server: string; sni: string; version: string; cipherSuite: string; alpn: string; complete: boolean }[] };
    expect(json.format).toBe('tls-trace-connections');
    expect(json.connections.map((c) => [c.number, c.server, c.sni, c.version, c.cipherSuite, c.alpn, c.complete])).toEqual(
      [1, 2, 3].map((n) => [n, `127.0.0.1:${tls12.port}`, 'localhost', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'h2', true]),
    );
    const two = await runCli(['read', tls12.pcap, '--stream', '2', '--keylog', tls12.keylog]);
    expect(two.code).toBe(0);
    expect(two.stdout).toContain('Finished [decrypted]');
    const all = await runCli(['read', tls12.pcap, '--all']);
    expect(all.stdout.match(/^tls-trace 127\.0\.0\.1:/gm)).toHaveLength(3);
    const bad = await runCli(['read', tls12.pcap, '--stream', '9']);
    expect([bad.code, bad.stderr]).toEqual([2, 'tls-trace: --stream 9: no TLS connection with that number (the TLS connections are 1, 2, 3)\n']);
  });

  it('--json escapes peer strings in the connections list: an SNI with C1 controls comes out as \\xNN', async () => {
    // The SNI "localhost" (host_name type 0, length 9) patched in place to UTF-8 "l" U+009B U+202E "ost":
    // same length, so the TCP and TLS framing still hold (tls-trace does not check TCP checksums).
    const bytes = readFileSync(tls12.pcap);
    const from = Buffer.concat([Buffer.from([0, 0, 9]), Buffer.from('localhost')]);
    const to = Buffer.concat([Buffer.from([0, 0, 9]), Buffer.from('l\u009b\u202eost', 'utf8')]);
    let patched = 0;
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) {
      to.copy(bytes, at);
      patched++;
    }
    expect(patched).toBe(3);
    const file = path.join(dir, 'tls12-sni.pcap');
    writeFileSync(file, bytes);
    const r = await runCli(['read', file, '--json']);
    expect(r.code).toBe(0);
    // Read as Latin-1 bytes (as the decoder shows host names): c2 9b e2 80 ae; 0x9b and 0x80 are C1 controls.
    const json = JSON.parse(r.stdout) as { connections: { sni: string }[] };
    expect(json.connections.map((c) => c.sni)).toEqual(Array(3).fill('l\u00c2\\x9b\u00e2\\x80\u00aeost'));
    expect(r.stdout).not.toMatch(/[\u0080-\u009f\u202e]/u);
  });

  it('IPv6 (Node server on ::1): agrees with tshark', async () => {
    const v6 = await recordNodeServer(dir, 'v6', { maxVersion: 'TLSv1.3' }, '::1');
    const capture = await onlyCapture(v6.pcap, keylogOf(v6));
    expect(capture.target).toMatchObject({ host: '::1', family: 6 });
    await agreeWithTshark(v6, capture);
  });

  it('a plaintext connection beside TLS ones is listed as skipped, with why', async () => {
    const plain = await recordPlain(dir, 'plain');
    const merged = path.join(dir, 'merged.pcap');
    await run('mergecap', ['-F', 'pcap', '-w', merged, tls12.pcap, plain.pcap]);
    const contents = await readPacketCapture(merged);
    const skipped = contents.connections.filter((c) => !c.tls);
    expect(skipped.map((c) => [c.server.port, c.tls ? '' : c.reason])).toEqual([[plain.port, 'HTTP request: "GET / HTTP/1.0"']]);
    const r = await runCli(['read', merged]);
    expect(r.stdout).toMatch(new RegExp(`1 other TCP connection\\(s\\) skipped:\\n  4  127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${plain.port}: HTTP request: "GET / HTTP/1\\.0"`));
  });

  it('a failed handshake exits 7 with the alert on stderr, as a live trace does', async () => {
    const r = await runCli(['read', failed.pcap]);
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('Alert');
    expect(r.stderr).toMatch(/handshake_failure/);
  });

  it('a truncated capture still traces what came before, with one note on stderr', async () => {
    const b = readFileSync(tls13.pcap);
    writeFileSync(path.join(dir, 'cut.pcap'), b.subarray(0, b.length - 30));
    const r = await runCli(['read', path.join(dir, 'cut.pcap')]);
    expect(r.stdout).toContain('→ ClientHello');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('tls-trace: note: the capture is truncated: '))).toHaveLength(1);
  });

  it('a capture cut before the handshake completed says so, not that the server closed', async () => {
    const b = readFileSync(tls13.pcap);
    writeFileSync(path.join(dir, 'half.pcap'), b.subarray(0, Math.floor(b.length / 2)));
    const r = await runCli(['read', path.join(dir, 'half.pcap')]);
    expect(r.code).toBe(7);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^tls-trace: note: the capture is truncated: /);
    expect(lines[1]).toMatch(/^tls-trace: the capture ends before the handshake completed \(no FIN or RST from either side in the file; \d+ bytes from the server\)$/);
    expect(r.stderr).not.toMatch(/closed the connection/);
  });

  it('not a capture, an empty file, a directory, a device, a FIFO, a missing file: exit 2 and one line', async () => {
    writeFileSync(path.join(dir, 'text'), 'hello\n');
    writeFileSync(path.join(dir, 'empty'), '');
    // A pcap header whose magic is one off: bytes that are not UTF-8 (0xa1) are named as they are,
    // not as the replacement character's efbfbd.
    writeFileSync(path.join(dir, 'bad-magic'), Buffer.from('d5c3b2a10200040000000000000000000000040001000000', 'hex'));
    const cases: [string, string][] = [
      [path.join(dir, 'text'), `tls-trace: ${path.join(dir, 'text')} is not a capture: not pcap, pcapng or a tls-trace capture file (it starts with 68656c6c)\n`],
      [path.join(dir, 'bad-magic'), `tls-trace: ${path.join(dir, 'bad-magic')} is not a capture: not pcap, pcapng or a tls-trace capture file (it starts with d5c3b2a1)\n`],
      [path.join(dir, 'empty'), `tls-trace: ${path.join(dir, 'empty')} is empty: not a capture\n`],
      [dir, `tls-trace: cannot read capture file ${dir}: a directory, not a regular file\n`],
      ['/dev/zero', 'tls-trace: cannot read capture file /dev/zero: a character device, not a regular file\n'],
      [path.join(dir, 'fifo'), `tls-trace: cannot read capture file ${path.join(dir, 'fifo')}: a FIFO (named pipe), not a regular file\n`],
      [path.join(dir, 'missing'), `tls-trace: cannot read capture file ${path.join(dir, 'missing')}: no such file (ENOENT)\n`],
    ];
    await run('mkfifo', [path.join(dir, 'fifo')]);
    for (const [file, line] of cases) {
      const r = await runCli(['read', file]);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', line]);
    }
  });
});
