// End to end (issue 9, item 1): a live Node TLS server on 127.0.0.1 presents a leaf whose only SAN
// is the IA5String `loc\xAAlhost`, signed by a crafted CA given with --ca. Read as latin1 and
// mapped through UTS #46 that name used to become `localhost` and `check` said VALID, exit 0.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckJson } from '../../src/report/check-json.js';
import { craftCertificate, ia5, StringTag } from '../chain/helpers/craft-cert.js';
import { runCli } from '../helpers/cli.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { parseValid } from '../helpers/schema.js';

let dir: string;
let caFile: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-malformed-name-'));
  const ca = craftCertificate({ cn: { tag: StringTag.utf8, bytes: Buffer.from('tls-trace crafted CA') }, ca: true });
  // A second SAN with an escape sequence shows the names are escaped once, at output.
  const leaf = craftCertificate({ dns: [ia5('loc\xAAlhost'), ia5('x\x1b[2J.test')], issuer: ca });
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, ca.pem);
  server = await startNodeTlsServer({ cert: leaf.pem, key: leaf.key.export({ type: 'pkcs8', format: 'pem' }).toString(), maxVersion: 'TLSv1.2' });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (): string[] => ['check', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', caFile, '--timeout', '5000', '--warn-days', '7', '--no-color'];

test('--json: invalid, exit 8, hostname failed and the malformed name is a finding on the leaf', async () => {
  const r = await runCli([...args(), '--json']);
  expect(r.code).toBe(8);
  const doc = parseValid<CheckJson>('check', r.stdout);
  const result = doc.results[0];
  expect(result.status).toBe('invalid');
  const failed = (result.chain?.facts ?? []).filter((f) => !f.ok && f.severity !== 'info').map((f) => [f.check, f.severity, f.cert, f.reason]);
  // Escaped once (ESC as the four characters \x1b); U+FFFD is printable and stays as it is.
  expect(failed).toEqual([
    // JSON severities are on the scale scan findings use: a warning fact is `medium`, an error `critical`.
    ['parse.extension', 'medium', 0, 'leaf: subjectAltName dNSName "loc\ufffdlhost" is not ASCII (bytes 6c6f63aa6c686f7374); it never matches a host name'],
    ['hostname', 'critical', 0, 'localhost does not match the SANs (loc\ufffdlhost, x\\x1b[2J.test); never matching: loc\ufffdlhost (not ASCII)'],
  ]);
  expect(result.chain?.certificates[0].certificate.sans).toEqual([
    { type: 'dns', value: 'loc\ufffdlhost' },
    { type: 'dns', value: 'x\\x1b[2J.test' },
  ]);
});

test('text: Hostname MISMATCH and an INVALID verdict, never "match"', async () => {
  const r = await runCli(args());
  expect(r.code).toBe(8);
  expect(r.stdout).toContain('Hostname: MISMATCH — localhost does not match the SANs (loc\ufffdlhost, x\\x1b[2J.test); never matching: loc\ufffdlhost (not ASCII)');
  expect(r.stdout).not.toContain('\x1b');
  expect(r.stdout).toMatch(/Verdict: INVALID — localhost does not match the SANs/);
  expect(r.stdout).not.toContain('Hostname: match');
});
