// The ladder diagram: its model (one arrow per flight in wire order, directions, names, sizes,
// round-trip marks, the TCP handshake and teardown from a pcap) from recorded captures, and its
// drawing at several widths (never wider, ASCII only when asked, left out when too narrow).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyseTrace } from '../../src/analyse/index.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { loadCapture } from '../../src/capture/capture-file.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import { LADDER_MAX_ARROWS } from '../../src/limits.js';
import { displayWidth } from '../../src/report/fit.js';
import { renderLadder } from '../../src/report/ladder.js';
import { palette } from '../../src/report/palette.js';
import { ladderView, type LadderView } from '../../src/view/ladder.js';
import { prologueView } from '../../src/view/prologue.js';
import { tcpView } from '../../src/view/tcp.js';
import { repoRoot } from '../golden/cases.js';
import { runCli } from '../helpers/cli.js';
import { captureToPcap } from '../helpers/pcap.js';

/** As the CLI builds it: decoded, decrypted with the capture's key log, analysed. */
function ladderOf(capture: Capture): LadderView {
  const { decoded, analysis } = analyseCapture(capture);
  const tcp = tcpView(capture, decoded.records);
  return ladderView({ decoded, analysis, ...(tcp ? { tcp } : {}) });
}

async function fixture(name: string): Promise<Capture> {
  return loadCapture(path.join(repoRoot, 'fixtures/captures', `${name}.json`));
}

/** Bytes each side sent, from the capture's chunks (not from the decoder). */
function sent(capture: Capture, side: 'client' | 'server'): number {
  return capture.chunks.filter((c) => c.direction === side).reduce((n, c) => n + c.bytes.length, 0);
}

describe('ladder model', () => {
  it('TLS 1.3: one arrow per flight in wire order, names with braces for encrypted, a 1-RTT handshake', async () => {
    const capture = await fixture('openssl-tls13');
    const l = ladderOf(capture);
    expect(l.arrows.map((a) => a.direction)).toEqual(['client', 'server', 'client', 'server', 'client', 'server']);
    expect(l.arrows.map((a) => a.flight)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(l.arrows[0].names).toEqual(['ClientHello']);
    expect(l.arrows[1].names).toEqual(['ServerHello', 'ChangeCipherSpec', '{EncryptedExtensions}', '{Certificate}', '{CertificateVerify}', '{Finished}']);
    expect(l.arrows[2].names).toEqual(['ChangeCipherSpec', '{Finished}']);
    expect(l.arrows.map((a) => a.roundTrip)).toEqual([undefined, 1, undefined, 2, undefined, 3]);
    expect(l.handshakeRoundTrips).toBe(1);
    // The first chunk each way is exactly the first flight (see the capture file's offsets).
    expect(l.arrows[0].bytes).toBe(capture.chunks[0].bytes.length);
    expect(l.arrows[1].bytes).toBe(capture.chunks[1].bytes.length);
    for (const side of ['client', 'server'] as const) {
      expect(l.arrows.filter((a) => a.direction === side).reduce((n, a) => n + a.bytes, 0)).toBe(sent(capture, side));
    }
    expect(l.arrows[0].timeMs).toBeCloseTo(capture.chunks[0].timeMs, 6);
  });

  it('TLS 1.2: the server Finished closes the second round trip', async () => {
    const capture = await fixture('openssl-tls12-ecdhe-rsa');
    const l = ladderOf(capture);
    expect(l.arrows.slice(0, 4).map((a) => a.names)).toEqual([
      ['ClientHello'],
      ['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone'],
      ['ClientKeyExchange', 'ChangeCipherSpec', '{Finished}'],
      ['ChangeCipherSpec', '{Finished}'],
    ]);
    expect(l.arrows.slice(0, 4).map((a) => a.bytes)).toEqual([367, 1814, 93, 51]);
    expect(l.handshakeRoundTrips).toBe(2);
    for (const side of ['client', 'server'] as const) {
      expect(l.arrows.filter((a) => a.direction === side).reduce((n, a) => n + a.bytes, 0)).toBe(sent(capture, side));
    }
  });

  it('HelloRetryRequest: its own arrow, the second ClientHello, and a 2-RTT handshake', async () => {
    const l = ladderOf(await fixture('openssl-tls13-hrr'));
    expect(l.arrows[1].names).toEqual(['HelloRetryRequest', 'ChangeCipherSpec']);
    expect(l.arrows[2].names).toEqual(['ChangeCipherSpec', 'ClientHello']);
    expect(l.arrows[3].names[0]).toBe('ServerHello');
    expect(l.arrows.slice(0, 4).map((a) => a.roundTrip)).toEqual([undefined, 1, undefined, 2]);
    expect(l.handshakeRoundTrips).toBe(2);
  });

  it('a failed handshake: the fatal alert is the answer, named, and no handshake round trip is claimed', async () => {
    const base = await fixture('openssl-tls13');
    const alert = Uint8Array.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    const capture: Capture = { ...base, chunks: [base.chunks[0], { direction: 'server', timeMs: 3, offset: 0, bytes: alert }] };
    const l = ladderOf(capture);
    expect(l.arrows.map((a) => [a.direction, a.names, a.bytes, a.roundTrip])).toEqual([
      ['client', ['ClientHello'], base.chunks[0].bytes.length, undefined],
      ['server', ['Alert(handshake_failure)'], 7, 1],
    ]);
    expect(l.handshakeRoundTrips).toBeUndefined();
  });

  it('without the session keys, protected records are named by the decoder\'s guess with a `?`', async () => {
    const capture = await fixture('openssl-tls12-ecdhe-rsa');
    const decoded = decodeCapture(capture);
    const l = ladderView({ decoded, analysis: analyseTrace(capture, decoded) });
    expect(l.arrows[2].names).toEqual(['ClientKeyExchange', 'ChangeCipherSpec', '{Finished?}']);
    expect(l.handshakeRoundTrips).toBe(2);
  });

  it('a STARTTLS prologue: one plaintext arrow per turn before the first flight, with its bytes and round trips', async () => {
    const base = await fixture('openssl-tls13');
    const turns: Array<['client' | 'server', string]> = [
      ['server', '220 mail.example ESMTP\r\n'],
      ['client', 'EHLO tls-trace\r\n'],
      ['server', '250-mail.example\r\n250 STARTTLS\r\n'],
      ['client', 'STARTTLS\r\n'],
      ['server', '220 2.0.0 Ready to start TLS\r\n'],
    ];
    const prologue = turns.map(([direction, text], i) => ({ direction, timeMs: i * 0.1, bytes: new TextEncoder().encode(text) }));
    const capture: Capture = { ...base, prologue, options: { ...base.options, starttls: 'smtp' } };
    const { decoded, analysis } = analyseCapture(capture);
    const view = prologueView(capture);
    if (!view) throw new Error('no prologue view');
    const l = ladderView({ decoded, analysis, prologue: view });
    const plain = l.arrows.filter((a) => a.phase === 'prologue');
    expect(plain.map((a) => a.direction)).toEqual(turns.map(([d]) => d));
    expect(plain.map((a) => a.bytes)).toEqual(turns.map(([, t]) => t.length));
    expect(plain.map((a) => a.names[0])).toEqual(view.steps.map((s) => s.title));
    expect(plain.map((a) => a.roundTrip)).toEqual([undefined, 1, undefined, 2, undefined]);
    expect(l.arrows.slice(0, 5)).toEqual(plain);
    expect(l.arrows[5]).toMatchObject({ phase: 'tls', names: ['ClientHello'], flight: 1 });
    const lines = renderLadder(l, { p: palette(false), width: 70, ascii: true });
    expect(lines.filter((line) => line.endsWith('plain 1 RTT') || line.endsWith('plain 2 RTT'))).toHaveLength(2);
  });

  it('a pcap: SYN, SYN-ACK (TCP round trip), ACK before the flights and the FINs after, times from the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ladder-'));
    try {
      const file = path.join(dir, 'tls13.pcap');
      writeFileSync(file, captureToPcap(await fixture('openssl-tls13')));
      const found = (await readPacketCapture(file)).connections[0];
      if (!found?.tls) throw new Error('no TLS connection in the pcap');
      const l = ladderOf(found.capture);
      const packets = found.capture.packets ?? [];
      const tcp = l.arrows.filter((a) => a.phase === 'tcp');
      expect(tcp.map((a) => [a.direction, a.names[0], a.roundTrip])).toEqual([
        ['client', 'SYN', undefined],
        ['server', 'SYN-ACK', 1],
        ['client', 'ACK', undefined],
        ['client', 'FIN', undefined],
        ['server', 'FIN', 1],
      ]);
      expect(tcp[0].timeMs).toBe(packets[0].timeMs);
      expect(l.arrows.slice(0, 3).every((a) => a.phase === 'tcp')).toBe(true);
      expect(l.arrows.slice(-2).every((a) => a.phase === 'tcp')).toBe(true);
      const tls = l.arrows.filter((a) => a.phase === 'tls');
      expect(tls.map((a) => a.flight)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(tls[0].names).toEqual(['ClientHello']);
      const lines = renderLadder(l, { p: palette(false), width: 60, ascii: true });
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
      expect(lines.filter((line) => line.endsWith('| TCP 1 RTT'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ladder drawing', () => {
  const plain = palette(false);

  it.each([60, 80, 120])('at width %i every line fits, one arrow line per arrow, ASCII only under --ascii', async (width) => {
    const l = ladderOf(await fixture('openssl-tls13-hrr'));
    for (const ascii of [true, false]) {
      const lines = renderLadder(l, { p: plain, width, ascii });
      expect(lines.length).toBeGreaterThan(l.arrows.length);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
      const arrowLines = lines.filter((line) => (ascii ? /\|(-+[^|]*>|<-[^|]*)\|/ : /│(─+[^│]*▶|◀─[^│]*)│/).test(line));
      expect(arrowLines).toHaveLength(l.arrows.length);
      if (ascii) for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]*$/);
      else expect(lines.join('\n')).toContain('▶');
    }
  });

  it('the sizes and marks on the arrows, and wrapped names that never overflow', () => {
    const long = 'X'.repeat(150);
    const view: LadderView = {
      arrows: [
        { phase: 'tls', direction: 'client', timeMs: 0, names: ['ClientHello'], bytes: 517 },
        { phase: 'tls', direction: 'server', timeMs: 1.5, names: [long, '{Finished}'], bytes: 2345, roundTrip: 1 },
      ],
      handshakeRoundTrips: 1,
    };
    const lines = renderLadder(view, { p: plain, width: 60, ascii: true });
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines.join('\n').replace(/[^X]/g, '')).toHaveLength(150);
    expect(lines.find((l) => l.includes('517 B'))).toMatch(/-> ?\|$|>\|$/);
    expect(lines.find((l) => l.includes('2,345 B'))).toMatch(/^ +\|<-+ 2,345 B -+\| 1 RTT$/);
    expect(lines[0]).toBe('Ladder - TLS handshake in 1 round trip');
  });

  it('peer text on an arrow is escaped, wide characters are measured as the terminal shows them', () => {
    const names = ['\x1b[2J\u202eevil', '漢字'.repeat(40)];
    const view: LadderView = { arrows: [{ phase: 'prologue', direction: 'server', timeMs: 0, names, bytes: 10 }] };
    for (const ascii of [false, true]) {
      const lines = renderLadder(view, { p: plain, width: 60, ascii });
      const text = lines.join('\n');
      expect(text).not.toContain('\x1b');
      expect(text).not.toContain('\u202e');
      expect(text).toContain('\\x1b[2J\\u{202e}evil');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
      if (!ascii) expect(text.replace(/[^漢]/g, '')).toHaveLength(40);
    }
  });

  it('below the minimum width, or with nothing to draw, no ladder and no error', async () => {
    const l = ladderOf(await fixture('openssl-tls13'));
    expect(renderLadder(l, { p: plain, width: 40, ascii: true })).toEqual([]);
    expect(renderLadder({ arrows: [] }, { p: plain, width: 100, ascii: true })).toEqual([]);
  });

  it('thousands of flights: the first and last arrows and one line for the rest', () => {
    const arrows = Array.from({ length: 1000 }, (_, i) => ({ phase: 'tls' as const, direction: i % 2 === 0 ? ('client' as const) : ('server' as const), timeMs: i, names: ['{ApplicationData}'], bytes: 30 }));
    const lines = renderLadder({ arrows }, { p: plain, width: 80, ascii: true });
    expect(lines.filter((l) => /[<>]/.test(l))).toHaveLength(LADDER_MAX_ARROWS - 1);
    expect(lines.some((l) => l.includes(`${1000 - LADDER_MAX_ARROWS + 1} arrows not shown`))).toBe(true);
  });
});

describe('ladder in the CLI', () => {
  const file = path.join(repoRoot, 'fixtures/captures/openssl-tls13.json');

  it('opens the trace; --no-ladder leaves it out; plain output is ASCII; --ascii keeps colour but not box drawing', async () => {
    const plainRun = await runCli(['replay', file, '--no-color']);
    const head = plainRun.stdout.split('\nHandshake ·')[0];
    expect(head).toContain('Ladder - TLS handshake in 1 round trip');
    expect(head).toMatch(/\|-+ 367 B -+>\|/);
    expect(head).not.toMatch(/[│─▶◀]/);
    const without = await runCli(['replay', file, '--no-color', '--no-ladder']);
    expect(without.stdout).not.toContain('Ladder');
    expect(without.stdout).toBe(plainRun.stdout.replace(/\nLadder -[\s\S]*?\n\n/, '\n'));
    const colour = await runCli(['replay', file], { env: { FORCE_COLOR: '1' } });
    expect(colour.stdout).toContain('▶');
    const ascii = await runCli(['replay', file, '--ascii'], { env: { FORCE_COLOR: '1' } });
    expect(ascii.stdout).not.toContain('▶');
    expect(ascii.stdout).toContain('\x1b[');
    const json = await runCli(['replay', file, '--json']);
    expect(json.stdout).not.toContain('Ladder');
  });
});
