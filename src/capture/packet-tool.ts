// Live `--packets`: runs tcpdump or dumpcap around the traced connection, filtered to its exact
// four-tuple, and hands back the capture file the tool wrote to stdout. The tool is found on the
// PATH the CLI passes in; whether it may capture is judged from the facts the CLI gathered (root,
// CAP_NET_RAW, the wireshark group, file capabilities) and, in the end, by the tool itself: its
// own permission error becomes the reason. The child is killed on every path. The one module in
// src/ that starts processes: absolute paths and argument arrays, never a shell.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { MAX_LIVE_PACKET_BYTES, MAX_PACKET_TOOL_STDERR, PACKET_TOOL_REAP_MS, PACKET_TOOL_SETTLE_MS, PACKET_TOOL_STOP_MS } from '../limits.js';

export type PacketToolName = 'dumpcap' | 'tcpdump';

/** What the CLI knows about this process's right to capture (only src/cli reads `process`). */
export interface PacketPrivileges {
  /** PATH to search for the tools. */
  path: string;
  /** Effective uid (0: root). */
  uid?: number;
  /** Effective capability set has CAP_NET_RAW. */
  capNetRaw?: boolean;
  /** The process's groups include `wireshark` (Debian's dumpcap is capturable by that group). */
  wiresharkGroup?: boolean;
  /** Tools whose file capabilities include cap_net_raw (from `getcap`), by absolute path. */
  fileCaps?: ReadonlySet<string>;
}

export interface PacketTool {
  name: PacketToolName;
  file: string;
  /** Why this process may capture with it, for the JSON/notes (`root`, `CAP_NET_RAW`, …). */
  permittedBy: string;
}

/** How a user grants the right to capture; said whenever --packets cannot run. */
export const GRANT_HINT = 'grant it with `sudo setcap cap_net_raw,cap_net_admin=eip $(which dumpcap)` (or tcpdump), or by adding your user to the wireshark group';

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The tool to run, or the one sentence why none can: missing from PATH, or no privilege that lets
 * it capture. dumpcap first when the wireshark group is what permits it; tcpdump first otherwise.
 */
export function choosePacketTool(priv: PacketPrivileges): PacketTool | { unavailable: string } {
  const found = { dumpcap: findOnPath('dumpcap', priv.path), tcpdump: findOnPath('tcpdump', priv.path) };
  if (!found.dumpcap && !found.tcpdump) return { unavailable: 'neither dumpcap nor tcpdump is on the PATH (Debian packages: wireshark-common, tcpdump)' };
  const general = priv.uid === 0 ? 'root' : priv.capNetRaw ? 'CAP_NET_RAW' : undefined;
  for (const name of ['tcpdump', 'dumpcap'] as const) {
    const file = found[name];
    if (!file) continue;
    if (general) return { name, file, permittedBy: general };
    if (priv.fileCaps?.has(file)) return { name, file, permittedBy: `file capability cap_net_raw on ${file}` };
  }
  if (found.dumpcap && priv.wiresharkGroup) return { name: 'dumpcap', file: found.dumpcap, permittedBy: 'the wireshark group' };
  const have = [found.tcpdump, found.dumpcap].filter(Boolean).join(' and ');
  return { unavailable: `no permission to capture packets with ${have} (not root, no CAP_NET_RAW, not in the wireshark group)` };
}

/** `getcap` answers at once; a stuck one must not hold the trace. */
const GETCAP_TIMEOUT_MS = 1000;

/** Tools on PATH whose file capabilities include cap_net_raw, as `getcap` reports them. */
export function fileCapabilities(searchPath: string): Promise<Set<string>> {
  const files = searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((d) => ['tcpdump', 'dumpcap'].map((n) => path.join(d, n)));
  // getcap lives in sbin, which a user's PATH often lacks.
  const getcap = findOnPath('getcap', [searchPath, '/usr/sbin', '/sbin'].join(path.delimiter));
  if (!getcap) return Promise.resolve(new Set());
  return new Promise((resolve) => {
    execFile(getcap, files, { timeout: GETCAP_TIMEOUT_MS }, (_err, stdout) => {
      // getcap prints "FILE cap_net_admin,cap_net_raw=eip" for files that have any; errors for missing ones.
      const out = new Set<string>();
      for (const line of String(stdout ?? '').split('\n')) {
        const [file, caps] = line.trim().split(/\s+/, 2);
        if (file && caps?.includes('cap_net_raw')) out.add(file);
      }
      resolve(out);
    });
  });
}

/** The connection the filter names: the remote end and our pre-bound local port. */
export interface FourTuple {
  remoteAddress: string;
  remotePort: number;
  localPort: number;
  family: 4 | 6;
}

/** BPF filter naming exactly this connection (the local address follows from the route). */
export function captureFilter(t: FourTuple): string {
  return `tcp and host ${t.remoteAddress} and port ${t.remotePort} and port ${t.localPort}`;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

function toolArgs(tool: PacketTool, t: FourTuple): string[] {
  // Loopback traffic is on `lo`; anything else may leave by any interface.
  const iface = isLoopback(t.remoteAddress) ? 'lo' : 'any';
  const filter = captureFilter(t);
  return tool.name === 'tcpdump'
    ? ['-i', iface, '--immediate-mode', '-U', '-n', '-s', '0', '-w', '-', filter]
    : ['-i', iface, '-f', filter, '-s', '0', '-q', '-w', '-'];
}

/** Sessions whose tool may still run: killed by killPacketCaptures (tls-trace's own exit or SIGINT). */
const running = new Set<PacketCaptureSession>();

/** Kills every capture tool still running; synchronous, so the CLI can call it from an exit handler. */
export function killPacketCaptures(): void {
  for (const s of running) s.kill();
}

/** One running capture. `stop` ends it and returns what it wrote; `kill` ends it at once. */
export class PacketCaptureSession {
  private readonly out: Buffer[] = [];
  private outBytes = 0;
  /** Output went past MAX_LIVE_PACKET_BYTES; the rest was discarded. */
  overflow = false;
  private err = '';
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly tool: PacketTool,
    private readonly child: ChildProcess,
  ) {
    running.add(this);
    this.exit = new Promise((resolve) =>
      child.once('close', () => {
        this.exited = true;
        running.delete(this);
        resolve();
      }),
    );
    child.once('exit', () => {
      this.exited = true;
      running.delete(this);
    });
    child.stdout?.on('data', (d: Buffer) => {
      if (this.outBytes + d.length > MAX_LIVE_PACKET_BYTES) this.overflow = true;
      else {
        this.out.push(d);
        this.outBytes += d.length;
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (this.err.length < MAX_PACKET_TOOL_STDERR) this.err += d.toString('utf8').slice(0, MAX_PACKET_TOOL_STDERR - this.err.length);
    });
  }

  /**
   * Starts `tool` on `tuple` and resolves once it is capturing: tcpdump's "listening on", or
   * dumpcap's "Capturing on" together with its file header on stdout (dumpcap prints "Capturing
   * on" before it opens the device, so the line alone is not enough). Rejects with the tool's own
   * words when it exits first or does not get there within `waitMs`.
   */
  static async start(tool: PacketTool, tuple: FourTuple, waitMs: number, env: Record<string, string | undefined>): Promise<PacketCaptureSession> {
    const child = spawn(tool.file, toolArgs(tool, tuple), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, LC_ALL: 'C' } });
    const session = new PacketCaptureSession(tool, child);
    child.once('error', () => undefined); // spawn failures show as the exit below
    try {
      await session.ready(waitMs);
      return session;
    } catch (e) {
      session.kill();
      throw e;
    }
  }

  private ready(waitMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const ok = this.tool.name === 'tcpdump' ? this.err.includes('listening on') : this.err.includes('Capturing on') && this.outBytes > 0;
        if (ok) done(undefined);
      };
      const onExit = (): void => done(new Error(`${this.tool.name} stopped before capturing: ${this.reason()}`));
      const timer = setTimeout(() => done(new Error(`${this.tool.name} did not start capturing within ${waitMs} ms${this.err ? `: ${this.reason()}` : ''}`)), waitMs);
      const done = (e: Error | undefined): void => {
        clearTimeout(timer);
        this.child.stderr?.off('data', check);
        this.child.stdout?.off('data', check);
        this.child.off('close', onExit);
        if (e) reject(e);
        else resolve();
      };
      this.child.stderr?.on('data', check);
      this.child.stdout?.on('data', check);
      this.child.once('close', onExit);
      check();
    });
  }

  /** The tool's stderr as one line: what it said went wrong. */
  reason(): string {
    const lines = this.err.split('\n').map((l) => l.trim()).filter((l) => l && !/^(Capturing on|File:|listening on)/.test(l));
    return lines.join(' ').slice(0, 300) || 'no message';
  }

  /**
   * After the connection closed: a moment for the last segments, then SIGINT (both tools flush
   * and exit on it), then SIGKILL; all within `waitMs`. Returns what it wrote.
   */
  async stop(waitMs: number = PACKET_TOOL_STOP_MS): Promise<Buffer> {
    const settle = Math.min(PACKET_TOOL_SETTLE_MS[this.tool.name], waitMs);
    await new Promise((r) => setTimeout(r, settle));
    waitMs -= settle;
    if (!this.exited) this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.kill();
        // SIGKILL ends it at once, but it is gone only once reaped: wait for that (briefly), so
        // the tool never outlives the trace even when the deadline left no time to stop it gently.
        void Promise.race([this.exit, new Promise((r) => setTimeout(r, PACKET_TOOL_REAP_MS))]).then(() => resolve());
      }, Math.max(0, waitMs));
    });
    await Promise.race([this.exit, killed]);
    clearTimeout(timer);
    return Buffer.concat(this.out);
  }

  /** Ends the tool now (errors, deadline, SIGINT of tls-trace itself). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
