// `check` end to end with Certificate Transparency: openssl s_server staples an OCSP response whose
// single response carries SCTs (Node's client asks for the staple; it cannot ask for the TLS
// extension), check judges them against a test log list given by --ct-log-list, and the JSON
// validates against schema/. --require-ct turns a missing policy into exit 16; a bad log list is a
// usage error (exit 2) in one line.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';
import type { CheckJson } from '../../src/report/check-json.js';
import { testContext } from '../check/helpers.js';
import { parseValid } from '../helpers/schema.js';
import { describeWithTools, startOpensslServer, type TestServer } from '../helpers/servers.js';
import * as ct from './helpers/ct-pki.js';

describeWithTools('openssl')('check and Certificate Transparency', () => {
  let dir: string;
  let ca: ct.TestCa;
  let listFile: string;
  let stapled: TestServer;
  let plain: TestServer;
  let serverinfo: TestServer;
  let tls13only: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-check-ct-'));
    const logs = ct.makeLogs();
    ca = ct.makeCa(dir);
    const leaf = ct.issueLeaf(ca, 'leaf');
    listFile = path.join(dir, 'log_list.json');
    writeFileSync(listFile, ct.logListJson([logs.ec, logs.rsa]));
    const entry: ct.SignedEntry = { type: 'x509', leaf: leaf.der };
    const now = Date.now() - 60_000;
    const scts = ct.sctList([ct.signSct({ log: logs.ec, timestamp: now }, entry), ct.signSct({ log: logs.rsa, timestamp: now }, entry)]);
    const ocspFile = path.join(dir, 'ocsp.der');
    writeFileSync(ocspFile, ct.ocspWithScts(leaf.der, ca, scts, new Date(now)));
    const pem = ct.writePem(dir, 'leaf', leaf.der);
    stapled = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-status_file', ocspFile]);
    plain = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile]);
    const info = ct.serverinfoFile(dir, scts);
    serverinfo = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-serverinfo', info]);
    tls13only = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-serverinfo', info, '-tls1_3']);
  }, 60_000);

  afterAll(async () => {
    await stapled?.close();
    await plain?.close();
    await serverinfo?.close();
    await tls13only?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (server: TestServer, ...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const ctx = testContext();
    const code = await main(['check', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', ca.caFile, '--revocation', 'off', '--no-color', '--timeout', '8000', ...args], ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  };

  test('SCTs in the OCSP staple verify, meet both policies, and the JSON validates against the schema', async () => {
    const { code, out } = await run(stapled, '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ok);
    const doc = parseValid<CheckJson>('check', out);
    const chain = doc.results[0].chain;
    expect(chain?.ct?.logList).toEqual({ source: listFile, version: '1.0', timestamp: '2026-11-01T00:00:00Z', logs: 2 });
    expect(chain?.ct?.scts.map((s) => [s.source, s.log?.description, s.log?.operator, s.status])).toEqual([
      ['ocsp', 'Test EC log', 'Operator A', 'valid'],
      ['ocsp', 'Test RSA log', 'Operator B', 'valid'],
    ]);
    expect(chain?.ct?.chrome.met).toBe(true);
    expect(chain?.ct?.apple.met).toBe(true);
  }, 60_000);

  test('text output names each SCT and both policies', async () => {
    const { code, out } = await run(stapled, '--ct-log-list', listFile);
    expect(code).toBe(ExitCode.ok);
    expect(out).toContain(`CT log list: ${listFile} (v1.0, 2026-11-01T00:00:00Z, 2 logs)`);
    expect(out).toMatch(/SCT \(OCSP\): valid Test EC log \(Operator A\) at \d{4}-/);
    expect(out).toContain('CT policy (Chrome): met — met by SCTs delivered in TLS/OCSP');
  }, 60_000);

  test('with the bundled list the test logs are unknown: named, and the policy is not met', async () => {
    const { code, out } = await run(stapled, '--json');
    // A private anchor: CT is a note, not a warning, so the target stays valid.
    expect(code).toBe(ExitCode.ok);
    const ctReport = parseValid<CheckJson>('check', out).results[0].chain?.ct;
    expect(ctReport?.logList.source).toBe('bundled');
    expect(ctReport?.logList.timestamp).toBe('2025-07-10T12:53:11Z');
    expect(ctReport?.scts.map((s) => s.status)).toEqual(['unknown-log', 'unknown-log']);
    expect(ctReport?.chrome.met).toBe(false);
  }, 60_000);

  test('--require-ct: no SCTs anywhere fails with exit 16', async () => {
    const { code, out } = await run(plain, '--require-ct', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ctPolicy);
    const r = parseValid<CheckJson>('check', out).results[0];
    expect(r.status).toBe('invalid');
    // Node's handshake never asks for SCTs in the TLS extension: the reason says so, not that it had none.
    expect(r.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Chrome CT policy not met: .*\(no SCTs in the certificate or the OCSP staple; the TLS extension was not searched: not asked for \(--ct-tls asks on one more connection\)\)$/)]),
    );
  }, 60_000);

  test('--require-ct --ct-tls when the extra connection gets nothing: the reason names what happened to it', async () => {
    const { code, out } = await run(tls13only, '--require-ct', '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ctPolicy);
    const r = parseValid<CheckJson>('check', out).results[0];
    expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^Chrome CT policy not met: .*; the TLS extension was not searched: --ct-tls got none: (no TLS 1\.2 ServerHello|the TLS 1\.2 probe for SCTs ended: .+)\)$/)]));
  }, 60_000);

  test('--require-ct in text: the target and the Verdict line say CT POLICY NOT MET, the row says why', async () => {
    const { code, out } = await run(plain, '--require-ct', '--ct-log-list', listFile);
    expect(code).toBe(ExitCode.ctPolicy);
    expect(out).toMatch(/^127\.0\.0\.1:\d+ — CT POLICY NOT MET \(TLS 1\.3\)$/m);
    expect(out).toMatch(/^Verdict: CT POLICY NOT MET — Chrome CT policy not met: /m);
    expect(out).toMatch(/│ #0 leaf\s+│ localhost\s+│ CT Test Root\s+│.*│ FAIL: Chrome CT policy not met: 0 embedded SCTs/);
  }, 60_000);

  test('the trace command --ct-log-list: the chain section shows the staple\'s SCTs and both policies', async () => {
    const ctx = testContext();
    const code = await main([`127.0.0.1:${stapled.port}`, '--servername', 'localhost', '--ca', ca.caFile, '--ct-log-list', listFile, '--no-color', '--timeout', '8000'], ctx);
    expect(code).toBe(ExitCode.ok);
    expect(ctx.out()).toMatch(/SCT \(OCSP\): valid Test RSA log \(Operator B\) at \d{4}-/);
    expect(ctx.out()).toContain('CT policy (Apple): met');
  }, 60_000);

  test('the --html page carries the same CT lines and verdict word as the text', async () => {
    const page = path.join(dir, 'ct.html');
    const text = (html: string): string => html.replace(/<[^>]+>/g, '');
    const ctx = testContext();
    expect(await main([`127.0.0.1:${stapled.port}`, '--servername', 'localhost', '--ca', ca.caFile, '--ct-log-list', listFile, '--no-color', '--timeout', '8000', '--html', page], ctx)).toBe(ExitCode.ok);
    const body = text(readFileSync(page, 'utf8'));
    expect(body).toContain(`CT log list: ${listFile} (v1.0, 2026-11-01T00:00:00Z, 2 logs)`);
    expect(body).toMatch(/SCT \(OCSP\): valid Test EC log \(Operator A\) at \d{4}-/);
    expect(body).toContain('CT policy (Chrome): met — met by SCTs delivered in TLS/OCSP');
    expect(body).toContain('✔ verdict: VALID');
  }, 60_000);

  test('--ct-tls: one TLS 1.2 probe reads the ServerHello\'s SCTs, which Node\'s own handshake cannot ask for', async () => {
    const without = parseValid<CheckJson>('check', (await run(serverinfo, '--ct-log-list', listFile, '--json')).out).results[0];
    // A private anchor and no SCTs seen: CT is not shown at all.
    expect(without.chain?.ct).toBeUndefined();
    const { code, out } = await run(serverinfo, '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ok);
    const ctReport = parseValid<CheckJson>('check', out).results[0].chain?.ct;
    expect(ctReport?.scts.map((s) => [s.source, s.log?.description, s.status])).toEqual([
      ['tls', 'Test EC log', 'valid'],
      ['tls', 'Test RSA log', 'valid'],
    ]);
    expect(ctReport?.chrome.met).toBe(true);
  }, 60_000);

  test('--ct-tls against a TLS 1.3-only server: the probe gets no ServerHello, the target is judged as without it', async () => {
    const { code, out } = await run(tls13only, '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ok);
    const r = parseValid<CheckJson>('check', out).results[0];
    expect(r.status).toBe('valid');
    expect(r.chain?.ct).toBeUndefined();
  }, 60_000);

  test('--ct-tls against a hostile probe answer (a record-framed flood, then garbage): no crash, judged as without it', async () => {
    // The first connection (the main handshake) goes to the real server; the probe's gets junk.
    let n = 0;
    const sockets = new Set<net.Socket>();
    const front = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
      if (n++ === 0) {
        const up = net.connect(serverinfo.port, '127.0.0.1');
        sockets.add(up);
        up.on('error', () => c.destroy());
        c.pipe(up).pipe(c);
        return;
      }
      const record = Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000, 0xee)]);
      c.end(Buffer.concat([record, record, record, record, record, Buffer.alloc(1000, 0x41)]));
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (front.address() as net.AddressInfo).port;
      const ctx = testContext();
      const code = await main(['check', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', ca.caFile, '--revocation', 'off', '--ct-tls', '--ct-log-list', listFile, '--json', '--timeout', '8000'], ctx);
      expect(code).toBe(ExitCode.ok);
      expect(parseValid<CheckJson>('check', ctx.out()).results[0].chain?.ct).toBeUndefined();
      expect(n).toBe(2);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => front.close(() => r()));
    }
  }, 60_000);

  test('--ct-log-list that is not a log list: exit 2, one line naming the file', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"operators": [{"name": "x", "logs": [{"description": "no key"}]}]}');
    const { code, err } = await run(plain, '--ct-log-list', bad);
    expect(code).toBe(ExitCode.usage);
    expect(err.split('\n')[0]).toBe(`tls-trace: --ct-log-list ${bad}: operators[0].logs[0] has no key (hint: expected Google's v3 log_list.json format)`);
    const notJson = path.join(dir, 'capture.bin');
    writeFileSync(notJson, Buffer.from([0x16, 0x03, 0x01]));
    expect((await run(plain, '--ct-log-list', notJson)).code).toBe(ExitCode.usage);
  }, 60_000);
});
