// The --demo server: serves the committed demo chain per key type, answers a tiny HTTP request,
// and stops listening on close().

import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { startDemoServer, type DemoKeyType } from '../../src/capture/demo-server.js';

function connectOnce(port: number, opts: tls.ConnectionOptions): Promise<{ chain: X509Certificate[]; alpn: string | false; body: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('demo server did not answer within 5 s'));
    }, 5000);
    let body = '';
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.once('secureConnect', () => {
      s.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
    });
    s.on('data', (d: Buffer) => (body += d.toString('latin1')));
    s.on('end', () => {
      clearTimeout(timer);
      const chain: X509Certificate[] = [];
      let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
      while (c && c.raw && !chain.some((x) => x.raw.equals(c!.raw))) {
        chain.push(new X509Certificate(c.raw));
        c = c.issuerCertificate;
      }
      resolve({ chain, alpn: s.alpnProtocol ?? false, body });
      s.destroy();
    });
  });
}

describe('startDemoServer', () => {
  it.each([
    ['ecdsa', 'ec'],
    ['rsa', 'rsa'],
  ] as Array<[DemoKeyType, string]>)('%s: serves leaf + intermediate that verify up to caPem, with ALPN and an HTTP answer', async (keyType, keyAlg) => {
    const demo = await startDemoServer({ keyType });
    try {
      expect(demo.host).toBe('127.0.0.1');
      const r = await connectOnce(demo.port, { ca: demo.caPem, servername: 'localhost', ALPNProtocols: ['h2'] });
      // Sent: leaf + intermediate; Node appends the trusted root it verified against (caPem).
      expect(r.chain).toHaveLength(3);
      expect(r.chain[2].raw.equals(new X509Certificate(demo.caPem).raw)).toBe(true);
      expect(r.chain[0].publicKey.asymmetricKeyType).toBe(keyAlg);
      expect(r.chain[0].checkHost('localhost')).toBe('localhost');
      expect(r.chain[0].verify(r.chain[1].publicKey)).toBe(true);
      expect(r.chain[1].verify(new X509Certificate(demo.caPem).publicKey)).toBe(true);
      expect(r.alpn).toBe('h2');
      expect(r.body).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*hello from tls-trace!\n$/);
    } finally {
      await demo.close();
    }
    // Closed means closed: nothing listens any more.
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: demo.port });
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('honours version limits', async () => {
    const demo = await startDemoServer({ maxVersion: 'TLSv1.2' });
    try {
      await expect(connectOnce(demo.port, { ca: demo.caPem, servername: 'localhost', minVersion: 'TLSv1.3' })).rejects.toThrow(/alert protocol version/);
    } finally {
      await demo.close();
    }
  });
});
