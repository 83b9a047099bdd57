import chalk from 'chalk';
import { ByteReader, decodeWith } from '../src/decode/reader.js';

describe('ByteReader', () => {
  it('records absolute offsets for each field', () => {
    const bytes = Uint8Array.from([0xff, 0x03, 0x03, 0x00, 0x02, 0x13, 0x01]);
    const r = new ByteReader(bytes, 1);
    expect(r.u16('v', 'Version')).toBe(0x0303);
    const suites = r.vector(2, 'suites', 'Suites', { min: 2, multipleOf: 2 }, (s) => s.each(() => s.u16('s', 'Suite')));
    expect(suites).toEqual([0x1301]);
    expect(r.fields.map((f) => [f.name, f.offset, f.length])).toEqual([['v', 1, 2], ['suites', 3, 4]]);
    expect(typeof chalk.red).toBe('function');
  });

  it('turns a vector that runs past the end into an incomplete issue and moves on', () => {
    const bytes = Uint8Array.from([0x00, 0x05, 0x01]);
    const out = decodeWith(bytes, 0, bytes.length, (r) => r.vector(2, 'v', 'V', {}, (s) => s.rest('b', 'B')));
    expect(out.issue).toBeUndefined();
    expect(out.fields[0].issue?.kind).toBe('incomplete');
    expect(out.fields[0].issue?.offset).toBe(2);
  });

  it('reports a read past the end as incomplete at the cursor', () => {
    const out = decodeWith(Uint8Array.from([1]), 0, 1, (r) => r.u16('x', 'X'));
    expect(out.issue).toMatchObject({ kind: 'incomplete', offset: 0 });
  });
});
