// `check --jobs N`: the handshakes (connect, TLS, decoding the certificates: most of a target's
// CPU) run in N-1 worker processes beside the main one, which still judges every target, keeps
// the order, progress, summary and exit code, and writes every format exactly as one process
// does. Workers take targets one at a time as they ask (a work queue: a slow target holds up only
// itself). A worker that dies or stops answering costs the targets it held an error result each;
// a fresh worker takes its place and the run goes on.

import { fork, type ChildProcess } from 'node:child_process';
import { UsageError } from '../errors.js';
import type { CaptureOptions } from '../capture/options.js';
import { fetchChain, type FetchChain, type FetchedChain } from '../check/fetch-chain.js';
import { CHECK_WORKER_GRACE_MS } from '../limits.js';
import { withoutExtraCaCerts } from './extra-ca.js';

/** What a worker is sent: a target's capture options without functions (they cannot cross a process). */
type WorkerRequest = { id: number; opts: Omit<CaptureOptions, 'lookup' | 'connectHook' | 'chainFromBytes'> };
type WorkerReply = { id: number; fetched: FetchedChain } | { id: number; error: string };

interface Pending {
  resolve: (f: FetchedChain) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcess;
  pending: Map<number, Pending>;
}

export interface FetchPool {
  fetch: FetchChain;
  /** The worker processes running now (tests end one mid-run). */
  pids: () => number[];
  /** Ends every worker (after the run, or when it failed). */
  close: () => void;
}

/**
 * A FetchChain that shares the handshakes between the main process and `workers` processes
 * running `node ENTRY check --fetch-worker`. The main process takes one share itself, so that
 * --jobs 2 uses two cores, not one core and an idle parent.
 */
export function fetchPool(entry: string, workers: number): FetchPool {
  const pool: Array<Worker | undefined> = new Array<Worker | undefined>(workers).fill(undefined);
  let nextId = 0;
  let inProcess = 0;
  const start = (slot: number): Worker => {
    // A worker never judges a chain: spare it Node's start-up parse of NODE_EXTRA_CA_CERTS.
    const child = fork(entry, ['check', '--fetch-worker'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: withoutExtraCaCerts(process.env) });
    const w: Worker = { child, pending: new Map() };
    child.on('message', (m: WorkerReply) => {
      const p = w.pending.get(m.id);
      if (!p) return;
      w.pending.delete(m.id);
      clearTimeout(p.timer);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.fetched);
    });
    const fail = (why: string): void => {
      if (pool[slot] === w) pool[slot] = undefined;
      for (const p of w.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(why));
      }
      w.pending.clear();
    };
    child.on('exit', (code, signal) => fail(`check worker process ended (${signal ?? `exit ${code}`}) while checking this target`));
    child.on('error', (e) => {
      fail(`check worker process failed: ${e.message}`);
      child.kill('SIGKILL'); // out of the pool now: close() would not reach it
    });
    pool[slot] = w;
    return w;
  };
  const viaWorker = (slot: number, opts: CaptureOptions): Promise<FetchedChain> => {
    const w = pool[slot] ?? start(slot);
    const id = nextId++;
    const { lookup: _l, connectHook: _c, chainFromBytes: _b, ...plain } = opts;
    return new Promise((resolve, reject) => {
      // The worker's own capture ends at opts.timeoutMs; a worker silent long after that is stuck.
      const timer = setTimeout(() => {
        w.pending.delete(id);
        reject(new Error(`check worker process did not answer within ${opts.timeoutMs + CHECK_WORKER_GRACE_MS} ms`));
        w.child.kill('SIGKILL');
      }, opts.timeoutMs + CHECK_WORKER_GRACE_MS);
      w.pending.set(id, { resolve, reject, timer });
      w.child.send({ id, opts: plain } satisfies WorkerRequest, (e) => {
        if (e) w.child.kill('SIGKILL');
      });
    });
  };
  const fetch: FetchChain = async (opts) => {
    // The least busy of the main process and the workers takes it.
    let best = -1;
    let least = inProcess;
    pool.forEach((w, slot) => {
      const n = w?.pending.size ?? 0;
      if (n < least) [best, least] = [slot, n];
    });
    if (best >= 0) return viaWorker(best, opts);
    inProcess++;
    try {
      return await fetchChain(opts);
    } finally {
      inProcess--;
    }
  };
  return {
    fetch,
    pids: () => pool.flatMap((w) => (w?.child.pid === undefined ? [] : [w.child.pid])),
    // Disconnecting lets a worker end by itself (its exit handlers run); one that does not is ended.
    close: () =>
      pool.forEach((w) => {
        if (w?.child.connected) w.child.disconnect();
        setTimeout(() => w?.child.kill('SIGKILL'), CHECK_WORKER_GRACE_MS).unref();
      }),
  };
}

/** `check --fetch-worker`: answers the main process's fetches until it disconnects. */
export function runFetchWorker(): Promise<void> {
  return new Promise((resolve) => {
    // Not started by a check --jobs (no IPC channel): exit 0 here would pass for "every target valid".
    if (!process.send) throw new UsageError('--fetch-worker is internal: tls-trace starts such workers itself for check --jobs', 'give --jobs N instead');
    const reply = (m: WorkerReply): void => {
      if (process.connected) process.send?.(m);
    };
    process.on('message', (m: WorkerRequest) => {
      // A bug in one target's decoding is that target's error (as in one process), not the worker's end.
      fetchChain(m.opts).then(
        (fetched) => reply({ id: m.id, fetched }),
        (e: unknown) => reply({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
      );
    });
    process.once('disconnect', () => resolve());
  });
}
