#!/usr/bin/env node
// The published entry point runs the compiled, bundled JavaScript (`npm run build`) so that
// `npx tls-trace` starts fast. runAsProcess owns everything process-facing (exit code, a closed
// stdout pipe), the same as `npm run dev`.
import { runAsProcess } from '../dist/tls-trace.js';

await runAsProcess();
