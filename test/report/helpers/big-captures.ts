// Capture files a hostile peer or a hand-made file can produce, for the memory and rendering-cap
// tests: Certificate messages of tens of thousands of one-byte entries (legal framing, 100–260 KB)
// and certificates with odd names; a child-process runner that reports peak RSS.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureToJson, type CaptureFileJson } from '../../../src/capture/capture-file.js';
import type { Capture } from '../../../src/capture/types.js';
import { repoRoot } from '../../helpers/servers.js';
import { certificate12, handshakeRecords, serverHello } from '../../robustness/tls-bytes.js';

/** A TLS 1.2 ServerHello then `messages` Certificate messages of `entries` one-byte certificates. */
export function oneByteCertificates(entries: number, messages = 1): Buffer {
  const hello = serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f });
  const cert = certificate12(Array.from({ length: entries }, () => Buffer.from([0x30])));
  return Buffer.concat([handshakeRecords(hello), ...Array.from({ length: messages }, () => handshakeRecords(cert))]);
}

/** A capture whose server stream is `server` in one chunk (no client bytes), failed with `error` if given. */
export function serverOnly(server: Uint8Array, error?: Capture['error']): Capture {
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: '127.0.0.1', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: new Date(0).toISOString(),
    timings: { totalMs: 1 },
    options: {},
    chunks: [{ direction: 'server', timeMs: 0, offset: 0, bytes: server }],
    keylog: [],
    ...(error ? { error } : {}),
  };
}

/** serverOnly() as a capture file's JSON. */
export function serverOnlyCapture(server: Uint8Array): CaptureFileJson {
  return captureToJson(serverOnly(server));
}

/** Result line of test/robustness/memory-child.ts: exit code, stderr, output size, peak RSS. */
export interface ChildResult {
  code: number;
  stderr: string;
  stdoutBytes: number;
  maxRssMB: number;
}

/**
 * Runs the CLI in its own process (so the peak RSS is this run's alone): the built bundle, which
 * is what users run, when it exists (CI builds it before the tests), else the sources under tsx
 * (whose own transpiler adds some 30 MB to every peak).
 */
export function runMemoryChild(argv: string[]): Promise<ChildResult> {
  const bundle = path.join(repoRoot, 'dist', 'tls-trace.cjs');
  const [cmd, args] = existsSync(bundle)
    ? [process.execPath, ['-e', BUNDLE_CHILD, '--', ...argv]]
    : [path.join(repoRoot, 'node_modules', '.bin', 'tsx'), [path.join(repoRoot, 'test', 'robustness', 'memory-child.ts'), ...argv]];
  return new Promise((resolve, reject) => {
    // The bundle's path goes by environment: as argv[1] it would look like the bundle run directly.
    execFile(cmd, args, { cwd: repoRoot, timeout: 120_000, maxBuffer: 1 << 20, env: { ...process.env, TLS_TRACE_BUNDLE: bundle, TLS_TRACE_PEAK_RSS: PEAK_RSS_HELPER } }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildResult);
      } catch {
        reject(new Error(`child failed: ${err?.message ?? ''}\n${stderr.slice(0, 2000)}`));
      }
    });
  });
}

/** The child's own peak RSS (test/helpers/peak-rss.cjs says why not resourceUsage().maxRSS). */
const PEAK_RSS_HELPER = path.join(repoRoot, 'test', 'helpers', 'peak-rss.cjs');

/** test/robustness/memory-child.ts for the bundle: main() with the output counted, then the peak RSS. */
const BUNDLE_CHILD = `
const argv = process.argv.slice(1);
let stdoutBytes = 0;
let stderr = '';
require(process.env.TLS_TRACE_BUNDLE)
  .main(argv, { stdout: (t) => { stdoutBytes += t.length; }, stderr: (t) => { stderr += t; }, stdoutIsTTY: false, env: {}, exitCode: 0 })
  .then((code) => process.stdout.write(JSON.stringify({ code, stderr, stdoutBytes, maxRssMB: require(process.env.TLS_TRACE_PEAK_RSS).ownPeakRssMB() }) + '\\n'));
`;

/** A self-signed P-256 certificate with the given `openssl req -subj` (UTF-8), as DER. */
export function selfSigned(subj: string): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-dn-'));
  try {
    const out = path.join(dir, 'c.der');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem')];
    execFileSync('openssl', [...args, '-outform', 'DER', '-out', out, '-days', '30', '-utf8', '-subj', subj], { stdio: 'pipe', timeout: 20_000 });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
