// The shared part of the real-server helpers (exim4, dovecot, postgresql, mariadb, slapd, vsftpd,
// prosody, nnrpd): each runs the Debian package's own binary on loopback as an unprivileged
// foreground process, with every file it reads or writes in a private temp dir, on ports the OS
// handed out. No system configuration is read (slapd reads the package's core schema), nothing in
// /etc is changed and no system service is involved. The process runs under coreutils `timeout`
// (servers.ts's spawnBounded), so it dies on stop(), at the end of the test file (or process, out
// of jest) and in any case after its maximum lifetime.
//
// Root: most of these daemons refuse to run as root (or drop to a system user they expect to
// exist), so when the tests run as root the server runs as its package's own account through
// `setpriv`, which execs in place (no intermediate process to forward signals). As any other user
// the server simply runs as that user.

import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectOutput, DEFAULT_LIFETIME_MS, demoPaths, freePort, killAndWait, spawnBounded, waitForPort } from '../servers.js';

/** A real server listening on loopback. */
export interface RealServer {
  host: string;
  /** The main port (the one its protocol's STARTTLS is tested on). */
  port: number;
  /** Every port it listens on, by protocol name (dovecot: imap, pop3, sieve, lmtp; prosody: c2s, s2s). */
  ports: Record<string, number>;
  /** The root CA that verifies its certificate (the demo PKI's root). */
  caFile: string;
  /** The chain it sends, leaf first (demo RSA leaf + intermediate). */
  chainFile: string;
  /** Its private directory (configuration, data, logs); removed by stop(). */
  dir: string;
  /** Milliseconds from the first setup step to listening on every port, for start-up budgets. */
  startMs: number;
  /** Everything it printed plus its log files, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface RealServerOptions {
  /** Listening on every port within this many ms or fail; default 30 s (2 busy cores). */
  readyTimeoutMs?: number;
  /** Hard cap on the process's life; default 10 min. */
  maxLifetimeMs?: number;
}

/** The account a server runs as. */
export interface Account {
  name: string;
  /** Its primary group's name (configurations name groups, not ids). */
  group: string;
  uid: number;
  gid: number;
}

const LOOPBACK = '127.0.0.1';
/** How the daemons say their port was taken (exim, dovecot, postgres, mariadb, slapd, vsftpd, prosody). */
const BIND_FAILED = /already in use|in use by another application|could not bind|can't bind|cannot bind|bind\(.*\) failed|EADDRINUSE/i;
/** Characters of server output kept (a chatty debug mode must not grow without bound). */
const MAX_OUTPUT = 1 << 20;
/** Where Debian keeps daemons that are not on a normal user's PATH (INN's in its own dir). */
const EXTRA_BIN_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/usr/lib/news/bin'];

// ---------------------------------------------------------------------------------------------
// Binaries and skipping

/** Directories holding PostgreSQL's server binaries, newest major version first. */
function postgresBinDirs(): string[] {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(base, v, 'bin'));
}

/** The absolute path of server binary `name` (PATH, then /usr/sbin and PostgreSQL's bin dir), or undefined. */
export function findServerBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_BIN_DIRS, ...postgresBinDirs()];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Like findServerBinary but throws (naming the Debian package) when it is missing. */
export function serverBinary(name: string, pkg: string): string {
  const found = findServerBinary(name);
  if (!found) throw new Error(`${name} is not installed (Debian package ${pkg}; .ci/run installs it)`);
  return found;
}

/**
 * `describe` when every server binary is installed; otherwise `describe.skip` on a developer
 * machine and an error under CI (where .ci/run installs them, so a skip would hide a broken set-up).
 */
export function describeWithServers(...names: string[]): jest.Describe {
  const missing = names.filter((n) => findServerBinary(n) === undefined);
  if (missing.length === 0) return describe;
  if (process.env.CI) throw new Error(`required server binaries missing: ${missing.join(', ')} (CI is set; .ci/run installs them)`);
  return describe.skip;
}

// ---------------------------------------------------------------------------------------------
// Accounts and the private directory

/** `id FLAG [NAME]`'s answer, or undefined when the account does not exist. */
function idOf(flag: '-u' | '-g' | '-un' | '-gn', name?: string): string | undefined {
  const r = spawnSync('id', name === undefined ? [flag] : [flag, name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * The account the server runs as: as root, `preferred` (the package's user) or else `nobody`;
 * otherwise the current user.
 */
export function serverAccount(preferred: string): Account {
  const names = isRoot() ? [preferred, 'nobody'] : [undefined];
  for (const name of names) {
    const [user, group, uid, gid] = [idOf('-un', name), idOf('-gn', name), idOf('-u', name), idOf('-g', name)];
    if (user && group && uid && gid) return { name: user, group, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(`neither '${preferred}' nor 'nobody' exists to run the server as`);
}

/** `cmd args` run as `account`: through setpriv when we are root, unchanged otherwise. */
export function asAccount(account: Account, cmd: string, args: string[]): { cmd: string; args: string[] } {
  if (!isRoot() || account.uid === 0) return { cmd, args };
  return { cmd: 'setpriv', args: [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--', cmd, ...args] };
}

/** Where the copied demo certificate files live inside a server's directory. */
export interface ServerFiles {
  dir: string;
  /** Leaf + intermediate, PEM. */
  chainFile: string;
  leafFile: string;
  intermediateFile: string;
  keyFile: string;
  caFile: string;
}

const liveDirs = new Set<string>();
const liveServers = new Set<RealServer>();
let dirHookInstalled = false;

/** A private dir removed by stop() or, when a test never stops its server, at the end of the file. */
function privateDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tls-trace-${name}-`));
  liveDirs.add(dir);
  if (!dirHookInstalled) {
    dirHookInstalled = true;
    // Outside jest (bench/): 'exit' handlers must be synchronous; servers.ts's hook kills servers.
    process.once('exit', () => {
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Stops every server still running and removes every private dir (templates included). */
async function cleanUpAll(): Promise<void> {
  await Promise.all([...liveServers].map((server) => server.stop()));
  templates.clear();
  for (const d of liveDirs) removeServerDir(d);
}

// Under jest a module's process 'exit' listener never fires (the module sees a sandbox copy of
// process), so the end of the test file is the last chance: a top-level afterAll, registered when
// a test file imports this module, stops what its tests left running and removes the templates.
// It runs after the describe blocks' afterAll hooks but before the file's own top-level ones, so
// stop servers (or read their logs) in a describe block's afterAll, not at the top level.
if (typeof afterAll === 'function') afterAll(cleanUpAll, 30_000);

/** Removes a server's private dir now (and forgets it for the exit hook). */
export function removeServerDir(dir: string): void {
  liveDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A private temp dir holding copies of the demo RSA chain, key and root (the key mode 0600: some
 * servers refuse a key others can read). Call ownTree() once the configuration is written.
 */
export function makeServerDir(name: string): ServerFiles {
  const dir = privateDir(name);
  const files: ServerFiles = {
    dir,
    chainFile: path.join(dir, 'chain.pem'),
    leafFile: path.join(dir, 'leaf.pem'),
    intermediateFile: path.join(dir, 'intermediate.pem'),
    keyFile: path.join(dir, 'leaf.key'),
    caFile: path.join(dir, 'root.pem'),
  };
  copyFileSync(demoPaths.rsaChain, files.chainFile);
  copyFileSync(demoPaths.rsaLeaf, files.leafFile);
  copyFileSync(demoPaths.intermediate, files.intermediateFile);
  copyFileSync(demoPaths.rsaKey, files.keyFile);
  copyFileSync(demoPaths.root, files.caFile);
  chmodSync(files.keyFile, 0o600);
  return files;
}

/** Hands `dir` and everything below it to `account` (as root; a no-op otherwise). */
export function ownTree(dir: string, account: Account): void {
  if (!isRoot()) return;
  chownSync(dir, account.uid, account.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) ownTree(p, account);
    else chownSync(p, account.uid, account.gid);
  }
}

/** Runs `step` (initdb and the like); when it fails, removes the server's dir before rethrowing. */
export async function setupOrRemove(files: ServerFiles, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (e) {
    removeServerDir(files.dir);
    throw e;
  }
}

/** Runs a setup command (initdb, mariadb-install-db) as `account`, bounded; throws with its output. */
export function runSetupStep(account: Account, cmd: string, args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' }): Promise<string> {
  const wrapped = asAccount(account, cmd, args);
  return new Promise((resolve, reject) => {
    execFile(wrapped.cmd, wrapped.args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

const templates = new Map<string, Promise<string>>();

/**
 * Fills `dest` (a path that must not exist yet) with a copy of a directory built once per test
 * process by `build(dir)` under the key `key`: initdb and mariadb-install-db cost seconds each,
 * a copy a fraction of that. The template lives in a private dir removed at the end of the test
 * file (or process).
 */
export async function copyOfTemplate(key: string, account: Account, dest: string, build: (dir: string) => Promise<void>): Promise<void> {
  let template = templates.get(key);
  if (!template) {
    template = (async (): Promise<string> => {
      const parent = privateDir(`${key}-template`);
      ownTree(parent, account);
      const dir = path.join(parent, 'data');
      await build(dir);
      return dir;
    })();
    templates.set(key, template);
    // A failed build is not cached: the next caller retries and sees its own error.
    template.catch(() => templates.delete(key));
  }
  const source = await template;
  // cp -a keeps modes (PostgreSQL refuses a data dir other users can read) and owners.
  await new Promise<void>((resolve, reject) => {
    execFile('cp', ['-a', source, dest], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, _out, stderr) => {
      if (err) reject(new Error(`copying ${source} to ${dest}: ${err.message} ${stderr}`));
      else resolve();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping

export interface RealServerSpec {
  /** Short name for messages. */
  name: string;
  files: ServerFiles;
  account: Account;
  /** Protocol names of the ports to allocate; the first is `port`. */
  portNames: string[];
  /** Writes the configuration for these ports and returns the command line (run as `account`). */
  command: (ports: Record<string, number>) => { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
  /** Log files inside the dir appended to output() (for servers that log to files). */
  logFiles?: string[];
  /** Ready once a TCP connect to every port succeeds and, if given, this appears in output(). */
  readyPattern?: RegExp;
  /** When setup started (Date.now()), so startMs covers initdb and the like. */
  setupStartedAt?: number;
  options?: RealServerOptions;
}

function readLogs(dir: string, logFiles: string[] | undefined): string {
  let text = '';
  for (const rel of logFiles ?? []) {
    try {
      text += `\n--- ${rel}\n` + readFileSync(path.join(dir, rel), 'utf8').slice(-MAX_OUTPUT / 4);
    } catch {
      // not written (yet)
    }
  }
  return text;
}

async function allocatePorts(names: string[]): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const n of names) {
    let p = await freePort(LOOPBACK);
    // Two quick allocations can hand back the same port once the first is released.
    while (Object.values(ports).includes(p)) p = await freePort(LOOPBACK);
    ports[n] = p;
  }
  return ports;
}

async function waitReady(ports: Record<string, number>, alive: () => boolean, timeoutMs: number, output: () => string, pattern?: RegExp): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const p of Object.values(ports)) await waitForPort(LOOPBACK, p, Math.max(1, deadline - Date.now()), alive);
  // Some servers listen before they serve (PostgreSQL while it recovers): wait for their word too.
  // A connect can also reach whoever took the port first, so a bind failure in the output wins.
  while (pattern && !pattern.test(output())) {
    if (BIND_FAILED.test(output())) throw new Error('could not bind a port');
    if (!alive()) throw new Error('exited before saying it was ready');
    if (Date.now() > deadline) throw new Error(`listening but not ready (no ${pattern}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (BIND_FAILED.test(output())) throw new Error('could not bind a port');
}

/**
 * Starts the server on fresh OS-assigned ports, retrying (with new ports) when it could not bind
 * one, as happens when another process took a port between allocation and bind.
 */
export async function startRealServer(spec: RealServerSpec): Promise<RealServer> {
  const startedAt = spec.setupStartedAt ?? Date.now();
  const readyTimeoutMs = spec.options?.readyTimeoutMs ?? 30_000;
  const lifetimeMs = spec.options?.maxLifetimeMs ?? DEFAULT_LIFETIME_MS;
  const { dir } = spec.files;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ports = await allocatePorts(spec.portNames);
    const { cmd, args, env } = spec.command(ports);
    ownTree(dir, spec.account);
    const wrapped = asAccount(spec.account, cmd, args);
    const child = spawnBounded(wrapped.cmd, wrapped.args, lifetimeMs, dir, env ?? { ...process.env, LC_ALL: 'C' });
    const printed = collectOutput(child);
    const output = (): string => printed() + readLogs(dir, spec.logFiles);
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    try {
      await waitReady(ports, alive, readyTimeoutMs, output, spec.readyPattern);
      if (!alive()) throw new Error('exited right after starting');
    } catch (e) {
      await killAndWait(child);
      lastError = new Error(`${spec.name} (${cmd} ${args.join(' ')}) did not start: ${(e as Error).message}\n${output()}`);
      // Only a port taken between allocation and bind is worth another try; a bad configuration
      // would fail the same way three times.
      if (BIND_FAILED.test(output())) continue;
      break;
    }
    return serverHandle(spec, ports, child, output, Date.now() - startedAt);
  }
  removeServerDir(dir);
  throw lastError ?? new Error(`${spec.name} did not start`);
}

function serverHandle(spec: RealServerSpec, ports: Record<string, number>, child: ChildProcess, output: () => string, startMs: number): RealServer {
  let stopped: Promise<void> | undefined;
  const handle: RealServer = {
    host: LOOPBACK,
    port: ports[spec.portNames[0]],
    ports,
    caFile: spec.files.caFile,
    chainFile: spec.files.chainFile,
    dir: spec.files.dir,
    startMs,
    output,
    stop: () => {
      stopped ??= killAndWait(child, 5000)
        .then(() => groupGone(child.pid))
        .then(() => {
          liveServers.delete(handle);
          removeServerDir(spec.files.dir);
        });
      return stopped;
    },
  };
  liveServers.add(handle);
  return handle;
}

/**
 * Resolves once no process of the server's group is left (SIGKILL after 3 s, gives up after
 * 5 s): a daemon's per-connection children can outlive it for a moment, and exim's would recreate
 * its log dir inside the private dir just removed.
 */
async function groupGone(pgid: number | undefined): Promise<void> {
  if (pgid === undefined) return;
  const killAt = Date.now() + 3000;
  // Past this only zombies can be left (an init that never reaps them): stop looking.
  const giveUpAt = killAt + 2000;
  while (Date.now() < giveUpAt) {
    try {
      process.kill(-pgid, Date.now() > killAt ? 'SIGKILL' : 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
