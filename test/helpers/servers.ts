// Loopback TLS servers for tests and scripts: Node's own `tls` (in-process), `openssl s_server`,
// `gnutls-serv` and nginx. Every server listens on an ephemeral port, every wait is bounded, and
// every spawned process dies in `close()`, on process exit, and in any case after `maxLifetimeMs`
// (it runs under coreutils `timeout`), so a crashed test run cannot leave servers behind.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

/** A running loopback server. `output()` is everything it printed (or logged), for diagnostics. */
export interface TestServer {
  host: string;
  port: number;
  close(): Promise<void>;
  output(): string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (helpers live in test/helpers). */
export const repoRoot = path.resolve(here, '..', '..');
/** The committed demo PKI (fixtures/make-demo-certs.sh): leaves for localhost, 127.0.0.1, ::1. */
export const demoCertDir = path.join(repoRoot, 'fixtures', 'certs', 'demo');

export const demoPaths = {
  root: path.join(demoCertDir, 'root.pem'),
  intermediate: path.join(demoCertDir, 'intermediate.pem'),
  rsaLeaf: path.join(demoCertDir, 'leaf-rsa.pem'),
  rsaKey: path.join(demoCertDir, 'leaf-rsa.key'),
  rsaChain: path.join(demoCertDir, 'chain-rsa.pem'),
  ecdsaLeaf: path.join(demoCertDir, 'leaf-ecdsa.pem'),
  ecdsaKey: path.join(demoCertDir, 'leaf-ecdsa.key'),
  ecdsaChain: path.join(demoCertDir, 'chain-ecdsa.pem'),
} as const;

/** Demo PEMs, read once. `rsa`/`ecdsa` carry the leaf plus intermediate as `cert`. */
export function demoCerts(): {
  root: string;
  rsa: { cert: string; key: string };
  ecdsa: { cert: string; key: string };
} {
  const read = (p: string): string => readFileSync(p, 'utf8');
  return {
    root: read(demoPaths.root),
    rsa: { cert: read(demoPaths.rsaChain), key: read(demoPaths.rsaKey) },
    ecdsa: { cert: read(demoPaths.ecdsaChain), key: read(demoPaths.ecdsaKey) },
  };
}

// ---------------------------------------------------------------------------------------------
// Tools

const toolCache = new Map<string, boolean>();

/** True when `name` is an executable on PATH. */
export function hasTool(name: string): boolean {
  const cached = toolCache.get(name);
  if (cached !== undefined) return cached;
  const found = spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', name], { stdio: 'ignore' }).status === 0;
  toolCache.set(name, found);
  return found;
}

/**
 * Whether a test that needs the external tool `name` may run. Missing tool: under CI (env CI set)
 * this throws, because .ci/run installs every tool and a silent skip would hide a broken set-up;
 * on a developer machine it returns false so the caller skips, e.g.
 * `const describeOpenssl = requireTool('openssl') ? describe : describe.skip;`.
 */
export function requireTool(name: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.CI) throw new Error(`required tool '${name}' is not installed (CI is set; .ci/run installs it)`);
  return false;
}

/** `describe` when every tool is present, `describe.skip` otherwise (throws under CI; see requireTool). */
export function describeWithTools(...names: string[]): jest.Describe {
  return names.every((n) => requireTool(n)) ? describe : describe.skip;
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Signals the whole process group: coreutils `timeout` makes itself a group leader, so this
 * reaches the tool too. (SIGKILL to `timeout` alone would orphan the tool — it cannot forward it.)
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone; fall back to the direct child.
    child.kill(signal);
  }
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort when a test forgets close() or the process dies of an exception: 'exit'
    // handlers must be synchronous, and process.kill is.
    process.once('exit', () => {
      for (const c of live) signalGroup(c, 'SIGKILL');
    });
  }
}

export const DEFAULT_LIFETIME_MS = 10 * 60_000;
/** Characters of a server's output kept for `output()`. */
const MAX_OUTPUT = 1 << 20;

/** Spawns `cmd` under coreutils `timeout`, tracked for the exit hook; `env` replaces the environment. */
export function spawnBounded(cmd: string, args: string[], lifetimeMs: number, cwd?: string, env?: NodeJS.ProcessEnv): ChildProcess {
  // `timeout` forwards our SIGTERM to the tool and kills it itself once the lifetime runs out.
  const seconds = Math.max(1, Math.ceil(lifetimeMs / 1000));
  const child = spawn('timeout', ['-k', '2', String(seconds), cmd, ...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: env ?? { ...process.env, LC_ALL: 'C' },
  });
  track(child);
  return child;
}

/** SIGTERM to the child's process group, SIGKILL after `waitMs`; resolves once it is gone. */
export function killAndWait(child: ChildProcess, waitMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      // Give the kernel a moment; never wait unbounded.
      setTimeout(resolve, 200).unref();
    }, waitMs);
    hard.unref();
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

/** A free TCP port on `host`, by binding port 0 and releasing it (racy; callers retry). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connect to host:port succeeds; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`server exited before listening on ${host}:${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 500);
      s.once('connect', () => {
        clearTimeout(t);
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SpawnedServerSpec {
  /** Builds the command line for a given port. */
  command: (port: number) => { cmd: string; args: string[]; cwd?: string };
  host: string;
  /** Resolves readiness from output (e.g. s_server's `ACCEPT`); otherwise a TCP connect is polled. */
  readyPattern?: RegExp;
  readyTimeoutMs: number;
  lifetimeMs: number;
  /** Extra output source (nginx's error log). */
  extraOutput?: () => string;
  cleanup?: () => void;
}

/** Collects a child's stdout and stderr; the getter returns them (the tail, past MAX_OUTPUT). */
export function collectOutput(child: ChildProcess): () => string {
  let out = '';
  const collect = (b: Buffer): void => {
    out += b.toString('utf8');
    // A long-lived server in a chatty mode must not grow without bound; keep the tail.
    if (out.length > MAX_OUTPUT) out = out.slice(-MAX_OUTPUT / 2);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => out;
}

/** Starts a server on a free port, retrying with a new port when it dies before it is ready. */
export async function startSpawned(spec: SpawnedServerSpec): Promise<TestServer> {
  const attempts = 5;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort(spec.host);
    const { cmd, args, cwd } = spec.command(port);
    const child = spawnBounded(cmd, args, spec.lifetimeMs, cwd);
    const printed = collectOutput(child);
    const output = (): string => printed() + (spec.extraOutput ? spec.extraOutput() : '');
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    try {
      if (spec.readyPattern) await waitForOutput(child, printed, spec.readyPattern, spec.readyTimeoutMs);
      else await waitForPort(spec.host, port, spec.readyTimeoutMs, alive);
      // Ready, but make sure it did not die right after saying so.
      if (!alive()) throw new Error('server exited right after starting');
    } catch (e) {
      await killAndWait(child);
      lastError = new Error(`${cmd} ${args.join(' ')}: ${(e as Error).message}\n${output()}`);
      continue;
    }
    let closed: Promise<void> | undefined;
    return {
      host: spec.host,
      port,
      output,
      close: () => {
        closed ??= killAndWait(child).then(() => spec.cleanup?.());
        return closed;
      },
    };
  }
  spec.cleanup?.();
  throw lastError ?? new Error('server did not start');
}

function waitForOutput(child: ChildProcess, text: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const check = (): void => {
      if (pattern.test(text())) done();
    };
    const onExit = (code: number | null): void => done(new Error(`exited with ${code} before ready`));
    const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    // The pattern may already be in the collected output (listeners were attached first).
    setImmediate(check);
  });
}

// ---------------------------------------------------------------------------------------------
// Node tls (in-process)

export interface NodeTlsServerOptions extends tls.TlsOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Written to each client once its handshake completes (then the server ends the socket). */
  response?: string | Uint8Array;
  /** Called for each established connection (instead of the default behaviour). */
  onSecureConnection?: (socket: tls.TLSSocket) => void;
}

/**
 * An in-process `tls.Server` on an ephemeral port. Defaults to the demo RSA leaf plus intermediate;
 * pass `cert`/`key` (or `ecdsa()` from demoCerts) to change it. Client handshake errors are
 * recorded in `output()` rather than thrown.
 */
export async function startNodeTlsServer(options: NodeTlsServerOptions = {}): Promise<TestServer> {
  const { host = '127.0.0.1', response, onSecureConnection, ...tlsOptions } = options;
  if (!tlsOptions.cert && !tlsOptions.pfx && !tlsOptions.SNICallback) {
    const certs = demoCerts();
    tlsOptions.cert = certs.rsa.cert;
    tlsOptions.key = certs.rsa.key;
  }
  const log: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(tlsOptions, (socket) => {
    log.push(`secure connection: ${socket.getProtocol()} ${socket.getCipher().standardName}`);
    socket.on('error', (e) => log.push(`socket error: ${e.message}`));
    if (onSecureConnection) return onSecureConnection(socket);
    if (response !== undefined) socket.end(response);
    else socket.resume();
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (e) => log.push(`tlsClientError: ${e.message}`));
  return listenInProcess(server, host, sockets, log, 'node tls server');
}

// ---------------------------------------------------------------------------------------------
// openssl s_server

export interface SpawnOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Ready within this many ms or fail; default 10 s. */
  readyTimeoutMs?: number;
  /** Hard cap on the process's life; default 10 min. */
  maxLifetimeMs?: number;
}

const hasFlag = (args: string[], ...flags: string[]): boolean => args.some((a) => flags.includes(a));

/**
 * `openssl s_server -accept HOST:PORT …args`. Unless `args` name a certificate (`-cert`, `-nocert`),
 * the demo RSA leaf, key and intermediate are added. Ready when s_server prints `ACCEPT`.
 * Example: `startOpensslServer(['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'])`.
 */
export function startOpensslServer(args: string[] = [], opts: SpawnOptions = {}): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  const certArgs = hasFlag(args, '-cert', '-nocert')
    ? []
    : ['-cert', demoPaths.rsaLeaf, '-key', demoPaths.rsaKey, '-cert_chain', demoPaths.intermediate];
  const accept = (port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  return startSpawned({
    host,
    command: (port) => ({ cmd: 'openssl', args: ['s_server', '-accept', accept(port), ...certArgs, ...args] }),
    readyPattern: /^ACCEPT/m,
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    lifetimeMs: opts.maxLifetimeMs ?? DEFAULT_LIFETIME_MS,
  });
}

// ---------------------------------------------------------------------------------------------
// gnutls-serv

/**
 * `gnutls-serv --port PORT …args` (it listens on every local address; we talk to 127.0.0.1).
 * Unless `args` name `--x509certfile`, the demo RSA chain and key are added. Ready when it prints
 * `listening`.
 */
export function startGnutlsServer(args: string[] = [], opts: SpawnOptions = {}): Promise<TestServer> {
  const certArgs = args.some((a) => a.startsWith('--x509certfile'))
    ? []
    : [`--x509certfile=${demoPaths.rsaChain}`, `--x509keyfile=${demoPaths.rsaKey}`];
  return startSpawned({
    host: opts.host ?? '127.0.0.1',
    command: (port) => ({ cmd: 'gnutls-serv', args: [`--port=${port}`, ...certArgs, ...args] }),
    readyPattern: /listening on IPv4 .*done/,
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    lifetimeMs: opts.maxLifetimeMs ?? DEFAULT_LIFETIME_MS,
  });
}

// ---------------------------------------------------------------------------------------------
// nginx

/**
 * nginx with one TLS `server { … }` whose body is `serverBlock`. A `listen HOST:PORT ssl;` line is
 * added unless the block has its own `listen` (use `{{PORT}}` there). Unless the block sets
 * `ssl_certificate`, the demo RSA chain and key are added. In the block, `{{PORT}}`, `{{CERTS}}`
 * (the demo certificate directory) and `{{DIR}}` (the server's temp dir) are substituted.
 * Everything nginx writes (pid, logs, temp files) lives in a temp dir removed on close.
 */
export function startNginx(serverBlock = '', opts: SpawnOptions = {}): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-nginx-'));
  const errorLog = path.join(dir, 'error.log');
  const hostPort = (port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  return startSpawned({
    host,
    command: (port) => {
      const body = serverBlock
        .replaceAll('{{PORT}}', String(port))
        .replaceAll('{{CERTS}}', demoCertDir)
        .replaceAll('{{DIR}}', dir);
      const lines = [
        /\blisten\b/.test(body) ? '' : `listen ${hostPort(port)} ssl;`,
        /\bssl_certificate\b/.test(body) ? '' : `ssl_certificate ${demoPaths.rsaChain};\nssl_certificate_key ${demoPaths.rsaKey};`,
        body,
        /\blocation\b/.test(body) ? '' : 'location / { return 200 "ok\\n"; }',
      ];
      const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${errorLog} info;
events { worker_connections 64; }
http {
  access_log ${path.join(dir, 'access.log')};
  client_body_temp_path ${path.join(dir, 'client_body')};
  proxy_temp_path ${path.join(dir, 'proxy')};
  fastcgi_temp_path ${path.join(dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(dir, 'uwsgi')};
  scgi_temp_path ${path.join(dir, 'scgi')};
  server {
    ${lines.filter(Boolean).join('\n    ')}
  }
}
`;
      const confPath = path.join(dir, 'nginx.conf');
      writeFileSync(confPath, conf);
      // -e: the error log used before the config is read (else /var/log/nginx, maybe unwritable).
      return { cmd: 'nginx', args: ['-c', confPath, '-p', dir, '-e', errorLog], cwd: dir };
    },
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    lifetimeMs: opts.maxLifetimeMs ?? DEFAULT_LIFETIME_MS,
    extraOutput: () => {
      try {
        return readFileSync(errorLog, 'utf8');
      } catch {
        return '';
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}

/**
 * Listens on `host`, port 0, within 5 s and wraps an in-process server as a TestServer whose
 * close() destroys the tracked `sockets` (so it never waits on a peer) and gives up after 3 s.
 */
export async function listenInProcess(server: net.Server, host: string, sockets: Set<net.Socket>, log: string[], what: string): Promise<TestServer> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not listen within 5 s`)), 5000);
    server.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.listen(0, host, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    output: () => log.join('\n'),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        const timer = setTimeout(resolve, 3000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closed;
    },
  };
}

/**
 * `keep(start…)` for a test file's servers: each is kept once started and all are closed after the
 * file's tests (an afterAll registered here).
 */
export function keptServers(): (s: Promise<TestServer>) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (s) => {
    const server = await s;
    servers.push(server);
    return server;
  };
}
