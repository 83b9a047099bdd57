// The one way the CLI writes a file the user named (--save, --pcap, --keylog / SSLKEYLOGFILE, --junit).
// A failure is a WriteError: one line, exit code 10 (ExitCode.write) unless the run already has
// a failure code of its own, and it is reported only after the trace or results were printed.

import { closeSync, constants, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import { ExitCode, UserError } from '../errors.js';
import type { CliContext } from './context.js';
import { errnoReason } from './errno.js';
import { printError } from './output.js';
import { fileKind } from './read-file.js';

export class WriteError extends UserError {
  constructor(what: string, path: string, reason: string) {
    super(`cannot write ${what} ${path}: ${reason}`, ExitCode.write);
    this.name = 'WriteError';
  }
}

export interface OutputFile {
  /** How the file is named in errors: `--save`, `--keylog`, `--junit`. */
  what: string;
  /** Append (key logs collect many connections) instead of replacing the file. */
  append?: boolean;
  /**
   * Permissions of a new file. With `tighten`, an existing regular file gets them too (capture
   * files hold session secrets); a key log keeps its owner's choice, as browsers and curl do.
   */
  mode?: number;
  tighten?: boolean;
}

/**
 * Writes `text` (UTF-8) or bytes to `path`. Regular files and character devices (/dev/null, a terminal) are
 * written; a directory, FIFO or socket is refused. The open is non-blocking so a FIFO with no
 * reader fails at once (ENXIO) instead of waiting for ever.
 */
export function writeOutputFile(path: string, text: string | Uint8Array, spec: OutputFile): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NONBLOCK | (spec.append ? constants.O_APPEND : constants.O_TRUNC);
  let fd: number;
  try {
    fd = openSync(path, flags, spec.mode ?? 0o666);
  } catch (e) {
    throw new WriteError(spec.what, path, errnoReason(e));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isCharacterDevice()) throw new WriteError(spec.what, path, `${fileKind(st)}, not a regular file`);
    if (st.isFile() && spec.tighten && spec.mode !== undefined) fchmodSync(fd, spec.mode);
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    // writeSync may write part of the buffer (a nearly full disk); loop until all of it is out.
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (e) {
    if (e instanceof WriteError) throw e;
    throw new WriteError(spec.what, path, errnoReason(e));
  } finally {
    try {
      closeSync(fd);
    } catch {
      // A close error after a failed write adds nothing; after a good one, the data was handed
      // to the kernel and the write error (if any) was already reported.
    }
  }
}

/** Runs `write`, returning its WriteError instead of throwing it (other errors propagate). */
export function tryWrite(write: () => void): WriteError | undefined {
  try {
    write();
    return undefined;
  } catch (e) {
    if (e instanceof WriteError) return e;
    throw e;
  }
}

/**
 * One stderr line per failed write, after the output. The exit code becomes 10 only when the run
 * had none of its own: a failed handshake (7) or an invalid chain (8) stays what it is.
 */
export function reportWriteFailures(ctx: CliContext, failures: readonly (WriteError | undefined)[]): void {
  let any = false;
  for (const f of failures) {
    if (!f) continue;
    printError(ctx, f.message);
    any = true;
  }
  if (any && ctx.exitCode === ExitCode.ok) ctx.exitCode = ExitCode.write;
}
