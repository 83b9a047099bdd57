// The packet view of `tls-trace read` on real tcpdump captures: the TCP three-way handshake and
// teardown lines (FIN each way, RST, a start not captured), and `--packets`' segment list agreeing
// with tshark's tcp fields (flags, relative seq/ack, length, retransmission analysis) field by field.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { recordOpenssl, recordReset, run, type Recorded } from '../helpers/pcap-tools.js';
import { expectSchemaValid } from '../helpers/schema.js';
import { describeWithTools } from '../helpers/servers.js';

interface Segment {
  /** The frame's number in the file. */
  frame: number;
  flags: string[];
  seq: number;
  ack?: number;
  len: number;
  retransmission: boolean;
  duplicateAck?: boolean;
}

const LETTER: Record<string, string> = { S: 'SYN', F: 'FIN', R: 'RST', P: 'PSH', U: 'URG', E: 'ECE', W: 'CWR', '.': 'ACK' };

/** tshark's view of every segment: `tcp.flags.str` (`·······AP···`) read as flag names. */
async function tsharkSegments(file: string): Promise<Segment[]> {
  const out = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags.str', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len', '-e', 'tcp.analysis.retransmission', '-e', 'tcp.analysis.duplicate_ack']);
  const names: [number, string][] = [[3, 'CWR'], [4, 'ECE'], [5, 'URG'], [7, 'ACK'], [8, 'PSH'], [9, 'RST'], [10, 'SYN'], [11, 'FIN']];
  // Only the final newline goes: trim() would also eat the last line's empty trailing fields.
  return out.replace(/\n$/, '').split('\n').map((line) => {
    const [frame, str, seq, ack, len, retrans = '', dup = ''] = line.split('\t');
    const chars = [...str];
    const flags = names.filter(([i]) => chars[i] !== '·').map(([, n]) => n).sort();
    return { frame: Number(frame), flags, seq: Number(seq), ...(flags.includes('ACK') ? { ack: Number(ack) } : {}), len: Number(len), retransmission: retrans !== '', duplicateAck: dup !== '' };
  });
}

/** Our `--packets` lines (`  0.013 ms  ← [S.]   seq 0 ack 1 win 65483 len 0 · frame 2 …  [retransmission]`) as segments. */
function ourSegments(text: string): Segment[] {
  const re = /^ +[0-9.]+ ms {2}[→←] \[([SFRPUEW.]*)\] +seq (\d+)(?: ack (\d+))? win \d+ len (\d+)(.*)$/;
  return text.split('\n').flatMap((line) => {
    const m = re.exec(line);
    if (!m) return [];
    const flags = [...m[1]].map((c) => LETTER[c]).sort();
    return [{ frame: Number(/ · frame (\d+)/.exec(m[5])?.[1]), flags, seq: Number(m[2]), ...(m[3] !== undefined ? { ack: Number(m[3]) } : {}), len: Number(m[4]), retransmission: m[5].includes('[retransmission]'), duplicateAck: m[5].includes('[duplicate ACK]') }];
  });
}

describeWithTools('tcpdump', 'tshark', 'editcap', 'mergecap', 'openssl')('tls-trace read: the TCP packet view', () => {
  let dir: string;
  let tls13: Recorded;
  let reset: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-packets-'));
    tls13 = await recordOpenssl(dir, 'tls13');
    reset = await recordReset(dir, 'reset');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the three-way handshake before Flight 1 and the FIN each way after the last flight, times from the file', async () => {
    const r = await runCli(['read', tls13.pcap, '--no-color']);
    const [syn, synAck, ack] = (await tsharkSegments(tls13.pcap)).slice(0, 3);
    expect([syn.flags, synAck.flags, ack.flags]).toEqual([['SYN'], ['ACK', 'SYN'], ['ACK']]);
    const times = (await run('tshark', ['-r', tls13.pcap, '-T', 'fields', '-e', 'frame.time_relative'])).trim().split('\n').map((t) => Number(t) * 1000);
    const lines = r.stdout.split('\n');
    const open = lines.indexOf('TCP · three-way handshake');
    expect(open).toBeGreaterThan(-1);
    expect(open).toBeLessThan(lines.findIndex((l) => l.startsWith('Flight 1 ')));
    // Each SYN's options on the line under it (read-teardown.test.ts checks them against tshark).
    expect(lines[open + 1]).toBe(`  ${`${times[0].toFixed(3)} ms`.padStart(12)}  → SYN`);
    expect(lines[open + 2]).toMatch(/^ {18}MSS \d+/);
    expect(lines[open + 3]).toBe(`  ${`${times[1].toFixed(3)} ms`.padStart(12)}  ← SYN-ACK  network round trip ${(times[1] - times[0]).toFixed(3)} ms (SYN → SYN-ACK)`);
    expect(lines[open + 4]).toMatch(/^ {18}MSS \d+/);
    expect(lines[open + 5]).toBe(`  ${`${times[2].toFixed(3)} ms`.padStart(12)}  → ACK  connection open`);
    // Either side may close first (the client's FIN and the server's close_notify race): tshark says which.
    const allFins = (await run('tshark', ['-r', tls13.pcap, '-Y', 'tcp.flags.fin==1', '-T', 'fields', '-e', 'frame.time_relative', '-e', 'tcp.srcport', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len'])).trim().split('\n').map((l) => l.split('\t'));
    const side = (port: string): 'client' | 'server' => (Number(port) === tls13.port ? 'server' : 'client');
    // A FIN the kernel retransmitted (a loaded machine delays the ACK) is listed again by tshark:
    // the teardown is told by the first FIN each way only.
    const fins = allFins.filter(([, port], i) => allFins.findIndex(([, p]) => side(p) === side(port)) === i);
    expect(fins.map(([, port]) => side(port)).sort()).toEqual(['client', 'server']);
    const close = lines.findIndex((l) => l.startsWith('TCP · teardown'));
    expect(close).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Flight 6 ')));
    // Both may also close at once on the loopback: the second FIN then does not acknowledge the first
    // (tshark's relative ack below the end of the first FIN: its relative seq + length + 1), and
    // neither closed first.
    const simultaneous = Number(fins[1][3]) < Number(fins[0][2]) + Number(fins[0][4]) + 1;
    const how = simultaneous ? 'simultaneous close (each FIN sent before the other arrived)' : `the ${side(fins[0][1])} closed first`;
    expect(lines[close]).toBe(`TCP · teardown · FIN each way · ${how}`);
    // Each FIN's line (its ACK and any half-close data are lines between them: read-teardown.test.ts).
    const block = lines.slice(close + 1, lines.indexOf('', close));
    const finLines = block.filter((l) => / [→←] FIN: /.test(l));
    expect(finLines).toHaveLength(2);
    fins.forEach(([time, port], i) => {
      const arrow = side(port) === 'client' ? '→' : '←';
      expect(finLines[i].startsWith(`  ${`${(Number(time) * 1000).toFixed(3)} ms`.padStart(12)}  ${arrow} FIN: the ${side(port)} is done sending`)).toBe(true);
    });
  });

  it('--json carries the same TCP view, valid against the schema', async () => {
    const json = JSON.parse((await runCli(['read', tls13.pcap, '--json'])).stdout) as { tcp: { handshake: { startCaptured: boolean; roundTripMs: number; synMs: number; synAckMs: number }; teardown: { how: string; closedFirstBy: string; events: { kind: string; direction: string }[] }; packets: unknown[] } };
    expectSchemaValid('trace', json);
    expect(json.tcp.handshake.startCaptured).toBe(true);
    expect(json.tcp.handshake.roundTripMs).toBeCloseTo(json.tcp.handshake.synAckMs - json.tcp.handshake.synMs, 3);
    const first = json.tcp.teardown.closedFirstBy;
    const other = first === 'client' ? 'server' : 'client';
    expect(json.tcp.teardown).toMatchObject({ how: 'fin', events: [{ kind: 'FIN', direction: first }, { kind: 'FIN', direction: other }] });
    expect(json.tcp.packets).toHaveLength((await tsharkSegments(tls13.pcap)).length);
  });

  it('--packets: flags, relative seq/ack and lengths agree with tshark segment by segment, with record bytes', async () => {
    const r = await runCli(['read', tls13.pcap, '--packets', '--no-color']);
    const theirs = await tsharkSegments(tls13.pcap);
    expect(ourSegments(r.stdout)).toEqual(theirs);
    // The ClientHello segment carries record #1 whole.
    const hello = theirs.findIndex((s) => s.len > 0);
    expect(r.stdout).toContain(`len ${theirs[hello].len} · record #1 bytes 0–${theirs[hello].len - 1}`);
  });

  it('every segment twice (mergecap of the file with itself): retransmissions and duplicate ACKs as tshark marks them', async () => {
    const doubled = path.join(dir, 'doubled.pcap');
    await run('mergecap', ['-F', 'pcap', '-w', doubled, tls13.pcap, tls13.pcap]);
    const r = await runCli(['read', doubled, '--packets', '--no-color']);
    const theirs = await tsharkSegments(doubled);
    expect(theirs.filter((s) => s.retransmission).length).toBeGreaterThan(5);
    expect(theirs.filter((s) => s.duplicateAck).length).toBeGreaterThan(2);
    expect(ourSegments(r.stdout)).toEqual(theirs);
  });

  it('a server RST: the teardown says who reset, and the RST segment agrees with tshark', async () => {
    const r = await runCli(['read', reset.pcap, '--packets', '--no-color']);
    const theirs = await tsharkSegments(reset.pcap);
    expect(theirs.some((s) => s.flags.includes('RST'))).toBe(true);
    expect(ourSegments(r.stdout)).toEqual(theirs);
    const lines = r.stdout.split('\n');
    // The client's FIN may or may not beat the server's RST: the first closer is whoever sent first.
    expect(lines.find((l) => l.startsWith('TCP · teardown'))).toMatch(/^TCP · teardown · reset · the (client|server) closed first$/);
    expect(lines.some((l) => /^ +[0-9.]+ ms {2}← RST: the server reset the connection( · |$)/.test(l))).toBe(true);
  });

  it('the SYN not captured (first three frames cut with editcap): says the start was not captured', async () => {
    const late = path.join(dir, 'late.pcap');
    await run('editcap', ['-F', 'pcap', tls13.pcap, late, '1-3']);
    const r = await runCli(['read', late, '--no-color']);
    const lines = r.stdout.split('\n');
    const open = lines.indexOf('TCP · three-way handshake');
    expect(lines[open + 1]).toBe('  connection start not captured: no SYN from the client in the file');
    expect(lines[open + 2]).toBe('');
    const json = JSON.parse((await runCli(['read', late, '--json'])).stdout) as { tcp: { handshake: object } };
    expect(json.tcp.handshake).toEqual({ startCaptured: false });
  });

  it('a server data segment cut out (editcap): the next one is marked after a gap where tshark sees a lost segment', async () => {
    const frames = (await run('tshark', ['-r', tls13.pcap, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.len'])).replace(/\n$/, '').split('\n').map((l) => l.split('\t').map(Number));
    // The server's first flight (ServerHello …): the first server segment with payload.
    const cut = frames.findIndex(([port, len]) => port === tls13.port && len > 0) + 1;
    const gapped = path.join(dir, 'gapped.pcap');
    await run('editcap', ['-F', 'pcap', tls13.pcap, gapped, String(cut)]);
    const lost = (await run('tshark', ['-r', gapped, '-T', 'fields', '-e', 'tcp.analysis.lost_segment'])).replace(/\n$/, '').split('\n').map((f) => f !== '');
    const json = JSON.parse((await runCli(['read', gapped, '--json'])).stdout) as { tcp: { packets: { marks: string[] }[] } };
    expect(json.tcp.packets.map((p) => p.marks.includes('after gap'))).toEqual(lost);
    expect(lost.filter(Boolean)).toHaveLength(1);
    // Segments that merely wait behind the gap are not called out of order: any segment marked so is
    // one tshark flags too (a loaded loopback sometimes really does reorder or resend one).
    const flagged = (await run('tshark', ['-r', gapped, '-T', 'fields', '-E', 'separator=,', '-e', 'tcp.analysis.out_of_order', '-e', 'tcp.analysis.retransmission', '-e', 'tcp.analysis.spurious_retransmission']))
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.replace(/,/g, '') !== '');
    const ours = json.tcp.packets.map((p, i) => (p.marks.includes('out-of-order') ? i : -1)).filter((i) => i >= 0);
    for (const i of ours) expect([i, flagged[i]]).toEqual([i, true]);
  });

  it('--packets keeps its output bounded: past the cap one line counts the rest', async () => {
    const { renderPacketList } = await import('../../src/report/packets.js');
    const { palette } = await import('../../src/report/palette.js');
    const row = { timeMs: 1, direction: 'client' as const, flags: '[.]', seq: 1, ack: 1, window: 64, payloadLength: 0, records: [], marks: [] };
    const lines = renderPacketList({ handshake: { startCaptured: true }, teardown: { how: 'open', events: [] }, packets: Array.from({ length: 7 }, () => row) }, palette(false), 5);
    expect(lines).toHaveLength(1 + 5 + 1);
    expect(lines[6]).toBe('  … 2 more segments not shown (tls-trace shows at most 5)');
    // Segments the reader did not keep (its own caps) are counted in the same line.
    const capped = renderPacketList({ handshake: { startCaptured: true }, teardown: { how: 'open', events: [] }, packets: Array.from({ length: 3 }, () => row), unlisted: 4 }, palette(false), 5);
    expect(capped[0]).toBe("Packets · 7 TCP segments (seq/ack relative to each side's first sequence number)");
    expect(capped.at(-1)).toBe("  … 4 more segments not shown (past tls-trace's packet-list caps, see Reliability in the README)");
  });
});
