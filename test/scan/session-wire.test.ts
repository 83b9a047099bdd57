// The scan reads TLS 1.2 session probes without decrypting them (readSessionWire's decrypt: false):
// what it reads there must be what the full path (decode + decrypt with the key log) reads.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sessionHandshake } from '../../src/capture/session-connection.js';
import { readSessionWire } from '../../src/scan/session/wire.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';

describe('readSessionWire without decryption (TLS 1.2)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startNodeTlsServer({ maxVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await server.close();
  });

  const connect = (session?: Buffer, noTicket = false) =>
    sessionHandshake({ address: '127.0.0.1', port: server.port }, { version: 'TLSv1.2', timeoutMs: 20_000, ...(session ? { session } : {}), noTicket });

  it('reads the same ServerHello, session IDs and tickets as the decrypting path, first and resumed', async () => {
    for (const noTicket of [false, true]) {
      const first = await connect(undefined, noTicket);
      expect(first.ok).toBe(true);
      expect(first.keylog.length).toBeGreaterThan(0);
      const second = await connect(first.sessions[first.sessions.length - 1], noTicket);
      expect(second.ok).toBe(true);
      for (const conn of [first, second]) {
        const light = readSessionWire(conn, { decrypt: false });
        const full = readSessionWire(conn);
        expect(light.serverHello).toEqual(full.serverHello);
        expect(light.serverHelloRaw?.toString('hex')).toBe(full.serverHelloRaw?.toString('hex'));
        // Without decryption only the server's bytes are decoded: the client's session ID is not read.
        expect(light.clientSessionId).toBeUndefined();
        expect(full.clientSessionId).toMatch(/^([0-9a-f]{2}){0,32}$/);
        expect(light.tickets).toEqual(full.tickets);
        expect(full.undecrypted).toBe(false);
        expect(light.undecrypted).toBe(false);
      }
      const firstWire = readSessionWire(first, { decrypt: false });
      // OpenSSL's server gives a session ID only when it will not issue a ticket.
      expect(firstWire.serverHello?.sessionId).toMatch(noTicket ? /^[0-9a-f]{64}$/ : /^$/);
      // Tickets only when the client offered session_ticket; the resumed handshake echoes the ID we offered.
      expect(firstWire.tickets.length).toBe(noTicket ? 0 : 1);
      // Node's server resumes tickets; it has no session-ID cache unless the application adds one.
      const secondWire = readSessionWire(second);
      expect(secondWire.serverHello?.sessionId === secondWire.clientSessionId).toBe(!noTicket);
      expect(second.reused).toBe(!noTicket);
    }
  });
});
