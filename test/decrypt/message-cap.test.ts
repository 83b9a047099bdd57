// The message cap inside decrypted records. A server that completed a real TLS 1.3 handshake (so
// the key log opens its records) can then send protected records full of zeros: each 16 000-byte
// plaintext frames as 4 000 empty "HelloRequests". The decrypted part follows the same rule as the
// plaintext decoder (src/limits.ts): one message per record plus MAX_PACKED_MESSAGES_PER_DIRECTION,
// then one span that names tls-trace's cap. Records are sealed here with the RFC 8448 keys.

import { RFC8448_FLOW, rfc8448Capture } from '../../fixtures/rfc8448/capture.js';
import { decodeCapture } from '../../src/decode/index.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { sealServerRecord } from './helpers/seal.js';
import { MAX_PACKED_MESSAGES_PER_DIRECTION } from '../../src/limits.js';
import type { Direction } from '../../src/capture/types.js';

describe('message cap in decrypted handshake records', () => {
  const FLOOD = 4;
  // After the NewSessionTicket (server application seq 0) come FLOOD records of zeros.
  const extra: Record<string, Buffer> = {};
  const flow: Array<[Direction, string]> = RFC8448_FLOW.slice(0, 5).map(([d, n]) => [d, n]);
  for (let i = 1; i <= FLOOD; i++) {
    extra[`flood${i}`] = sealServerRecord(BigInt(i), Buffer.alloc(16_000), 22);
    flow.push(['server', `flood${i}`]);
  }
  const capture = rfc8448Capture({ flow, extra });

  it('decrypts every record but stops framing messages at the cap, said as tls-trace\'s own', () => {
    const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
    expect(decryption.records.every((r) => r.ok)).toBe(true);
    const server = trace.messages.filter((m) => m.direction === 'server' && m.space.decrypted === true);
    const handshakes = server.filter((m) => m.kind === 'handshake');
    // 16 000 would-be messages; the budget is one per handshake record plus the packed allowance.
    expect(handshakes.length).toBeLessThanOrEqual(2 + FLOOD + MAX_PACKED_MESSAGES_PER_DIRECTION + 4);
    expect(handshakes.length).toBeGreaterThanOrEqual(MAX_PACKED_MESSAGES_PER_DIRECTION);
    const spans = server.filter((m) => m.kind === 'opaque');
    expect(spans.length).toBeGreaterThanOrEqual(1);
    for (const s of spans) {
      expect(s).toMatchObject({ kind: 'opaque', cap: true });
      expect(s.kind === 'opaque' && s.reason).toMatch(/^tls-trace stopped decoding the server's decrypted handshake after \d records, at 2048 messages beyond one per record \(its message cap\)/);
      expect(s.issue).toBeUndefined();
    }
    expect(decryption.notes.filter((n) => /its message cap/.test(n))).toHaveLength(1);
  });
});
