// `npm run build`: compiles the TypeScript CLI into bundled ES modules, dist/tls-trace.js (the
// entry bin/tls-trace.js imports) and a few chunks. A handful of bundled files (dependencies included) loads in a fraction of the
// time Node needs to resolve and read ~150 separate modules, and start-up is most of a loopback
// trace's cost. Type checking is `npm run typecheck` (tsc), not this step.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: start clean so stale chunks never pile up in the package.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist',
  entryNames: 'tls-trace',
  // Code split at main.ts's dynamic imports, so `--version` and `--help` load only the entry.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS dependencies (commander, cli-table3, node-forge) call require() for Node's
  // built-ins; an ES module has no require, so give the bundle one.
  banner: { js: "import { createRequire as __tlsTraceCreateRequire } from 'node:module';\nconst require = __tlsTraceCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
