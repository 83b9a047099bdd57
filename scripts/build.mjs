// `npm run build`: bundles the TypeScript CLI into dist/ (dependencies included, so an installed
// package needs nothing else at run time). Type checking is `npm run typecheck` (tsc), not this.
//
//   dist/tls-trace.cjs  the whole CLI (src/cli/main.ts) as one CommonJS script. CommonJS because
//                       Node 20 can cache V8's compiled code only for scripts (vm.Script's
//                       cachedData), not for ES modules; the first line carries a content hash
//                       that names the cache (src/cli/compile-cache.ts).
//   dist/scan.cjs       the scan alone (src/cli/scan-main.ts), for an argv starting with `scan`:
//                       ~55% of the code to read, deserialise and set up. Both CLI bundles carry
//                       one build id (a hash of both), so their caches live and are pruned as one
//                       build's.
//   dist/launch.cjs     the small launcher bin/tls-trace.cjs requires: --version without loading
//                       the CLI, else load the CLI bundle with the cache and run main().
//                       CommonJS too: a CommonJS entry skips Node's ES module loader.
//
// Pass --metafile to write dist-meta.json (what each input adds to the bundle; esbuild's analyzer
// reads it) for size work.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const BUILD_ID_PREFIX = '// tls-trace-build ';

// Start clean so no stale output (old chunk layouts) ships in the package.
rmSync('dist', { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none' };

// Built-in modules imported whole (`import tty from 'node:tty'`) but used only on some paths get
// a stand-in object that loads the real module on its first property access:
//   - commander requires node:child_process at load time, only to run executable subcommands
//     (tls-trace has none); loading it (and dgram, which it pulls in) cost a few ms of every run;
//   - src/cli/output.ts asks node:tty for a colour depth only when stdout is a terminal or
//     FORCE_COLOR is set (≈ 1-3 ms to load; a terminal's stdout loads it anyway);
//   - src/capture/resolve.ts needs node:dns only for a host name, not an IP address;
//   - node:tls (with _tls_wrap, _tls_common and Node's root store behind it) only for a Node
//     handshake: a scan whose connections are all hand-built never makes one.
// Only imports from the listed importers are replaced; everything else keeps the real module.
// The stand-in serves property reads on the default import (`tls.connect`), not named imports.
const LAZY_OBJECTS = [
  { module: 'child_process', importer: /[\\/]commander[\\/]/ },
  { module: 'tty', importer: /[\\/]src[\\/]/ },
  { module: 'dns', importer: /[\\/]src[\\/]/ },
  { module: 'tls', importer: /[\\/]src[\\/]/ },
];
const lazyObjects = {
  name: 'lazy-objects',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|tty|dns|tls)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      const lazy = LAZY_OBJECTS.find((l) => l.module === name && l.importer.test(args.importer));
      return lazy ? { path: name, namespace: 'lazy-object' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-object' }, (args) => ({
      contents: `let m; module.exports = new Proxy({}, { get: (_t, k) => (m ??= require('node:${args.path}'))[k] });`,
      loader: 'js',
    }));
  },
};

// Built-in modules that only some commands use, yet importing them cost every run (a trace
// included) start-up time: node:zlib (gzip capture files in \`read\`, ≈ 2.5 ms to load) and
// node:fs/promises (capture files, resolv.conf for a host name; ≈ 1.4 ms, it pulls in readline).
// For imports from src/, the bundle gets a stand-in per module whose functions load the real one
// on their first call. Each exports only the names src/ imports: a new name is a build error
// ("No matching export"), not a runtime one. Dependencies keep the real modules.
// zstdDecompressSync exists from Node 22.15 on: its stand-in throws a TypeError on an older Node,
// which src/decode/messages/compressed-certificate.ts takes as "this Node has no zstd".
const LAZY_BUILTINS = { zlib: ['createGunzip', 'inflateSync', 'brotliDecompressSync', 'zstdDecompressSync'], 'fs/promises': ['open', 'stat', 'readFile'] };
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(zlib|fs\/promises)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.namespace === 'lazy-builtins') return { path: `node:${name}`, external: true };
      return /[\\/]src[\\/]/.test(args.importer) ? { path: name, namespace: 'lazy-builtins' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtins' }, (args) => ({
      contents: [
        `let m; const real = () => (m ??= require('node:${args.path}'));`,
        ...LAZY_BUILTINS[args.path].map((fn) => `export function ${fn}(...a) { return real().${fn}(...a); }`),
      ].join('\n'),
      loader: 'js',
    }));
  },
};

// cli-table3's string-width, with a fast path for printable ASCII (scripts/string-width-fast.cjs):
// measuring cells was most of the time spent rendering a trace's tables. Same widths, always.
const fastStringWidth = {
  name: 'fast-string-width',
  setup(b) {
    const shim = new URL('./string-width-fast.cjs', import.meta.url).pathname;
    b.onResolve({ filter: /^string-width$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

/** The CLI bundles: the whole CLI, and the scan alone (see the top of this file). */
const CLI_BUNDLES = [
  { entry: 'src/cli/main.ts', out: 'dist/tls-trace.cjs', meta: 'dist-meta.json' },
  { entry: 'src/cli/scan-main.ts', out: 'dist/scan.cjs', meta: 'dist-meta-scan.json' },
];

const codes = [];
for (const b of CLI_BUNDLES) {
  const cli = await build({
    ...common,
    entryPoints: [b.entry],
    outfile: b.out,
    format: 'cjs',
    // Fewer bytes to read and hash. Identifiers keep their names (class names show in messages,
    // function names in TLS_TRACE_DEBUG stacks).
    minifyWhitespace: true,
    minifySyntax: true,
    // The bundle is CommonJS: import.meta does not exist there. The demo server finds its
    // certificates from its own location, which is the bundle's.
    define: { 'import.meta.url': '__tlsTraceModuleUrl' },
    // "use strict" first: a directive counts only at the very start (the ES modules were strict).
    banner: { js: '"use strict";var __tlsTraceModuleUrl=require("node:url").pathToFileURL(__filename).href;' },
    metafile: process.argv.includes('--metafile'),
    plugins: [lazyObjects, fastStringWidth, lazyBuiltins],
  });
  if (cli.metafile) writeFileSync(b.meta, JSON.stringify(cli.metafile));
  // A real import() would need a module loader that vm.Script does not have: esbuild turns every
  // bundled dynamic import into a require, so one left over is a build error, not a runtime one.
  const code = readFileSync(b.out, 'utf8');
  if (/\bimport\(/.test(code)) throw new Error(`${b.out} contains a dynamic import(); bundle it or require it`);
  codes.push(code);
}
const hash = createHash('sha256');
for (const code of codes) hash.update(code);
const id = hash.digest('hex').slice(0, 32);
CLI_BUNDLES.forEach((b, i) => writeFileSync(b.out, `${BUILD_ID_PREFIX}${id}\n${codes[i]}`));

await build({
  ...common,
  entryPoints: ['src/cli/launch.ts'],
  outfile: 'dist/launch.cjs',
  format: 'cjs',
});
