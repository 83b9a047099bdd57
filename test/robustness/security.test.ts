// Security properties (issue 6 "Security"):
// - peer-controlled text (certificate fields, ALPN, banners, HTTP status lines) is escaped in text
//   and JSON output, so a hostile server cannot rewrite the terminal;
// - key log and capture files are created 0600;
// - tls-trace sends nothing but the handshake, over one connection, to the name it was given;
// - src/ never shells out (no child_process at all, so certainly not with user input).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { splitRecords } from '../../src/decode/index.js';
import { repoRoot, requireTool, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { proxyTo, startHostileServer, type Behaviour } from './hostile-server.js';
import { fakeLookup, runCli } from './run-cli.js';
import { ContentType, extension, record, RENEGOTIATION_INFO, serverHello, FRESH_SESSION_ID, vec } from './tls-bytes.js';

const ESC = '\x1b';
const BEL = '\x07';
const haveOpenssl = requireTool('openssl');
const describeOpenssl = haveOpenssl ? describe : describe.skip;

/** Any raw C0 control other than newline (tables and text use only \n). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-security-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeOpenssl('a certificate whose subject holds terminal escape sequences', () => {
  let server: TestServer;
  beforeAll(async () => {
    const key = path.join(dir, 'evil.key');
    const cert = path.join(dir, 'evil.pem');
    // Arguments as an array: no shell. The subject carries ESC [2J (clear screen), an OSC title
    // sequence ending in BEL, and a bidi override.
    const subject = `/O=Evil ${ESC}[2J Corp/CN=${ESC}]0;pwned${BEL}evil\u202etset.test`;
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-utf8', '-subj', subject], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    // TLS 1.2 so the certificate travels in plaintext and the decoder shows it.
    server = await startNodeTlsServer({ cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), maxVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['trace (text)', (port: number) => [`127.0.0.1:${port}`, '--timeout', '5000', '--no-color', '--hex']],
    ['trace (JSON)', (port: number) => [`127.0.0.1:${port}`, '--timeout', '5000', '--json']],
    ['check (text)', (port: number) => ['check', `127.0.0.1:${port}`, '--timeout', '5000', '--no-color', '--no-system-ca', '--revocation', 'off']],
    ['check (JSON)', (port: number) => ['check', `127.0.0.1:${port}`, '--timeout', '5000', '--json', '--no-system-ca', '--revocation', 'off']],
  ])('%s: the subject is shown escaped, no raw control characters reach the output', async (_name, argv) => {
    const run = await runCli(argv(server.port));
    expect(run.code).not.toBe(ExitCode.internal);
    const all = run.stdout + run.stderr;
    expect(all).not.toMatch(RAW_CONTROL);
    // Text output also neutralises bidi overrides (JSON keeps them: JSON.stringify escapes only C0).
    if (!argv(0).includes('--json')) expect(all).not.toContain('\u202e');
    // The text is there, in escaped form (the escape spelling differs between Node and our DER walk).
    expect(all).toMatch(/(\\x1b|\\1B|\\u001b)\[2J/i);
    expect(all).toMatch(/pwned/);
  });
});

describe('peer text with control bytes in ALPN and banners', () => {
  /** A TLS 1.2 ServerHello choosing an ALPN protocol full of escape sequences. */
  const evilAlpn: Behaviour = async (c) => {
    const h = await c.hello();
    if (!h) return;
    const proto = Buffer.from(`h2${ESC}[2J${ESC}]0;owned${BEL}`);
    await c.write(record(ContentType.handshake, serverHello({ sessionId: FRESH_SESSION_ID, suite: 0xc02f, extensions: [RENEGOTIATION_INFO, extension(0x0010, vec(2, vec(1, proto)))] })));
    c.socket.end();
  };
  const evilHttp: Behaviour = async (c) => {
    await c.hello();
    await c.write(Buffer.from(`HTTP/1.1 200 ${ESC}[2J${ESC}[31mOK${BEL}\r\n\r\n`));
    c.socket.end();
  };
  const evilSsh: Behaviour = (c) => void c.write(Buffer.from(`SSH-2.0-${ESC}]0;pwned${BEL}\r\n`));

  it.each([
    ['ALPN', evilAlpn, ['--alpn', 'h2']],
    ['HTTP status line', evilHttp, []],
    ['SSH banner', evilSsh, []],
  ])('%s: text and JSON carry no raw control bytes', async (_name, behaviour, extra) => {
    const server = await startHostileServer(behaviour);
    try {
      for (const mode of [['--no-color'], ['--json']]) {
        const run = await runCli([`127.0.0.1:${server.port}`, '--timeout', '2000', ...extra, ...mode]);
        expect(run.code).not.toBe(ExitCode.internal);
        expect(run.code).not.toBe(ExitCode.ok);
        expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
        expect(run.stdout + run.stderr).toMatch(/\\x1b|\\u001b/i);
      }
    } finally {
      await server.close();
    }
  });
});

describe('secrets and files', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('--keylog and --save files are created 0600', async () => {
    const keylog = path.join(dir, 'keys.log');
    const saved = path.join(dir, 'capture.json');
    const run = await runCli([`127.0.0.1:${server.port}`, '--timeout', '5000', '--keylog', keylog, '--save', saved, '--no-color']);
    expect(run.code).toBe(ExitCode.ok);
    expect(statSync(keylog).mode & 0o777).toBe(0o600);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(readFileSync(keylog, 'utf8')).toMatch(/^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|CLIENT_RANDOM|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) /m);
  });

  it('secret values appear in the output only with --show-secrets', async () => {
    const keylog = path.join(dir, 'keys-2.log');
    const saved = path.join(dir, 'capture-2.json');
    const run = await runCli([`127.0.0.1:${server.port}`, '--timeout', '5000', '--no-color', '--keylog', keylog, '--save', saved]);
    expect(run.code).toBe(ExitCode.ok);
    const secrets = readFileSync(keylog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[2]);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const s of secrets) expect(run.stdout).not.toContain(s);
    const shown = await runCli(['replay', saved, '--no-color', '--show-secrets']);
    expect(shown.code).toBe(ExitCode.ok);
    expect(secrets.some((s) => shown.stdout.includes(s))).toBe(true);
  });
});

describe('tls-trace sends nothing but the handshake, to the name it was given', () => {
  let backend: TestServer;
  beforeAll(async () => {
    backend = await startNodeTlsServer({ maxVersion: 'TLSv1.2', response: 'HTTP/1.1 200 OK\r\n\r\nhello' });
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('TLS 1.2 through a recording proxy: the client sent only handshake records, CCS and one alert, never application data', async () => {
    const proxy = await startHostileServer(proxyTo(backend.port, (rec) => ({ send: rec })));
    const asked: string[] = [];
    const resolver = fakeLookup({ 'only-this.example': '127.0.0.1' });
    const spy: typeof resolver = ((host: string, options: unknown, cb: never) => {
      asked.push(host);
      (resolver as unknown as (h: string, o: unknown, c: never) => void)(host, options, cb);
    }) as unknown as typeof resolver;
    let run;
    try {
      run = await runCli([`only-this.example:${proxy.port}`, '--timeout', '5000', '--no-color'], { lookup: spy });
    } finally {
      await proxy.close();
    }
    expect(run.code).toBe(ExitCode.ok);
    expect(proxy.connections()).toBe(1);
    expect(asked).toEqual(['only-this.example']);
    const sent = proxy.received();
    const split = splitRecords(new Uint8Array(sent));
    expect(split.garbage).toBeUndefined();
    expect(split.records.every((r) => r.issue === undefined)).toBe(true);
    const types = split.records.map((r) => r.contentType);
    // ClientHello, ClientKeyExchange, ChangeCipherSpec, Finished (encrypted handshake), then at
    // most a close_notify alert (whether it reaches the proxy before the server closes is timing).
    expect(types.slice(0, 4)).toEqual([22, 22, 20, 22]);
    expect(types.slice(4).every((t) => t === 21)).toBe(true);
    expect(types).not.toContain(23);
    expect(sent.toString('latin1')).not.toMatch(/HEAD |GET |HTTP\/1/);
  });
});

describe('no shell-outs in src/', () => {
  // Live --packets must run tcpdump/dumpcap (and getcap): that one module, with argument arrays.
  const PROCESS_MODULE = 'src/capture/packet-tool.ts';
  // check --jobs forks tls-trace's own entry as its workers: fork only, never a command line.
  const WORKER_MODULE = 'src/cli/check-jobs.ts';
  it('no module in src/ but the packet-capture one imports child_process or calls exec/spawn', () => {
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|js|mjs|cjs)$/.test(e.name)) {
          const text = readFileSync(p, 'utf8');
          const rel = path.relative(repoRoot, p);
          if (rel === PROCESS_MODULE || rel === WORKER_MODULE) continue;
          if (/child_process|\bexecSync\b|\bexecFile\b|\bspawnSync?\s*\(|\bshell\s*:\s*true/.test(text)) offenders.push(rel);
        }
      }
    };
    walk(path.join(repoRoot, 'src'));
    walk(path.join(repoRoot, 'bin'));
    expect(offenders).toEqual([]);
  });
  it('check --jobs starts its workers with fork (node and the entry it runs, no shell, no command line)', () => {
    const text = readFileSync(path.join(repoRoot, WORKER_MODULE), 'utf8');
    expect(text).not.toMatch(/\bshell\s*:|\bexec(Sync|File|FileSync)?\s*\(|\bspawn(Sync)?\s*\(/);
    expect(text).toMatch(/import \{ fork, type ChildProcess \} from 'node:child_process';/);
    expect([...text.matchAll(/\bfork\(/g)].length).toBe(1);
  });
  it('the packet-capture module never asks for a shell and never runs a command line', () => {
    const text = readFileSync(path.join(repoRoot, PROCESS_MODULE), 'utf8');
    expect(text).not.toMatch(/\bshell\s*:|\bexecSync\b|\bspawnSync\b|\bexec\s*\(/);
    expect([...text.matchAll(/\b(spawn|execFile)\(/g)].length).toBe(2);
  });
});
