// The check and scan commands against hostile servers: one line (or the report), the documented
// exit code, no stack trace, within a bounded time.

import { ExitCode } from '../../src/errors.js';
import { behaviours, startHostileServer, type ScenarioName } from './hostile-server.js';
import { runCli } from './run-cli.js';

interface Expect {
  code: number;
  /** Matched against stdout + stderr. */
  text: RegExp;
}

async function against(scenario: ScenarioName, argv: (port: number) => string[]): Promise<{ code: number; out: string }> {
  const server = await startHostileServer(behaviours[scenario]);
  try {
    const run = await runCli(argv(server.port));
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.stderr.split('\n').length).toBeLessThanOrEqual(2);
    return { code: run.code, out: run.stdout + run.stderr };
  } finally {
    await server.close();
  }
}

describe('check against hostile servers', () => {
  const cases: Array<[ScenarioName, Expect]> = [
    // The verdict names what answered, as trace's stderr line does.
    ['http', { code: ExitCode.notTls, text: /answered with HTTP, not TLS \("HTTP\/1\.1 400 Bad Request"\)/ }],
    ['closeAtOnce', { code: ExitCode.handshake, text: /FAILED/ }],
    ['silent', { code: ExitCode.timeout, text: /FAILED/ }],
    ['alertHandshakeFailure', { code: ExitCode.handshake, text: /server sent fatal alert handshake_failure \(40\)/ }],
    ['deeplyNestedCertificate', { code: ExitCode.handshake, text: /FAILED/ }],
    ['declares16MB', { code: ExitCode.handshake, text: /excessive message size/ }],
  ];
  it.each(cases)('%s', async (scenario, e) => {
    const r = await against(scenario, (port) => ['check', `127.0.0.1:${port}`, '--timeout', '1000', '--no-color', '--no-system-ca', '--revocation', 'off']);
    expect(r.code).toBe(e.code);
    expect(r.out).toMatch(e.text);
  });
});

describe('scan against hostile servers', () => {
  const cases: Array<[ScenarioName, Expect]> = [
    ['garbage', { code: ExitCode.notTls, text: /^tls-trace: 127\.0\.0\.1 port \d+ does not speak TLS$/m }],
    ['http', { code: ExitCode.notTls, text: /does not speak TLS/ }],
    ['ssh', { code: ExitCode.notTls, text: /does not speak TLS/ }],
    ['closeAtOnce', { code: ExitCode.connect, text: /closed every connection without answering a ClientHello/ }],
    ['silent', { code: ExitCode.timeout, text: /no answer from 127\.0\.0\.1 port \d+ within 500 ms/ }],
    ['alertHandshakeFailure', { code: ExitCode.ok, text: /TLS 1\.2 {2}no {2}\(alert handshake_failure \(40\)\)/ }],
  ];
  it.each(cases)('%s', async (scenario, e) => {
    const r = await against(scenario, (port) => ['scan', `127.0.0.1:${port}`, '--timeout', '500', '--no-color', '--no-progress']);
    expect(r.code).toBe(e.code);
    expect(r.out).toMatch(e.text);
  });

  // Found here: scan had a per-probe timeout but no way to stop early. A server that answers every
  // ClientHello with a ServerHello and then stalls made every one of ~1 400 probes wait its full
  // --timeout (--timeout 1500 --concurrency 4: 536 s, exit 0). Now 16 timeouts in a row stop the
  // probing (src/scan/probe.ts STALL_LIMIT) and the report says its results are incomplete.
  it('stallAfterServerHello: stops early and says the results are incomplete', async () => {
    const t0 = Date.now();
    const r = await against('stallAfterServerHello', (port) => ['scan', `127.0.0.1:${port}`, '--timeout', '500', '--no-color', '--no-progress']);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out).toMatch(/probe\(s\) timed out after 500 ms; results may be incomplete/);
    expect(r.out).toMatch(/16 probes in a row timed out, so the server was taken to have stalled; results are incomplete/);
    expect(Date.now() - t0).toBeLessThan(60_000); // a bound, not a speed goal: it was 9 minutes
  });
});
