// Runs fixtures/make-certs.sh once per test process (jest worker) into a temp dir and hands out
// paths and DER. Dates in the PKI are relative to generation time, so a dir older than an hour is
// regenerated rather than reused.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pemToDer } from '../../../src/analyse/certificates/parse.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
const script = path.join(repoRoot, 'fixtures', 'make-certs.sh');

export interface Pki {
  dir: string;
  variants: string[];
  file: (name: string) => string;
  pem: (name: string) => string;
  /** DER certificates of a PEM file (all blocks). */
  der: (name: string) => Buffer[];
  /** The chain a server for VARIANT sends, as DER. */
  chain: (variant: string) => Buffer[];
  serverOptions: (variant: string) => { cert: string; key: string };
}

let cached: Pki | undefined;

export function testPki(): Pki {
  if (cached) return cached;
  const dir = path.join(tmpdir(), `tls-trace-pki-${process.pid}`);
  const manifest = path.join(dir, 'manifest.txt');
  const fresh = existsSync(manifest) && Date.now() - statSync(manifest).mtimeMs < 3_600_000 && statSync(manifest).mtimeMs > statSync(script).mtimeMs;
  if (!fresh) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('bash', [script, dir], { stdio: 'pipe', timeout: 60_000 });
  }
  const file = (name: string): string => path.join(dir, name);
  const pem = (name: string): string => readFileSync(file(name), 'utf8');
  cached = {
    dir,
    variants: readFileSync(manifest, 'utf8').trim().split('\n'),
    file,
    pem,
    der: (name) => pemToDer(pem(name)),
    chain: (variant) => pemToDer(pem(`${variant}.chain.pem`)),
    serverOptions: (variant) => ({ cert: pem(`${variant}.chain.pem`), key: pem(`${variant}.key`) }),
  };
  return cached;
}

/** `openssl x509 -noout ARGS` on a PEM file, trimmed stdout. */
export function opensslX509(pemFile: string, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-in', pemFile, '-noout', ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
}
