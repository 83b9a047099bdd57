// Node's own verdict on a live handshake (`capture.node.authorized`) comes from the context the
// capture layer shares (src/capture/secure-context.ts). When the launcher kept NODE_EXTRA_CA_CERTS
// from Node (src/cli/extra-ca.ts), a trace hands the file in (nodeExtraCa) so the verdict is what
// Node's default store would give; check, which judges chains itself, asks for no verdict
// (nodeVerdict: false) and gets an empty store.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { captureHandshake, type CaptureOptions } from '../../src/capture/capture.js';
import { demoCerts, startNodeTlsServer, type TestServer } from '../helpers/servers.js';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '..', '..');
const demoRootFile = path.join(repoRoot, 'fixtures', 'certs', 'demo', 'root.pem');

describe("Node's verdict and the shared context", () => {
  let server: TestServer;
  beforeAll(async () => {
    const certs = demoCerts();
    server = await startNodeTlsServer({ cert: certs.rsa.cert, key: certs.rsa.key });
  });
  afterAll(async () => server?.close());

  const capture = (extra: Partial<CaptureOptions>) =>
    captureHandshake({ host: '127.0.0.1', port: server.port, servername: 'localhost', timeoutMs: 10_000, ...extra });

  it('the extra file joins Node\'s roots: the demo chain is authorized with it, not without', async () => {
    const nodeExtraCa = { file: demoRootFile, pem: readFileSync(demoRootFile, 'utf8') };
    const withFile = await capture({ nodeExtraCa });
    expect({ error: withFile.error, authorized: withFile.node?.authorized }).toEqual({ error: undefined, authorized: true });
    const without = await capture({});
    // (Unless this process's own NODE_EXTRA_CA_CERTS holds the demo root, which no set-up does.)
    expect({ authorized: without.node?.authorized, error: without.node?.authorizationError }).toEqual({ authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
  });

  it('nodeVerdict: false gives Node an empty store, whatever else is asked', async () => {
    const nodeExtraCa = { file: demoRootFile, pem: readFileSync(demoRootFile, 'utf8') };
    const c = await capture({ nodeExtraCa, nodeVerdict: false });
    expect(c.error).toBeUndefined();
    expect({ authorized: c.node?.authorized, error: c.node?.authorizationError }).toEqual({ authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(c.node?.peerCertificates?.length).toBe(2);
  });
});
