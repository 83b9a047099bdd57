// What this process may capture with, for live `--packets` (src/capture/packet-tool.ts judges it):
// the effective uid, CAP_NET_RAW in the effective capability set, membership of the wireshark
// group, and file capabilities on tcpdump/dumpcap (from `getcap`, when installed). Here because
// only the CLI reads `process`; also where the capture tools are killed if tls-trace itself is
// interrupted or exits. (`getcap` itself runs in src/capture/packet-tool.ts, the one module that
// starts processes.)

import { readFileSync } from 'node:fs';
import { fileCapabilities, killPacketCaptures, type PacketPrivileges } from '../capture/packet-tool.js';

/** Bit of CAP_NET_RAW in /proc's capability masks. */
const CAP_NET_RAW_BIT = 13n;

function capNetRaw(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_NET_RAW_BIT) & 1n) === 1n;
  } catch {
    return false; // not Linux: no capability sets to read
  }
}

function inWiresharkGroup(): boolean {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('wireshark:'));
    if (!line) return false;
    const gid = Number(line.split(':')[2]);
    return (process.getgroups?.() ?? []).includes(gid) || process.getegid?.() === gid;
  } catch {
    return false;
  }
}

export async function processPacketPrivileges(env: Readonly<Record<string, string | undefined>>): Promise<PacketPrivileges> {
  const searchPath = env.PATH ?? '';
  const uid = process.geteuid?.();
  const priv: PacketPrivileges = { path: searchPath, capNetRaw: capNetRaw(), wiresharkGroup: inWiresharkGroup() };
  if (uid !== undefined) priv.uid = uid;
  if (uid !== 0 && !priv.capNetRaw) priv.fileCaps = await fileCapabilities(searchPath);
  return priv;
}

let guarded = false;

/**
 * Kills the capture tools if tls-trace exits or is interrupted before it stops them itself, then
 * lets the signal do what it would have done (the handler is removed before re-raising it).
 */
export function guardPacketCaptures(): void {
  if (guarded) return;
  guarded = true;
  process.once('exit', killPacketCaptures);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killPacketCaptures();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
