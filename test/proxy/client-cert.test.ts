// Servers that require a client certificate: without one `check` can only report the handshake
// failure (exit 7); with --cert/--key (or a targets line's cert=/key=, an encrypted key with
// --pass) it gets the chain and its verdict. Against openssl s_server -Verify and a Node tls server
// with requestCert/rejectUnauthorized, for trace, check and scan.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { demoPaths, describeWithTools, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';

describeWithTools('openssl')('client certificates', () => {
  let dir: string;
  let sServer: TestServer;
  let nodeServer: TestServer;
  let s12Server: TestServer;
  const file = (n: string): string => path.join(dir, n);
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-mtls-'));
    const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    // A client certificate issued by the demo intermediate (clientAuth), its chain, and the key encrypted.
    ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-subj', '/CN=tls-trace client', '-out', 'client.csr');
    writeFileSync(file('ext.cnf'), 'extendedKeyUsage=clientAuth\n');
    ossl('x509', '-req', '-in', 'client.csr', '-CA', demoPaths.intermediate, '-CAkey', path.join(path.dirname(demoPaths.root), 'intermediate.key'), '-CAserial', file('ca.srl'), '-CAcreateserial', '-days', '30', '-out', 'client.pem', '-extfile', 'ext.cnf');
    writeFileSync(file('client-chain.pem'), readFileSync(file('client.pem'), 'utf8') + readFileSync(demoPaths.intermediate, 'utf8'));
    ossl('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:s3cret', '-out', 'client-enc.key');
    sServer = await startOpensslServer(['-Verify', '1', '-CAfile', demoPaths.root]);
    s12Server = await startOpensslServer(['-tls1_2', '-Verify', '1', '-CAfile', demoPaths.root]);
    nodeServer = await startNodeTlsServer({ requestCert: true, rejectUnauthorized: true, ca: readFileSync(demoPaths.root, 'utf8') });
  }, 30_000);
  afterAll(async () => {
    await Promise.all([sServer?.close(), s12Server?.close(), nodeServer?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const cert = (): string[] => ['--cert', file('client-chain.pem'), '--key', file('client.key')];
  const servers = (): Array<[string, TestServer]> => [
    ['openssl s_server -Verify 1', sServer],
    ['openssl s_server -tls1_2 -Verify 1', s12Server],
    ['Node tls requestCert', nodeServer],
  ];

  it('check: exit 7 without a client certificate, a verdict with one (TLS 1.3 and 1.2)', async () => {
    for (const [name, server] of servers()) {
      const target = `localhost:${server.port}`;
      const without = await runCli(['check', target, '--ca', demoPaths.root, '--json']);
      expect([name, without.code]).toEqual([name, ExitCode.handshake]);
      const withCert = await runCli(['check', target, '--ca', demoPaths.root, '--json', ...cert()]);
      expect([name, withCert.code, withCert.stderr]).toEqual([name, ExitCode.ok, '']);
      const r = (JSON.parse(withCert.stdout) as { results: Array<{ status: string; daysLeft: number }> }).results[0];
      // The leaf's notAfter, as openssl reads it, gives the same days left.
      const notAfter = execFileSync('openssl', ['x509', '-noout', '-enddate', '-in', demoPaths.rsaLeaf], { encoding: 'utf8' }).trim().replace('notAfter=', '');
      expect(r.status).toBe('valid');
      expect(r.daysLeft).toBe(Math.floor((Date.parse(notAfter) - Date.now()) / 86_400_000));
    }
  }, 60_000);

  it('an encrypted key with --pass; a wrong or missing --pass is a usage error', async () => {
    const target = `localhost:${nodeServer.port}`;
    const ok = await runCli(['check', target, '--ca', demoPaths.root, '--cert', file('client-chain.pem'), '--key', file('client-enc.key'), '--pass', 's3cret']);
    expect(ok.code).toBe(ExitCode.ok);
    const wrong = await runCli(['check', target, '--cert', file('client-chain.pem'), '--key', file('client-enc.key'), '--pass', 'nope']);
    expect([wrong.code, wrong.stderr]).toEqual([ExitCode.usage, 'tls-trace: --cert and --key are not a matching PEM certificate and private key (the key is encrypted: wrong --pass)\n']);
    const missing = await runCli(['check', target, '--cert', file('client-chain.pem'), '--key', file('client-enc.key')]);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toMatch(/give --pass\)\n$/);
    const lonely = await runCli(['check', target, '--pass', 'x']);
    expect(lonely.code).toBe(ExitCode.usage);
    // An RSA key for the EC certificate: OpenSSL files it under another key type and says nothing,
    // so tls-trace compares the pair itself. A usage error before any connection, for trace and scan too.
    for (const command of [['check'], [], ['scan']]) {
      const mismatched = await runCli([...command, target, '--cert', file('client-chain.pem'), '--key', demoPaths.rsaKey]);
      expect([command, mismatched.code, mismatched.stdout, mismatched.stderr]).toEqual([command, ExitCode.usage, '', "tls-trace: --cert and --key are not a matching PEM certificate and private key (the key is not the first certificate's)\n"]);
    }
  });

  it('a targets line gives its own cert= key= (paths relative to the file)', async () => {
    const list = file('targets.txt');
    writeFileSync(list, `localhost:${nodeServer.port} cert=client-chain.pem key=client-enc.key pass=s3cret\nlocalhost:${sServer.port}\n`);
    const r = await runCli(['check', '--targets', list, '--ca', demoPaths.root, '--json']);
    const results = (JSON.parse(r.stdout) as { results: Array<{ port: number; status: string; exitCode: number }> }).results;
    expect(results.map((x) => [x.port, x.status])).toEqual(
      expect.arrayContaining([
        [nodeServer.port, 'valid'],
        [sServer.port, 'error'],
      ]),
    );
    expect(r.code).toBe(ExitCode.handshake);
  }, 30_000);

  it('trace and scan with --cert/--key complete against a server that requires one', async () => {
    const target = `localhost:${nodeServer.port}`;
    const trace = await runCli([target, ...cert()]);
    expect([trace.code, trace.stderr]).toEqual([0, '']);
    const bare = await runCli([target]);
    expect(bare.code).toBe(ExitCode.handshake);
    const scan = await runCli(['scan', target, '--json', ...cert()]);
    expect(scan.code).toBe(0);
    const doc = JSON.parse(scan.stdout) as { certificates: Array<{ subject: string }>; protocols: Array<{ version: { code: number }; supported: boolean }> };
    expect(doc.protocols.filter((p) => p.supported).map((p) => p.version.code)).toEqual(expect.arrayContaining([0x0303, 0x0304]));
    expect(doc.certificates.length).toBeGreaterThan(0);
  }, 120_000);
});
