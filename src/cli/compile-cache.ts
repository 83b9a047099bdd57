// Loads a bundled CLI (dist/tls-trace.cjs, or dist/scan.cjs) through V8's code cache. Node 20
// has no compile cache of its own for user code (module.enableCompileCache arrived in Node 22),
// and compiling ~800 KB of JavaScript, then lazily compiling every function a trace runs, was a
// third of a loopback trace's time. V8's cached data skips both; V8 itself rejects data made by
// another V8 version or other flags, and the file name pins the build and the Node version.
//
// Fail-safe by construction: any problem with the cache directory or file means "compile
// normally"; the cache lives in the user's cache directory, never in the package, and only in a
// directory that belongs to the user and that nobody else can write (cached data is trusted code).

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** First line of every bundle build.mjs writes: `// tls-trace-build <hex content hash>`. */
export const BUILD_ID_PREFIX = '// tls-trace-build ';

/**
 * Header of a cache file: magic, one byte saying how complete the run that wrote it was, and the
 * SHA-256 of V8's data. V8 checks the data's version, flags and source length but, in release
 * builds, not its integrity: a truncated or corrupted file can crash the process. So the digest
 * is checked before V8 sees the data.
 */
const MAGIC = Buffer.from('TTCC2');
const HEADER = MAGIC.length + 1 + 32;

function digest(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * How much of the CLI a run compiled, so a cache written by a short run (a DNS failure, an early
 * error) is replaced once a full run comes along. `none`: do not write (help, usage errors).
 */
export type RunCoverage = 'none' | 'partial' | 'full';

export interface CacheEnv {
  env: Readonly<Record<string, string | undefined>>;
  homedir: () => string;
  tmpdir: () => string;
  uid: number | undefined;
}

export interface LoadedBundle<T> {
  exports: T;
  /** Where the cache file is (undefined: caching off or no safe directory). */
  cacheFile?: string;
  /** What happened to the cached data on load. */
  cacheState: 'off' | 'missing' | 'accepted' | 'rejected';
  /** Writes (or refreshes) the cache after the run, if it is worth it. Never throws. */
  save(coverage: RunCoverage): void;
}

export function processCacheEnv(): CacheEnv {
  return { env: process.env, homedir: os.homedir, tmpdir: os.tmpdir, uid: process.getuid?.() };
}

/**
 * The cache directory: $TLS_TRACE_CACHE_DIR, else $XDG_CACHE_HOME/tls-trace, else
 * ~/.cache/tls-trace, else a per-user directory under the temp dir. Undefined when caching is
 * turned off (TLS_TRACE_NO_COMPILE_CACHE set to anything but "" or "0").
 */
export function cacheDirectory(ce: CacheEnv): string | undefined {
  const off = ce.env.TLS_TRACE_NO_COMPILE_CACHE;
  if (off !== undefined && off !== '' && off !== '0') return undefined;
  const explicit = ce.env.TLS_TRACE_CACHE_DIR;
  if (explicit && path.isAbsolute(explicit)) return explicit;
  const xdg = ce.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'tls-trace');
  try {
    const home = ce.homedir();
    if (home && path.isAbsolute(home)) return path.join(home, '.cache', 'tls-trace');
  } catch {
    // No home directory (a service account): fall through to the temp dir.
  }
  return path.join(ce.tmpdir(), `tls-trace-cache-${ce.uid ?? 'user'}`);
}

/**
 * Creates the directory if needed and says whether it is safe to trust what is in it: a real
 * directory (not a symlink), owned by this user, writable by nobody else.
 */
export function safeDirectory(dir: string, uid: number | undefined): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) return false;
    if (uid !== undefined && st.uid !== uid) return false;
    return process.platform === 'win32' || (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The build id from the bundle's first line, or undefined (then the bundle is not cached). */
export function buildId(source: string): string | undefined {
  if (!source.startsWith(BUILD_ID_PREFIX)) return undefined;
  const id = source.slice(BUILD_ID_PREFIX.length, source.indexOf('\n'));
  return /^[0-9a-f]{16,64}$/.test(id) ? id : undefined;
}

interface CacheFile {
  data: Buffer;
  coverage: RunCoverage;
}

/** The cache file's V8 data, 'corrupt' if the header or digest is wrong, undefined if absent. */
function readCache(file: string): CacheFile | 'corrupt' | undefined {
  let raw: Buffer;
  try {
    raw = readCapped(file);
  } catch {
    return undefined;
  }
  if (raw.length <= HEADER || !raw.subarray(0, MAGIC.length).equals(MAGIC)) return 'corrupt';
  const data = raw.subarray(HEADER);
  if (!digest(data).equals(raw.subarray(MAGIC.length + 1, HEADER))) return 'corrupt';
  return { data, coverage: raw[MAGIC.length] === 2 ? 'full' : 'partial' };
}

/**
 * Largest cache file read (32 MiB; V8's data for the bundle is a few MB). Like every file
 * tls-trace reads, it is size-capped and must be a regular file: anything else is treated as
 * corrupt and replaced.
 */
const MAX_CACHE_FILE_BYTES = 32 * 1024 * 1024;

function readCapped(file: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CACHE_FILE_BYTES) return Buffer.alloc(0);
    const buf = Buffer.alloc(st.size);
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Writes through a temporary file and a rename, so a concurrent run never reads half a file. */
function writeCache(file: string, data: Buffer, coverage: RunCoverage): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, Buffer.from([coverage === 'full' ? 2 : 1]), digest(data), data]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
  }
}

/** Removes cache files of other builds (each upgrade or rebuild would otherwise leave one). */
function pruneOtherBuilds(dir: string, id: string): void {
  try {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.v8cache') && !name.startsWith(`${id}-`)) unlinkSync(path.join(dir, name));
    }
  } catch {
    // Pruning is housekeeping only.
  }
}

export interface LoadOptions {
  /** Cache directory (undefined: no caching). */
  cacheDir?: string;
  uid?: number;
  /** Separate caches per command, so each holds the functions its command runs. */
  profile: string;
}

/** Compiles and runs a CommonJS bundle with V8's code cache; returns its exports. */
export function loadCachedBundle<T>(file: string, opts: LoadOptions): LoadedBundle<T> {
  const source = readFileSync(file, 'utf8');
  const id = buildId(source);
  const dir = id && opts.cacheDir && safeDirectory(opts.cacheDir, opts.uid) ? opts.cacheDir : undefined;
  const cacheFile = dir && id ? path.join(dir, `${id}-${process.version}-${process.arch}-${opts.profile}.v8cache`) : undefined;
  const read = cacheFile ? readCache(cacheFile) : undefined;
  const cached = typeof read === 'object' ? read : undefined;
  // The CommonJS wrapper Node itself uses, so the bundle sees require, module and __filename.
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, ...(cached ? { cachedData: cached.data } : {}) });
  const mod: { exports: T } = { exports: {} as T };
  const run = script.runInThisContext() as (e: T, r: NodeJS.Require, m: { exports: T }, f: string, d: string) => void;
  run(mod.exports, createRequire(file), mod, file, path.dirname(file));
  const cacheState: LoadedBundle<T>['cacheState'] = !cacheFile
    ? 'off'
    : read === 'corrupt' || script.cachedDataRejected === true
      ? 'rejected'
      : cached
        ? 'accepted'
        : 'missing';
  return {
    exports: mod.exports,
    ...(cacheFile ? { cacheFile } : {}),
    cacheState,
    save(coverage: RunCoverage): void {
      if (!cacheFile || !dir || !id || coverage === 'none') return;
      const stale = cacheState !== 'accepted' || (cached?.coverage === 'partial' && coverage === 'full');
      if (!stale) return;
      try {
        // Made after the run, so it also holds every function the run compiled lazily.
        writeCache(cacheFile, script.createCachedData(), coverage);
        pruneOtherBuilds(dir, id);
      } catch {
        // A cache that cannot be written only costs the next run its speed-up.
      }
    },
  };
}
