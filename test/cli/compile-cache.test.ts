// The launcher's V8 code cache (src/cli/compile-cache.ts): where it lives, that it is used when
// valid and ignored (then rewritten) when not, and that no failure of it ever stops the CLI.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_ID_PREFIX, buildId, cacheDirectory, loadCachedBundle, safeDirectory, type CacheEnv } from '../../src/cli/compile-cache.js';
import { bundleFor, cacheProfile, launch, packagePaths, runCoverage } from '../../src/cli/launch.js';
import { VERSION } from '../../src/cli/main.js';
import { repoRoot } from '../helpers/servers.js';

const uid = process.getuid?.();
let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tls-trace-cc-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

function env(vars: Record<string, string>, home = '/home/u'): CacheEnv {
  return { env: vars, homedir: () => home, tmpdir: () => '/tmp', uid: 1000 };
}

/** A CommonJS bundle the way build.mjs writes one: build id line, then the code. */
function writeBundle(dir: string, body: string, id = '0123456789abcdef0123456789abcdef'): string {
  const file = path.join(dir, 'bundle.cjs');
  writeFileSync(file, `${BUILD_ID_PREFIX}${id}\n"use strict";${body}`);
  return file;
}

const BODY = 'exports.answer = function answer(x) { return x * 2 + Number(require("node:path").sep === "/"); };';

describe('compile cache: location', () => {
  it('follows TLS_TRACE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache, and can be turned off', () => {
    expect(cacheDirectory(env({ TLS_TRACE_CACHE_DIR: '/x/c', XDG_CACHE_HOME: '/x/xdg' }))).toBe('/x/c');
    expect(cacheDirectory(env({ XDG_CACHE_HOME: '/x/xdg' }))).toBe(path.join('/x/xdg', 'tls-trace'));
    expect(cacheDirectory(env({ XDG_CACHE_HOME: 'relative' }))).toBe(path.join('/home/u', '.cache', 'tls-trace'));
    expect(cacheDirectory(env({}, ''))).toBe(path.join('/tmp', 'tls-trace-cache-1000'));
    expect(cacheDirectory(env({ TLS_TRACE_NO_COMPILE_CACHE: '1' }))).toBeUndefined();
    expect(cacheDirectory(env({ TLS_TRACE_NO_COMPILE_CACHE: '0' }))).toBe(path.join('/home/u', '.cache', 'tls-trace'));
  });

  it('trusts only a real directory of this user that nobody else can write', () => {
    const mine = path.join(work, 'mine');
    expect(safeDirectory(mine, uid)).toBe(true);
    expect(safeDirectory(mine, uid === undefined ? undefined : uid + 1)).toBe(uid === undefined);
    const shared = path.join(work, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(safeDirectory(shared, uid)).toBe(false);
    const link = path.join(work, 'link');
    symlinkSync(mine, link);
    expect(safeDirectory(link, uid)).toBe(false);
    writeFileSync(path.join(work, 'file'), 'x');
    expect(safeDirectory(path.join(work, 'file'), uid)).toBe(false);
  });

  it('reads the build id only from a well-formed first line', () => {
    expect(buildId(`${BUILD_ID_PREFIX}00112233445566778899aabbccddeeff\nx`)).toBe('00112233445566778899aabbccddeeff');
    expect(buildId(`${BUILD_ID_PREFIX}../../etc\nx`)).toBeUndefined();
    expect(buildId('"use strict";')).toBeUndefined();
  });
});

describe('compile cache: load and save', () => {
  it('writes the cache after a run, uses it next time, and never writes beside the bundle', () => {
    const dist = path.join(work, 'dist');
    mkdirSync(dist);
    const file = writeBundle(dist, BODY);
    const cacheDir = path.join(work, 'cache');
    const first = loadCachedBundle<{ answer(x: number): number }>(file, { cacheDir, uid, profile: 'trace' });
    expect(first.cacheState).toBe('missing');
    expect(first.exports.answer(20)).toBe(41);
    first.save('full');
    expect(readdirSync(cacheDir)).toEqual([`0123456789abcdef0123456789abcdef-${process.version}-${process.arch}-trace.v8cache`]);
    expect(readdirSync(dist)).toEqual(['bundle.cjs']);
    const second = loadCachedBundle<{ answer(x: number): number }>(file, { cacheDir, uid, profile: 'trace' });
    expect(second.cacheState).toBe('accepted');
    expect(second.exports.answer(1)).toBe(3);
  });

  it('ignores and rewrites a corrupt or truncated cache file, and the bundle still runs', () => {
    const file = writeBundle(work, BODY);
    const cacheDir = path.join(work, 'cache');
    const a = loadCachedBundle(file, { cacheDir, uid, profile: 'trace' });
    a.save('full');
    const cacheFile = a.cacheFile ?? '';
    const good = readFileSync(cacheFile);
    // Same header, same length, garbage where V8's data was (handed to V8, this can crash it).
    writeFileSync(cacheFile, Buffer.concat([good.subarray(0, 38), Buffer.alloc(good.length - 38, 0x5a)]));
    const b = loadCachedBundle<{ answer(x: number): number }>(file, { cacheDir, uid, profile: 'trace' });
    expect(b.cacheState).toBe('rejected');
    expect(b.exports.answer(2)).toBe(5);
    b.save('partial');
    expect(readFileSync(cacheFile).subarray(38).every((b) => b === 0x5a)).toBe(false);
    expect(loadCachedBundle(file, { cacheDir, uid, profile: 'trace' }).cacheState).toBe('accepted');
    writeFileSync(cacheFile, readFileSync(cacheFile).subarray(0, 100));
    const c = loadCachedBundle<{ answer(x: number): number }>(file, { cacheDir, uid, profile: 'trace' });
    expect(c.cacheState).toBe('rejected');
    expect(c.exports.answer(3)).toBe(7);
  });

  it('replaces a cache written by a partial run once a full run comes, and drops other builds', () => {
    const cacheDir = path.join(work, 'cache');
    const old = loadCachedBundle(writeBundle(work, BODY, 'ffffffffffffffffffffffffffffffff'), { cacheDir, uid, profile: 'trace' });
    old.save('full');
    const file = writeBundle(work, BODY);
    const partial = loadCachedBundle(file, { cacheDir, uid, profile: 'trace' });
    partial.save('partial');
    expect(readdirSync(cacheDir).some((n) => n.startsWith('ffff'))).toBe(false);
    const cacheFile = partial.cacheFile ?? '';
    expect(readFileSync(cacheFile)[5]).toBe(1);
    loadCachedBundle(file, { cacheDir, uid, profile: 'trace' }).save('none');
    expect(readFileSync(cacheFile)[5]).toBe(1);
    loadCachedBundle(file, { cacheDir, uid, profile: 'trace' }).save('full');
    expect(readFileSync(cacheFile)[5]).toBe(2);
  });

  it('runs without a cache when the directory cannot be used or the bundle has no build id', () => {
    const file = writeBundle(work, BODY);
    const blocked = path.join(work, 'blocked');
    writeFileSync(blocked, 'a file where the directory should be');
    const a = loadCachedBundle<{ answer(x: number): number }>(file, { cacheDir: path.join(blocked, 'cache'), uid, profile: 'trace' });
    expect(a.cacheState).toBe('off');
    expect(a.exports.answer(0)).toBe(1);
    expect(() => a.save('full')).not.toThrow();
    const plain = path.join(work, 'plain.cjs');
    writeFileSync(plain, BODY);
    const b = loadCachedBundle(plain, { cacheDir: path.join(work, 'c2'), uid, profile: 'trace' });
    b.save('full');
    expect(b.cacheState).toBe('off');
    expect(existsSync(path.join(work, 'c2')) ? readdirSync(path.join(work, 'c2')) : []).toEqual([]);
  });
});

describe('launcher', () => {
  it('names the cache after the command and caches only runs that did real work', () => {
    expect(cacheProfile(['example.com'])).toBe('trace');
    expect(cacheProfile(['--json', 'check', 'a.test'])).toBe('check');
    expect(cacheProfile(['scan', 'x'])).toBe('scan');
    expect(cacheProfile(['--demo'])).toBe('trace');
    expect(runCoverage(['x'], 0)).toBe('full');
    expect(runCoverage(['check', 'x'], 8)).toBe('full');
    expect(runCoverage(['x'], 3)).toBe('partial');
    expect(runCoverage(['x'], 2)).toBe('none');
    expect(runCoverage(['--help'], 0)).toBe('none');
  });

  it('runs an argv starting with scan from the scan bundle, anything else from the whole CLI, each with its own cache', () => {
    const paths = packagePaths('/pkg');
    expect(bundleFor(['scan', 'example.com'], paths)).toEqual({ file: path.join('/pkg', 'dist', 'scan.cjs'), profile: 'scan' });
    expect(bundleFor(['scan', '--help'], paths)).toEqual({ file: path.join('/pkg', 'dist', 'scan.cjs'), profile: 'scan' });
    // Options before the word: the whole program parses them, under a cache of its own.
    expect(bundleFor(['--no-color', 'scan', 'example.com'], paths)).toEqual({ file: path.join('/pkg', 'dist', 'tls-trace.cjs'), profile: 'scan-all' });
    expect(bundleFor(['check', 'a.test'], paths)).toEqual({ file: path.join('/pkg', 'dist', 'tls-trace.cjs'), profile: 'check' });
    expect(bundleFor(['example.com'], paths)).toEqual({ file: path.join('/pkg', 'dist', 'tls-trace.cjs'), profile: 'trace' });
    expect(bundleFor(['scan', 'x'], { bundle: '/b.cjs', packageJson: '/p.json' })).toEqual({ file: '/b.cjs', profile: 'scan-all' });
  });

  it('answers --version from package.json without loading the CLI bundle, and it matches main()', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => out.push(s) > 0) as unknown as typeof process.stdout.write;
    try {
      const code = await launch(['--version'], { bundle: path.join(work, 'does-not-exist.cjs'), packageJson: path.join(repoRoot, 'package.json') });
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toBe(`${pkg.version}\n`);
  });
});
