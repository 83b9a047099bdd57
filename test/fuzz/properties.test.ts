// Property tests (fast-check) for the byte reader and the decoders, over generated structures
// rather than recorded ones: a generated message decodes to exactly what was encoded, and every
// strict prefix of it is reported incomplete or malformed — never decoded as something else.

import fc from 'fast-check';
import { ByteReader, DecodeStop, decodeWith, walkFields } from '../../src/decode/reader.js';
import type { ByteSpace, DecodeIssue, Field } from '../../src/decode/types.js';
import type { HandshakeMessage } from '../../src/decode/model.js';
import { decodeHandshakeMessage, splitRecords } from '../../src/decode/index.js';
import { decodeAlerts } from '../../src/decode/alert.js';
import { buildClientHelloMessage } from '../../src/scan/client-hello-builder.js';
import { certificate12, extension, record, serverHello } from '../robustness/tls-bytes.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const params = { numRuns: RUNS, seed: SEED };

function space(bytes: Uint8Array, direction: 'client' | 'server' = 'server'): ByteSpace {
  return { id: direction, direction, bytes, segments: [{ at: 0, streamOffset: 0, length: bytes.length }] };
}

function anyIssue(fields: readonly Field[]): DecodeIssue | undefined {
  for (const f of walkFields(fields)) if (f.issue) return f.issue;
  return undefined;
}

function flagged(msg: HandshakeMessage): boolean {
  return msg.issue !== undefined || anyIssue(msg.fields) !== undefined;
}

function spansInside(fields: readonly Field[], start: number, end: number): boolean {
  for (const f of walkFields(fields)) if (f.offset < start || f.length < 0 || f.offset + f.length > end) return false;
  return true;
}

/** Every strict prefix of `bytes` (all of them for short messages, a spread for long ones). */
function prefixes(bytes: Uint8Array): number[] {
  const n = bytes.length;
  if (n <= 200) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>([0, 1, 2, 3, 4, 5, n - 1, n - 2]);
  for (let i = 0; i < 150; i++) out.add(Math.floor((i * n) / 150));
  return [...out].filter((x) => x < n);
}

// Extension code points that are unassigned (so decoders keep them generic and raw).
const unassignedExt = fc.integer({ min: 0x7000, max: 0x7fff });
const extensionArb = fc.record({ type: unassignedExt, data: fc.uint8Array({ maxLength: 40 }) });
const u16 = fc.integer({ min: 0, max: 0xffff });

describe('ByteReader properties', () => {
  type Op = { op: 'u8' | 'u16' | 'u24' | 'u32' } | { op: 'bytes'; n: number } | { op: 'vector'; size: 1 | 2 | 3; inner: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constantFrom<Op>({ op: 'u8' }, { op: 'u16' }, { op: 'u24' }, { op: 'u32' }),
    fc.integer({ min: 0, max: 40 }).map((n): Op => ({ op: 'bytes', n })),
    fc.record({ size: fc.constantFrom<1 | 2 | 3>(1, 2, 3), inner: fc.integer({ min: 0, max: 3 }) }).map((v): Op => ({ op: 'vector', ...v })),
  );

  function run(r: ByteReader, ops: readonly Op[]): void {
    for (const o of ops) {
      if (o.op === 'u8') r.u8('a', 'A');
      else if (o.op === 'u16') r.u16('a', 'A');
      else if (o.op === 'u24') r.u24('a', 'A');
      else if (o.op === 'u32') r.u32('a', 'A');
      else if (o.op === 'bytes') r.bytesField(o.n, 'b', 'B');
      else if (o.op === 'vector')
        r.vector(o.size, 'v', 'V', {}, (s) => s.each((x) => (o.inner === 0 ? x.u8('e', 'E') : o.inner === 1 ? x.u16('e', 'E') : x.rest('e', 'E'))));
    }
  }

  it('any reads over any bytes: no exception escapes decodeWith, spans and issues stay in bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(opArb, { maxLength: 12 }), fc.nat(8), (bytes, ops, startPad) => {
        const start = Math.min(startPad, bytes.length);
        const out = decodeWith(bytes, start, bytes.length, (r) => run(r, ops));
        expect(spansInside(out.fields, start, bytes.length)).toBe(true);
        expect(out.consumed).toBeGreaterThanOrEqual(0);
        expect(start + out.consumed).toBeLessThanOrEqual(bytes.length);
        if (out.issue) {
          expect(out.issue.offset).toBeGreaterThanOrEqual(start);
          expect(out.issue.offset + out.issue.length).toBeLessThanOrEqual(bytes.length);
        }
        for (const f of walkFields(out.fields)) {
          if (f.issue) expect(f.issue.offset + f.issue.length).toBeLessThanOrEqual(bytes.length);
        }
      }),
      params,
    );
  });

  it('integers read big-endian, and a short read is an incomplete DecodeStop (nothing else)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 6 }), fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4), (bytes, size) => {
        const r = new ByteReader(bytes);
        if (bytes.length >= size) {
          const expected = Buffer.from(bytes).readUIntBE(0, size);
          expect(r.uint(size, 'x', 'X')).toBe(expected);
          expect(r.fields[0]).toMatchObject({ offset: 0, length: size, value: expected });
        } else {
          let caught: unknown;
          try {
            r.uint(size, 'x', 'X');
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(DecodeStop);
          expect((caught as DecodeStop).issue.kind).toBe('incomplete');
        }
      }),
      params,
    );
  });

  it('a u16 vector round-trips, and every strict prefix is flagged', () => {
    fc.assert(
      fc.property(fc.array(u16, { maxLength: 30 }), (values) => {
        const body = Buffer.concat(values.map((v) => Buffer.from([v >> 8, v & 0xff])));
        const bytes = Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
        const decode = (end: number) => {
          const r = new ByteReader(bytes, 0, end);
          const got = r.vector(2, 'v', 'V', { multipleOf: 2 }, (s) => s.each((x) => x.u16('e', 'E')));
          return { got, issue: anyIssue(r.fields) };
        };
        const full = decode(bytes.length);
        expect(full.got).toEqual(values);
        expect(full.issue).toBeUndefined();
        for (let n = 2; n < bytes.length; n++) {
          const p = decode(n);
          expect(p.got).toBeUndefined();
          expect(p.issue?.kind).toBe('incomplete');
        }
      }),
      params,
    );
  });
});

describe('decoder properties: generated messages decode exactly; prefixes are flagged', () => {
  it('ServerHello', () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom(0x0300, 0x0301, 0x0302, 0x0303),
          random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          sessionId: fc.uint8Array({ maxLength: 32 }),
          suite: u16,
          extensions: fc.option(fc.uniqueArray(extensionArb, { maxLength: 5, selector: (e) => e.type }), { nil: undefined }),
        }),
        (s) => {
          const bytes = serverHello({ ...s, extensions: s.extensions?.map((e) => extension(e.type, e.data)) });
          const msg = decodeHandshakeMessage(space(bytes), 0, bytes.length, {});
          expect(flagged(msg)).toBe(false);
          expect(msg.body).toMatchObject({
            type: 'server_hello',
            legacyVersion: s.version,
            random: Buffer.from(s.random).toString('hex'),
            sessionId: Buffer.from(s.sessionId).toString('hex'),
            cipherSuite: s.suite,
          });
          const body = msg.body as { extensions: Array<{ type: number; data: string }> };
          expect(body.extensions.map((e) => [e.type, e.data])).toEqual((s.extensions ?? []).map((e) => [e.type, Buffer.from(e.data).toString('hex')]));
          for (const n of prefixes(bytes)) expect(flagged(decodeHandshakeMessage(space(bytes), 0, n, {}))).toBe(true);
        },
      ),
      params,
    );
  });

  it('ClientHello (built by the scan engine)', () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom(0x0301, 0x0302, 0x0303),
          sessionId: fc.uint8Array({ maxLength: 32 }),
          suites: fc.array(u16, { minLength: 1, maxLength: 40 }),
          extensions: fc.uniqueArray(extensionArb, { maxLength: 6, selector: (e) => e.type }),
        }),
        (c) => {
          const bytes = buildClientHelloMessage({
            version: c.version,
            sessionId: c.sessionId,
            cipherSuites: c.suites,
            extensions: c.extensions.map((e) => ({ type: 'raw' as const, code: e.type, data: e.data })),
          });
          const msg = decodeHandshakeMessage(space(bytes, 'client'), 0, bytes.length, {});
          expect(flagged(msg)).toBe(false);
          expect(msg.body).toMatchObject({ type: 'client_hello', legacyVersion: c.version, sessionId: Buffer.from(c.sessionId).toString('hex'), cipherSuites: c.suites });
          const body = msg.body as { extensions: Array<{ type: number }> };
          expect(body.extensions.map((e) => e.type)).toEqual(c.extensions.map((e) => e.type));
          for (const n of prefixes(bytes)) expect(flagged(decodeHandshakeMessage(space(bytes, 'client'), 0, n, {}))).toBe(true);
        },
      ),
      params,
    );
  });

  it('Certificate (TLS 1.2 form) with arbitrary certificate bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 6 }), (ders) => {
        const bytes = certificate12(ders);
        const ctx = { version: 0x0303, cipherSuite: 0xc02f };
        const msg = decodeHandshakeMessage(space(bytes), 0, bytes.length, ctx);
        expect(msg.issue).toBeUndefined();
        expect(msg.body).toMatchObject({ type: 'certificate', tls13: false });
        const entries = (msg.body as { entries: Array<{ der: string }> }).entries;
        expect(entries.map((e) => e.der)).toEqual(ders.map((d) => Buffer.from(d).toString('hex')));
        for (const n of prefixes(bytes)) expect(flagged(decodeHandshakeMessage(space(bytes), 0, n, ctx))).toBe(true);
      }),
      params,
    );
  });

  it('Alerts: every pair decodes, an odd trailing byte is flagged', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (pairs) => {
        const bytes = new Uint8Array(pairs.flat());
        const alerts = decodeAlerts(bytes, 0, bytes.length);
        expect(alerts.map((a) => [a.level, a.description])).toEqual(pairs);
        const cut = decodeAlerts(bytes, 0, bytes.length - 1);
        expect(cut.some((a) => a.issue !== undefined || anyIssue(a.fields) !== undefined)).toBe(true);
      }),
      params,
    );
  });

  it('records: a run of records splits exactly; any cut leaves the last record flagged incomplete', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 20, max: 23 }), body: fc.uint8Array({ maxLength: 50 }) }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (recs, cutSeed) => {
          const bytes = Buffer.concat(recs.map((r) => record(r.type, r.body)));
          const split = splitRecords(bytes);
          expect(split.garbage).toBeUndefined();
          expect(split.records.map((r) => [r.contentType, r.declaredLength, r.bodyLength, r.issue])).toEqual(recs.map((r) => [r.type, r.body.length, r.body.length, undefined]));
          const cut = 1 + (cutSeed % (bytes.length - 1 || 1));
          if (cut >= bytes.length) return;
          const part = splitRecords(bytes.subarray(0, cut));
          const last = part.records.at(-1);
          const boundary = recs.reduce<number[]>((acc, r) => [...acc, (acc.at(-1) ?? 0) + 5 + r.body.length], []);
          if (boundary.includes(cut)) expect(last?.issue).toBeUndefined();
          else expect(last?.issue?.kind).toBe('incomplete');
        },
      ),
      params,
    );
  });
});
