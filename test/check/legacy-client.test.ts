// A server that refuses Node's default client (TLS 1.2 and up, OpenSSL security level 1) still
// has a certificate that expires: check tries once more allowing TLS 1.0/1.1 and security level 0,
// judges the chain as any other, and says so in the target's problems. The protocol it reports
// is the one `openssl s_client` negotiates with the same server (the independent reading); a
// server neither client can talk to keeps the first failure.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';
import { fetchChain } from '../../src/check/fetch-chain.js';
import { ExitCode } from '../../src/errors.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { parseValid } from '../helpers/schema.js';
import { demoPaths, describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { testContext } from './helpers.js';

const derHex = (file: string): string => Buffer.from(readFileSync(file, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex');

/** The protocol `openssl s_client` settles on with the server, allowing what the retry allows. */
function sClientProtocol(port: number): string {
  const out = execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'], { input: '', timeout: 10_000, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  return /Protocol\s*:\s*(\S+)/.exec(out)?.[1] ?? '?';
}

describeWithTools('openssl')('check against servers of TLS 1.0 and 1.1 only', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test.each([
    ['TLS 1.0', '-tls1', 'TLSv1', 'TLS 1.0'],
    ['TLS 1.1', '-tls1_1', 'TLSv1.1', 'TLS 1.1'],
  ])('%s: judged over a legacy client, the note says so, the JSON validates', async (_name, flag, nodeName, shown) => {
    const s = await startOpensslServer([flag, '-cipher', 'DEFAULT:@SECLEVEL=0']);
    servers.push(s);
    const fetched = await fetchChain({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 10_000 });
    expect(fetched.error).toBeUndefined();
    expect(fetched.legacyClient).toBe(true);
    expect(fetched.protocol).toBe(nodeName);
    expect(fetched.certificates).toEqual([derHex(demoPaths.rsaLeaf), derHex(demoPaths.intermediate)]);
    if (flag === '-tls1') expect(sClientProtocol(s.port)).toBe(nodeName);
    const ctx = testContext();
    const code = await main(['check', `127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', demoPaths.root, '--revocation', 'off', '--json', '--no-color'], ctx);
    expect(code).toBe(ExitCode.ok);
    const r = parseValid<CheckJson>('check', ctx.out()).results[0];
    expect([r.status, r.protocol?.name]).toEqual(['valid', shown]);
    expect(r.problems).toContain(`the server refused Node's default client (TLS 1.2 and up, OpenSSL security level 1); a client allowing TLS 1.0 and 1.1 and security level 0 got ${shown} (deprecated by RFC 8996)`);
    const text = testContext();
    await main(['check', `127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', demoPaths.root, '--revocation', 'off', '--no-color'], text);
    expect(text.out()).toMatch(new RegExp(`^127\\.0\\.0\\.1:${s.port} — VALID \\(${shown}\\)\\nConnection: the server refused Node's default client`, 'm'));
  });

  test('a TLS 1.0 server with a suite neither client offers (NULL-SHA): the first failure stands', async () => {
    const s = await startOpensslServer(['-tls1', '-cipher', 'NULL-SHA:@SECLEVEL=0']);
    servers.push(s);
    const fetched = await fetchChain({ host: '127.0.0.1', port: s.port, servername: 'localhost', timeoutMs: 10_000 });
    expect(fetched.legacyClient).toBeUndefined();
    expect(fetched.error?.code).toBe('alert');
    expect(fetched.error?.message).toMatch(/protocol_version \(70\)/);
  });
});
