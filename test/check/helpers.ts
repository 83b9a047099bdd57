// Shared bits of the check tests: an in-memory CLI context and loopback servers per PKI variant.

import tls from 'node:tls';
import type { CliContext } from '../../src/cli/context.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import type { Pki } from '../chain/helpers/pki.js';

export interface TestContext extends CliContext {
  out: () => string;
  err: () => string;
}

export function testContext(env: Record<string, string> = {}): TestContext {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stdoutIsTTY: false,
    env,
    exitCode: 0,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** Weak variants need security level 0 for the server to load them at all. */
const WEAK = new Set(['sha1', 'rsa1024']);

export function startVariant(pki: Pki, variant: string, extra: tls.TlsOptions & { host?: string } = {}): Promise<TestServer> {
  const rest = extra;
  return startNodeTlsServer({
    ...pki.serverOptions(variant),
    ...(WEAK.has(variant) ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    ...rest,
  });
}

/** The host to check each variant against so that only its intended defect shows. */
export function hostFor(variant: string): string | undefined {
  if (variant === 'wildcard') return 'www.tls-trace.test';
  if (variant === 'ipsan') return undefined; // the IP target itself
  return 'localhost';
}
