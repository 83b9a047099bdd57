// `--pcap OUT.pcapng` on live traces, `--demo` and `read`: tshark opens the file decrypted with no
// option (the DSB carries the key log), its expert info finds no malformed packet, bad checksum
// (checksum validation on) or missing segment, and `tls-trace read OUT.pcapng` reproduces the
// trace: same steps, records, negotiated values, fingerprints, decryption and chain verdicts.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ipBytes } from '../../../src/capture/pcap/frame-out.js';
import { runCli } from '../../helpers/cli.js';
import { recordOpenssl, run } from '../../helpers/pcap-tools.js';
import { recordSmtpStarttls } from '../../helpers/prologue-tools.js';
import { demoCerts, demoPaths, describeWithTools, startNodeTlsServer, type TestServer } from '../../helpers/servers.js';

type Json = Record<string, unknown>;

/** Timing members left out: a capture file's clock starts at its first packet, a live trace's before DNS. */
const TIMING_KEYS = new Set(['timeMs', 'startMs', 'endMs', 'timings', 'startedAt', 'at', 'totalMs']);

function withoutTimes(value: unknown): unknown {
  // Every `…Ms` too (the TCP handshake's synMs, roundTripMs…): times are rounded as written, so they may differ by a µs.
  return JSON.parse(JSON.stringify(value, (k: string, v: unknown) => (TIMING_KEYS.has(k) || k.endsWith('Ms') ? undefined : v)));
}

/** What a read-back must reproduce of a trace. */
function essentials(j: Json): unknown {
  const steps = (j.steps as Json[]).map((s) => ({ name: s.name, direction: s.direction, records: s.records, decrypted: s.decrypted, details: s.details }));
  const records = (j.records as Json[]).map((r) => ({ direction: r.direction, hex: r.hex }));
  return withoutTimes({ steps, records, messages: j.messages, spaces: j.spaces, bytes: j.bytes, negotiated: j.negotiated, table: j.table, fingerprints: j.fingerprints, outcome: j.outcome, decryption: j.decryption, chain: j.chain, issues: j.issues, crossChecks: j.crossChecks });
}

/** Handshake types tshark decodes (decrypted ones included) with no -o option. */
async function handshakeTypes(file: string): Promise<number[]> {
  const out = await run('tshark', ['-r', file, '-Y', 'tls.handshake', '-T', 'fields', '-e', 'tls.handshake.type']);
  return out.split(/[\s,]+/).filter((s) => s !== '').map(Number);
}

/** tshark's expert findings at warning level and above, checksum validation on. */
async function expertProblems(file: string, validate = true): Promise<string[]> {
  const checks = validate ? ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'] : [];
  const out = await run('tshark', ['-r', file, ...checks, '-T', 'fields', '-e', '_ws.expert.message', '-e', '_ws.expert.severity', '-e', '_ws.malformed']);
  return out.split('\n').filter((l) => /malformed|checksum|not captured|lost|bad|unseen|retransmission|out-of-order/i.test(l));
}

/**
 * For a file rewritten from a real capture: no malformed packet or bad checksum of its own, and
 * tshark's sequence analysis finds what it found in the original (a loaded machine's loopback
 * recording can hold a real retransmission, which the rewrite must keep, not hide). The original
 * is analysed without checksum validation: loopback captures carry checksums the kernel never
 * filled in, and tshark skips the sequence analysis of a segment whose checksum it finds bad.
 */
async function expectFaithfulExpert(out: string, original: string): Promise<void> {
  const mine = await expertProblems(out);
  expect(mine.filter((l) => /malformed|checksum/i.test(l))).toEqual([]);
  const theirs = await expertProblems(original, false);
  expect(mine).toEqual(theirs);
}

async function tcpFields(file: string): Promise<string> {
  return run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.flags', '-e', 'tcp.len', '-e', 'tcp.payload']);
}

describe('ipBytes', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::2', '20010db8000000000000000000000002'],
    ['fe80::1%lo', 'fe800000000000000000000000000001'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('%s', (text, hex) => expect(Buffer.from(ipBytes(text) ?? []).toString('hex')).toBe(hex));
  it('is undefined for a host name', () => expect(ipBytes('example.com')).toBeUndefined());
});

describeWithTools('tshark', 'tcpdump', 'openssl')('--pcap OUT.pcapng', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-pcap-out-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Live trace with --pcap, then `read` of the file; both as JSON. */
  async function traceAndReadBack(name: string, args: string[]): Promise<{ file: string; live: Json; back: Json }> {
    const file = path.join(dir, `${name}.pcapng`);
    const live = await runCli([...args, '--json', '--pcap', file]);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const liveJson = JSON.parse(live.stdout) as Json;
    const back = await runCli(['read', file, '--json', '--ca', demoPaths.root, '--at', String(liveJson.startedAt)]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    return { file, live: liveJson, back: JSON.parse(back.stdout) as Json };
  }

  it('--demo (TLS 1.3): decrypted by tshark with no option, clean expert info, owner-only, read back identical', async () => {
    const { file, live, back } = await traceAndReadBack('demo13', ['--demo']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const types = await handshakeTypes(file);
    for (const t of [1, 2, 8, 11, 15, 20]) expect(types).toContain(t);
    expect(types.filter((t) => t === 20)).toHaveLength(2);
    expect(await expertProblems(file)).toEqual([]);
    expect(essentials(back)).toEqual(essentials(live));
    // Block order: SHB, IDB, DSB (TLS key log) before the first EPB.
    const bytes = readFileSync(file);
    const blocks: number[] = [];
    for (let at = 0; at < bytes.length; at += bytes.readUInt32LE(at + 4)) blocks.push(bytes.readUInt32LE(at));
    expect(blocks.slice(0, 4)).toEqual([0x0a0d0d0a, 1, 0x0a, 6]);
    expect(new Set(blocks.slice(3))).toEqual(new Set([6]));
    expect(bytes.readUInt32LE(bytes.indexOf(Buffer.from([0x0a, 0, 0, 0]), 8) + 8)).toBe(0x544c534b);
  }, 60_000);

  it('--demo --tls-max 1.2: both Finished messages decrypted by tshark, read back identical', async () => {
    const { file, live, back } = await traceAndReadBack('demo12', ['--demo', '--tls-max', '1.2']);
    const types = await handshakeTypes(file);
    for (const t of [1, 2, 11, 12, 14, 16]) expect(types).toContain(t);
    expect(types.filter((t) => t === 20)).toHaveLength(2);
    expect(await expertProblems(file)).toEqual([]);
    expect(essentials(back)).toEqual(essentials(live));
  }, 60_000);

  describe('IPv6 and a certificate chain spanning many segments', () => {
    let server: TestServer;
    beforeAll(async () => {
      const certs = demoCerts();
      const intermediate = readFileSync(demoPaths.intermediate, 'utf8');
      // The intermediate sent thirty times over: a ~15 KB Certificate message, eight or more MSS-sized segments.
      server = await startNodeTlsServer({ host: '::1', cert: certs.ecdsa.cert + intermediate.repeat(30), key: certs.ecdsa.key, response: 'hello' });
    });
    afterAll(async () => server?.close());

    it('writes ::1 frames of at most 1440 payload bytes with correct seq/ack and checksums', async () => {
      const { file, live, back } = await traceAndReadBack('v6', [`[::1]:${server.port}`, '--ca', demoPaths.root, '--servername', 'localhost']);
      const lines = (await tcpFields(file)).trim().split('\n').map((l) => l.split('\t'));
      expect(lines.every((l) => l[2] === '::1' && l[1] === '')).toBe(true);
      const lengths = lines.map((l) => Number(l[8]));
      expect(Math.max(...lengths)).toBe(1440);
      expect(lengths.filter((n) => n === 1440).length).toBeGreaterThanOrEqual(8);
      // One client port, the live socket's own (not the writer's stand-in from 49152 up).
      const clientPorts = new Set(lines.map((l) => (l[4] === String(server.port) ? l[3] : l[4])));
      expect(clientPorts.size).toBe(1);
      expect([...clientPorts][0]).not.toBe('49152');
      const types = await handshakeTypes(file);
      expect(types).toContain(11);
      expect(await expertProblems(file)).toEqual([]);
      expect(essentials(back)).toEqual(essentials(live));
    }, 60_000);
  });

  /**
   * `read ORIGINAL --pcap OUT` of a real capture, then checks: every TCP field and payload byte is
   * the original's (addresses, ports, seq/ack, flags, lengths), tshark's analysis the same, and
   * `read OUT` gives the same trace (its TCP view included). Returns OUT.
   */
  async function rewriteRealCapture(rec: { pcap: string; keylog: string }, name: string): Promise<string> {
    const out = path.join(dir, `${name}-out.pcapng`);
    const first = await runCli(['read', rec.pcap, '--keylog', rec.keylog, '--json', '--pcap', out]);
    expect(first.code).toBe(0);
    const fields = (t: string): string[] => t.trim().split('\n').map((l) => l.split('\t').slice(1).join('\t'));
    expect(fields(await tcpFields(out))).toEqual(fields(await tcpFields(rec.pcap)));
    await expectFaithfulExpert(out, rec.pcap);
    const again = await runCli(['read', out, '--json']);
    expect(again.code).toBe(0);
    const a = JSON.parse(first.stdout) as Json;
    const b = JSON.parse(again.stdout) as Json;
    expect(essentials(b)).toEqual(essentials(a));
    expect(withoutTimes(b.tcp)).toEqual(withoutTimes(a.tcp));
    return out;
  }

  it('read of a tcpdump capture: the real segments are written back as they were, decrypted by tshark', async () => {
    const out = await rewriteRealCapture(await recordOpenssl(dir, 'real'), 'real');
    const types = await handshakeTypes(out);
    for (const t of [1, 2, 8, 11, 15, 20]) expect(types).toContain(t);
  }, 90_000);

  it('read of two connections: the table carries fingerprints (JSON rows, a JA4 column when wide) and --pcap writes both', async () => {
    const rec = await recordOpenssl(dir, 'two', [], 2);
    const out = path.join(dir, 'two-out.pcapng');
    const table = await runCli(['read', rec.pcap, '--keylog', rec.keylog, '--json', '--pcap', out]);
    expect(table.code).toBe(0);
    const rows = (JSON.parse(table.stdout) as { connections: Array<{ fingerprints: { ja3: { hash: string; full: string }; ja4: { ja4: string }; ja3s: { hash: string } } }> }).connections;
    expect(rows).toHaveLength(2);
    // tshark's JA3 of each ClientHello, in connection order.
    const ja3 = (await run('tshark', ['-r', rec.pcap, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.ja3'])).trim().split('\n');
    expect(rows.map((r) => r.fingerprints.ja3.hash)).toEqual(ja3);
    for (const r of rows) expect(r.fingerprints.ja4.ja4).toMatch(/^t13d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$/);
    const wide = await runCli(['read', rec.pcap], { env: { COLUMNS: '200' } });
    expect(wide.stdout).toContain('JA4');
    expect(wide.stdout).toContain(rows[0].fingerprints.ja4.ja4);
    const narrow = await runCli(['read', rec.pcap], { env: { COLUMNS: '100' } });
    expect(narrow.stdout).not.toContain('JA4');
    // Both connections in the written file, each decrypted (two Finished per connection).
    expect(new Set((await run('tshark', ['-r', out, '-T', 'fields', '-e', 'tcp.stream'])).trim().split('\n'))).toEqual(new Set(['0', '1']));
    expect((await handshakeTypes(out)).filter((t) => t === 20)).toHaveLength(4);
    await expectFaithfulExpert(out, rec.pcap);
  }, 90_000);

  it('a --save file read with --pcap writes the same bytes as the live trace\'s --pcap', async () => {
    const live = path.join(dir, 'saved-live.pcapng');
    const saved = path.join(dir, 'saved.json');
    const fromSave = path.join(dir, 'saved-read.pcapng');
    expect((await runCli(['--demo', '--pcap', live, '--save', saved])).code).toBe(0);
    expect((await runCli(['read', saved, '--pcap', fromSave])).code).toBe(0);
    expect(readFileSync(fromSave).equals(readFileSync(live))).toBe(true);
  }, 60_000);

  it('read of an SMTP STARTTLS capture: the dialogue and the TLS after it are written back byte for byte', async () => {
    const out = await rewriteRealCapture(await recordSmtpStarttls(dir, 'smtp'), 'smtp');
    // tshark follows SMTP STARTTLS by itself and decrypts with the DSB.
    expect((await handshakeTypes(out)).filter((t) => t === 20)).toHaveLength(2);
  }, 90_000);

  it('an unwritable --pcap path: the trace is printed, then one line and exit code 10', async () => {
    const r = await runCli(['--demo', '--pcap', dir]);
    expect(r.stdout).toContain('Handshake complete');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tls-trace: cannot write --pcap .*: a directory/);
    expect(r.code).toBe(10);
  }, 60_000);
});
