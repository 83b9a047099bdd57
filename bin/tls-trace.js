#!/usr/bin/env node
// The published entry point runs the compiled, bundled JavaScript (`npm run build`) so that
// `npx tls-trace` starts fast.
import { main } from '../dist/tls-trace.js';

process.exitCode = await main(process.argv.slice(2));
