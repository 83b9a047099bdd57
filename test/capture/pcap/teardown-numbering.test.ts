// Teardowns read from files built frame by frame (the reviewer's cases): a capture that starts after
// the SYNs, whose client sends no data, must still number the client's FIN and the server's ACK of
// it (a false "simultaneous close" and "no ACK of it" before); and an ACK of a FIN carried on the
// other side's retransmitted FIN keeps its own line in the text and its own arrow on the ladder.
// tshark agrees on the relative numbers where it is installed.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tcpFrame } from '../../../src/capture/pcap/frame-out.js';
import { readPacketCapture } from '../../../src/capture/pcap/index.js';
import { tcpView } from '../../../src/view/tcp.js';
import { tcpCloseLines } from '../../../src/report/packets.js';
import { palette } from '../../../src/report/palette.js';
import { runCli } from '../../helpers/cli.js';
import { requireTool } from '../../helpers/servers.js';
import { pcapOf } from './pcap-bytes.js';

const C = { ip: Uint8Array.from([10, 0, 0, 1]), port: 40000 };
const S = { ip: Uint8Array.from([10, 0, 0, 2]), port: 443 };
const FIN = 1;
const SYN = 2;
const PSH = 8;
const ACK = 16;
const RECORD = Buffer.concat([Buffer.from([0x17, 3, 3, 0, 32]), Buffer.alloc(32, 7)]);

type Seg = { client: boolean; seq: number; ack: number; flags: number; data?: boolean; ms: number };

function writePcap(dir: string, name: string, segs: Seg[]): string {
  const frames = segs.map((s, i) => Buffer.from(tcpFrame({ from: s.client ? C : S, to: s.client ? S : C, seq: s.seq, ack: s.ack, flags: s.flags, window: 500, payload: s.data ? RECORD : new Uint8Array(), ipId: i }, s.client)));
  const file = path.join(dir, name);
  writeFileSync(file, pcapOf(frames, segs.map((s) => s.ms)));
  return file;
}

async function viewOf(file: string) {
  const contents = await readPacketCapture(file);
  const conn = contents.connections.find((c) => c.tls);
  if (!conn?.tls) throw new Error('no TLS connection found');
  const view = tcpView(conn.capture, []);
  if (!view) throw new Error('no packets');
  return view;
}

describe('teardown numbering from frames', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-teardown-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no SYN captured and no client data: the client FIN and its ACK are numbered, no false simultaneous close', async () => {
    const file = writePcap(dir, 'nosyn.pcap', [
      { client: false, seq: 5000, ack: 9000, flags: PSH | ACK, data: true, ms: 1 },
      { client: true, seq: 9000, ack: 5037, flags: ACK, ms: 2 },
      { client: true, seq: 9000, ack: 5037, flags: FIN | ACK, ms: 3 },
      { client: false, seq: 5037, ack: 9001, flags: ACK, ms: 4 },
      { client: false, seq: 5037, ack: 9001, flags: FIN | ACK, ms: 5 },
      { client: true, seq: 9001, ack: 5038, flags: ACK, ms: 6 },
    ]);
    const t = (await viewOf(file)).teardown;
    // Without the SYNs which side is the client is tls-trace's guess: the test follows the FINs.
    const [quietFin, dataFin] = t.events;
    expect(t.how).toBe('fin');
    expect(t.closedFirstBy).toBe(quietFin.direction);
    expect(t.simultaneous).toBeUndefined();
    expect(quietFin).toMatchObject({ kind: 'FIN', seq: 1, acked: { ack: 2, flags: '[.]', timeMs: 3 } });
    expect(dataFin).toMatchObject({ kind: 'FIN', seq: 38, acked: { ack: 39, flags: '[.]', timeMs: 5 } });
    const clientFin = quietFin;
    if (requireTool('tshark')) {
      // tshark's relative numbers for the client's FIN (frame 3) and the server's ACK of it (frame 4).
      const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.relative_sequence_numbers:TRUE', '-T', 'fields', '-e', 'tcp.seq', '-e', 'tcp.ack', '-Y', 'frame.number==3 || frame.number==4'], { encoding: 'utf8' });
      const [fin, ack] = out.trim().split('\n').map((l) => l.split('\t').map(Number));
      expect(fin[0]).toBe(clientFin.seq);
      expect(ack[1]).toBe(clientFin.acked?.ack);
    }
  });

  it('an ACK of the client FIN carried on the server\'s retransmitted FIN keeps its own text line and ladder arrow', async () => {
    const file = writePcap(dir, 'refin.pcap', [
      { client: true, seq: 8999, ack: 0, flags: SYN, ms: 0 },
      { client: false, seq: 4999, ack: 9000, flags: SYN | ACK, ms: 0.5 },
      { client: true, seq: 9000, ack: 5000, flags: ACK, ms: 0.7 },
      { client: false, seq: 5000, ack: 9000, flags: PSH | ACK, data: true, ms: 1 },
      { client: true, seq: 9000, ack: 5037, flags: FIN | ACK, ms: 5 },
      { client: false, seq: 5037, ack: 9000, flags: FIN | ACK, ms: 6 },
      { client: false, seq: 5037, ack: 9001, flags: FIN | ACK, ms: 7 },
      { client: true, seq: 9001, ack: 5038, flags: ACK, ms: 8 },
    ]);
    const view = await viewOf(file);
    const clientFin = view.teardown.events.find((e) => e.direction === 'client');
    expect(clientFin?.acked).toMatchObject({ flags: '[F.]', timeMs: 7 });
    const lines = tcpCloseLines(view, palette(false));
    expect(lines.some((l) => l.includes("← ACK of the client's FIN (on a [F.] segment)"))).toBe(true);
    expect(lines.some((l) => l.includes('no ACK of it'))).toBe(false);
    // The ladder draws that ACK as an arrow of its own too (the server's, at 7 ms).
    const ladder = (await runCli(['read', file, '--no-color'])).stdout.split('\n');
    const at7 = ladder.findIndex((l) => /^\s+7\.00 ms \| ACK\b/.test(l));
    expect(at7).toBeGreaterThan(-1);
    expect(ladder[at7 + 1]).toMatch(/^\s+\|<-+\|/);
  });
});
