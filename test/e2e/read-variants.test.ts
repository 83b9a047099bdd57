// `tls-trace read` on captures made with the real tools a user has: tcpdump on loopback around
// nginx (openssl s_client -keylogfile as the client) and gnutls-serv (gnutls-cli with
// SSLKEYLOGFILE), `tcpdump -i any -y LINUX_SLL2`, and Wireshark's editcap/mergecap/reordercap/
// text2pcap turning them into out-of-order, duplicated, nanosecond, big-endian, VLAN and
// DSB-carrying variants. On each, the decoded and decrypted handshake agrees with tshark reading
// the very same file, field by field.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { editcap, linkHeaders, recording, relink, run, swapPcapByteOrder, type Recorded } from '../helpers/pcap-tools.js';
import { describeWithTools, startGnutlsServer, startNginx, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { agreeWithTshark } from '../helpers/tshark-agree.js';
import { tsharkDecodeFile, tsharkHandshakes } from '../helpers/tshark.js';

/** Runs a TLS client command line to its end (stdin: `input`, then closed), bounded at 20 s. */
function client(cmd: string, args: string[], input: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, ...env } });
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(input);
    // Closing stdin after the handshake had time to finish ends the session.
    setTimeout(() => child.stdin.end(), 1500);
  });
}

async function recordAround(dir: string, name: string, server: TestServer, use: (keylog: string) => Promise<void>, opts: { iface?: string; linkType?: string } = {}): Promise<Recorded> {
  const pcap = path.join(dir, `${name}.pcap`);
  const keylog = path.join(dir, `${name}.keys`);
  try {
    await recording(pcap, server.port, () => use(keylog), opts);
  } finally {
    await server.close();
  }
  return { pcap, keylog, port: server.port };
}

const sClient = (port: number, keylog: string, extra: string[] = []): Promise<void> =>
  client('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-keylogfile', keylog, ...extra], 'GET / HTTP/1.0\r\n\r\n');

async function onlyCapture(file: string, keylog: string[] = []): Promise<Capture> {
  const found = (await readPacketCapture(file, keylog)).connections.flatMap((c) => (c.tls ? [c.capture] : []));
  expect(found).toHaveLength(1);
  return found[0];
}

/**
 * On a loaded machine a recording can miss its connection (the client slow to start, its stdin
 * closed before the handshake ended): record again, at most three times, until the capture holds
 * one TLS connection. The test then asserts on what the last recording holds.
 */
async function recordOneConnection(record: (attempt: number) => Promise<Recorded>): Promise<Recorded> {
  for (let attempt = 1; ; attempt++) {
    const rec = await record(attempt);
    const found = (await readPacketCapture(rec.pcap)).connections.filter((c) => c.tls);
    // A loaded machine can end the client before it wrote its keys, or drop a packet from the
    // recording (tls-trace resyncs after the gap, tshark stops there): record again then too.
    const whole = found.length === 1 && found[0].capture.chunks.some((c) => c.direction === 'server') && !found[0].capture.gaps?.length;
    if ((whole && existsSync(rec.keylog) && keysOf(rec).length > 0) || attempt === 3) return rec;
  }
}

const keysOf = (r: Recorded): string[] => readFileSync(r.keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));

/**
 * A data frame followed by another data frame of the same side with no data from the other side
 * between them, and the time shift (seconds) that puts it halfway between the second and the
 * frame after that: swapping those two keeps every cross-side order a real path could show.
 */
async function swappable(file: string): Promise<{ frame: number; delta: number }> {
  const rows = (await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_relative', '-e', 'tcp.srcport', '-e', 'tcp.len'])).trim().split('\n').map((l) => l.split('\t').map(Number));
  const data = rows.filter((r) => r[3] > 0);
  for (let i = 0; i + 1 < data.length; i++) {
    const [a, b] = [data[i], data[i + 1]];
    const after = rows[b[0]];
    if (a[2] === b[2] && after) return { frame: a[0], delta: b[1] - a[1] + (after[1] - b[1]) / 2 };
  }
  throw new Error('no two data frames of one side in a row');
}

describeWithTools('tcpdump', 'tshark', 'editcap', 'mergecap', 'reordercap', 'text2pcap', 'openssl', 'nginx', 'gnutls-serv', 'gnutls-cli')('tls-trace read: real servers and tool-made variants agree with tshark', () => {
  let dir: string;
  let nginx: Recorded;
  let gnutls: Recorded | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-variants-'));
    nginx = await recordOneConnection(async (attempt) => {
      const server = await startNginx('ssl_protocols TLSv1.2 TLSv1.3;');
      return recordAround(dir, `nginx-${attempt}`, server, (k) => sClient(server.port, k));
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('nginx (openssl s_client -keylogfile): agrees with tshark', async () => {
    const ours = await agreeWithTshark(nginx, await onlyCapture(nginx.pcap, keysOf(nginx)));
    expect(ours.map((m) => m.msgType)).toEqual(expect.arrayContaining([1, 2, 8, 11, 15, 20]));
  });

  it('gnutls-serv, TLS 1.2 (gnutls-cli with SSLKEYLOGFILE): agrees with tshark', async () => {
    const rec = await recordOneConnection(async (attempt) => {
      const server = await startGnutlsServer();
      return recordAround(dir, `gnutls-${attempt}`, server, (k) =>
        client('gnutls-cli', ['--insecure', '--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2', `--port=${server.port}`, '127.0.0.1'], 'GET / HTTP/1.0\r\n\r\n', { SSLKEYLOGFILE: k }),
      );
    });
    const ours = await agreeWithTshark(rec, await onlyCapture(rec.pcap, keysOf(rec)));
    expect(ours.map((m) => m.msgType)).toEqual(expect.arrayContaining([1, 2, 11, 12, 14, 16, 20]));
    gnutls = rec;
  });

  it.each([
    ['the client side only', 'tcp.dstport==PORT', 'client'],
    ['the server side only, without the SYN-ACK', 'tcp.srcport==PORT && tcp.flags.syn==0', 'server'],
  ] as const)('one direction (%s, cut with tshark -Y): that side\'s messages agree with tshark, the other is empty', async (_name, filter, side) => {
    if (!gnutls) throw new Error('the gnutls-serv recording above did not run');
    const out = path.join(dir, `${side}-only.pcap`);
    await run('tshark', ['-r', gnutls.pcap, '-Y', filter.replace('PORT', String(gnutls.port)), '-F', 'pcap', '-w', out]);
    const capture = await onlyCapture(out);
    // Told apart without a SYN by the ClientHello, or by the lone ServerHello.
    expect(capture.target.port).toBe(gnutls.port);
    const { decodeCapture } = await import('../../src/decode/index.js');
    const ours = decodeCapture(capture).messages.filter((m) => m.kind === 'handshake');
    const theirs = tsharkHandshakes(await tsharkDecodeFile(out, gnutls.port));
    expect(ours.map((m) => [m.direction, m.kind === 'handshake' ? m.msgType : -1, m.length - 4])).toEqual(theirs.map((h) => [h.direction, h.type, h.length]));
    expect(new Set(ours.map((m) => m.direction))).toEqual(new Set([side]));
    expect(ours.length).toBeGreaterThanOrEqual(side === 'client' ? 2 : 4);
  });

  it('tcpdump -i any -y LINUX_SLL2 (openssl s_server): agrees with tshark', async () => {
    const rec = await recordOneConnection(async (attempt) => {
      const server = await startOpensslServer(['-keylogfile', path.join(dir, `sll2-server-${attempt}.keys`)]);
      return recordAround(dir, `sll2-${attempt}`, server, (k) => sClient(server.port, k), { iface: 'any', linkType: 'LINUX_SLL2' });
    });
    const linkType = readFileSync(rec.pcap).readUInt32LE(20);
    expect(linkType).toBe(276);
    await agreeWithTshark(rec, await onlyCapture(rec.pcap, keysOf(rec)));
  }, 60_000);

  const variants: [string, () => Promise<string>][] = [
    [
      'out of order (a data frame moved past the next one of its side with editcap -t, appended with mergecap -a, sorted by reordercap)',
      async () => {
        const { frame, delta } = await swappable(nginx.pcap);
        const rest = await editcap([], nginx.pcap, path.join(dir, 'rest.pcap'));
        await run('editcap', [nginx.pcap, rest, String(frame)]);
        const one = path.join(dir, 'one.pcap');
        // The frame, moved to just after the next one of its side: after reordercap sorts by time,
        // the later bytes of that side arrive first, as on a path that reorders.
        await run('editcap', ['-r', '-t', delta.toFixed(6), nginx.pcap, one, String(frame)]);
        const shuffled = path.join(dir, 'shuffled.pcap');
        await run('mergecap', ['-a', '-F', 'pcap', '-w', shuffled, one, rest]);
        const out = path.join(dir, 'reordered.pcap');
        await run('reordercap', [shuffled, out]);
        return out;
      },
    ],
    ['the start not captured (editcap deletes the three-way handshake)', () => editcap([], nginx.pcap, path.join(dir, 'nostart.pcap')).then(() => run('editcap', [nginx.pcap, path.join(dir, 'nostart.pcap'), '1-3'])).then(() => path.join(dir, 'nostart.pcap'))],
    ['duplicated (mergecap of the file with itself)', async () => run('mergecap', ['-F', 'pcap', '-w', path.join(dir, 'dup.pcap'), nginx.pcap, nginx.pcap]).then(() => path.join(dir, 'dup.pcap'))],
    ['nanosecond pcap (editcap -F nsecpcap)', () => editcap(['-F', 'nsecpcap'], nginx.pcap, path.join(dir, 'nsec.pcap'))],
    ['nanosecond pcapng (editcap -F pcapng of the nanosecond pcap)', async () => editcap(['-F', 'pcapng'], await editcap(['-F', 'nsecpcap'], nginx.pcap, path.join(dir, 'n2.pcap')), path.join(dir, 'nsec.pcapng'))],
    ['big-endian pcap (byte-swapped by hand)', () => Promise.resolve(swapPcapByteOrder(nginx.pcap, path.join(dir, 'be.pcap')))],
    ['Ethernet with QinQ VLAN tags (text2pcap)', () => relink(nginx.pcap, path.join(dir, 'vlan.pcap'), 1, linkHeaders.vlan)],
    ['pcapng with the key log in a DSB (editcap --inject-secrets)', () => editcap(['-F', 'pcapng', '--inject-secrets', `tls,${nginx.keylog}`], nginx.pcap, path.join(dir, 'dsb.pcapng'))],
  ];
  it.each(variants)('%s: agrees with tshark', async (name, make) => {
    const file = await make();
    // A DSB carries the secrets itself: no key log is given to tls-trace for it.
    const keys = name.includes('DSB') ? [] : keysOf(nginx);
    const capture = await onlyCapture(file, keys);
    await agreeWithTshark({ ...nginx, pcap: file }, capture);
    if (name.startsWith('out of order')) expect(capture.packets?.some((p) => p.note === 'out-of-order')).toBe(true);
    if (name.startsWith('duplicated')) expect(capture.packets?.some((p) => p.note === 'retransmission')).toBe(true);
  });
});
