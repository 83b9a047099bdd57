// The record cap against legal framings (issue 9, item 5). TLS lets a server cut its flight into
// records of any size down to one byte, and the handshake still succeeds. A legal handshake is
// either decoded in full (Finished ✔) or reported as larger than tls-trace decodes, naming the cap,
// with verification "not verified" — never ✖, never "the server sent …", never a message shown
// as cut short by the peer. Real server: Node's tls (OpenSSL) behind the re-framing proxy, with an
// ~89 KB chain so that 1-byte records need more than the cap.

import { readFileSync } from 'node:fs';
import { demoCerts, demoPaths, startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { startReframingProxy } from '../helpers/reframe-proxy.js';
import { runCli } from '../helpers/cli.js';
import { MAX_RECORDS_PER_DIRECTION } from '../../src/limits.js';
import { failureLine } from '../../src/cli/commands/trace.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { Capture } from '../../src/capture/types.js';
import type { DecodedTrace } from '../../src/decode/model.js';
import type { VerificationFact } from '../../src/decrypt/types.js';
import { verificationPastCaps } from '../../src/decrypt/verify-caps.js';
import { record } from './tls-bytes.js';
import { traceValidator } from '../report/helpers/checks.js';
import { serverOnly } from '../report/helpers/big-captures.js';
import { parseValid } from '../helpers/schema.js';

interface Fact {
  check: string;
  ok: boolean;
  notVerified?: boolean;
  reason: string;
}

interface TraceDoc {
  outcome: { complete: boolean; summary: string };
  records: Array<{ direction: string }>;
  messages: Array<{ kind: string; name: string; direction: string; cap?: boolean; issue?: unknown; fields: Array<{ issue?: unknown }> }>;
  issues: Array<{ kind: string; reason: string }>;
  decryption: { verifications: Fact[] };
}

/** DER bytes of every certificate in a PEM bundle (an independent measure of the chain size). */
function derBytes(pem: string): number {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].reduce((n, m) => n + Buffer.from(m[1].replace(/\s+/g, ''), 'base64').length, 0);
}

describe('a legal ~89 KB certificate chain re-framed into small records (TLS 1.2, Node tls server)', () => {
  let server: TestServer;
  let chain: string;
  beforeAll(async () => {
    const certs = demoCerts();
    // The leaf and its intermediate, then more copies of the intermediate: OpenSSL sends them all.
    chain = certs.rsa.cert + readFileSync(demoPaths.intermediate, 'utf8').repeat(160);
    server = await startNodeTlsServer({ cert: chain, key: certs.rsa.key, maxVersion: 'TLSv1.2' });
  });
  afterAll(() => server.close());

  async function traceVia(recordSize: number): Promise<{ doc: TraceDoc; text: string; code: number; stderr: string }> {
    const proxy = await startReframingProxy({ target: { host: '127.0.0.1', port: server.port }, recordSize, directions: ['server'] });
    try {
      const json = await runCli([`127.0.0.1:${proxy.port}`, '--json', '--timeout', '20000']);
      const text = await runCli([`127.0.0.1:${proxy.port}`, '--no-color', '--timeout', '20000']);
      expect(json.code).toBe(text.code);
      return { doc: parseValid<TraceDoc>('trace', json.stdout), text: text.stdout, code: text.code, stderr: json.stderr + text.stderr };
    } finally {
      await proxy.close();
    }
  }

  it('the chain is about 89 KB', () => {
    expect(derBytes(chain)).toBeGreaterThan(88_000);
  });

  it('1-byte records: larger than tls-trace decodes (cap named), verification "not verified", never ✖', async () => {
    const { doc, text, code, stderr } = await traceVia(1);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(doc.records.filter((r) => r.direction === 'server')).toHaveLength(MAX_RECORDS_PER_DIRECTION);
    const said = `tls-trace stopped decoding the server's bytes after ${MAX_RECORDS_PER_DIRECTION} records (its record cap)`;
    expect(doc.outcome).toEqual({ complete: true, summary: `Handshake complete (per Node's TLS stack); larger than tls-trace decodes: ${said}` });
    expect(doc.issues.filter((i) => i.kind === 'limit').map((i) => i.reason)).toEqual([expect.stringMatching(new RegExp(`^${said.replace(/[()]/g, '\\$&')}; the remaining \\d+ bytes are not decoded$`))]);
    // The Certificate cut by the cap is part of the undecoded span, not an "incomplete" message.
    expect(doc.messages.filter((m) => m.direction === 'server' && m.kind === 'handshake').map((m) => m.name)).toEqual(['ServerHello']);
    expect(doc.messages.filter((m) => m.issue !== undefined || m.fields.some((f) => f.issue !== undefined))).toEqual([]);
    expect(doc.messages.filter((m) => m.cap === true)).toMatchObject([{ kind: 'opaque', direction: 'server', name: 'Not decoded (tls-trace cap)' }]);
    // Both Finished checks could not run: neutral, with the cap as the reason.
    const facts = doc.decryption.verifications;
    expect(facts.map((f) => [f.check, f.ok, f.notVerified])).toEqual([
      ['client-finished', false, true],
      ['server-finished', false, true],
    ]);
    for (const f of facts) expect(f.reason).toMatch(new RegExp(`^not verified: ${said.replace(/[()]/g, '\\$&')}`));
    expect(text).not.toMatch(/✖|Finished messages missing|does not match|the server sent|cap hit|incomplete at/);
    expect(text).toMatch(/– Client Finished: not verified: tls-trace stopped decoding/);
    // The JSON with the cap in it still follows schema/trace.schema.json.
    expect(traceValidator()(doc)).toEqual({ ok: true, errors: 'No errors' });
  }, 60_000);

  it('16-byte records (about 5 700 of them): decoded in full, both Finished ✔', async () => {
    const { doc, text, code } = await traceVia(16);
    expect(code).toBe(0);
    expect(doc.outcome).toEqual({ complete: true, summary: 'Handshake complete' });
    expect(doc.issues).toEqual([]);
    const cert = doc.messages.find((m) => m.name === 'Certificate');
    expect(cert?.issue).toBeUndefined();
    expect(doc.decryption.verifications.map((f) => [f.check, f.ok])).toEqual([
      ['server-key-exchange', true],
      ['client-finished', true],
      ['server-finished', true],
    ]);
    expect(text).not.toMatch(/✖|not verified/);
  }, 60_000);
});

describe('the cap in the one-line failure and with legal records', () => {
  const capture = serverOnly;

  it('more records of legal size than the cap (256-byte application data, 4.4 MB): the cap wording, no verdict', () => {
    const count = MAX_RECORDS_PER_DIRECTION + 600;
    const bytes = Buffer.concat(Array.from({ length: count }, () => record(23, Buffer.alloc(256, 9))));
    const decoded = decodeCapture(capture(bytes));
    expect(decoded.records).toHaveLength(MAX_RECORDS_PER_DIRECTION);
    expect(decoded.issues).toEqual([
      {
        direction: 'server',
        kind: 'limit',
        offset: MAX_RECORDS_PER_DIRECTION * 261,
        length: 600 * 261,
        reason: `tls-trace stopped decoding the server's bytes after ${MAX_RECORDS_PER_DIRECTION} records (its record cap); the remaining ${600 * 261} bytes are not decoded`,
      },
    ]);
  });

  it('a failed handshake whose server bytes hit the cap names the cap, not the server', () => {
    const bytes = Buffer.concat(Array.from({ length: MAX_RECORDS_PER_DIRECTION + 10 }, () => record(22, Buffer.alloc(0))));
    const c = capture(bytes, { code: 'tls', message: 'handshake failed: unexpected message', atMs: 1 } as Capture['error']);
    const line = failureLine(c, decodeCapture(c));
    expect(line).toBe(`handshake failed: unexpected message (tls-trace stopped decoding the server's bytes after ${MAX_RECORDS_PER_DIRECTION} records (its record cap), so the bytes in question are not shown)`);
    expect(line).not.toMatch(/sent a record TLS does not allow|cap hit/);
  });
});

describe('verification past a cap (src/decrypt/verify-caps.ts)', () => {
  const fact: VerificationFact = { check: 'client-finished', label: 'Client Finished', ok: false, reason: 'verify_data does not match …', direction: 'client', records: [0], expected: 'aa', actual: 'bb' };
  const trace = (capAt: number): DecodedTrace => ({
    records: [{ timeMs: 5 } as DecodedTrace['records'][number]],
    messages: [],
    spaces: [],
    issues: [],
    caps: [{ direction: 'server', cap: 'records', limit: 16384, offset: 0, length: 1, timeMs: capAt, said: 'tls-trace stopped decoding the server\'s bytes after 16384 records (its record cap)' }],
  });

  it('a mismatch after the cap is "not verified"; one before the cap stays a failure', () => {
    expect(verificationPastCaps([fact], trace(1), false)).toEqual([
      { check: 'client-finished', label: 'Client Finished', ok: false, notVerified: true, direction: 'client', records: [0], actual: 'bb', reason: "not verified: tls-trace stopped decoding the server's bytes after 16384 records (its record cap), so the transcript it covers is incomplete" },
    ]);
    expect(verificationPastCaps([fact], trace(9), false)).toEqual([fact]);
  });

  it('with keys, a Finished of the capped direction that was never decoded is said to be not verified', () => {
    const facts = verificationPastCaps([], trace(1), true);
    expect(facts).toMatchObject([{ check: 'server-finished', ok: false, notVerified: true, reason: expect.stringMatching(/^not verified: .*its Finished is in the part not decoded$/) }]);
    expect(verificationPastCaps([], trace(1), false)).toEqual([]);
  });
});
