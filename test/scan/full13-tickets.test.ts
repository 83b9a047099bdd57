// Which NewSessionTickets the hand-built TLS 1.3 handshake turns into sessions to offer
// (resumablesOf): a ticket whose lengths do not add up is not offered, since its PSK would rest on
// a guessed nonce. The PSK rule itself (RFC 8446 §4.6.1) is proven live in full13.test.ts, where
// s_server resumes with every PSK derived.

import { describe, expect, it } from '@jest/globals';
import { deriveSecret, hkdfExpandLabel } from '../../src/decrypt/hkdf.js';
import { tls13SuiteCrypto } from '../../src/decrypt/suites.js';
import type { Tls13Schedule } from '../../src/decrypt/tls13.js';
import { resumablesOf, type Verified } from '../../src/scan/session/full13.js';
import type { ServerKeys } from '../../src/scan/handshake13.js';

/** A NewSessionTicket message: lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2> (`extLength` may lie). */
function ticketMessage(nonce: Buffer, ticket: Buffer, extensions: Buffer, extLength = extensions.length): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, 0, 0x1c, 0x20]), // lifetime 7200
    Buffer.from([1, 2, 3, 4]), // age_add
    Buffer.from([nonce.length]),
    nonce,
    Buffer.from([ticket.length >> 8, ticket.length & 0xff]),
    ticket,
    Buffer.from([extLength >> 8, extLength & 0xff]),
    extensions,
  ]);
  return Buffer.concat([Buffer.from([4, 0, body.length >> 8, body.length & 0xff]), body]);
}

describe('resumablesOf', () => {
  const suite = tls13SuiteCrypto(0x1301)!;
  const master = Buffer.alloc(32, 0x11);
  const clientFinishedHash = Buffer.alloc(32, 0x22);
  const verified = { keys: { suite } as ServerKeys, schedule: { master } as Tls13Schedule, clientFinishedHash } as Verified;
  // early_data (42) with max_early_data_size 5000.
  const earlyData = Buffer.from([0, 42, 0, 4, 0, 0, 0x13, 0x88]);

  it('a well-formed ticket: its PSK, ticket, age_add and max_early_data', () => {
    const nonce = Buffer.from([0, 1]);
    const [s] = resumablesOf(verified, [ticketMessage(nonce, Buffer.from('opaque ticket'), earlyData)], 1000);
    const resumption = deriveSecret('sha256', master, 'res master', clientFinishedHash);
    expect(s).toEqual({ suite: 0x1301, psk: hkdfExpandLabel('sha256', resumption, 'resumption', nonce, 32), ticket: Buffer.from('opaque ticket'), ageAdd: 0x01020304, issuedAt: 1000, maxEarlyData: 5000 });
  });

  it('a ticket whose extensions length lies is not offered; the good one beside it is', () => {
    const good = ticketMessage(Buffer.from([1]), Buffer.from('t1'), Buffer.alloc(0));
    const lying = ticketMessage(Buffer.from([2]), Buffer.from('t2'), earlyData, 200);
    expect(resumablesOf(verified, [lying, good], 0).map((s) => s.ticket.toString())).toEqual(['t1']);
  });
});
