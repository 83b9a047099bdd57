#!/usr/bin/env node
// The published entry point. dist/launch.cjs (`npm run build`) answers --version on its own and
// otherwise loads the bundled CLI, dist/tls-trace.cjs, through V8's code cache, so that
// `npx tls-trace` starts fast. CommonJS: it skips Node's ES module loader at start-up.
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry, on purpose */
'use strict';
const path = require('node:path');
/** A missing or damaged dist/ (not built, a bad install): one line and exit 1, not a stack trace. */
function cannotStart(e) {
  process.stderr.write(`tls-trace: internal error: cannot start: ${e && e.message ? String(e.message).split('\n')[0] : String(e)} (in a checkout, run: npm run build)\n`);
  process.exitCode = 1;
}

try {
  const { launch, packagePaths } = require('../dist/launch.cjs');
  launch(process.argv.slice(2), packagePaths(path.join(__dirname, '..'))).then((code) => {
    process.exitCode = code;
  }, cannotStart);
} catch (e) {
  cannotStart(e);
}
