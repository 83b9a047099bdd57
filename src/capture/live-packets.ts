// Live `--packets`: the trace's own connection captured by tcpdump or dumpcap (packet-tool.ts),
// read back with the pcap reader, and merged into the live Capture: the real TCP segments, and
// the socket's bytes re-cut at the segments that carried them, at their wire times, so the steps
// follow the wire's order across the two directions rather than when Node read the bytes.
// Without a tool or the right to capture, one note says why and the trace runs as usual.

import net from 'node:net';
import { PACKET_TOOL_START_MS, PACKET_TOOL_STOP_MS } from '../limits.js';
import { captureHandshake } from './capture.js';
import type { CaptureOptions, ConnectHook } from './options.js';
import { readPacketBytes } from './pcap/index.js';
import { choosePacketTool, GRANT_HINT, PacketCaptureSession, type PacketPrivileges, type PacketTool } from './packet-tool.js';
import type { Capture, CaptureChunk, CapturePacket, Direction } from './types.js';

export interface LivePacketsResult {
  capture: Capture;
  /** One sentence for stderr when the packets could not be captured or used (the trace is still whole). */
  note?: string;
}

/** A local port free right now on the family's wildcard address, to bind the connection to. */
function freeLocalPort(family: 4 | 6): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: family === 6 ? '::' : '0.0.0.0', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs the live capture with its packets; never rejects, like captureHandshake. */
export async function captureWithPackets(opts: CaptureOptions, priv: PacketPrivileges, env: Record<string, string | undefined>): Promise<LivePacketsResult> {
  const tool = choosePacketTool(priv);
  if ('unavailable' in tool) {
    const hint = tool.unavailable.startsWith('no permission') ? `; ${GRANT_HINT}` : '';
    return { capture: await captureHandshake(opts), note: `--packets: ${tool.unavailable}${hint}; tracing without packets` };
  }
  const deadlineAt = Date.now() + opts.timeoutMs;
  const run = new ToolRun(tool, deadlineAt, env);
  let capture: Capture;
  try {
    capture = await captureHandshake({ ...opts, connectHook: run.hook });
  } catch (e) {
    run.session?.kill();
    throw e;
  }
  if (!run.session) return { capture, note: run.failure ?? `--packets: ${tool.name} did not run; tracing without packets` };
  const wire = await run.session.stop(Math.min(PACKET_TOOL_STOP_MS, Math.max(0, deadlineAt - Date.now())));
  if (run.session.overflow) return { capture, note: `--packets: ${tool.name} wrote more than tls-trace's limit for one connection's packets; the packet view is left out` };
  const merged = await withWirePackets(capture, wire, run.connectingMs, tool);
  // The frames as the tool wrote them, for a writer that wants the real packets (pcapng out).
  if (wire.length > 0) merged.capture.packetFile = wire;
  return merged;
}

/** The connect hook's state: the running tool, and why it is not running when it is not. */
class ToolRun {
  session?: PacketCaptureSession;
  failure?: string;
  connectingMs = 0;
  readonly hook: ConnectHook;

  constructor(
    private readonly tool: PacketTool,
    private readonly deadlineAt: number,
    private readonly env: Record<string, string | undefined>,
  ) {
    this.hook = { prepare: (remote) => this.prepare(remote), connecting: (t) => (this.connectingMs = t) };
  }

  private async prepare(remote: { address: string; port: number; family: 4 | 6 }): Promise<number | undefined> {
    // A second address (the first refused): its own four-tuple, its own capture.
    this.session?.kill();
    this.session = undefined;
    let localPort: number;
    try {
      localPort = await freeLocalPort(remote.family);
    } catch (e) {
      this.failure = `--packets: no free local port to bind (${e instanceof Error ? e.message : String(e)}); tracing without packets`;
      return undefined;
    }
    const wait = Math.min(PACKET_TOOL_START_MS, Math.max(0, this.deadlineAt - Date.now()));
    try {
      this.session = await PacketCaptureSession.start(this.tool, { remoteAddress: remote.address, remotePort: remote.port, localPort, family: remote.family }, wait, this.env);
      this.failure = undefined;
    } catch (e) {
      const said = e instanceof Error ? e.message : String(e);
      const permission = /permission|not permitted/i.test(said);
      this.failure = `--packets: ${said}${permission ? `; ${GRANT_HINT}` : ''}; tracing without packets`;
    }
    return localPort;
  }
}

function streamOf(chunks: readonly CaptureChunk[], d: Direction): Buffer {
  return Buffer.concat(chunks.filter((c) => c.direction === d).map((c) => c.bytes));
}

/**
 * Puts the wire's packets into the live capture. The socket's bytes stay the authority; the wire
 * only re-cuts them at segment boundaries and times them, and only when it holds the same bytes.
 */
async function withWirePackets(live: Capture, wire: Buffer, connectingMs: number, tool: PacketTool): Promise<{ capture: Capture; note?: string }> {
  const contents = wire.length > 0 ? await readPacketBytes(wire) : undefined;
  const found = contents?.connections.find((c) => c.tls);
  if (!found || !found.tls) {
    const none = !contents || contents.connections.length === 0;
    return { capture: live, ...(none || live.chunks.length > 0 ? { note: `--packets: ${tool.name} recorded ${none ? 'no packets of the connection' : 'no TLS bytes of the connection'}; the packet view is left out` } : {}) };
  }
  const packetsAt = found.capture;
  // Packet times count from the connection's first packet (our SYN), sent when connect() was called.
  const shift = (t: number): number => t + connectingMs;
  const socket: Record<Direction, Buffer> = { client: streamOf(live.chunks, 'client'), server: streamOf(live.chunks, 'server') };
  for (const d of ['client', 'server'] as const) {
    const socketBytes = socket[d];
    const wireBytes = streamOf(packetsAt.chunks, d);
    if (wireBytes.length < socketBytes.length || !wireBytes.subarray(0, socketBytes.length).equals(socketBytes)) {
      const packets = (packetsAt.packets ?? []).map((p) => livePacket(p, shift));
      return { capture: { ...live, packets }, note: `--packets: the ${d}'s segments do not hold all the bytes the socket saw (${wireBytes.length} of ${socketBytes.length}); steps keep the socket's times` };
    }
  }
  // In the order the reader gave: the wire's, by time and, where timestamps tie, by frame
  // (a sort by time alone put the client first on a tie).
  const chunks: CaptureChunk[] = [];
  for (const c of packetsAt.chunks) {
    const socketBytes = socket[c.direction];
    if (c.offset >= socketBytes.length) continue;
    const end = Math.min(c.offset + c.bytes.length, socketBytes.length);
    chunks.push({ direction: c.direction, timeMs: shift(c.timeMs), offset: c.offset, bytes: socketBytes.subarray(c.offset, end) });
  }
  const packets = (packetsAt.packets ?? []).map((p) => livePacket(p, shift));
  const omitted = packetsAt.packetsOmitted;
  return { capture: { ...live, chunks, packets, ...(omitted ? { packetsOmitted: omitted } : {}) } };
}

/**
 * A packet of the tool's file on the trace's clock. Its frame number is left out: it counts frames
 * of a temporary file the user never sees (and `--pcap` writes the frames anew).
 */
function livePacket(p: CapturePacket, shift: (ms: number) => number): CapturePacket {
  const { frame: _frame, ...rest } = p;
  return { ...rest, timeMs: shift(p.timeMs) };
}
