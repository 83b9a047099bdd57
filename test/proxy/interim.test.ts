// CONNECT answers that real proxies may send and tinyproxy never does, scripted: interim 1xx
// answers before the 200 (skipped, RFC 9110 §15.2), a 101 (no tunnel), a head split across TCP
// segments, a head past tls-trace's caps, and a refusal whose reason holds control bytes.

import net from 'node:net';
import { readConnectAnswer } from '../../src/capture/proxy.js';
import { ExitCode } from '../../src/errors.js';
import { MAX_PROXY_RESPONSE_BYTES } from '../../src/limits.js';
import { runCli } from '../helpers/cli.js';
import { startFakeProxy, type FakeProxyBehaviour } from '../helpers/proxies.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const HINTS = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n';
const OK = 'HTTP/1.1 200 Connection established\r\n\r\n';

describe('readConnectAnswer: interim answers and every split point', () => {
  it('every prefix of 100 + 103 + 200 is incomplete; the whole is the 200, its head length all three heads', () => {
    const whole = Buffer.from(CONTINUE + HINTS + OK, 'latin1');
    for (let n = 0; n < whole.length; n++) expect([n, readConnectAnswer(whole.subarray(0, n)).kind]).toEqual([n, 'incomplete']);
    const tls = Buffer.from([0x16, 0x03, 0x03]);
    expect(readConnectAnswer(Buffer.concat([whole, tls]))).toEqual({ kind: 'answer', status: 200, reason: 'Connection established', headLength: whole.length });
  });

  it('a 101 is the final answer', () => {
    expect(readConnectAnswer(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'))).toMatchObject({ kind: 'answer', status: 101 });
  });

  it('what follows an interim answer must be HTTP too', () => {
    expect(readConnectAnswer(Buffer.from(`${CONTINUE}SSH-2.0-x\r\n`))).toEqual({ kind: 'not-http', problem: 'after an interim 1xx answer, its first bytes are 53 53 48 2d 32 2e 30 2d, not an HTTP status line' });
  });

  it('the caps count the interim heads: endless 100 Continue is too big, not incomplete forever', () => {
    expect(readConnectAnswer(Buffer.from(CONTINUE.repeat(Math.ceil(MAX_PROXY_RESPONSE_BYTES / CONTINUE.length) + 1)))).toEqual({ kind: 'too-big' });
  });
});

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A tunnel to `port` whose answer goes out in `pieces`, each its own TCP segment (Nagle off, a pause between). */
function tunnelInPieces(port: number, pieces: string[]): FakeProxyBehaviour {
  return (socket) => {
    socket.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port }, () => {
      // Piped at once: the client sends nothing until the head is complete, and a byte it sends
      // then must not arrive while the socket has no reader.
      socket.pipe(upstream);
      upstream.pipe(socket);
      void (async () => {
        for (const p of pieces) {
          if (socket.destroyed) return;
          socket.write(Buffer.from(p, 'latin1'));
          await wait(15);
        }
      })();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  };
}

describe('a scripted proxy', () => {
  let tlsServer: TestServer;
  const proxies: TestServer[] = [];
  beforeAll(async () => {
    tlsServer = await startNodeTlsServer();
  });
  afterAll(async () => Promise.all([...proxies.map((p) => p.close()), tlsServer.close()]));
  const through = async (b: FakeProxyBehaviour, extra: string[] = ['--json']): ReturnType<typeof runCli> => {
    const p = await startFakeProxy(b);
    proxies.push(p);
    return runCli([`127.0.0.1:${tlsServer.port}`, '--timeout', '5000', '--proxy', `http://127.0.0.1:${p.port}`, ...extra]);
  };
  const serverHeads = (stdout: string): string[] => {
    const doc = JSON.parse(stdout) as { prologue: { steps: Array<{ direction: string; hex: string }> } };
    return doc.prologue.steps.filter((s) => s.direction === 'server').map((s) => Buffer.from(s.hex, 'hex').toString('latin1'));
  };

  it.each([
    ['100 Continue, then 200, in two segments', [CONTINUE, OK]],
    ['100 and 103 Early Hints and 200 in one segment', [CONTINUE + HINTS + OK]],
    ['the 200 head a few bytes per segment, split inside its CRLF CRLF', ['HTTP/1.1 2', '00 Connection est', 'ablished\r\n', 'Via: 1.1 p\r', '\n\r', '\n']],
  ])('%s: the tunnel opens and the handshake is traced', async (_name, pieces) => {
    const r = await through(tunnelInPieces(tlsServer.port, pieces));
    expect([r.code, r.stderr]).toEqual([ExitCode.ok, '']);
    const doc = JSON.parse(r.stdout) as { target: { proxy: { status: number; reason: string } }; records: unknown[] };
    expect(doc.target.proxy).toMatchObject({ status: 200, reason: 'Connection established' });
    expect(doc.records.length).toBeGreaterThan(0);
    // Each head is its own prologue step, the interim ones included, and nothing of TLS.
    const heads = (pieces.join('').match(/HTTP\/1\.1 [^]*?\r\n\r\n/g) ?? []);
    expect(serverHeads(r.stdout)).toEqual(heads);
  }, 20_000);

  it('the text trace explains an interim answer and names the final one', async () => {
    const r = await through(tunnelInPieces(tlsServer.port, [CONTINUE, OK]), ['--no-color']);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.stdout).toMatch(/← Proxy answer \(100\)/);
    expect(r.stdout).toContain('An interim answer (RFC 9110 §15.2): the proxy\'s final answer follows.');
    expect(r.stdout).toMatch(/CONNECT 127\.0\.0\.1:\d+ → 200 Connection established/);
  }, 20_000);

  it.each([
    ['a 101 after a 100', [CONTINUE, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'], /with "101 Switching Protocols": the proxy switched to another protocol instead of opening a tunnel \(CONNECT needs a 2xx\)$/],
    ['SSH after a 100', [CONTINUE, 'SSH-2.0-OpenSSH_9.2\r\n'], /: the proxy answered CONNECT with something that is not HTTP: after an interim 1xx answer, its first bytes are 53 53 48 2d 32 2e 30 2d, not an HTTP status line$/],
    ['100 Continue past the cap', [CONTINUE.repeat(Math.ceil(MAX_PROXY_RESPONSE_BYTES / CONTINUE.length) + 1)], new RegExp(`: the proxy's answer to CONNECT is longer than tls-trace reads \\(its limit: ${MAX_PROXY_RESPONSE_BYTES} bytes, 4096 per line\\)$`)],
    ['a refusal whose reason holds an escape sequence and a C1 control', ['HTTP/1.1 403 Forb\x1b[31midden\x9b\r\n\r\n'], /with "403 Forb\\x1b\[31midden\\x9b": the proxy does not allow a tunnel to this host and port$/],
  ])('%s: one line, exit 12', async (_name, pieces, line) => {
    const r = await through(tunnelInPieces(tlsServer.port, pieces));
    expect(r.code).toBe(ExitCode.proxy);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tls-trace: proxy 127\.0\.0\.1:\d+/);
    expect(lines[0]).toMatch(line);
    expect([r.stderr.includes('\x1b'), r.stderr.includes('\x9b')]).toEqual([false, false]);
  }, 20_000);

  it('check and scan open their tunnels through the same interim answers', async () => {
    const p = await startFakeProxy(tunnelInPieces(tlsServer.port, [CONTINUE + HINTS, OK]));
    proxies.push(p);
    const via = ['--proxy', `http://127.0.0.1:${p.port}`, '--timeout', '5000'];
    const check = await runCli(['check', `127.0.0.1:${tlsServer.port}`, '--json', ...via]);
    const result = (JSON.parse(check.stdout) as { results: Array<{ exitCode: number; error?: unknown; chain?: unknown }> }).results[0];
    // Not a proxy failure (12): the chain arrived through the tunnel (its verdict is the test PKI's).
    expect(result.exitCode).not.toBe(ExitCode.proxy);
    expect(result.error).toBeUndefined();
    const scan = await runCli(['scan', `127.0.0.1:${tlsServer.port}`, '--json', ...via]);
    expect([scan.code, scan.stderr]).toEqual([ExitCode.ok, '']);
  }, 60_000);
});

