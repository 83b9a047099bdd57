#!/usr/bin/env node
// The published entry point runs the compiled JavaScript so that `npx tls-trace` starts fast.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
