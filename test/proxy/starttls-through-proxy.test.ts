// A proxy and STARTTLS together: CONNECT through tinyproxy, then the SMTP dialogue, then TLS, for
// trace, check (a targets line with proxy= and starttls=) and scan. The prologue holds both
// exchanges in order and the trace decodes the same handshake as a direct STARTTLS trace.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startTinyproxy } from '../helpers/proxies.js';
import { describeWithTools, demoPaths, type TestServer } from '../helpers/servers.js';
import { HAPPY_SCRIPTS, startScriptedServer, type ScriptedServer } from '../helpers/starttls-fake.js';

describeWithTools('tinyproxy')('STARTTLS through a proxy', () => {
  let smtp: ScriptedServer;
  let proxy: TestServer;
  let dir: string;
  beforeAll(async () => {
    smtp = await startScriptedServer(HAPPY_SCRIPTS.smtp);
    proxy = await startTinyproxy({ connectPorts: [smtp.port] });
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-proxy-smtp-'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([smtp?.close(), proxy?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('trace: CONNECT, then EHLO/STARTTLS, then the same handshake as direct', async () => {
    const target = `localhost:${smtp.port}`;
    const direct = await runCli([target, '--starttls', 'smtp', '--json']);
    const via = await runCli([target, '--starttls', 'smtp', '--json', '--proxy', `http://127.0.0.1:${proxy.port}`]);
    expect([direct.code, via.code, via.stderr]).toEqual([0, 0, '']);
    type Doc = { negotiated: unknown; prologue: { steps: Array<{ direction: string; role: string; hex: string }> } };
    const d = JSON.parse(direct.stdout) as Doc;
    const v = JSON.parse(via.stdout) as Doc;
    expect(v.negotiated).toEqual(d.negotiated);
    const texts = v.prologue.steps.map((s) => Buffer.from(s.hex, 'hex').toString('latin1'));
    expect(texts[0]).toMatch(/^CONNECT localhost:\d+ HTTP\/1\.1\r\n/);
    expect(texts[1]).toMatch(/^HTTP\/1\.[01] 200 /);
    // Then the SMTP dialogue, exactly as the direct trace recorded it.
    const directTexts = d.prologue.steps.map((s) => Buffer.from(s.hex, 'hex').toString('latin1'));
    expect(texts.slice(2).join('')).toBe(directTexts.join(''));
  }, 30_000);

  it('check: a targets line with proxy= and starttls=smtp; scan through the proxy with --starttls', async () => {
    const list = path.join(dir, 'targets.txt');
    writeFileSync(list, `localhost:${smtp.port} starttls=smtp proxy=http://127.0.0.1:${proxy.port}\n`);
    const check = await runCli(['check', '--targets', list, '--ca', demoPaths.root, '--json']);
    expect(check.code).toBe(0);
    const result = (JSON.parse(check.stdout) as { results: Array<{ status: string; proxy?: string; starttls?: string }> }).results[0];
    expect(result).toMatchObject({ status: 'valid', proxy: `127.0.0.1:${proxy.port}`, starttls: 'smtp' });
    const before = smtp.connections();
    const scan = await runCli(['scan', `localhost:${smtp.port}`, '--starttls', 'smtp', '--json', '--proxy', `http://127.0.0.1:${proxy.port}`]);
    expect(scan.code).toBe(0);
    const doc = JSON.parse(scan.stdout) as { protocols: Array<{ supported: boolean }>; target: { proxy?: string } };
    expect(doc.target.proxy).toBe(`127.0.0.1:${proxy.port}`);
    expect(doc.protocols.some((p) => p.supported)).toBe(true);
    // Every probe and full handshake reached the server through the proxy, each with its own dialogue.
    const { stats, certificates } = JSON.parse(scan.stdout) as { stats: { probes: number; nodeHandshakes: number }; certificates: unknown[] };
    expect(certificates).toHaveLength(1);
    expect(smtp.connections() - before).toBeGreaterThanOrEqual(stats.probes + stats.nodeHandshakes);
    expect((proxy.output().match(/Established connection to host "localhost"/g) ?? []).length).toBeGreaterThanOrEqual(stats.probes + stats.nodeHandshakes);
  }, 120_000);
});
