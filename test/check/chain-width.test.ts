// check's chain table keeps to the width as its summary table does: the terminal's, COLUMNS, or
// 100 columns in a CI log (no terminal, no COLUMNS). A CA and a leaf with long subjects (and so a
// long issuer) made by openssl; the table at 100 and 80 columns, every name still all there.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { displayWidth } from '../../src/report/fit.js';
import { describeWithTools, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { testContext } from './helpers.js';

const CA_CN = 'Example Long-Named Intermediate Certification Authority G2';
const CA_O = 'An Organisation With A Rather Long Legal Name Incorporated';
const LEAF_CN = 'a-very-long-service-name.internal-department.example.test';

describeWithTools('openssl')('check chain table width', () => {
  let dir: string;
  let server: TestServer;
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 20_000 });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-chain-width-'));
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '400', '-subj', `/O=${CA_O}/CN=${CA_CN}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/O=${CA_O}/CN=${LEAF_CN}`);
    writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '200', '-extfile', 'ext.cnf');
    server = await startNodeTlsServer({ cert: readFileSync(path.join(dir, 'leaf.pem')), key: readFileSync(path.join(dir, 'leaf.key')) });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The chain table's lines (box drawing) of a one-target check. */
  async function tableLines(env: Record<string, string>): Promise<string[]> {
    const ctx = testContext(env);
    const code = await main(['check', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', path.join(dir, 'ca.pem'), '--revocation', 'off', '--no-color'], ctx);
    expect(code).toBe(0);
    return ctx.out().split('\n').filter((l) => /^[┌│├└]/.test(l));
  }

  /** Column `col`'s text, its lines joined without white space. */
  const column = (lines: string[], col: number): string => lines.map((l) => (l.split('│')[col + 1] ?? '').replace(/\s+/g, '')).join('');

  test.each([
    ['COLUMNS=100', { COLUMNS: '100' }, 100],
    ['COLUMNS=80', { COLUMNS: '80' }, 80],
    ['no terminal, no COLUMNS (a CI log)', {}, 100],
  ])('%s: every line fits, and the long subject and issuer are all there, broken across lines', async (_name, env, width) => {
    const lines = await tableLines(env);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    expect(lines.join('\n')).not.toContain('…');
    const squeeze = (s: string): string => s.replace(/\s+/g, '');
    expect(column(lines, 1)).toContain(squeeze(LEAF_CN));
    expect(column(lines, 2)).toContain(squeeze(CA_CN));
  }, 60_000);

  test('a wide terminal (COLUMNS=200) leaves the long names on one line each', async () => {
    const lines = await tableLines({ COLUMNS: '200' });
    expect(lines.some((l) => l.includes(LEAF_CN))).toBe(true);
  }, 60_000);
});
