// The teardown of the TCP view on packet lists that loopback captures do not give reliably: a
// simultaneous close (each FIN sent before the other arrived), a FIN never acknowledged, a FIN
// sent again, several RSTs. Real captures of the common cases are in test/e2e/read-teardown.test.ts.

import type { Capture, CapturePacket } from '../../src/capture/types.js';
import { palette } from '../../src/report/palette.js';
import { tcpCloseLines } from '../../src/report/packets.js';
import { tcpView, type TcpView } from '../../src/view/tcp.js';

function view(packets: CapturePacket[]): TcpView {
  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: '127.0.0.1', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: '2026-01-01T00:00:00.000Z',
    timings: { totalMs: 10 },
    options: {},
    chunks: [],
    keylog: [],
    packets,
  } as Capture;
  const v = tcpView(capture, []);
  if (!v) throw new Error('no TCP view');
  return v;
}

const seg = (timeMs: number, direction: 'client' | 'server', flags: CapturePacket['flags'], seq: number, ack: number, payloadLength = 0): CapturePacket => ({ timeMs, direction, flags, seq, ack, window: 64, payloadLength });

const open: CapturePacket[] = [seg(0, 'client', ['SYN'], 0, 0), seg(0.1, 'server', ['SYN', 'ACK'], 0, 1), seg(0.2, 'client', ['ACK'], 1, 1)];

describe('the TCP teardown view', () => {
  it('a simultaneous close: both FINs acknowledge only data, then each side ACKs the other FIN', () => {
    const v = view([...open, seg(5, 'client', ['FIN', 'ACK'], 1, 1), seg(5.01, 'server', ['FIN', 'ACK'], 1, 1), seg(5.1, 'server', ['ACK'], 2, 2), seg(5.11, 'client', ['ACK'], 2, 2)]);
    expect(v.teardown).toMatchObject({ how: 'fin', simultaneous: true, closedFirstBy: 'client' });
    expect(v.teardown.events.map((e) => [e.direction, e.acked?.timeMs, e.acked?.ack])).toEqual([
      ['client', 5.1, 2],
      ['server', 5.11, 2],
    ]);
    const lines = tcpCloseLines(v, palette(false));
    expect(lines[0]).toBe('TCP · teardown · FIN each way · simultaneous close (each FIN sent before the other arrived)');
    expect(lines).toContain("      5.100 ms  ← ACK of the client's FIN, 0.100 ms after it");
  });

  it('an ordinary close is not simultaneous: the second FIN acknowledges the first (the ACK rides on it)', () => {
    const v = view([...open, seg(5, 'client', ['FIN', 'ACK'], 1, 1), seg(5.2, 'server', ['FIN', 'ACK'], 1, 2), seg(5.3, 'client', ['ACK'], 2, 2)]);
    expect(v.teardown.simultaneous).toBeUndefined();
    expect(v.teardown.events[0].acked).toEqual({ timeMs: 5.2, delayMs: 0.2, ack: 2, flags: '[F.]' });
    const lines = tcpCloseLines(v, palette(false));
    expect(lines).toEqual([
      'TCP · teardown · FIN each way · the client closed first',
      '      5.000 ms  → FIN: the client is done sending',
      "      5.200 ms  ← FIN: the server is done sending · with the ACK of the client's FIN, 0.200 ms after it",
      "      5.300 ms  → ACK of the server's FIN, 0.100 ms after it",
    ]);
  });

  it('a FIN sent again and never acknowledged: counted once, with its retransmissions, and said unacknowledged', () => {
    const v = view([...open, seg(5, 'server', ['FIN', 'ACK'], 1, 1), seg(205, 'server', ['FIN', 'ACK'], 1, 1), seg(605, 'server', ['FIN', 'ACK'], 1, 1)]);
    expect(v.teardown).toMatchObject({ how: 'half', closedFirstBy: 'server', lastPacketMs: 605 });
    expect(v.teardown.events).toEqual([{ timeMs: 5, direction: 'server', kind: 'FIN', seq: 1, retransmissions: 2 }]);
    expect(tcpCloseLines(v, palette(false))).toEqual([
      'TCP · teardown · FIN one way only · the server closed first',
      '      5.000 ms  ← FIN: the server is done sending · sent 3 times (retransmitted) · no ACK of it in the file',
      '  no FIN from the client in the file: the capture ended before it closed its side (its last packet at 605.000 ms)',
    ]);
  });

  it('an RST answering data after the peer FIN: from whom, after what, and which FINs were already sent', () => {
    const v = view([...open, seg(5, 'server', ['FIN', 'ACK'], 1, 1), seg(5.1, 'client', ['ACK'], 1, 2), seg(6, 'client', ['PSH', 'ACK'], 1, 2, 4), seg(6.05, 'server', ['RST'], 2, 0)]);
    const rst = v.teardown.events[1];
    expect(rst).toEqual({ timeMs: 6.05, direction: 'server', kind: 'RST', seq: 2, after: { direction: 'client', what: 'data', timeMs: 6, bytes: 4 }, finsBefore: ['server'] });
    expect(v.teardown.dataAfterFirstFin).toEqual({ direction: 'client', bytes: 4, segments: 1, firstMs: 6, lastMs: 6 });
    expect(tcpCloseLines(v, palette(false))).toContain("      6.050 ms  ← RST: the server reset the connection · after the client's data (4 B, 0.050 ms earlier) · the server's FIN already sent");
  });
});
