#!/usr/bin/env node
// The published entry point. dist/launch.cjs (`npm run build`) answers --version on its own and
// otherwise loads the bundled CLI, dist/tls-trace.cjs, through V8's code cache, so that
// `npx tls-trace` starts fast. CommonJS: it skips Node's ES module loader at start-up.
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry, on purpose */
'use strict';
const path = require('node:path');
const { launch, packagePaths } = require('../dist/launch.cjs');

launch(process.argv.slice(2), packagePaths(path.join(__dirname, '..'))).then((code) => {
  process.exitCode = code;
});
