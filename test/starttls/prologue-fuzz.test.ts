// Any bytes before TLS (a pcap can hold anything there) decode, render and serialise without an
// exception, and no control character reaches the output raw.

import fc from 'fast-check';
import { decodePrologue } from '../../src/decode/prologue/index.js';
import { describePrologue } from '../../src/view/prologue.js';
import { renderPrologue } from '../../src/report/prologue.js';
import { palette } from '../../src/report/palette.js';
import { escapeStrings } from '../../src/report/escape.js';
import { STARTTLS_PROTOCOL_NAMES } from '../../src/capture/starttls/index.js';
import type { CapturePrologue } from '../../src/capture/types.js';

/** Byte soup biased towards what the decoders look for. */
const piece = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom('220 x\r\n', '250-STARTTLS\r\n', '250 AUTH PLAIN\r\n', '* OK\r\n', '+OK\r\n', '"STARTTLS"\r\n', 'OK\r\n', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'CONNECT a:1 HTTP/1.1\r\n\r\n', '<stream:stream><stream:features><starttls/>').map((s) => Buffer.from(s, 'latin1')),
  fc.constant(Buffer.from('0d0a0d0a000d0a515549540a2111000c', 'hex')),
  fc.constant(Buffer.from('0000000804d2162f', 'hex')),
  fc.constant(Buffer.from('300c02010178070a010204000400', 'hex')),
);

const entries = fc.array(fc.record({ direction: fc.constantFrom<'client' | 'server'>('client', 'server'), parts: fc.array(piece, { minLength: 1, maxLength: 4 }) }), { maxLength: 8 }).map((list) =>
  list.map((e, i): CapturePrologue => ({ direction: e.direction, timeMs: i, bytes: new Uint8Array(Buffer.concat(e.parts)) })),
);

it('decodes, renders and serialises any prologue', () => {
  const p = palette(false);
  fc.assert(
    fc.property(entries, fc.constantFrom(undefined, ...STARTTLS_PROTOCOL_NAMES), (list, hint) => {
      const d = decodePrologue(list, hint);
      if (list.every((e) => e.bytes.length === 0)) return d === undefined;
      if (!d) return false;
      const view = describePrologue(d);
      const text = renderPrologue(view, { p, width: 100, hex: true }).join('\n');
      const json = JSON.stringify(escapeStrings(view));
      // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
      return !/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text) && !/\\u00(0[0-8b-f]|1[0-9a-f]|7f|[89][0-9a-f])/.test(json);
    }),
    { numRuns: 300, seed: 13 },
  );
});
