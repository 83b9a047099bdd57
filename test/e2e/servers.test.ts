// The loopback server helpers themselves: each kind starts on an ephemeral port, completes a real
// handshake with the recording client, and is gone after close().
import net from 'node:net';
import { describeWithTools, requireTool, startGnutlsServer, startNginx, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { recordHandshake, streamBytes } from '../helpers/recorder.js';

function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, 2000);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(false); });
    s.once('error', () => { clearTimeout(t); resolve(true); });
  });
}

async function handshakeThenClose(server: TestServer, minVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2'): Promise<void> {
  try {
    const cap = await recordHandshake({ host: server.host, port: server.port, minVersion });
    expect(cap.error).toBeUndefined();
    const client = streamBytes(cap, 'client');
    const srv = streamBytes(cap, 'server');
    // Both streams start with a handshake record; the server's peer chain is the demo leaf + intermediate.
    expect([client[0], srv[0]]).toEqual([0x16, 0x16]);
    expect(cap.node?.peerCertificates?.length).toBe(2);
  } finally {
    await server.close();
  }
  expect(await refuses(server.host, server.port)).toBe(true);
}

describe('startNodeTlsServer', () => {
  it('serves the demo chain on an ephemeral port and stops', async () => {
    await handshakeThenClose(await startNodeTlsServer());
  });
});

// Containers without IPv6 cannot run this and say so by skipping; CI machines must have ::1, so
// under CI the test runs and fails there.
const hasV6 = await new Promise<boolean>((resolve) => {
  const srv = net.createServer();
  srv.once('error', () => resolve(false));
  srv.listen(0, '::1', () => srv.close(() => resolve(true)));
});

describe('IPv6 loopback', () => {
  (hasV6 || process.env.CI ? it : it.skip)('Node and openssl servers listen on ::1', async () => {
    await handshakeThenClose(await startNodeTlsServer({ host: '::1' }));
    if (requireTool('openssl')) await handshakeThenClose(await startOpensslServer([], { host: '::1' }));
  });
});

describeWithTools('openssl')('startOpensslServer', () => {
  it('serves TLS 1.3 and stops', async () => {
    await handshakeThenClose(await startOpensslServer(['-tls1_3']), 'TLSv1.3');
  });
});

describeWithTools('gnutls-serv')('startGnutlsServer', () => {
  it('serves and stops', async () => {
    await handshakeThenClose(await startGnutlsServer());
  });
});

describeWithTools('nginx')('startNginx', () => {
  it('serves a server block and stops', async () => {
    await handshakeThenClose(await startNginx('ssl_protocols TLSv1.2 TLSv1.3;'));
  });
});
