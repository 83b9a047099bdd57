// The SSL 2.0 SERVER-HELLO decoder: a valid hello, every truncation, contradictions, no throws.

import { describe, expect, it } from '@jest/globals';
import { decodeSslv2ServerHello } from '../../src/decode/index.js';
import type { Field } from '../../src/decode/types.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

// Record header 0x8024 (36 bytes); type 4, hit 0, cert type 1, version 0002, cert len 3,
// specs len 6, conn id len 16; certificate aabbcc; specs 010080 0700c0; 16-byte connection id.
const CERT = 'aabbcc';
const SPECS = '010080' + '0700c0';
const CONN_ID = '5a'.repeat(16);
const HELLO = '8024' + '04' + '00' + '01' + '0002' + '0003' + '0006' + '0010' + CERT + SPECS + CONN_ID;

/** Leaf fields in byte order. */
function leaves(fields: readonly Field[]): Field[] {
  return fields.flatMap((f) => (f.children && f.children.length > 0 ? leaves(f.children) : [f])).sort((a, b) => a.offset - b.offset);
}

describe('decodeSslv2ServerHello', () => {
  it('decodes a valid SERVER-HELLO, every byte in a field', () => {
    const bytes = hex(HELLO);
    const d = decodeSslv2ServerHello(bytes);
    expect(d.issue).toBeUndefined();
    expect(d.length).toBe(bytes.length);
    expect(d.hello).toEqual({
      sessionIdHit: 0,
      certificateType: 1,
      version: 0x0002,
      certificateLength: 3,
      cipherSpecsLength: 6,
      connectionIdLength: 16,
      certificate: CERT,
      cipherSpecs: [0x010080, 0x0700c0],
      connectionId: CONN_ID,
    });
    let at = 0;
    for (const f of leaves(d.fields)) {
      expect([f.name, f.offset]).toEqual([f.name, at]);
      at += f.length;
    }
    expect(at).toBe(bytes.length);
    const version = leaves(d.fields).find((f) => f.name === 'server_version');
    expect(version).toMatchObject({ offset: 5, length: 2, value: 2, display: 'SSL 2.0 (0x0002)' });
  });

  it('flags every prefix as incomplete, and keeps the fixed header once it is there', () => {
    const bytes = hex(HELLO);
    for (let n = 0; n < bytes.length; n++) {
      const d = decodeSslv2ServerHello(bytes.subarray(0, n));
      expect([n, d.issue?.kind]).toEqual([n, 'incomplete']);
      expect([n, d.hello?.version]).toEqual([n, n >= 13 ? 0x0002 : undefined]);
    }
  });

  it('decodes only its own record: bytes after it are left alone', () => {
    const d = decodeSslv2ServerHello(hex(HELLO + '8003040000'));
    expect(d.issue).toBeUndefined();
    expect(d.length).toBe(HELLO.length / 2);
  });

  it('reports contradictions as malformed, with the header kept', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['specs length not a multiple of 3', '8023' + '04000100020003000500' + '10' + CERT + '0100800700' + CONN_ID, /not a multiple of 3/],
      ['data longer than the record', '8012' + '04000100020003000600' + '10' + CERT + SPECS, /need 36 bytes, the record has 18/],
      ['trailing bytes in the record', '8025' + '04000100020003000600' + '10' + CERT + SPECS + CONN_ID + 'ff', /1 trailing byte/],
    ];
    for (const [what, h, reason] of cases) {
      const d = decodeSslv2ServerHello(hex(h));
      expect([what, d.issue?.kind]).toEqual([what, 'malformed']);
      expect(d.issue?.reason).toMatch(reason);
      expect(d.hello?.version).toBe(0x0002);
    }
  });

  it('refuses what is not a SERVER-HELLO without a header', () => {
    expect(decodeSslv2ServerHello(hex('8005' + '0400010002')).issue).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/shorter than the 11-byte/) });
    expect(decodeSslv2ServerHello(hex('800b' + '01000100020000000000' + '00')).issue).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/type 1 is not SERVER-HELLO/) });
    expect(decodeSslv2ServerHello(hex('000b' + '04000100020000000000' + '00')).issue).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/2-byte record header/) });
    for (const h of ['8005' + '0400010002', '000b04000100020000000000']) expect(decodeSslv2ServerHello(hex(h)).hello).toBeUndefined();
  });

  it('never throws on random bytes (seeded)', () => {
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const valid = hex(HELLO);
    for (let i = 0; i < 2000; i++) {
      const b = i % 2 === 0 ? Uint8Array.from({ length: next() % 64 }, () => next() & 0xff) : Uint8Array.from(valid, (x) => (next() % 8 === 0 ? next() & 0xff : x));
      if (i % 4 === 1) b[0] |= 0x80;
      expect(() => decodeSslv2ServerHello(b)).not.toThrow();
    }
  });
});
