// stdout and stderr as the real process has them. A reader that goes away (`| head -1`) makes the
// next write fail with EPIPE, which Node reports as an 'error' event: unhandled, it kills the
// process with a stack trace and exit 1. Here a failed stream is remembered and written to no
// more, and the CLI ends the way other Unix tools do: quietly, with the code it would have had.

export interface GuardedOutput {
  write: (text: string) => void;
  /**
   * Resolves once everything written so far has left (or failed), with the stream's failure if
   * any: EPIPE for a closed pipe, ENOSPC for a full disk behind `> file`.
   */
  settle: () => Promise<NodeJS.ErrnoException | undefined>;
}

export function guardOutput(stream: NodeJS.WritableStream & { destroyed?: boolean }): GuardedOutput {
  let failure: NodeJS.ErrnoException | undefined;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    failure ??= e;
  });
  const broken = (): boolean => failure !== undefined || stream.destroyed === true;
  return {
    write: (text) => {
      if (!broken()) stream.write(text);
    },
    settle: () =>
      new Promise((resolve) => {
        if (broken()) {
          resolve(failure);
          return;
        }
        // The callback runs after the writes queued before it; the 'error' event (if any) is
        // emitted on a later tick, so look one turn of the event loop later.
        stream.write('', () => setImmediate(() => resolve(failure)));
      }),
  };
}

export interface BatchedOutput {
  write: (text: string) => void;
  /** Writes what is held now (before the closing summary). */
  flush: () => void;
}

/**
 * Holds small writes and hands them on together once per turn of the event loop (or at 64 KiB):
 * a line per check target was a write system call each, and on a pipe the reader woke up for
 * each, a tenth of a fleet check's CPU. Lines still leave within the turn they were made in.
 */
export function batchWrites(write: (text: string) => void): BatchedOutput {
  let held: string[] = [];
  let size = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (held.length === 0) return;
    const text = held.join('');
    held = [];
    size = 0;
    write(text);
  };
  return {
    write: (text) => {
      held.push(text);
      size += text.length;
      if (size >= 65_536) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
