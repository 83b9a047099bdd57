// The scan-only entry (src/cli/scan-main.ts, bundled as dist/scan.cjs, which the launcher runs for
// an argv starting with `scan`) answers exactly as the whole CLI does for such an argv: help,
// usage errors, a failed connection and a scan.

import { main as scanMain } from '../../src/cli/scan-main.js';
import { runCli } from '../helpers/cli.js';
import { startScanBenchServer } from '../helpers/scan-bench-server.js';
import { describeWithTools, type TestServer } from '../helpers/servers.js';

/** A run's output without what differs from run to run (times, the random session IDs). */
function stable(text: string): string {
  return text
    .replace(/"(startedAt|durationMs)": [^,\n]+/g, '"$1": X')
    .replace(/session ID [0-9a-f]+…/g, 'session ID X…');
}

describe('scan-only entry', () => {
  it.each([[['scan', '--help']], [['scan']], [['scan', '--bogus', 'x']], [['scan', 'help']], [['scan', 'a', 'b']], [['scan', '127.0.0.1:1', '--json']]])(
    '%j: same output and exit code as the whole CLI',
    async (argv) => {
      const whole = await runCli(argv);
      const alone = await runCli(argv, {}, scanMain);
      expect({ code: alone.code, stdout: alone.stdout, stderr: alone.stderr }).toEqual({ code: whole.code, stdout: whole.stdout, stderr: whole.stderr });
    },
  );
});

describeWithTools('nginx', 'openssl')('scan-only entry against a server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startScanBenchServer();
  }, 60_000);
  afterAll(() => server?.close());

  it('scans to the same JSON as the whole CLI', async () => {
    const argv = ['scan', `127.0.0.1:${server.port}`, '--json'];
    const whole = await runCli(argv);
    const alone = await runCli(argv, {}, scanMain);
    expect(alone.code).toBe(whole.code);
    expect(stable(alone.stdout)).toEqual(stable(whole.stdout));
    expect(JSON.parse(alone.stdout)).toHaveProperty('format', 'tls-trace-scan');
  }, 60_000);
});
