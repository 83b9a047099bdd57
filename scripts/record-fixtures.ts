// Re-records the golden captures in fixtures/captures/ against loopback servers, with the same
// capture code `tls-trace --save` uses. Run: `npx tsx scripts/record-fixtures.ts [name…]`.
// Needs openssl on PATH; uses the committed demo PKI (fixtures/certs/demo). Every capture gets a
// new random, key share and session, so tests replaying these files assert structure and
// certificate content, never those per-run values. fixtures/README.md describes each file.

import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { captureHandshake, type CaptureOptions } from '../src/capture/capture.js';
import { saveCapture } from '../src/capture/capture-file.js';
import { startReframingProxy } from '../test/helpers/reframe-proxy.js';
import { demoCerts, demoPaths, repoRoot, startNodeTlsServer, startOpensslServer, type TestServer } from '../test/helpers/servers.js';

interface FixtureSpec {
  name: string;
  what: string;
  server: () => Promise<TestServer>;
  client?: Partial<CaptureOptions>;
  /** Re-frame the server's plaintext handshake into records of this many bytes (test/helpers/reframe-proxy.ts). */
  reframe?: number;
}

const opensslTls12 = ['-tls1_2', '-no_ticket'];

const fixtureSpecs: FixtureSpec[] = [
  {
    name: 'node-tls13',
    what: 'Node tls server (demo RSA chain), default client: TLS 1.3',
    server: () => startNodeTlsServer(),
  },
  {
    name: 'openssl-tls12-ecdhe-rsa',
    what: 'openssl s_server TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256',
    server: () => startOpensslServer([...opensslTls12, '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']),
  },
  {
    name: 'openssl-tls12-rsa-kx',
    what: 'openssl s_server TLS 1.2, plain RSA key exchange AES128-GCM-SHA256',
    server: () => startOpensslServer([...opensslTls12, '-cipher', 'AES128-GCM-SHA256']),
  },
  {
    name: 'openssl-tls13',
    what: 'openssl s_server TLS 1.3, TLS_AES_128_GCM_SHA256',
    server: () => startOpensslServer(['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256']),
  },
  {
    name: 'openssl-tls13-hrr',
    what: 'openssl s_server TLS 1.3 with only P-384: the client\'s x25519 share forces a HelloRetryRequest',
    server: () => startOpensslServer(['-tls1_3', '-groups', 'P-384']),
  },
  {
    name: 'openssl-tls12-client-cert',
    what: 'openssl s_server TLS 1.2 ECDHE-RSA requiring a client certificate (-Verify 1); client sends the demo ECDSA chain',
    server: () => startOpensslServer([...opensslTls12, '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-Verify', '1', '-CAfile', demoPaths.root]),
    client: { clientCert: demoCerts().ecdsa },
  },
  {
    name: 'openssl-tls13-client-cert',
    what: 'openssl s_server TLS 1.3 requiring a client certificate (-Verify 1); client sends the demo ECDSA chain',
    server: () => startOpensslServer(['-tls1_3', '-Verify', '1', '-CAfile', demoPaths.root]),
    client: { clientCert: demoCerts().ecdsa },
  },
  {
    name: 'openssl-tls12-reframed',
    what: 'openssl s_server TLS 1.2 ECDHE-RSA behind a proxy that re-frames its plaintext handshake into 100-byte records',
    server: () => startOpensslServer([...opensslTls12, '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']),
    reframe: 100,
  },
];

const fixtureDir = path.join(repoRoot, 'fixtures', 'captures');

async function record(spec: FixtureSpec): Promise<string> {
  const server = await spec.server();
  const proxy = spec.reframe ? await startReframingProxy({ target: server, recordSize: spec.reframe, directions: ['server'] }) : undefined;
  const via = proxy ?? server;
  try {
    const capture = await captureHandshake({ host: via.host, port: via.port, servername: 'localhost', timeoutMs: 10_000, ...spec.client });
    if (capture.error) throw new Error(`${spec.name}: capture failed: ${capture.error.code}: ${capture.error.message}\n${server.output()}`);
    capture.options = { ...capture.options, fixture: spec.name };
    const file = path.join(fixtureDir, `${spec.name}.json`);
    await saveCapture(file, capture);
    // saveCapture makes files owner-only because key logs are secrets; these are demo-key captures
    // meant to be committed and read by everyone.
    chmodSync(file, 0o644);
    return `${spec.name}.json: ${capture.node?.protocol} ${capture.node?.cipher?.standardName}, ${capture.chunks.length} chunks`;
  } finally {
    await proxy?.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const specs = only.length ? fixtureSpecs.filter((s) => only.includes(s.name)) : fixtureSpecs;
  if (only.length && specs.length !== only.length) throw new Error(`unknown fixture; known: ${fixtureSpecs.map((s) => s.name).join(', ')}`);
  mkdirSync(fixtureDir, { recursive: true });
  for (const spec of specs) console.log(await record(spec));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
