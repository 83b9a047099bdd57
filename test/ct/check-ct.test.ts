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
import { annotationsByTitle, parseOpenMetrics, pythonHas, readCsv } from '../check/helpers/readers.js';
import { CSV_COLUMNS } from '../../src/report/check-csv.js';

describeWithTools('openssl')('check and Certificate Transparency', () => {
  let dir: string;
  let ca: ct.TestCa;
  let listFile: string;
  let stapled: TestServer;
  let plain: TestServer;
  let serverinfo: TestServer;
  let tls13only: TestServer;
  let tampered: TestServer;
  let tls12plain: TestServer;
  let tls12info: TestServer;
  let tls13plain: TestServer;
  let tls13p256: TestServer;

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
    tls12plain = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-tls1_2']);
    tls13plain = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-tls1_3']);
    tls12info = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-serverinfo', info, '-tls1_2']);
    tls13p256 = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-serverinfo', info, '-tls1_3', '-groups', 'P-256']);
    // A staple whose second SCT had its signature changed after signing.
    const bad = ct.sctList([ct.signSct({ log: logs.ec, timestamp: now }, entry), ct.signSct({ log: logs.rsa, timestamp: now, tamper: 'signature' }, entry)]);
    const badOcsp = path.join(dir, 'ocsp-tampered.der');
    writeFileSync(badOcsp, ct.ocspWithScts(leaf.der, ca, bad, new Date(now)));
    tampered = await startOpensslServer(['-cert', pem, '-key', leaf.keyFile, '-status_file', badOcsp]);
  }, 60_000);

  afterAll(async () => {
    await stapled?.close();
    await plain?.close();
    await serverinfo?.close();
    await tls13only?.close();
    await tampered?.close();
    await tls12plain?.close();
    await tls12info?.close();
    await tls13plain?.close();
    await tls13p256?.close();
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
      expect.arrayContaining([expect.stringMatching(/^Chrome CT policy not met: .*\(no SCTs in the certificate or the OCSP staple; the TLS extension was not searched: not asked for \(--ct-tls asks for them\)\)$/)]),
    );
  }, 60_000);

  test('--ct-tls, TLS 1.3-only server: check\'s own TLS 1.3 hello asks, and the SCTs of the leaf\'s CertificateEntry verify', async () => {
    const { code, out } = await run(tls13only, '--require-ct', '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ok);
    const chain = parseValid<CheckJson>('check', out).results[0].chain;
    expect(chain?.ct?.scts.map((s) => [s.source, s.log?.description, s.status])).toEqual([
      ['tls', 'Test EC log', 'valid'],
      ['tls', 'Test RSA log', 'valid'],
    ]);
    expect(chain?.ct?.chrome.met).toBe(true);
  }, 60_000);

  test('--require-ct --ct-tls, a TLS 1.3 server that sends none when asked: the TLS extension counts as searched', async () => {
    // TLS 1.3 only: no TLS 1.2 probe could have searched in its place.
    const { code, out } = await run(tls13plain, '--require-ct', '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ctPolicy);
    const r = parseValid<CheckJson>('check', out).results[0];
    const reason = r.problems.find((p) => p.startsWith('Chrome CT policy not met'));
    expect(reason).toMatch(/\(no SCTs in the certificate, the TLS extension or the OCSP staple\)$/);
  }, 60_000);

  test('--require-ct --ct-tls, a TLS 1.2-only server that sends none: the TLS 1.2 probe asked, so the TLS extension counts as searched', async () => {
    // check's own TLS 1.3 hello is declined, Node's handshake cannot ask, the TLS 1.2 probe does.
    const { code, out } = await run(tls12plain, '--require-ct', '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ctPolicy);
    const r = parseValid<CheckJson>('check', out).results[0];
    expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^Chrome CT policy not met: .*\(no SCTs in the certificate, the TLS extension or the OCSP staple\)$/)]));
  }, 60_000);

  test('--require-ct in text: the target and the Verdict line say CT POLICY NOT MET, the row says why', async () => {
    const { code, out } = await run(plain, '--require-ct', '--ct-log-list', listFile);
    expect(code).toBe(ExitCode.ctPolicy);
    expect(out).toMatch(/^127\.0\.0\.1:\d+ — CT POLICY NOT MET \(TLS 1\.3\)$/m);
    expect(out).toMatch(/^Verdict: CT POLICY NOT MET — Chrome CT policy not met: /m);
    // The table keeps to 100 columns (a CI log): the leaf's row wraps, its verdict column says why.
    expect(out).toMatch(/^│ #0\s+│ localhost\s+│ CT\s+│.*│ FAIL: Chrome CT/m);
    const verdictColumn = out.split('\n').filter((l) => l.startsWith('│')).map((l) => (l.split('│')[8] ?? '').replace(/\s+/g, '')).join('');
    expect(verdictColumn).toContain('FAIL:ChromeCTpolicynotmet:0embeddedSCTs');
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

  test.each([
    ['a TLS 1.2-only server: one TLS 1.2 probe reads the ServerHello\'s SCTs, which Node\'s own handshake cannot ask for', 'tls12'],
    ['a TLS 1.2 and 1.3 server: check\'s own TLS 1.3 hello asks (no second connection)', 'both'],
  ])('--ct-tls, %s', async (_name, which) => {
    const upstream = which === 'tls12' ? tls12info : serverinfo;
    const without = parseValid<CheckJson>('check', (await run(upstream, '--ct-log-list', listFile, '--json')).out).results[0];
    // A private anchor and no SCTs seen: CT is not shown at all.
    expect(without.chain?.ct).toBeUndefined();
    // Through a counting front: how many connections the --ct-tls run made.
    let connections = 0;
    const front = net.createServer((c) => {
      connections++;
      const up = net.connect(upstream.port, '127.0.0.1');
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
      c.pipe(up).pipe(c);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    const server = { port: (front.address() as net.AddressInfo).port } as TestServer;
    const { code, out } = await run(server, '--ct-tls', '--ct-log-list', listFile, '--json');
    await new Promise<void>((r) => front.close(() => r()));
    // TLS 1.2 only: the own hello declined, Node's handshake, the probe; TLS 1.3: one connection.
    expect(connections).toBe(which === 'tls12' ? 3 : 1);
    expect(code).toBe(ExitCode.ok);
    const ctReport = parseValid<CheckJson>('check', out).results[0].chain?.ct;
    expect(ctReport?.scts.map((s) => [s.source, s.log?.description, s.status])).toEqual([
      ['tls', 'Test EC log', 'valid'],
      ['tls', 'Test RSA log', 'valid'],
    ]);
    expect(ctReport?.chrome.met).toBe(true);
  }, 60_000);

  test('--ct-tls against a TLS 1.3-only server without x25519: check\'s own hello is declined (HelloRetryRequest), Node\'s handshake cannot ask, the TLS 1.2 probe gets no ServerHello: judged as without it, and the reason says so', async () => {
    const { code, out } = await run(tls13p256, '--require-ct', '--ct-tls', '--ct-log-list', listFile, '--json');
    expect(code).toBe(ExitCode.ctPolicy);
    const r = parseValid<CheckJson>('check', out).results[0];
    expect(r.chain?.ct?.scts).toEqual([]);
    expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/; the TLS extension was not searched: --ct-tls got none: (no TLS 1\.2 ServerHello|the TLS 1\.2 probe for SCTs ended: .+)\)$/)]));
  }, 60_000);

  test('--ct-tls against a hostile probe answer (a record-framed flood, then garbage): no crash, judged as without it', async () => {
    // The first two connections (check's own TLS 1.3 hello, declined by this TLS 1.2-only server,
    // then Node's handshake) go to the real server; the probe's gets junk.
    let n = 0;
    const sockets = new Set<net.Socket>();
    const front = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined);
      if (n++ < 2) {
        const up = net.connect(tls12info.port, '127.0.0.1');
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
      expect(n).toBe(3);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => front.close(() => r()));
    }
  }, 60_000);

  const describePython = pythonHas('prometheus_client') ? describe : describe.skip;
  describePython('CT in the monitoring formats, read by the same parsers as the format tests', () => {
    const zero = { valid: 0, 'invalid-signature': 0, 'future-timestamp': 0, malformed: 0, 'unknown-log': 0, 'retired-log': 0, 'untrusted-log': 0, unverifiable: 0 };
    /** tls_trace_ct_scts by status and tls_trace_ct_policy_met by policy, for the one target. */
    const ctMetrics = (out: string): { scts: Record<string, number>; policies: Record<string, number> } => {
      const m = parseOpenMetrics(out);
      return {
        scts: Object.fromEntries((m.tls_trace_ct_scts ?? []).map(([l, v]) => [l.status, v])),
        policies: Object.fromEntries((m.tls_trace_ct_policy_met ?? []).map(([l, v]) => [l.policy, v])),
      };
    };
    const ctColumns = (out: string): Record<string, string> => {
      const [head, row] = readCsv(out);
      expect(head).toEqual([...CSV_COLUMNS]);
      return Object.fromEntries(head.map((h, i) => [h, row[i]]).filter(([h]) => h.startsWith('ct_') || h === 'verdict'));
    };

    test('OpenMetrics: SCT counts per status and both policies met; CSV: the same counts', async () => {
      const om = await run(stapled, '--ct-log-list', listFile, '--format', 'openmetrics');
      expect(om.code).toBe(ExitCode.ok);
      expect(ctMetrics(om.out)).toEqual({ scts: { ...zero, valid: 2 }, policies: { chrome: 1, apple: 1 } });
      const csv = await run(stapled, '--ct-log-list', listFile, '--format', 'csv');
      expect(ctColumns(csv.out)).toEqual({ verdict: 'valid', ct_scts: '2', ct_scts_valid: '2', ct_scts_bad: '0', ct_chrome_policy: 'met', ct_apple_policy: 'met' });
    }, 60_000);

    test('a tampered SCT: counted as invalid-signature, and neither policy is met with one valid SCT', async () => {
      const om = await run(tampered, '--ct-log-list', listFile, '--format', 'openmetrics');
      expect(ctMetrics(om.out)).toEqual({ scts: { ...zero, valid: 1, 'invalid-signature': 1 }, policies: { chrome: 0, apple: 0 } });
      const csv = await run(tampered, '--ct-log-list', listFile, '--format', 'csv');
      expect(ctColumns(csv.out)).toEqual({ verdict: 'valid', ct_scts: '2', ct_scts_valid: '1', ct_scts_bad: '1', ct_chrome_policy: 'not met', ct_apple_policy: 'not met' });
    }, 60_000);

    test('--require-ct without SCTs: the annotation names the policies missed and why; the metrics and CSV say not met', async () => {
      const gh = await run(plain, '--require-ct', '--ct-log-list', listFile, '--format', 'github');
      expect(gh.code).toBe(ExitCode.ctPolicy);
      const [level, message] = annotationsByTitle(gh.out)[`tls-trace check 127.0.0.1:${plain.port}`];
      expect(level).toBe('error');
      expect(message).toMatch(/^CT policy not met \(Chrome, Apple\) \(\d+ days left\): /);
      expect(message).toMatch(/Chrome CT policy not met: 0 embedded SCTs from qualifying logs .*; Apple CT policy not met: 0 SCTs from approved logs \(needs at least 2\)/);
      const om = await run(plain, '--require-ct', '--ct-log-list', listFile, '--format', 'openmetrics');
      expect(ctMetrics(om.out)).toEqual({ scts: zero, policies: { chrome: 0, apple: 0 } });
      const csv = await run(plain, '--require-ct', '--ct-log-list', listFile, '--format', 'csv');
      expect(ctColumns(csv.out)).toEqual({ verdict: 'ct-policy', ct_scts: '0', ct_scts_valid: '0', ct_scts_bad: '0', ct_chrome_policy: 'not met', ct_apple_policy: 'not met' });
    }, 60_000);

    test('check merge reads CT back from shard NDJSON: the same metrics as the live run', async () => {
      const shard = path.join(dir, 'shard.ndjson');
      writeFileSync(shard, (await run(tampered, '--ct-log-list', listFile, '--ndjson')).out);
      const ctx = testContext();
      await main(['check', 'merge', shard, '--format', 'openmetrics'], ctx);
      expect(ctMetrics(ctx.out())).toEqual({ scts: { ...zero, valid: 1, 'invalid-signature': 1 }, policies: { chrome: 0, apple: 0 } });
    }, 60_000);

    test('a target the chain says nothing of CT about (private anchor, no SCTs): no CT samples, empty CT cells', async () => {
      expect(ctMetrics((await run(plain, '--ct-log-list', listFile, '--format', 'openmetrics')).out)).toEqual({ scts: {}, policies: {} });
      const cells = ctColumns((await run(plain, '--ct-log-list', listFile, '--format', 'csv')).out);
      expect(cells).toEqual({ verdict: 'valid', ct_scts: '', ct_scts_valid: '', ct_scts_bad: '', ct_chrome_policy: '', ct_apple_policy: '' });
    }, 60_000);
  });

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
