#!/bin/sh
":" //; case "$1" in scan|check|read|replay|help|-h|--help|-V|--version) if [ -n "$NODE_EXTRA_CA_CERTS" ]; then TLS_TRACE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export TLS_TRACE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi;; esac; exec node "$0" "$@"
// The published entry point, a file both sh and Node read. Run as a program (`tls-trace`, `npx
// tls-trace`), sh runs the line above and execs node on this same file, which Node then reads as
// JavaScript (to Node that line is a string and a comment). Why sh first: Node 20 builds its root
// store and parses NODE_EXTRA_CA_CERTS at start-up when that variable is set, before any
// JavaScript runs (65 ms of a 100 ms start on a 2-core machine whose CA bundle has 140
// certificates). The commands named on the line never use that store: check, scan, read and
// replay judge chains with tls-trace's own trust store, which reads the file itself. For them the
// variable is moved to TLS_TRACE_EXTRA_CA_CERTS, and the CLI puts it back at once
// (src/cli/extra-ca.ts). A trace keeps Node's store, whose verdict it reports (`node.authorized`).
// `node bin/tls-trace.cjs` skips the sh line and works the same, only slower to start.
//
// dist/launch.cjs (`npm run build`) answers --version on its own and otherwise loads the bundled
// CLI, dist/tls-trace.cjs, through V8's code cache, so that `npx tls-trace` starts fast.
// CommonJS: it skips Node's ES module loader at start-up.
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
