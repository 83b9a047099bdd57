// The per-direction field budget (MAX_FIELDS_PER_DIRECTION): past it a handshake message is still
// decoded in full but shown as its header plus one body span. A malformed message must still say
// so: the parent field that carried the issue may not have been kept.

import { decodeHandshakeMessage } from '../../src/decode/handshake.js';
import type { FieldBudget } from '../../src/decode/reader.js';
import type { ByteSpace } from '../../src/decode/types.js';

function space(bytes: number[]): ByteSpace {
  const b = new Uint8Array(bytes);
  return { id: 'server', direction: 'server', bytes: b, segments: [{ at: 0, streamOffset: 0, length: b.length }], decrypted: false };
}

// A ServerHelloDone (type 14) declaring 2 body bytes: its body must be empty.
const helloDoneWithTrailing = [14, 0, 0, 2, 0xaa, 0xbb];
// A ServerHello whose cipher_suite is cut short by its own declared length.
const cutServerHello = [2, 0, 0, 3, 3, 3, 0];

describe('field budget', () => {
  it.each([
    ['ServerHelloDone with 2 trailing bytes', helloDoneWithTrailing],
    ['ServerHello cut inside its fixed fields', cutServerHello],
  ])('%s: the same issue with and without budget left, fields collapsed when spent', (_name, bytes) => {
    const plenty: FieldBudget = { left: 100, exhausted: false };
    const spent: FieldBudget = { left: 0, exhausted: false };
    const itemised = decodeHandshakeMessage(space(bytes), 0, bytes.length, {}, plenty);
    const collapsed = decodeHandshakeMessage(space(bytes), 0, bytes.length, {}, spent);
    expect(itemised.issue).toBeDefined();
    expect(collapsed.issue).toEqual(itemised.issue);
    expect(spent.exhausted).toBe(true);
    expect(collapsed.fields.map((f) => f.name)).toEqual(['msg_type', 'length', 'body']);
    expect(collapsed.fields[2].issue).toEqual(itemised.issue);
  });

  it('a clean message past the budget has no issue', () => {
    const bytes = [14, 0, 0, 0];
    const spent: FieldBudget = { left: 0, exhausted: false };
    const m = decodeHandshakeMessage(space(bytes), 0, bytes.length, {}, spent);
    expect(m.issue).toBeUndefined();
    expect(m.fields.map((f) => f.name)).toEqual(['msg_type', 'length']);
  });
});
