// `npm run bench:read`: how fast `tls-trace read` gets through a large capture, and how much memory
// it needs, next to tshark on the same file in the same run. The capture is made here from real
// loopback traffic: `tcpdump -i lo` around --handshakes TLS 1.3 and 1.2 connections (Node clients
// against `openssl s_server -www` and Node TLS servers, with a request and responses of 0 to 64 KiB),
// then written again and again into one file until it reaches --size MB, each copy shifted past the
// one before (times keep rising) and moved from 127.0.0.1 to its own 127.x.y.1 (new 4-tuples, as
// a long capture of many clients has). It then times, one after another:
//   - `node bin/tls-trace.cjs read FILE` (the table of connections, the built dist/),
//   - `node bin/tls-trace.cjs read FILE --json`,
//   - `tshark -r FILE -Y tls.handshake -T fields -e tls.handshake.type`,
// each with stdout to a file or /dev/null, and prints wall time, MB/s, CPU time (user + system,
// steadier than wall time on a shared machine), peak RSS (GNU time, or
// VmHWM polled from /proc) and the ratio to tshark. Goals: ≥ 5× tshark's throughput, < 300 MB
// peak RSS. A miss is reported, never fatal (timings depend on the machine and its load).
//
// Options: --size MB (default 1024), --handshakes N (default 400), --keep (keep the capture and
// reuse it next time, under $TMPDIR/tls-trace-bench-read/), --file PCAP (measure that file
// instead), --no-tshark, --no-json.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { demoCerts, repoRoot, startNodeTlsServer, startOpensslServer, type TestServer } from '../test/helpers/servers.js';
import { startTcpdump } from '../test/helpers/pcap-tools.js';

const RUN_TIMEOUT_MS = 30 * 60_000;
const MB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

// ---- Making the capture -----------------------------------------------------------------------

async function stopTcpdump(child: ChildProcess): Promise<string> {
  await new Promise((r) => setTimeout(r, 500));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await done;
  return err;
}

/** One connection: a request, the response read to the end; ALPN offered on some. */
function client(port: number, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: demoCerts().root, ...(i % 3 === 0 ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}) }, () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

/** Response sizes of the Node servers, in turn: a handshake alone up to a small download. */
const RESPONSE_BYTES = [0, 1024, 16 * 1024, 64 * 1024];

async function recordBase(file: string, handshakes: number): Promise<void> {
  const servers: TestServer[] = [];
  try {
    servers.push(await startOpensslServer(['-tls1_3', '-www']));
    servers.push(await startOpensslServer(['-tls1_2', '-www']));
    let n = 0;
    const respond = (s: tls.TLSSocket): void => {
      s.once('data', () => s.end(Buffer.alloc(RESPONSE_BYTES[n++ % RESPONSE_BYTES.length], 0x61)));
    };
    const ecdsa = demoCerts().ecdsa;
    servers.push(await startNodeTlsServer({ ...ecdsa, minVersion: 'TLSv1.3', ALPNProtocols: ['h2', 'http/1.1'], onSecureConnection: respond }));
    servers.push(await startNodeTlsServer({ maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], onSecureConnection: respond }));
    const dump = await startTcpdump(file, servers.map((s) => s.port), { bufferKiB: 16384 });
    try {
      for (let i = 0; i < handshakes; i++) await client(servers[i % servers.length].port, i);
    } finally {
      const said = await stopTcpdump(dump);
      const dropped = /(\d+) packets? dropped by kernel/.exec(said);
      if (dropped && Number(dropped[1]) > 0) console.log(`  note: tcpdump says ${dropped[1]} packets were dropped by the kernel`);
    }
  } finally {
    for (const s of servers) await s.close();
  }
}

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
const LOOPBACK = 0x7f000001;

/** First and last packet times of a pcap (the little-endian, microsecond kind tcpdump writes here), in seconds. */
function timeSpan(b: Buffer): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (let at = PCAP_HEADER; at + RECORD_HEADER <= b.length; at += RECORD_HEADER + b.readUInt32LE(at + 8)) {
    const t = b.readUInt32LE(at) + b.readUInt32LE(at + 4) / 1e6;
    start = Math.min(start, t);
    end = Math.max(end, t);
  }
  return { start, end };
}

/** A one's-complement checksum after one 16-bit word of what it covers changed (RFC 1624, eqn. 3). */
function adjustChecksum(sum: number, before: number, after: number): number {
  let s = (~sum & 0xffff) + (~before & 0xffff) + after;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Replaces 127.0.0.1 in one Ethernet/IPv4 frame by `addr`, adjusting the IPv4 and TCP checksums. */
function readdress(frame: Buffer, addr: number): void {
  if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800) return;
  const ip = 14;
  const ihl = (frame[ip] & 0x0f) * 4;
  const tcpSum = frame[ip + 9] === 6 && frame.length >= ip + ihl + 18 ? ip + ihl + 16 : -1;
  for (const at of [ip + 12, ip + 16]) {
    if (frame.readUInt32BE(at) !== LOOPBACK) continue;
    for (const [before, after] of [[LOOPBACK >>> 16, addr >>> 16], [LOOPBACK & 0xffff, addr & 0xffff]]) {
      frame.writeUInt16BE(adjustChecksum(frame.readUInt16BE(ip + 10), before, after), ip + 10);
      if (tcpSum >= 0) frame.writeUInt16BE(adjustChecksum(frame.readUInt16BE(tcpSum), before, after), tcpSum);
    }
    frame.writeUInt32BE(addr, at);
  }
}

/**
 * `copies` copies of `base` written one after another into `out`: copy k is shifted k periods
 * later and its 127.0.0.1 becomes 127.x.y.1 (x.y = k), so every copy's connections are new
 * 4-tuples, as a long capture of many clients has. (Copies that only shifted times would reuse
 * the 4-tuples with the same sequence numbers, and tshark takes those for retransmissions of the
 * first copy and dissects no TLS in them.) IPv4 and TCP checksums are adjusted.
 */
function repeatCapture(base: Buffer, copies: number, period: number, out: string): void {
  const magic = base.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 || base.readUInt32LE(20) !== 1) throw new Error('expected the little-endian microsecond Ethernet pcap tcpdump -i lo writes');
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, base.subarray(0, PCAP_HEADER));
    for (let k = 0; k < copies; k++) {
      const records = Buffer.from(base.subarray(PCAP_HEADER));
      const addr = (0x7f000001 | ((k & 0xffff) << 8)) >>> 0;
      for (let at = 0; at + RECORD_HEADER <= records.length; at += RECORD_HEADER + records.readUInt32LE(at + 8)) {
        records.writeUInt32LE(records.readUInt32LE(at) + k * period, at);
        if (k > 0) readdress(records.subarray(at + RECORD_HEADER, at + RECORD_HEADER + records.readUInt32LE(at + 8)), addr);
      }
      writeSync(fd, records);
    }
  } finally {
    closeSync(fd);
  }
}

async function makeCapture(file: string, sizeMb: number, handshakes: number): Promise<void> {
  const work = mkdtempSync(path.join(path.dirname(file), 'work-'));
  try {
    const basePath = path.join(work, 'base.pcap');
    console.log(`recording ${handshakes} loopback handshakes (openssl s_server and Node, TLS 1.3 and 1.2)…`);
    await recordBase(basePath, handshakes);
    const base = readFileSync(basePath);
    const { start, end } = timeSpan(base);
    // Each copy starts 5 s after the last packet of the one before: past tls-trace's 2 s linger.
    const period = Math.ceil(end - start) + 5;
    const copies = Math.min(65536, Math.max(1, Math.round((sizeMb * MB) / base.length)));
    console.log(`base capture ${(base.length / MB).toFixed(1)} MB over ${(end - start).toFixed(1)} s; writing ${copies} copies, each on its own 127.x.y.1…`);
    repeatCapture(base, copies, period, `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- Measuring --------------------------------------------------------------------------------

interface Measured {
  label: string;
  ms: number;
  /** User + system CPU seconds (GNU time): steadier than wall time on a shared machine. */
  cpuS?: number;
  rssMb?: number;
  code: number | null;
  stderr: string;
}

/** Peak RSS of a running process, polled from /proc (VmHWM is already the high-water mark). */
function pollHwm(pid: number): { stop: () => number | undefined } {
  let kb: number | undefined;
  const read = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb = Number(m[1]);
    } catch {
      // The process has gone: keep the last reading.
    }
  };
  const timer = setInterval(read, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return kb === undefined ? undefined : kb / 1024;
    },
  };
}

/** Runs a command with stdout to `stdoutFile`, timing it and taking its peak RSS. */
async function measure(label: string, cmd: string, args: string[], stdoutFile: string, work: string): Promise<Measured> {
  const useTime = existsSync('/usr/bin/time');
  const timeOut = path.join(work, 'time.txt');
  const [c, a] = useTime ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', timeOut, cmd, ...args]] : [cmd, args];
  const fd = openSync(stdoutFile, 'w');
  const t0 = performance.now();
  const child = spawn(c, a, { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  closeSync(fd);
  const poll = useTime || child.pid === undefined ? undefined : pollHwm(child.pid);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - t0;
  clearTimeout(timer);
  let rssMb = poll?.stop();
  let cpuS: number | undefined;
  if (useTime) {
    // The last line: GNU time puts "Command exited with non-zero status" lines before it.
    const [user, sys, kb] = (readFileSync(timeOut, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    if (Number.isFinite(kb) && kb > 0) rssMb = kb / 1024;
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuS = user + sys;
  }
  return { label, ms, code, stderr, ...(rssMb !== undefined ? { rssMb } : {}), ...(cpuS !== undefined ? { cpuS } : {}) };
}

function firstLine(file: string): string {
  const head = Buffer.alloc(512);
  const fd = openSync(file, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  return head.subarray(0, n).toString('utf8').split('\n')[0];
}

async function main(): Promise<void> {
  const sizeMb = Number(arg('size', '1024'));
  const handshakes = Number(arg('handshakes', '400'));
  const keep = process.argv.includes('--keep');
  const given = arg('file', '');
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npm run build failed');
  if (!given && !have('tcpdump')) throw new Error('tcpdump is needed to make the capture (Debian package tcpdump)');

  const cacheDir = path.join(tmpdir(), 'tls-trace-bench-read');
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'tls-trace-bench-read-run-'));
  const file = given || path.join(keep ? cacheDir : work, `loopback-${sizeMb}mb-${handshakes}-readdressed.pcap`);
  try {
    if (!existsSync(file)) await makeCapture(file, sizeMb, handshakes);
    else console.log(`using ${file}`);
    const bytes = statSync(file).size;
    const bin = path.join(repoRoot, 'bin', 'tls-trace.cjs');
    console.log(`\ncapture: ${file}, ${(bytes / MB).toFixed(0)} MB`);
    const table = path.join(work, 'table.txt');
    const results: Measured[] = [];
    results.push(await measure('tls-trace read FILE', process.execPath, [bin, 'read', file], table, work));
    const header = firstLine(table);
    if (!process.argv.includes('--no-json')) results.push(await measure('tls-trace read FILE --json', process.execPath, [bin, 'read', file, '--json'], '/dev/null', work));
    let seen = '';
    if (!process.argv.includes('--no-tshark') && have('tshark')) {
      const fields = path.join(work, 'tshark.txt');
      results.push(await measure('tshark -Y tls.handshake', 'tshark', ['-r', file, '-Y', 'tls.handshake', '-T', 'fields', '-e', 'tls.handshake.type'], fields, work));
      // tshark picks TLS by port or heuristics: a client port it gives to another protocol (44818 is
      // EtherNet/IP) hides that connection's TLS from it, while tls-trace finds TLS by content.
      seen = `\ntshark's fields say: ${clientHellos(fields)} frame(s) with a ClientHello (fewer when a connection's port is one tshark gives to another protocol)`;
    }
    report(results, bytes, header + seen);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (keep) console.log(`\nthe capture is kept in ${cacheDir} (--keep); delete it when done`);
  }
}

/** Frames whose handshake types (tshark's comma-separated field) include ClientHello (1): the same connections both tools found. */
function clientHellos(fieldsFile: string): number {
  let n = 0;
  for (const line of readFileSync(fieldsFile, 'utf8').split('\n')) if (line.split(',').includes('1')) n++;
  return n;
}

function report(results: Measured[], bytes: number, header: string): void {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`tls-trace's table says: ${header}\nload average at the end: ${load} (wall times stretch with it; CPU times much less)\n`);
  console.log(`${'command'.padEnd(30)}${'wall s'.padStart(8)}${'MB/s'.padStart(8)}${'CPU s'.padStart(8)}${'MB/CPU s'.padStart(10)}${'peak RSS MB'.padStart(13)}  exit`);
  const mb = bytes / MB;
  for (const r of results) {
    const cpu = r.cpuS === undefined ? ['n/a', 'n/a'] : [r.cpuS.toFixed(1), (mb / r.cpuS).toFixed(1)];
    const rss = r.rssMb === undefined ? 'n/a' : r.rssMb.toFixed(0);
    console.log(`${r.label.padEnd(30)}${(r.ms / 1000).toFixed(1).padStart(8)}${(mb / (r.ms / 1000)).toFixed(1).padStart(8)}${cpu[0].padStart(8)}${cpu[1].padStart(10)}${rss.padStart(13)}  ${r.code}`);
    const note = r.stderr.trim().split('\n').filter((l) => l !== '' && !l.includes('Running as user "root"'))[0];
    if (note) console.log(`  stderr: ${note.slice(0, 200)}`);
  }
  const tshark = results.find((r) => r.label.startsWith('tshark'));
  console.log('');
  for (const r of results.filter((x) => x.label.startsWith('tls-trace'))) {
    if (tshark) {
      const ratio = tshark.ms / r.ms;
      const cpuRatio = tshark.cpuS !== undefined && r.cpuS !== undefined ? ` (by CPU time ${(tshark.cpuS / r.cpuS).toFixed(2)}×)` : '';
      console.log(`${ratio >= 5 ? 'PASS' : 'MISS'}  ${r.label}: ${ratio.toFixed(2)}× tshark's throughput by wall time${cpuRatio} (goal ≥ 5×)`);
    }
    const ok = r.rssMb !== undefined && r.rssMb < 300;
    console.log(`${r.rssMb === undefined ? 'n/a ' : ok ? 'PASS' : 'MISS'}  ${r.label}: peak RSS ${r.rssMb?.toFixed(0) ?? 'n/a'} MB (goal < 300 MB)`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
