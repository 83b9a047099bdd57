// Node's own verdict on a live handshake (`capture.node.authorized`) comes from the context the
// capture layer shares (src/capture/secure-context.ts): Node's root store by default (a trace
// reports it); an empty store with nodeVerdict: false (check, which judges chains itself). The
// demo root is put into Node's default store through NODE_EXTRA_CA_CERTS of a child process, the
// only way in: there the default context must authorize the demo chain and the empty one must not.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { demoCerts, startNodeTlsServer, type TestServer } from '../helpers/servers.js';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '..', '..');
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const demoRootFile = path.join(repoRoot, 'fixtures', 'certs', 'demo', 'root.pem');

const script = `(async () => {
const { captureHandshake } = await import('./src/capture/capture.ts');
const port = Number(process.env.DEMO_PORT);
const base = { host: '127.0.0.1', port, servername: 'localhost', timeoutMs: 10000 };
const verdict = (c) => ({ error: c.error?.code, authorized: c.node?.authorized, why: c.node?.authorizationError, chain: c.node?.peerCertificates?.length });
const byDefault = verdict(await captureHandshake(base));
const noVerdict = verdict(await captureHandshake({ ...base, nodeVerdict: false }));
process.stdout.write(JSON.stringify({ byDefault, noVerdict }));
})();
`;

describe("Node's verdict and the shared context", () => {
  let server: TestServer;
  beforeAll(async () => {
    const certs = demoCerts();
    server = await startNodeTlsServer({ cert: certs.rsa.cert, key: certs.rsa.key });
  });
  afterAll(async () => server?.close());

  it("the default context has Node's store (with NODE_EXTRA_CA_CERTS); nodeVerdict: false an empty one", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(tsx, ['--eval', script], { cwd: repoRoot, timeout: 60_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: demoRootFile, DEMO_PORT: String(server.port) } }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual({
      // Node links a chain it trusts up to the root from its store: three certificates.
      byDefault: { authorized: true, chain: 3 },
      noVerdict: { authorized: false, why: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', chain: 2 },
    });
  }, 60_000);
});
