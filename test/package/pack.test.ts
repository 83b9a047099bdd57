// The package as a user gets it: `npm pack`, install the tarball into an empty folder with no
// network, and run the installed command. Checks what ships (no CA private key, a LICENSE, no
// runtime dependencies) and that installing it neither runs nor asks to run scripts.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWithTools, repoRoot } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', ...env } });
}

/**
 * What `npm pack` needs of the checkout (the sources the build reads, the build script, the files
 * the package lists), copied to `dir`; node_modules is linked, not copied.
 */
function stageCheckout(dir: string): string {
  const entries = ['package.json', 'package-lock.json', 'README.md', 'LICENSE', 'tsconfig.json', 'bin', 'src', 'schema', 'scripts/build.mjs', 'scripts/string-width-fast.cjs', 'fixtures/certs/demo'];
  for (const entry of entries) cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Every file under dir, relative, sorted (to show the installed package is never written to). */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

describeWithTools('npm')('the npm package', () => {
  let work: string;
  let packed: PackResult;
  let install: SpawnSyncReturns<string>;
  let app: string;
  let cacheDir: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tls-trace-pack-'));
    // `npm pack` runs prepack, which rebuilds dist/ from the sources. It runs in a copy of the
    // checkout: rebuilding the checkout's own dist/ would pull it from under the tests that run the
    // built CLI at the same time (jest runs suites in parallel).
    const stage = stageCheckout(path.join(work, 'checkout'));
    const p = run('npm', ['pack', '--json', '--pack-destination', work], stage);
    if (p.status !== 0) throw new Error(`npm pack failed: ${p.stderr}`);
    packed = (JSON.parse(p.stdout) as PackResult[])[0];
    app = path.join(work, 'app');
    cacheDir = path.join(work, 'compile-cache');
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // Offline, with an empty npm cache of its own: the package must need nothing from a registry.
    install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache'), path.join(work, packed.filename)], app);
  }, 180_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('ships the CLI, the demo certificates it reads and a LICENSE, and no CA private key', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toContain('LICENSE');
    expect(files).toContain('bin/tls-trace.cjs');
    expect(files).toContain('dist/launch.cjs');
    expect(files).toContain('dist/tls-trace.cjs');
    expect(files).toContain('dist/scan.cjs');
    // --demo serves the ECDSA leaf: its chain, its key (a private key by nature, for a name
    // only the demo root vouches for) and the demo root it trusts. The CA keys never ship.
    expect(files.filter((f) => f.startsWith('fixtures/'))).toEqual(['fixtures/certs/demo/chain-ecdsa.pem', 'fixtures/certs/demo/leaf-ecdsa.key', 'fixtures/certs/demo/root.pem']);
    expect(files.filter((f) => f.endsWith('.key'))).toEqual(['fixtures/certs/demo/leaf-ecdsa.key']);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/chunks/'))).toBe(false);
    expect(readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 tls-trace authors\n/);
  });

  it('installs from the tarball offline, with no dependencies and no install script', () => {
    expect(install.status).toBe(0);
    // npm 11 warns about (and does not run) install scripts of a tarball it has not approved.
    expect(install.stderr).not.toMatch(/install-scripts|prepare/);
    const installed = path.join(app, 'node_modules');
    expect(readdirSync(installed).filter((n) => !n.startsWith('.')).sort()).toEqual(['tls-trace']);
    const manifest = JSON.parse(readFileSync(path.join(installed, 'tls-trace', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.scripts).not.toHaveProperty('prepare');
    expect(manifest.scripts).not.toHaveProperty('install');
    expect(manifest.scripts).not.toHaveProperty('postinstall');
  });

  it('runs `npx tls-trace --version` and `--demo` from the install, caching compiled code outside the package', () => {
    const env = { TLS_TRACE_CACHE_DIR: cacheDir };
    const version = run('npx', ['--no-install', 'tls-trace', '--version'], app, env);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${pkg.version}\n`);
    const pkgDir = path.join(app, 'node_modules', 'tls-trace');
    const before = listFiles(pkgDir);
    for (const round of ['first run, writes the code cache', 'second run, from the cache']) {
      const demo = run('npx', ['--no-install', 'tls-trace', '--demo', '--json'], app, env);
      expect({ round, status: demo.status, stderr: demo.stderr }).toEqual({ round, status: 0, stderr: '' });
      const trace = parseValid<{ outcome: { complete: boolean }; negotiated: { version: { value: { name: string } } }; target: { servername?: string } }>('trace', demo.stdout);
      expect(trace.outcome.complete).toBe(true);
      expect(trace.negotiated.version.value.name).toBe('TLS 1.3');
      expect(trace.target.servername).toBe('localhost');
    }
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('-trace.v8cache'))).toHaveLength(1);
    // `scan` runs from its own bundle (dist/scan.cjs), cached beside the trace's as one build.
    const scan = run('npx', ['--no-install', 'tls-trace', 'scan', '127.0.0.1:1', '--json'], app, env);
    expect({ status: scan.status, stderr: scan.stderr }).toEqual({ status: 4, stderr: 'tls-trace: cannot connect to 127.0.0.1 port 1: ECONNREFUSED\n' });
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.v8cache')).map((n) => n.replace(/^[0-9a-f]+-[^-]+-[^-]+-/, '')).sort()).toEqual(['scan.v8cache', 'trace.v8cache']);
    expect(listFiles(pkgDir)).toEqual(before);
    expect(existsSync(path.join(pkgDir, 'dist', 'tls-trace.cjs'))).toBe(true);
  });
});
