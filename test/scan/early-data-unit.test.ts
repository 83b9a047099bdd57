// The 0-RTT/PSK probe's hash comes from the shared suite table (src/decrypt/suites.ts): a session
// whose suite that table cannot name as a TLS 1.3 suite gets no verdict and no connection of its
// own (the ticket is left to a Node handshake), rather than a binder made with a guessed SHA-256.

import { offerTicket } from '../../src/scan/session/early-data.js';
import type { ScanContext } from '../../src/scan/context.js';
import type { ResumableSession } from '../../src/scan/session/openssl-session.js';

/** A context that fails the test if the probe reaches for it (a connection, the SNI). */
const untouchable = new Proxy({} as ScanContext, {
  get(_t, key) {
    throw new Error(`the probe used the scan context (${String(key)})`);
  },
});

const session = (suite: number): ResumableSession => ({ suite, psk: Buffer.alloc(32, 1), ticket: Buffer.alloc(16, 2), ageAdd: 0, issuedAt: 0, maxEarlyData: 16384 });

describe('offerTicket with a suite whose hash is not known', () => {
  test.each([
    ['not in the registry', 0x13ff, /^not tested: cipher suite .* is not in the registry$/],
    ['a TLS 1.2 suite', 0xc02f, /^not tested: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is not a TLS 1.3 suite$/],
  ])('%s: no verdict, no connection, left to Node', async (_name, suite, why) => {
    const a = await offerTicket(untouchable, session(suite), true);
    expect(a.retry).toBe(true);
    expect(a.psk.resumed).toBeNull();
    expect(a.psk.evidence).toMatch(why);
    expect(a.earlyData).toEqual({ accepted: null, evidence: a.psk.evidence });
    expect(await offerTicket(untouchable, session(suite), false)).toEqual({ retry: true, psk: a.psk });
  });
});
