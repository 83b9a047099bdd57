// The timers one capture starts, kept together so that finishing clears every one of them: a timer
// left behind would fire into a finished capture and keep the process alive until it does.

export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms` unless cleared first. */
  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Clears every timer still pending. */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Calls `then` once `poll.done()` holds, checking now and every 10 ms on `timers`, or after
 * `poll.graceMs` whatever it says; never once `poll.cancelled()` holds (the timers are cleared then too).
 */
export function pollUntil(timers: TimerSet, poll: { done: () => boolean; cancelled: () => boolean; graceMs: number }, then: () => void): void {
  if (poll.done()) return then();
  const started = performance.now();
  const tick = (): void => {
    if (poll.cancelled()) return;
    if (poll.done() || performance.now() - started >= poll.graceMs) then();
    else timers.after(10, tick);
  };
  timers.after(10, tick);
}
