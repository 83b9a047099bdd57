#!/usr/bin/env node
// The published entry point. dist/launch.js (`npm run build`) answers --version on its own and
// otherwise loads the bundled CLI, dist/tls-trace.cjs, through V8's code cache, so that
// `npx tls-trace` starts fast.
import { launch } from '../dist/launch.js';

process.exitCode = await launch(process.argv.slice(2));
