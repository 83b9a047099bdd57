// What a command may touch of the outside world. Tests inject their own; only main.ts builds the
// real one from `process`.

import type { LookupFunction } from 'node:net';
import type { PacketPrivileges } from '../capture/packet-tool.js';

export interface CliContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour, progress bars). */
  stdoutIsTTY: boolean;
  /** Whether stderr is a terminal (progress indicators go there). */
  stderrIsTTY?: boolean;
  /** Terminal width when stdout is a terminal. */
  stdoutColumns?: number;
  env: Readonly<Record<string, string | undefined>>;
  /** DNS resolver override (tests inject failures without touching the network). */
  lookup?: LookupFunction;
  /** What `-` reads for the commands that accept it (`check --targets -`, `replay -`). */
  stdin?: () => AsyncIterable<Uint8Array>;
  /**
   * Waits for stdout to drain and returns its failure (EPIPE, ENOSPC…), if any. Only the real
   * process has one; main uses it to end quietly on a closed pipe and to report a full disk.
   */
  settleStdout?: () => Promise<NodeJS.ErrnoException | undefined>;
  /**
   * Live `--packets`: what this process may capture with (root, CAP_NET_RAW, the wireshark group,
   * file capabilities). The real one reads `process` (src/cli/packet-privileges.ts); tests inject.
   */
  packetPrivileges?: () => Promise<PacketPrivileges>;
  /**
   * The script `check --jobs` starts its worker processes from (the real process's own entry,
   * bin/tls-trace.cjs); without one every target is checked in this process.
   */
  workerEntry?: string;
  /** Exit code the command wants; main returns it. */
  exitCode: number;
}
