// isWholeRecord (src/decode/record.ts): what the scan's readers wait on. A stream cut inside a
// record header gives a slice declaring 0 bytes and holding 0, which must not count as whole (the
// TLS 1.3 handshake probe opened such a stub as an empty protected record and gave up).

import { isWholeRecord, splitRecords } from '../../src/decode/index.js';

describe('isWholeRecord', () => {
  const stream = Buffer.concat([Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0]), Buffer.from([23, 3, 3, 0, 3, 0xaa, 0xbb, 0xcc])]);
  test('every prefix of two records: whole exactly when header and body are all there', () => {
    for (let n = 0; n <= stream.length; n++) {
      const whole = splitRecords(stream.subarray(0, n)).records.map(isWholeRecord);
      const expected = [...(n > 0 ? [n >= 9] : []), ...(n > 9 ? [n === stream.length] : [])];
      expect({ n, whole }).toEqual({ n, whole: expected });
    }
  });
  test('an empty record (length 0) is whole once its header is', () => {
    expect(splitRecords(Buffer.from([23, 3, 3, 0, 0])).records.map(isWholeRecord)).toEqual([true]);
    expect(splitRecords(Buffer.from([23, 3, 3, 0])).records.map(isWholeRecord)).toEqual([false]);
  });
});
