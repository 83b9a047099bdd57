// The --html file itself, without a browser: owner-only when it holds secrets, under 2 MB for a
// typical trace and for a hostile one (the caps said in the page), write failures as exit 10, and
// the flag refused where one page cannot hold the output.

import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import { runCli } from '../helpers/cli.js';
import { captureToPcap } from '../helpers/pcap.js';
import { freePort, repoRoot } from '../helpers/servers.js';
import { oneByteCertificates, serverOnlyCapture } from '../report/helpers/big-captures.js';

const TWO_MB = 2 * 1024 * 1024;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-html-file-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('--html FILE', () => {
  it('is owner-only with --show-secrets (an existing file too) and shows the secrets; without, holds none', async () => {
    const secret = path.join(dir, 'secret.html');
    writeFileSync(secret, 'old');
    chmodSync(secret, 0o644);
    const run = await runCli(['--demo', '--show-secrets', '--html', secret]);
    expect(run.code).toBe(0);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    const page = readFileSync(secret, 'utf8');
    expect(page).toContain('holds the session');
    // Every 32- or 48-byte traffic secret the key log gave is on the page.
    const secrets = [...page.matchAll(/<code class="secret">([0-9a-f]+)<\/code>/g)].map((m) => m[1]);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    expect(page.length).toBeLessThan(TWO_MB);

    const plain = path.join(dir, 'plain.html');
    expect((await runCli(['--demo', '--html', plain])).code).toBe(0);
    const text = readFileSync(plain, 'utf8');
    expect(text).not.toContain('class="secret"');
    expect(text).toContain('--show-secrets writes them');
  });

  it('stays under 2 MB for a hostile trace and says which cap it hit', async () => {
    const capture = path.join(dir, 'big.json');
    writeFileSync(capture, JSON.stringify(serverOnlyCapture(oneByteCertificates(60_000, 2))));
    const out = path.join(dir, 'big.html');
    const run = await runCli(['replay', capture, '--html', out]);
    expect(run.stderr).not.toMatch(/cannot write/);
    const page = readFileSync(out, 'utf8');
    expect(page.length).toBeLessThan(TWO_MB);
    expect(page).toContain('not shown here (tls-trace&#39;s own cap: the page shows at most 4,096 B of each record; --json has every byte)');
    // The capped views say how much they show.
    const shown = [...page.matchAll(/data-length="(\d+)" data-shown="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(shown.some(([len, n]) => n === 4096 && len > 4096)).toBe(true);
  });

  it('reports an unwritable path as exit 10 after the trace', async () => {
    const run = await runCli(['--demo', '--no-ladder', '--html', dir]);
    expect(run.code).toBe(10);
    expect(run.stdout).toContain('Handshake');
    expect(run.stderr).toBe(`tls-trace: cannot write --html ${dir}: a directory (EISDIR)\n`);
  });

  it('draws the TCP packets of a pcap read, and a hex view for every record', async () => {
    const fixture = path.join(repoRoot, 'fixtures', 'captures', 'openssl-tls12-ecdhe-rsa.json');
    const capture = parseCapture(readFileSync(fixture, 'utf8'), fixture);
    const pcap = path.join(dir, 'one.pcap');
    writeFileSync(pcap, captureToPcap(capture));
    const out = path.join(dir, 'read.html');
    const run = await runCli(['read', pcap, '--json', '--html', out]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { records: Array<{ index: number }>; flights: Array<{ index: number }> };
    const page = readFileSync(out, 'utf8');
    const tcp = [...page.matchAll(/<g class="arrow (client|server) tcp"[^>]*><title>[^:]*: ([A-Z-]+)</g)].map((m) => `${m[1]} ${m[2]}`);
    expect(tcp.slice(0, 3)).toEqual(['client SYN', 'server SYN-ACK', 'client ACK']);
    expect([...page.matchAll(/data-phase="tls" data-direction="[a-z]+" data-flight="(\d+)"/g)].map((m) => Number(m[1]))).toEqual(json.flights.map((f) => f.index));
    expect([...page.matchAll(/<figure class="dump" id="rec-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(json.records.map((r) => r.index));
  });

  it('says why a failed connection failed, with the exit code the trace has without --html', async () => {
    const port = await freePort();
    const out = path.join(dir, 'refused.html');
    const plain = await runCli([`127.0.0.1:${port}`]);
    const run = await runCli([`127.0.0.1:${port}`, '--html', out]);
    expect(run.code).toBe(plain.code);
    expect(run.stderr).toBe(`tls-trace: connection refused by 127.0.0.1:${port}\n`);
    expect(readFileSync(out, 'utf8')).toContain(`<p class="bad">✖ connection refused by 127.0.0.1:${port}</p>`);
  });

  it('is refused with read --all, which would need one page per connection', async () => {
    const run = await runCli(['read', '--all', '--html', path.join(dir, 'x.html'), path.join(dir, 'none.pcap')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--html writes one connection's page: it cannot be used with --all or --ndjson/);
  });
});
